package alexa

import (
	"strings"
	"testing"
)

// mustWellFormed fails unless s parses as XML.
func mustWellFormed(tb testing.TB, s string) {
	tb.Helper()
	if err := WellFormed(s); err != nil {
		tb.Fatalf("SSML %q is not well-formed: %v", s, err)
	}
}

func TestSSMLEscaping(t *testing.T) {
	tests := []struct {
		name, value, plain string
	}{
		{"Ampersand and angle brackets", "R&D <test>", "I have started R&D <test>."},
		{"Quotes", `the "big" one's`, `I have started the "big" one's.`},
		{"Markup injection", `</speak><audio src="x"/>`, `I have started </speak><audio src="x"/>.`},
		{"Control characters", "bad\x00name\x1b", "I have started badname."},
		{"Unicode", "São Paulo ✓", "I have started São Paulo ✓."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Sayf("I have started %s.", tt.value)
			mustWellFormed(t, Speak(s))
			if got := PlainText(s); got != tt.plain {
				t.Errorf("plain text = %q, want %q", got, tt.plain)
			}
		})
	}
	mustWellFormed(t, Speak(Join(Audio("soundbank://x?a=1&b=2"), Sayf("ID %s", SpellOut("4f<2")))))
}

func TestTruncateSSML(t *testing.T) {
	s := Join(Sayf("One."), Sayf("Two %s.", SpellOut("ab")), Sayf("Three; four."))
	for max := 0; max <= len(s)+1; max++ {
		got := Truncate(s, max)
		if len(got) > max {
			t.Fatalf("Truncate(%d) = %d bytes", max, len(got))
		}
		mustWellFormed(t, Speak(got))
		if got != "" && !strings.HasPrefix(string(s), string(got)) {
			t.Fatalf("Truncate(%d) = %q is not a prefix", max, got)
		}
	}
}
