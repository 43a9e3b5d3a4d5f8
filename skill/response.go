package skill

import (
	"encoding/json"
	"maps"
)

// Alexa's limits on a response.
const (
	// MaxSpeechChars bounds the SSML of outputSpeech (and of a reprompt): Alexa
	// rejects 8,000 characters or more.
	MaxSpeechChars = 7999
	// MaxResponseBytes bounds the whole JSON response: Alexa rejects more than 24 KB.
	MaxResponseBytes = 24 * 1024
	// maxCardChars keeps the card small enough to leave room for the rest.
	maxCardChars = 8000
)

// reply is what a handler answers, before it becomes a ResponseEnvelope. The session
// stays open exactly when there is a reprompt or a Dialog directive that needs an
// answer; Alexa reprompts with the reprompt when the user stays silent.
type reply struct {
	speech     ssml
	reprompt   ssml
	card       *Card
	directives []Directive
	// attrs are the session attributes for the next turn (nil: none).
	attrs map[string]any
	// silent replies carry no speech at all (SessionEndedRequest, skill events).
	silent bool
}

// tell answers and ends the session.
func tell(s ssml) reply { return reply{speech: s} }

// ask answers and waits for the user, reprompting with r.
func ask(s, r ssml) reply { return reply{speech: s, reprompt: r} }

// withCard adds a Simple card with the plain text of the speech (or text, when given).
func (r reply) withCard(title, text string) reply {
	if text == "" {
		text = plainText(r.speech)
	}
	r.card = &Card{Type: CardSimple, Title: title, Content: text}
	return r
}

// open reports whether the reply keeps the session open.
func (r reply) open() bool {
	if r.reprompt != "" {
		return true
	}
	for _, d := range r.directives {
		if d.Type != DirectiveUpdateDynamicEntities {
			return true
		}
	}
	return false
}

// envelope renders the reply within Alexa's limits: speech under MaxSpeechChars
// (cut after the last whole sentence that fits), and the whole response under
// MaxResponseBytes (dropping, in order, the card's tail, the dynamic entities and
// then the speech's tail).
func (r reply) envelope() *ResponseEnvelope {
	env := &ResponseEnvelope{Version: "1.0"}
	if r.silent {
		return env
	}
	open := r.open()
	if open && len(r.attrs) > 0 {
		env.SessionAttributes = maps.Clone(r.attrs)
	}
	speech := truncateSSML(r.speech, MaxSpeechChars-len("<speak></speak>"))
	if speech != "" {
		env.Response.OutputSpeech = &OutputSpeech{Type: SpeechSSML, SSML: speak(speech)}
	}
	if open {
		rp := r.reprompt
		if rp == "" {
			rp = speech // a Dialog question is repeated when the user stays silent
		}
		rp = truncateSSML(rp, MaxSpeechChars-len("<speak></speak>"))
		env.Response.Reprompt = &Reprompt{OutputSpeech: &OutputSpeech{Type: SpeechSSML, SSML: speak(rp)}}
	}
	if r.card != nil {
		c := *r.card
		c.Content = truncateText(c.Content, maxCardChars)
		env.Response.Card = &c
	}
	env.Response.Directives = append([]Directive(nil), r.directives...)
	end := !open
	env.Response.ShouldEndSession = &end
	fitResponse(env, speech)
	return env
}

// fitResponse shrinks env until its JSON is at most MaxResponseBytes.
func fitResponse(env *ResponseEnvelope, speech ssml) {
	size := func() int {
		b, _ := json.Marshal(env)
		return len(b)
	}
	over := size() - MaxResponseBytes
	if over <= 0 {
		return
	}
	if c := env.Response.Card; c != nil && c.Content != "" {
		c.Content = truncateText(c.Content, max(0, len(c.Content)-over-16))
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
		speech = truncateSSML(speech, max(0, len(speech)-over-16))
		env.Response.OutputSpeech = &OutputSpeech{Type: SpeechSSML, SSML: speak(speech)}
		over = size() - MaxResponseBytes
	}
	if over > 0 {
		env.SessionAttributes = nil
	}
}

// truncateText cuts plain text to at most max bytes at a line or word boundary and
// marks the cut with an ellipsis.
func truncateText(s string, max int) string {
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
