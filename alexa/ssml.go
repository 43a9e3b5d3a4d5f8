package alexa

import (
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// SSML is a fragment of SSML body markup (without the <speak> root) that is safe to
// concatenate: text in it is escaped. Values that come from outside (instance and
// stream names, tags) enter only through Sayf or Escape, never by conversion.
type SSML string

// Sayf formats a sentence for speech. The format is trusted text; every argument
// that is not already SSML is escaped, so an instance called "R&D <test>" reads as
// written and cannot break the markup.
func Sayf(format string, args ...any) SSML {
	safe := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case SSML:
			safe[i] = string(v)
		case string:
			safe[i] = Escape(v)
		default:
			safe[i] = Escape(fmt.Sprint(v))
		}
	}
	return SSML(fmt.Sprintf(Escape(format), safe...))
}

// Escape escapes s for use as SSML text or attribute value, and drops the
// characters XML does not allow at all (control characters other than tab and
// newlines, invalid UTF-8), which a tag value could hold.
func Escape(s string) string {
	if isPlainText(s) {
		return s // most text (names, numbers, prompts) needs no escaping: no copy
	}
	return escapeAll(s)
}

// escapeAll is Escape without its fast path: it copies s, escaping each rune.
func escapeAll(s string) string {
	var b strings.Builder
	b.Grow(len(s))
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
		case r == utf8.RuneError, r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0xFFFE, r == 0xFFFF:
			// dropped
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlainText reports whether Escape would return s unchanged: printable ASCII
// (tab and newlines allowed) without a character SSML escapes.
func isPlainText(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf, c == '&', c == '<', c == '>', c == '"', c == '\'':
			return false
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			return false
		}
	}
	return true
}

// Join concatenates fragments with single spaces, skipping empty ones.
func Join(parts ...SSML) SSML {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(string(p))
	}
	return SSML(b.String())
}

// SpellOut makes Alexa read s character by character (an instance ID's tail).
func SpellOut(s string) SSML {
	return SSML(`<say-as interpret-as="spell-out">` + Escape(s) + `</say-as>`)
}

// Audio plays a clip, such as one from the Alexa Skills Kit sound library.
func Audio(src string) SSML {
	return SSML(`<audio src="` + Escape(src) + `"/>`)
}

// Speak wraps a fragment in the <speak> root Alexa requires.
func Speak(s SSML) string { return "<speak>" + string(s) + "</speak>" }

var (
	ssmlAudioTag = regexp.MustCompile(`(?is)<audio\b[^>]*>(?:\s*</audio>)?`)
	ssmlAnyTag   = regexp.MustCompile(`(?s)<[^>]*>`)
)

// PlainText renders a fragment as the plain text of a card: audio clips and tags
// go, entities are unescaped, whitespace is collapsed.
func PlainText(s SSML) string {
	t := ssmlAudioTag.ReplaceAllString(string(s), " ")
	t = ssmlAnyTag.ReplaceAllString(t, "")
	return strings.Join(strings.Fields(html.UnescapeString(t)), " ")
}

// Truncate shortens s to at most max bytes, cutting after the last sentence
// that ends outside any element, so the result stays well-formed. It returns s when
// it already fits, and "" when no sentence fits.
func Truncate(s SSML, max int) SSML {
	if len(s) <= max {
		return s
	}
	depth, inTag, cut := 0, false, 0
	for i := 0; i < len(s) && i < max; i++ {
		switch c := s[i]; {
		case c == '<':
			inTag = true
			switch {
			case strings.HasPrefix(string(s[i:]), "</"):
				depth--
			default:
				depth++
			}
		case c == '>' && inTag:
			inTag = false
			if s[i-1] == '/' {
				depth--
			}
		case !inTag && depth == 0 && (c == '.' || c == ';' || c == '?' || c == '!'):
			cut = i + 1
		}
	}
	return SSML(strings.TrimSpace(string(s[:cut])))
}

// WellFormed reports whether speech (with its <speak> root) parses as XML, which
// Alexa requires of SSML: nil when it does, else the parser's error.
func WellFormed(speech string) error {
	d := xml.NewDecoder(strings.NewReader(speech))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
