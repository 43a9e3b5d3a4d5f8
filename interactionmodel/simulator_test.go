package interactionmodel

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/alexa"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func newConversation(t *testing.T, locale string) *Conversation {
	t.Helper()
	m, err := NewLocaleMatcher(locale, testSkillID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	return &Conversation{
		Matcher: m, Locale: locale, SkillID: testSkillID,
		UserID: "amzn1.ask.account.TEST", DeviceID: "amzn1.ask.device.TEST", AccessToken: "token-1",
		Now: func() time.Time { return time.Date(2026, 11, 25, 3, 4, 5, 0, time.FixedZone("CET", 3600)) },
		NewID: func(kind string) string {
			n++
			return fmt.Sprintf("%s%d", kind, n)
		},
	}
}

func mustUtter(t *testing.T, c *Conversation, u string) alexa.RequestEnvelope {
	t.Helper()
	env, err := c.Utter(u)
	if err != nil {
		t.Fatalf("Utter(%q): %v", u, err)
	}
	return env
}

func mustReceive(t *testing.T, c *Conversation, js string) {
	t.Helper()
	var r alexa.ResponseEnvelope
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatal(err)
	}
	if err := c.Receive(r); err != nil {
		t.Fatal(err)
	}
}

func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

// TestRequestEnvelopes pins the JSON the simulator sends to the shape of the ASK
// request reference.
func TestRequestEnvelopes(t *testing.T) {
	c := newConversation(t, "en-GB")
	golden(t, "launch_request.json", mustUtter(t, c, "Alexa, open easy to cloud"))
	mustReceive(t, c, `{"version":"1.0","sessionAttributes":{"turn":1},"response":{"shouldEndSession":false}}`)
	golden(t, "intent_request.json", mustUtter(t, c, "what's running in Dublin"))
}

func TestSessionLifecycle(t *testing.T) {
	c := newConversation(t, "en-US")
	launch := mustUtter(t, c, "open easy to cloud")
	if launch.Request.Type != alexa.LaunchRequestType || !launch.Session.New {
		t.Fatalf("launch = %s new=%v", launch.Request.Type, launch.Session.New)
	}
	mustReceive(t, c, `{"version":"1.0","sessionAttributes":{"lang":"en","n":1},"response":{"shouldEndSession":false}}`)

	list := mustUtter(t, c, "list instances")
	if list.Session.New || list.Session.SessionID != launch.Session.SessionID {
		t.Errorf("second turn: new=%v session %s, want the launch session %s", list.Session.New, list.Session.SessionID, launch.Session.SessionID)
	}
	if diff := cmp.Diff(map[string]any{"lang": "en", "n": float64(1)}, list.Session.Attributes); diff != "" {
		t.Errorf("attributes not carried (-want +got):\n%s", diff)
	}
	if list.Request.DialogState != "" {
		t.Errorf("dialogState %q for an intent without dialog model", list.Request.DialogState)
	}

	// No shouldEndSession: a voice-only Echo closes the session.
	mustReceive(t, c, `{"version":"1.0","sessionAttributes":{"lang":"en"},"response":{"outputSpeech":{"type":"PlainText","text":"ok"}}}`)
	if c.InSession() {
		t.Fatal("session still open after a response without shouldEndSession")
	}
	next := mustUtter(t, c, "describe kinesis shards")
	if !next.Session.New || next.Session.SessionID == launch.Session.SessionID || next.Session.Attributes != nil {
		t.Errorf("after the session ended: new=%v id=%s attributes=%v; want a fresh session", next.Session.New, next.Session.SessionID, next.Session.Attributes)
	}

	oneShot := mustUtter(t, c, "ask easy to cloud to start splunk")
	if !oneShot.Session.New || oneShot.Request.Intent.Name != "StartInstanceIntent" || oneShot.Request.Intent.Slots["instance"].Value != "splunk" {
		t.Errorf("one-shot = new %v %+v", oneShot.Session.New, oneShot.Request.Intent)
	}

	ended := c.EndSession("USER_INITIATED")
	if ended.Request.Type != alexa.SessionEndedRequestType || ended.Request.Reason != "USER_INITIATED" || c.InSession() {
		t.Errorf("EndSession = %+v, in session %v", ended.Request, c.InSession())
	}
}

func TestConfirmIntent(t *testing.T) {
	tests := []struct {
		answer, want string
	}{
		{"yes", alexa.ConfirmationConfirmed},
		{"no", alexa.ConfirmationDenied},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			c := newConversation(t, "en-US")
			stop := mustUtter(t, c, "stop splunk")
			if stop.Request.DialogState != alexa.DialogStarted || stop.Request.Intent.ConfirmationStatus != alexa.ConfirmationNone {
				t.Fatalf("first turn dialogState %q confirmation %q", stop.Request.DialogState, stop.Request.Intent.ConfirmationStatus)
			}
			mustReceive(t, c, `{"version":"1.0","sessionAttributes":{"a":"b"},"response":{"outputSpeech":{"type":"PlainText","text":"Should I stop splunk?"},
				"directives":[{"type":"Dialog.ConfirmIntent"}]}}`)
			got := mustUtter(t, c, tt.answer)
			in := got.Request.Intent
			if in.Name != "StopInstanceIntent" || in.ConfirmationStatus != tt.want || in.Slots["instance"].Value != "splunk" {
				t.Errorf("answer %q gave %+v", tt.answer, in)
			}
			if got.Request.DialogState != alexa.DialogInProgress || got.Session.New || got.Session.Attributes["a"] != "b" {
				t.Errorf("answer turn: dialogState %q new %v attributes %v", got.Request.DialogState, got.Session.New, got.Session.Attributes)
			}
		})
	}
}

