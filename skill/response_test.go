package skill

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/easytocloud/easytocloud/alexa"
)

// mustWellFormed fails unless s parses as XML.
func mustWellFormed(tb testing.TB, s string) {
	tb.Helper()
	if err := alexa.WellFormed(s); err != nil {
		tb.Fatalf("SSML %q is not well-formed: %v", s, err)
	}
}

func TestEnvelope(t *testing.T) {
	t.Run("TellEndsSession", func(t *testing.T) {
		env := tell(alexa.Sayf("Goodbye.")).envelope()
		if env.Response.ShouldEndSession == nil || !*env.Response.ShouldEndSession {
			t.Error("tell does not end the session")
		}
		if env.Response.Reprompt != nil {
			t.Error("tell has a reprompt")
		}
	})
	t.Run("AskKeepsSessionWithReprompt", func(t *testing.T) {
		r := ask(alexa.Sayf("What now?"), alexa.Sayf("Say help."))
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
		r := reply{speech: alexa.Sayf("Should I stop splunk?"), directives: []alexa.Directive{{Type: alexa.DirectiveConfirmIntent,
			UpdatedIntent: &alexa.RequestIntent{Name: "StopInstanceIntent", ConfirmationStatus: alexa.ConfirmationNone}}}}
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
		var parts []alexa.SSML
		for i := range 2000 {
			parts = append(parts, alexa.Sayf("Instance number %d is running.", i))
		}
		env := tell(alexa.Join(parts...)).withCard("Instances", "").envelope()
		ssmlText := env.Response.OutputSpeech.SSML
		if len(ssmlText) >= 8000 {
			t.Errorf("speech is %d characters", len(ssmlText))
		}
		mustWellFormed(t, ssmlText)
		b, _ := json.Marshal(env)
		if len(b) > alexa.MaxResponseBytes {
			t.Errorf("response is %d bytes", len(b))
		}
	})
	t.Run("HugeResponseFits", func(t *testing.T) {
		var values []alexa.EntityValue
		for i := range 100 {
			values = append(values, alexa.EntityValue{ID: fmt.Sprintf("i-%017d", i), Name: alexa.EntityName{Value: strings.Repeat("n", 140)}})
		}
		r := tell(alexa.Sayf("%s.", strings.Repeat("<&>", 2600))).withCard("Big", strings.Repeat("line of text\n", 2000))
		r.directives = []alexa.Directive{{Type: alexa.DirectiveUpdateDynamicEntities, UpdateBehavior: alexa.UpdateReplace,
			Types: []alexa.DynamicEntity{{Name: "INSTANCE_NAME", Values: values}}}}
		env := r.envelope()
		b, _ := json.Marshal(env)
		if len(b) > alexa.MaxResponseBytes {
			t.Errorf("response is %d bytes, want at most %d", len(b), alexa.MaxResponseBytes)
		}
		if env.Response.OutputSpeech != nil {
			mustWellFormed(t, env.Response.OutputSpeech.SSML)
		}
	})
}
