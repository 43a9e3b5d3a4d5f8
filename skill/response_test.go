package skill

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
)

// mustWellFormed fails unless s parses as XML.
func mustWellFormed(tb testing.TB, s string) {
	tb.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return
			}
			tb.Fatalf("SSML %q is not well-formed: %v", s, err)
		}
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
			s := sayf("I have started %s.", tt.value)
			mustWellFormed(t, speak(s))
			if got := plainText(s); got != tt.plain {
				t.Errorf("plain text = %q, want %q", got, tt.plain)
			}
		})
	}
	mustWellFormed(t, speak(join(audio("soundbank://x?a=1&b=2"), sayf("ID %s", spellOut("4f<2")))))
}

func TestTruncateSSML(t *testing.T) {
	s := join(sayf("One."), sayf("Two %s.", spellOut("ab")), sayf("Three; four."))
	for max := 0; max <= len(s)+1; max++ {
		got := truncateSSML(s, max)
		if len(got) > max {
			t.Fatalf("truncateSSML(%d) = %d bytes", max, len(got))
		}
		mustWellFormed(t, speak(got))
		if got != "" && !strings.HasPrefix(string(s), string(got)) {
			t.Fatalf("truncateSSML(%d) = %q is not a prefix", max, got)
		}
	}
}

func TestEnvelope(t *testing.T) {
	t.Run("TellEndsSession", func(t *testing.T) {
		env := tell(sayf("Goodbye.")).envelope()
		if env.Response.ShouldEndSession == nil || !*env.Response.ShouldEndSession {
			t.Error("tell does not end the session")
		}
		if env.Response.Reprompt != nil {
			t.Error("tell has a reprompt")
		}
	})
	t.Run("AskKeepsSessionWithReprompt", func(t *testing.T) {
		r := ask(sayf("What now?"), sayf("Say help."))
		r.attrs = map[string]any{"k": "v"}
		env := r.envelope()
		if env.Response.ShouldEndSession == nil || *env.Response.ShouldEndSession {
			t.Error("ask ends the session")
		}
		if env.Response.Reprompt == nil || env.Response.Reprompt.OutputSpeech.SSML != "<speak>Say help.</speak>" {
			t.Errorf("reprompt = %+v", env.Response.Reprompt)
		}
		if env.SessionAttributes["k"] != "v" {
			t.Errorf("attributes = %v", env.SessionAttributes)
		}
	})
	t.Run("DialogDirectiveKeepsSessionAndReprompts", func(t *testing.T) {
		r := reply{speech: sayf("Should I stop splunk?"), directives: []Directive{{Type: DirectiveConfirmIntent,
			UpdatedIntent: &RequestIntent{Name: "StopInstanceIntent", ConfirmationStatus: ConfirmationNone}}}}
		env := r.envelope()
		if *env.Response.ShouldEndSession || env.Response.Reprompt == nil {
			t.Errorf("dialog directive response: end=%v reprompt=%v", *env.Response.ShouldEndSession, env.Response.Reprompt)
		}
	})
	t.Run("SilentHasNothing", func(t *testing.T) {
		b, _ := json.Marshal(reply{silent: true}.envelope())
		if string(b) != `{"version":"1.0","response":{}}` {
			t.Errorf("silent = %s", b)
		}
	})
	t.Run("LongSpeechIsCut", func(t *testing.T) {
		var parts []ssml
		for i := range 2000 {
			parts = append(parts, sayf("Instance number %d is running.", i))
		}
		env := tell(join(parts...)).withCard("Instances", "").envelope()
		ssmlText := env.Response.OutputSpeech.SSML
		if len(ssmlText) >= 8000 {
			t.Errorf("speech is %d characters", len(ssmlText))
		}
		mustWellFormed(t, ssmlText)
		b, _ := json.Marshal(env)
		if len(b) > MaxResponseBytes {
			t.Errorf("response is %d bytes", len(b))
		}
	})
	t.Run("HugeResponseFits", func(t *testing.T) {
		var values []EntityValue
		for i := range 100 {
			values = append(values, EntityValue{ID: fmt.Sprintf("i-%017d", i), Name: EntityName{Value: strings.Repeat("n", 140)}})
		}
		r := tell(sayf("%s.", strings.Repeat("<&>", 2600))).withCard("Big", strings.Repeat("line of text\n", 2000))
		r.directives = []Directive{{Type: DirectiveUpdateDynamicEntities, UpdateBehavior: UpdateReplace,
			Types: []DynamicEntity{{Name: "INSTANCE_NAME", Values: values}}}}
		env := r.envelope()
		b, _ := json.Marshal(env)
		if len(b) > MaxResponseBytes {
			t.Errorf("response is %d bytes, want at most %d", len(b), MaxResponseBytes)
		}
		if env.Response.OutputSpeech != nil {
			mustWellFormed(t, env.Response.OutputSpeech.SSML)
		}
	})
}
