package interactionmodel

import (
	"testing"

	"github.com/easytocloud/easytocloud/alexa"
)

func TestSSMLToText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"Plain", "<speak>Access granted.</speak>", "Access granted."},
		{"Audio", `<speak><audio src="soundbank://soundlibrary/musical/amzn_sfx_trumpet_bugle_04"/> Welcome to easy to cloud.</speak>`, "[♪ tune] Welcome to easy to cloud."},
		{"AudioPair", `<speak><audio src='https://x/y.mp3'></audio>Hi</speak>`, "[♪ tune] Hi"},
		{"Entities", "<speak>Tom &amp; Jerry &lt;3 &quot;ok&quot;</speak>", `Tom & Jerry <3 "ok"`},
		{"Sub", `<speak>In <sub alias="North Virginia">us-east-1</sub>.</speak>`, "In North Virginia."},
		{"BreaksAndSentences", `<speak><p>One.</p><p>Two<break time="1s"/>three</p><s>Four</s></speak>`, "One. Two three Four"},
		{"SayAs", `<speak>Say <say-as interpret-as="digits">514309</say-as>.</speak>`, "Say 514309."},
		{"Whitespace", "<speak>\n  a\t b  </speak>", "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SSMLToText(tt.in); got != tt.want {
				t.Errorf("SSMLToText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSpeechAndCardText(t *testing.T) {
	if got := SpeechText(&alexa.OutputSpeech{Type: "PlainText", Text: " I have  started splunk. "}); got != "I have started splunk." {
		t.Errorf("SpeechText(PlainText) = %q", got)
	}
	if got := SpeechText(&alexa.OutputSpeech{Type: "SSML", SSML: "<speak>Hi</speak>"}); got != "Hi" {
		t.Errorf("SpeechText(SSML) = %q", got)
	}
	if got := SpeechText(nil); got != "" {
		t.Errorf("SpeechText(nil) = %q", got)
	}
	tests := []struct {
		card        *alexa.Card
		title, body string
		ok          bool
	}{
		{&alexa.Card{Type: "Simple", Title: "Instances", Content: "splunk: stopped"}, "Instances", "splunk: stopped", true},
		{&alexa.Card{Type: "Standard", Title: "Code", Text: "sent"}, "Code", "sent", true},
		{&alexa.Card{Type: "LinkAccount"}, "Link your account", "", true},
		{nil, "", "", false},
	}
	for _, tt := range tests {
		title, body, ok := CardText(tt.card)
		if title != tt.title || body != tt.body || ok != tt.ok {
			t.Errorf("CardText(%+v) = %q, %q, %v; want %q, %q, %v", tt.card, title, body, ok, tt.title, tt.body, tt.ok)
		}
	}
}
