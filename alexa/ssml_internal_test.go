package alexa

import "testing"

// TestEscapeFastPath: Escape's fast path returns what escaping every rune would.
func TestEscapeFastPath(t *testing.T) {
	samples := []string{
		"", "web-1", "Web-1", "WEB 1", "web1", "web twenty one", "db-01", "node-000", "a&b", "<tag>", `say "hi"`, "it's",
		"Zürich", "zurich", "ZÜRICH-2", "São Paulo", "sao paulo", "tab\there", "line\nbreak", "bell\x07", "bad\xffutf8",
		"\ufffd", "emoji 🚀 7", "web-10", "web-9", "Ünïcödé12x", "x2y3", "   ", "-", "ǅungla", "İstanbul", "ﬁle",
		"plain ASCII text, no escapes", "a\u007fb", "\ufffe\uffff",
	}
	for _, s := range samples {
		if got, want := Escape(s), escapeAll(s); got != want {
			t.Errorf("Escape(%q) = %q, want %q", s, got, want)
		}
	}
}
