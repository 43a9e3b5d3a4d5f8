package skill

import "strconv"

var (
	enOnes = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
		"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	enTens = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
	deOnes = []string{"null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun",
		"zehn", "elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn", "achtzehn", "neunzehn"}
	deTens = []string{"", "", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig"}
)

// numberWord spells n as a word when that reads better in speech (0 to 99); larger
// numbers stay digits, which Alexa reads well.
func numberWord(lang string, n int) string {
	if n < 0 || n > 99 {
		return strconv.Itoa(n)
	}
	if lang == "de" {
		switch {
		case n < 20:
			return deOnes[n]
		case n%10 == 0:
			return deTens[n/10]
		}
		unit := deOnes[n%10]
		if n%10 == 1 {
			unit = "ein"
		}
		return unit + "und" + deTens[n/10]
	}
	switch {
	case n < 20:
		return enOnes[n]
	case n%10 == 0:
		return enTens[n/10]
	}
	return enTens[n/10] + "-" + enOnes[n%10]
}

// enArticle returns "an" before a number word that starts with a vowel sound
// ("an eight shard stream", "an eleven shard stream"), else "a".
func enArticle(n int) string {
	if n == 8 || n == 11 || n == 18 || n/10 == 8 {
		return "an"
	}
	return "a"
}

// numberTokens maps number words, said one by one, to digits for name matching
// ("web one" = "web-1"). Both languages are accepted in every locale: instance names
// are often English in German accounts.
var numberTokens = func() map[string]string {
	m := map[string]string{"oh": "0", "zwo": "2", "ein": "1", "eine": "1"}
	for i := range 100 {
		m[numberWord("en", i)] = strconv.Itoa(i)
		m[numberWord("de", i)] = strconv.Itoa(i)
	}
	for i := 21; i < 100; i++ {
		if i%10 != 0 {
			m[enTens[i/10]+enOnes[i%10]] = strconv.Itoa(i) // "twentyone" after hyphens go
		}
	}
	return m
}()
