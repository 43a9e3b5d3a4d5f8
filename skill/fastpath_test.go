package skill

import (
	"cmp"
	"fmt"
	"strings"
	"testing"
	"unicode"
)

// The helpers below were rewritten to allocate less; each is checked against the
// plain implementation it replaced.

var textSamples = []string{
	"", "web-1", "Web-1", "WEB 1", "web1", "web twenty one", "db-01", "node-000", "a&b", "<tag>", `say "hi"`, "it's",
	"Zürich", "zurich", "ZÜRICH-2", "São Paulo", "sao paulo", "tab\there", "line\nbreak", "bell\x07", "bad\xffutf8",
	"\ufffd", "emoji 🚀 7", "web-10", "web-9", "Ünïcödé12x", "x2y3", "   ", "-", "ǅungla", "İstanbul", "ﬁle",
}

func TestCompareFold(t *testing.T) {
	for _, a := range textSamples {
		for _, b := range textSamples {
			want := cmp.Compare(strings.ToLower(a), strings.ToLower(b))
			if got := compareFold(a, b); got != want {
				t.Errorf("compareFold(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func TestNameTokensUnchanged(t *testing.T) {
	for _, s := range textSamples {
		if got, want := fmt.Sprint(nameTokens(s)), fmt.Sprint(nameTokensSlow(s)); got != want {
			t.Errorf("nameTokens(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestSpokenNumbers(t *testing.T) {
	got := spokenNumbers([]string{"web", "1", "01", "0", "21", "123", "x1", ""})
	want := []string{"web", "one", "01", "zero", "twenty-one", "123", "x1", ""}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("spokenNumbers = %q, want %q", got, want)
	}
}

// nameTokensSlow is the tokenizer nameTokens replaced (rune buffer per token),
// with the same number joining.
func nameTokensSlow(s string) []string {
	var raw []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			raw = append(raw, string(cur))
			cur = cur[:0]
		}
	}
	prevDigit := false
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsDigit(r):
			if !prevDigit {
				flush()
			}
			cur = append(cur, r)
			prevDigit = true
		case unicode.IsLetter(r):
			if prevDigit {
				flush()
			}
			cur = append(cur, r)
			prevDigit = false
		default:
			flush()
			prevDigit = false
		}
	}
	flush()
	return joinNumbers(raw)
}
