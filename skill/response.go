package skill

import (
	"maps"

	"github.com/easytocloud/easytocloud/alexa"
)

// maxCardChars keeps the card small enough to leave room for the rest.
const maxCardChars = 8000

// reply is what a handler answers, before it becomes an alexa.ResponseEnvelope. The session
// stays open exactly when there is a reprompt or a Dialog directive that needs an
// answer; Alexa reprompts with the reprompt when the user stays silent.
type reply struct {
	speech     alexa.SSML
	reprompt   alexa.SSML
	card       *alexa.Card
	directives []alexa.Directive
	// attrs are the session attributes for the next turn (nil: none).
	attrs map[string]any
	// silent replies carry no speech at all (SessionEndedRequest, skill events).
	silent bool
}

// tell answers and ends the session.
func tell(s alexa.SSML) reply { return reply{speech: s} }

// ask answers and waits for the user, reprompting with r.
func ask(s, r alexa.SSML) reply { return reply{speech: s, reprompt: r} }

// withCard adds a Simple card with the plain text of the speech (or text, when given).
func (r reply) withCard(title, text string) reply {
	if text == "" {
		text = alexa.PlainText(r.speech)
	}
	r.card = &alexa.Card{Type: alexa.CardSimple, Title: title, Content: text}
	return r
}

// open reports whether the reply keeps the session open.
func (r reply) open() bool {
	if r.reprompt != "" {
		return true
	}
	for _, d := range r.directives {
		if d.Type != alexa.DirectiveUpdateDynamicEntities {
			return true
		}
	}
	return false
}

// envelope renders the reply within Alexa's limits: speech under alexa.MaxSpeechChars
// (cut after the last whole sentence that fits), and the whole response under
// alexa.MaxResponseBytes (dropping, in order, the card's tail, the dynamic entities and
// then the speech's tail).
func (r reply) envelope() *alexa.ResponseEnvelope {
	env := &alexa.ResponseEnvelope{Version: "1.0"}
	if r.silent {
		return env
	}
	open := r.open()
	if open && len(r.attrs) > 0 {
		env.SessionAttributes = maps.Clone(r.attrs)
	}
	speech := alexa.Truncate(r.speech, alexa.MaxSpeechChars-len("<speak></speak>"))
	if speech != "" {
		env.Response.OutputSpeech = &alexa.OutputSpeech{Type: alexa.SpeechSSML, SSML: alexa.Speak(speech)}
	}
	if open {
		rp := r.reprompt
		if rp == "" {
			rp = speech // a Dialog question is repeated when the user stays silent
		}
		rp = alexa.Truncate(rp, alexa.MaxSpeechChars-len("<speak></speak>"))
		env.Response.Reprompt = &alexa.Reprompt{OutputSpeech: &alexa.OutputSpeech{Type: alexa.SpeechSSML, SSML: alexa.Speak(rp)}}
	}
	if r.card != nil {
		c := *r.card
		c.Content = alexa.TruncateText(c.Content, maxCardChars)
		env.Response.Card = &c
	}
	env.Response.Directives = append([]alexa.Directive(nil), r.directives...)
	end := !open
	env.Response.ShouldEndSession = &end
	env.Fit(speech)
	return env
}
