package alexa

import "encoding/json"

// Alexa's limits on a response.
const (
	// MaxSpeechChars bounds the SSML of outputSpeech (and of a reprompt): Alexa
	// rejects 8,000 characters or more.
	MaxSpeechChars = 7999
	// MaxResponseBytes bounds the whole JSON response: Alexa rejects more than 24 KB.
	MaxResponseBytes = 24 * 1024
)

// Fit shrinks env until its JSON is at most MaxResponseBytes, dropping in order the
// card's tail, the dynamic entities, the tail of speech (the outputSpeech env carries,
// without its <speak> root) and at last the session attributes.
func (env *ResponseEnvelope) Fit(speech SSML) {
	size := func() int {
		b, _ := json.Marshal(env)
		return len(b)
	}
	over := size() - MaxResponseBytes
	if over <= 0 {
		return
	}
	if c := env.Response.Card; c != nil && c.Content != "" {
		c.Content = TruncateText(c.Content, max(0, len(c.Content)-over-16))
		if over = size() - MaxResponseBytes; over <= 0 {
			return
		}
	}
	kept := env.Response.Directives[:0]
	for _, d := range env.Response.Directives {
		if d.Type != DirectiveUpdateDynamicEntities {
			kept = append(kept, d)
		}
	}
	env.Response.Directives = kept
	if over = size() - MaxResponseBytes; over <= 0 {
		return
	}
	// JSON escaping can make the speech longer on the wire than in bytes; shrink
	// until it fits.
	for over > 0 && speech != "" {
		speech = Truncate(speech, max(0, len(speech)-over-16))
		env.Response.OutputSpeech = &OutputSpeech{Type: SpeechSSML, SSML: Speak(speech)}
		over = size() - MaxResponseBytes
	}
	if over > 0 {
		env.SessionAttributes = nil
	}
}

// TruncateText cuts plain text to at most max bytes at a line or word boundary and
// marks the cut with an ellipsis.
func TruncateText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	if max < 4 {
		return ""
	}
	cut := max - len("…")
	for cut > 0 && s[cut] != '\n' && s[cut] != ' ' {
		cut--
	}
	if cut == 0 {
		cut = max - len("…")
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
