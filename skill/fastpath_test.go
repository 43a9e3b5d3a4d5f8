package skill

import (
	"cmp"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/easytocloud/easytocloud/alexa"
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

func TestEscapeTextFastPath(t *testing.T) {
	for _, s := range textSamples {
		if got, want := alexa.Escape(s), escapeSlow(s); got != want {
			t.Errorf("alexa.Escape(%q) = %q, want %q", s, got, want)
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

// escapeSlow is escapeText without its fast path.
func escapeSlow(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\'':
			b.WriteString("&apos;")
		case r == unicode.ReplacementChar, r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0xFFFE, r == 0xFFFF:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// nameTokensSlow is the tokenizer nameTokens replaced (rune buffer per token).
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
	out := make([]string, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		t := raw[i]
		d, ok := numberTokens[t]
		if !ok {
			out = append(out, t)
			continue
		}
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
