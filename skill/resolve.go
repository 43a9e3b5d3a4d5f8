package skill

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/easytocloud/easytocloud/account"
)

// nameKey normalises an instance name, or a spoken one, for comparison: case,
// punctuation and spacing are ignored, and numbers compare as digits whether they
// were written or said ("Web-1", "web 1", "web one" and "web1" share the key
// "web1"; "web twenty one" is "web21").
func nameKey(s string) string {
	var b strings.Builder
	for _, t := range nameTokens(s) {
		b.WriteString(t)
	}
	return b.String()
}

// nameTokens splits s into lower-case words and numbers, with number words turned
// into digits. Letters and digits that touch ("web1") are separate tokens.
func nameTokens(s string) []string { return joinNumbers(rawTokens(s)) }

// rawTokens splits the lower-cased s into runs of letters or of digits, split where
// one turns into the other. Tokens are substrings of the lower-cased name: no copy
// per token.
func rawTokens(s string) []string {
	lower := strings.ToLower(s)
	var raw []string
	start, prevDigit := -1, false
	for i, r := range lower {
		digit := unicode.IsDigit(r)
		switch {
		case !digit && !unicode.IsLetter(r):
			if start >= 0 {
				raw = append(raw, lower[start:i])
				start = -1
			}
		case start < 0:
			start = i
		case digit != prevDigit:
			raw = append(raw, lower[start:i])
			start = i
		}
		prevDigit = digit
	}
	if start >= 0 {
		raw = append(raw, lower[start:])
	}
	return raw
}

// joinNumbers turns the number words of raw into digits, in place: it returns raw
// shortened, so a name costs one slice (rawTokens') whatever its words.
func joinNumbers(raw []string) []string {
	out := raw[:0]
	for i := 0; i < len(raw); i++ {
		t := raw[i]
		d, ok := numberTokens[t]
		if !ok {
			out = append(out, t)
			continue
		}
		// "twenty one" is 21, not "201".
		if len(d) == 2 && d[1] == '0' && i+1 < len(raw) {
			if u, ok := numberTokens[raw[i+1]]; ok && len(u) == 1 && u != "0" {
				d = d[:1] + u
				i++
			}
		}
		out = append(out, d)
	}
	return out
}

// resolution is the outcome of matching a spoken name against the instances.
type resolution struct {
	// match is the one instance meant, when there is exactly one.
	match *account.Instance
	// options are the candidates when the name fits several equally well.
	options []account.Instance
}

// resolveName finds the instance a spoken name means among all, in order of
// preference: the same key; then names that contain every spoken word, or whose
// words are all in what was said ("the splunk server"); then the closest names by
// edit distance, within about one edit in four characters. A spoken suffix naming a
// region ("splunk in Ireland") narrows the candidates to that region. Terminated
// instances are never candidates.
func resolveName(spoken string, all []account.Instance) resolution {
	live := make([]account.Instance, 0, len(all))
	for _, in := range all {
		if in.State != "terminated" {
			live = append(live, in)
		}
	}
	if name, region, ok := splitPlace(spoken); ok {
		var inRegion []account.Instance
		for _, in := range live {
			if in.Region == region {
				inRegion = append(inRegion, in)
			}
		}
		if r := resolveIn(name, inRegion); r.match != nil || len(r.options) > 0 {
			return r
		}
	}
	return resolveIn(spoken, live)
}

func resolveIn(spoken string, all []account.Instance) resolution {
	key := nameKey(spoken)
	if key == "" {
		return resolution{}
	}
	pick := func(c []account.Instance) resolution {
		switch len(c) {
		case 0:
			return resolution{}
		case 1:
			return resolution{match: &c[0]}
		}
		sortInstances(c)
		return resolution{options: c}
	}
	var exact, partial []account.Instance
	said := nameTokens(spoken)
	for _, in := range all {
		k := nameKey(in.Name)
		if k == "" {
			k = nameKey(in.ID)
		}
		if k == key {
			exact = append(exact, in)
			continue
		}
		words := nameTokens(in.Name)
		if len(words) > 0 && (containsAll(words, said) || containsAll(said, words)) {
			partial = append(partial, in)
		}
	}
	if r := pick(exact); r.match != nil || len(r.options) > 0 {
		return r
	}
	if r := pick(partial); r.match != nil || len(r.options) > 0 {
		return r
	}
	best, bestDist := []account.Instance(nil), maxDistance(key)+1
	keyLen := utf8.RuneCountInString(key)
	for _, in := range all {
		k := nameKey(in.Name)
		if k == "" {
			continue
		}
		// The distance is at least the difference in length: a name that cannot be
		// close is not compared (a long spoken value would cost length × length).
		if diff := keyLen - utf8.RuneCountInString(k); diff > bestDist || -diff > bestDist {
			continue
		}
		d := levenshtein(key, k)
		switch {
		case d < bestDist:
			best, bestDist = []account.Instance{in}, d
		case d == bestDist:
			best = append(best, in)
		}
	}
	return pick(best)
}

// maxDistance is how many edits a close match may need: about one in four
// characters, at least one.
func maxDistance(key string) int {
	return max(1, len([]rune(key))/4)
}

// containsAll reports whether every word of sub occurs in words.
func containsAll(words, sub []string) bool {
	if len(sub) == 0 {
		return false
	}
	for _, s := range sub {
		if !slices.Contains(words, s) {
			return false
		}
	}
	return true
}

// splitPlace splits "splunk in Ireland" (or "splunk in Irland") into the name and
// the region code.
func splitPlace(spoken string) (name, region string, ok bool) {
	lower := strings.ToLower(spoken)
	i := strings.LastIndex(lower, " in ")
	if i <= 0 {
		return "", "", false
	}
	code, ok := regionFromPlace(spoken[i+len(" in "):])
	if !ok {
		return "", "", false
	}
	return spoken[:i], code, true
}

// levenshtein is the edit distance between a and b, in runes.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
