package interactionmodel

import (
	"strconv"
	"strings"
)

var digitWords = map[string]map[string]string{
	"en": {
		"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
		"five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
	},
	"de": {
		"null": "0", "eins": "1", "ein": "1", "zwei": "2", "zwo": "2", "drei": "3", "vier": "4",
		"fünf": "5", "sechs": "6", "sieben": "7", "acht": "8", "neun": "9",
	},
}

var cardinalWords = map[string]map[string]int{
	"en": {
		"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
		"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
		"fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
		"nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
		"seventy": 70, "eighty": 80, "ninety": 90,
	},
	"de": {
		"null": 0, "eins": 1, "ein": 1, "eine": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5,
		"sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12,
		"dreizehn": 13, "vierzehn": 14, "fünfzehn": 15, "sechzehn": 16, "siebzehn": 17,
		"achtzehn": 18, "neunzehn": 19, "zwanzig": 20, "dreißig": 30, "vierzig": 40,
		"fünfzig": 50, "sechzig": 60, "siebzig": 70, "achtzig": 80, "neunzig": 90,
	},
}

var scaleWords = map[string]map[string]int{
	"en": {"hundred": 100, "thousand": 1000, "million": 1000000},
	"de": {"hundert": 100, "tausend": 1000, "million": 1000000, "millionen": 1000000},
}

// parseNumber reads an AMAZON.NUMBER value from normalised tokens the way Alexa
// hears it: digits ("514309"), digit words said one by one ("five one four three
// zero nine"), or a cardinal ("twenty three", "one hundred and five"). It returns the
// digits as a string (digit strings keep leading zeros, as a code needs them).
func parseNumber(lang string, tokens []string) (string, bool) {
	if len(tokens) == 0 {
		return "", false
	}
	var b strings.Builder
	sequence := true
	for _, t := range tokens {
		if d, ok := digitWords[lang][t]; ok {
			b.WriteString(d)
			continue
		}
		if isDigits(t) {
			b.WriteString(t)
			continue
		}
		sequence = false
		break
	}
	if sequence && b.Len() <= 18 {
		return b.String(), true
	}
	return parseCardinal(lang, tokens)
}

func parseCardinal(lang string, tokens []string) (string, bool) {
	total, current := 0, 0
	seen := false
	for _, t := range tokens {
		if t == "and" || t == "und" {
			continue
		}
		if v, ok := cardinalWords[lang][t]; ok {
			current += v
			seen = true
			continue
		}
		if v, ok := germanCompound(lang, t); ok {
			current += v
			seen = true
			continue
		}
		s, ok := scaleWords[lang][t]
		if !ok {
			return "", false
		}
		if current == 0 {
			current = 1
		}
		if s == 100 {
			current *= s
		} else {
			total += current * s
			current = 0
		}
		seen = true
	}
	if !seen || total+current > 999999999 {
		return "", false
	}
	return strconv.Itoa(total + current), true
}

// germanCompound reads German compounds such as "dreiundzwanzig" (three-and-twenty).
func germanCompound(lang, t string) (int, bool) {
	if lang != "de" {
		return 0, false
	}
	unit, tens, ok := strings.Cut(t, "und")
	if !ok {
		return 0, false
	}
	u, ok1 := cardinalWords["de"][unit]
	v, ok2 := cardinalWords["de"][tens]
	if !ok1 || !ok2 || u < 1 || u > 9 || v < 20 || v%10 != 0 {
		return 0, false
	}
	return u + v, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