func TestConfirmIntentUsesUpdatedIntent(t *testing.T) {
	c := newConversation(t, "de-DE")
	mustUtter(t, c, "stoppe jenkins")
	mustReceive(t, c, `{"version":"1.0","response":{"directives":[{"type":"Dialog.ConfirmIntent","updatedIntent":{"name":"StopInstanceIntent","confirmationStatus":"NONE","slots":{"instance":{"name":"instance","value":"splunk","confirmationStatus":"NONE"}}}}]}}`)
	got := mustUtter(t, c, "ja")
	if in := got.Request.Intent; in.ConfirmationStatus != alexa.ConfirmationConfirmed || in.Slots["instance"].Value != "splunk" {
		t.Errorf("got %+v, want the updated intent confirmed", in)
	}
}

func TestConfirmIntentOtherUtteranceDropsIt(t *testing.T) {
	c := newConversation(t, "en-US")
	mustUtter(t, c, "stop splunk")
	mustReceive(t, c, `{"version":"1.0","response":{"directives":[{"type":"Dialog.ConfirmIntent"}]}}`)
	got := mustUtter(t, c, "list instances")
	if got.Request.Intent.Name != "ListInstancesIntent" {
		t.Errorf("got %s, want ListInstancesIntent", got.Request.Intent.Name)
	}
	if again := mustUtter(t, c, "lock"); again.Request.Intent.Name != "LockIntent" {
		t.Errorf("got %s", again.Request.Intent.Name)
	}
}

func TestElicitSlot(t *testing.T) {
	tests := []struct {
		name, answer, wantIntent, wantValue string
	}{
		{"BareValue", "splunk", "StopInstanceIntent", "splunk"},
		{"SlotSample", "the jenkins server", "StopInstanceIntent", "jenkins"},
		{"SameIntentAgain", "stop the database server", "StopInstanceIntent", "database"},
		{"OtherIntent", "list instances in ireland", "ListInstancesIntent", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConversation(t, "en-US")
			c.Matcher.SetDynamicEntities(nil)
			env, err := c.Utter("stop")
			if err != nil || env.Request.Intent.Name != "AMAZON.StopIntent" {
				t.Fatalf("stop = %v %v", env.Request.Intent, err)
			}
			mustReceive(t, c, `{"version":"1.0","response":{"directives":[{"type":"Dialog.ElicitSlot","slotToElicit":"instance",
				"updatedIntent":{"name":"StopInstanceIntent","confirmationStatus":"NONE","slots":{"instance":{"name":"instance","confirmationStatus":"NONE"}}}}]}}`)
			got := mustUtter(t, c, tt.answer)
			if got.Request.Intent.Name != tt.wantIntent {
				t.Fatalf("intent %s, want %s", got.Request.Intent.Name, tt.wantIntent)
			}
			if tt.wantValue != "" {
				if v := got.Request.Intent.Slots["instance"].Value; v != tt.wantValue {
					t.Errorf("instance = %q, want %q", v, tt.wantValue)
				}
				if got.Request.DialogState != alexa.DialogInProgress {
					t.Errorf("dialogState %q, want IN_PROGRESS", got.Request.DialogState)
				}
			}
		})
	}
}

func TestDynamicEntitiesDirective(t *testing.T) {
	c := newConversation(t, "en-US")
	c.Launch()
	mustReceive(t, c, `{"version":"1.0","response":{"shouldEndSession":false,"directives":[{"type":"Dialog.UpdateDynamicEntities","updateBehavior":"REPLACE",
		"types":[{"name":"INSTANCE_NAME","values":[{"id":"i-1","name":{"value":"splunk","synonyms":["splonk"]}}]}]}]}}`)
	got := mustUtter(t, c, "start splonk")
	if id := resolvedID(got.Request.Intent.Slots["instance"]); id != "i-1" {
		t.Errorf("dynamic entity id = %q, want i-1", id)
	}
}

func TestUtterNoMatch(t *testing.T) {
	c := newConversation(t, "en-US")
	if _, err := c.Utter("sing me a song"); !errors.Is(err, ErrNoMatch) {
		t.Fatalf("Utter = %v, want ErrNoMatch", err)
	}
	fb := c.Fallback()
	if fb.Request.Intent.Name != "AMAZON.FallbackIntent" {
		t.Errorf("Fallback = %s", fb.Request.Intent.Name)
	}
	if _, err := c.Utter("ask easy to cloud to sing"); !errors.Is(err, ErrNoMatch) {
		t.Errorf("one-shot no match = %v", err)
	}
}

func TestReceiveRejectsBadResponses(t *testing.T) {
	c := newConversation(t, "en-US")
	if err := c.Receive(alexa.ResponseEnvelope{}); err == nil {
		t.Error("Receive accepted a response without version")
	}
	c.Launch()
	if err := c.Receive(alexa.ResponseEnvelope{Version: "1.0", Response: alexa.Response{Directives: []alexa.Directive{{Type: "Dialog.ConfirmIntent"}}}}); err == nil {
		t.Error("Receive accepted ConfirmIntent with no intent to confirm")
	}
}
