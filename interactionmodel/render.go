package interactionmodel

import (
	"html"
	"regexp"
	"strings"

	"github.com/easytocloud/easytocloud/alexa"
)

// TuneMarker stands in for an <audio> clip in rendered speech.
const TuneMarker = "[♪ tune]"

var (
	ssmlAudio = regexp.MustCompile(`(?is)<audio\b[^>]*?/?>(?:\s*</audio>)?`)
	ssmlSub   = regexp.MustCompile(`(?is)<sub\b[^>]*?\balias\s*=\s*("([^"]*)"|'([^']*)')[^>]*>.*?</sub>`)
	ssmlBreak = regexp.MustCompile(`(?is)<(?:break\b[^>]*|/p|/s|p|s)\s*/?>`)
	ssmlTag   = regexp.MustCompile(`(?s)<[^>]*>`)
)

// SSMLToText renders SSML as the text Alexa would say: tags go, entities are
// unescaped, <sub alias> is replaced by its alias, an <audio> clip becomes TuneMarker,
// and whitespace is collapsed.
func SSMLToText(ssml string) string {
	s := ssmlAudio.ReplaceAllString(ssml, " "+TuneMarker+" ")
	s = ssmlSub.ReplaceAllStringFunc(s, func(m string) string {
		g := ssmlSub.FindStringSubmatch(m)
		return g[2] + g[3]
	})
	s = ssmlBreak.ReplaceAllString(s, " ")
	s = ssmlTag.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	return strings.Join(strings.Fields(s), " ")
}

// SpeechText returns the text of an output speech, PlainText or SSML; "" for nil.
func SpeechText(o *alexa.OutputSpeech) string {
	if o == nil {
		return ""
	}
	if strings.EqualFold(o.Type, alexa.SpeechSSML) {
		return SSMLToText(o.SSML)
	}
	return strings.Join(strings.Fields(o.Text), " ")
}

// CardText returns the title and body of a card as the Alexa app shows them; a
// LinkAccount card has a fixed title and no body. ok is false for nil.
func CardText(c *alexa.Card) (title, body string, ok bool) {
	if c == nil {
		return "", "", false
	}
	switch c.Type {
	case alexa.CardLinkAccount:
		return "Link your account", "", true
	case alexa.CardStandard:
		return c.Title, c.Text, true
	default:
		return c.Title, c.Content, true
	}
}
