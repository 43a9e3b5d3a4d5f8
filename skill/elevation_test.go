package skill

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/awstest"
)

// speaker is who speaks to the skill, and where: an Alexa account, the Echo that
// hears them, and the voice profile Alexa recognised ("" for none).
type speaker struct{ alexaUserID, deviceID, personID string }

// Alexa's IDs in the elevation tests: the account and voice profile of the fixture on
// its Echo, and the ones that differ from it.
const (
	aliceAccount, malloryAccount = "amzn1.ask.account.AGQ4EXAMPLEALICE", "amzn1.ask.account.AGQ4EXAMPLEMALLORY"
	kitchenEcho, studyEcho       = "amzn1.ask.device.AEXAMPLEKITCHENECHOSHOW", "amzn1.ask.device.AEXAMPLESTUDYECHODOT"
	patProfile, samProfile       = "amzn1.ask.person.AFRK7EXAMPLEPAT", "amzn1.ask.person.AFRK7EXAMPLESAM"
)

var echoA = speaker{aliceAccount, kitchenEcho, patProfile}

var requests int

// sayAs sends the fixture testdata/start_instance_voice_profile.json, a request as
// Alexa sends it with a voice profile on an Echo Show, as s with token, asking intent
// with slots, through JSON, to h.
func sayAs(t *testing.T, h *Handler, token string, s speaker, intent string, slots map[string]string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "start_instance_voice_profile.json"))
	if err != nil {
		t.Fatal(err)
	}
	var env alexa.RequestEnvelope
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	requests++
	env.Session.User = alexa.User{UserID: s.alexaUserID, AccessToken: token}
	env.Context.System.User = env.Session.User
	env.Context.System.Device.DeviceID = s.deviceID
	if s.personID == "" {
		env.Context.System.Person = nil
	} else {
		env.Context.System.Person.PersonID = s.personID
	}
	env.Request.RequestID = fmt.Sprintf("amzn1.echo-api.request.elevation-%d", requests)
	env.Request.Timestamp = time.Now().UTC().Format(time.RFC3339)
	env.Request.Intent = &alexa.RequestIntent{Name: intent, ConfirmationStatus: alexa.ConfirmationNone, Slots: map[string]alexa.RequestSlot{}}
	for k, v := range slots {
		env.Request.Intent.Slots[k] = alexa.RequestSlot{Name: k, Value: v, ConfirmationStatus: alexa.ConfirmationNone}
	}
	d := newDevice(t, h, token)
	return speech(d.send(&env))
}

// TestElevationIsBoundToTheEchoThatAuthenticated: the user authenticates on Echo A
// (their Alexa account, their voice profile), with the second factor behind its HTTP
// API. "Start splunk" is then refused, the instance untouched, from another Echo, from
// another Alexa account linked to the same user, from another voice profile on Echo
// A and from an unrecognised voice on it; on Echo A it starts splunk. After "lock" on
// A, no origin is elevated.
func TestElevationIsBoundToTheEchoThatAuthenticated(t *testing.T) {
	w := newFaultWorld(t)
	restoreStates(t, w)
	ctx := context.Background()
	fs := w.stack(t) // no fault is added: the skill, the mfa Client, the HTTP API, the Service
	if err := fs.svc.Lock(ctx, w.who.TenantID, w.who.UserID); err != nil {
		t.Fatal(err)
	}
	const (
		needAuth = "You need to authenticate. Say authenticate and the code from your token, or say authenticate text."
		started  = "I have started splunk."
	)
	start := map[string]string{"instance": "splunk"}
	if got := sayAs(t, fs.h, w.token, echoA, "AuthenticateIntent", map[string]string{"code": "123456"}); got != "Access granted." {
		t.Fatalf("authenticate on A: %q", got)
	}
	unlocked := 0
	for _, tc := range []struct {
		name string
		who  speaker
	}{
		{"AnotherEcho", speaker{aliceAccount, studyEcho, patProfile}},
		{"AnotherAlexaAccount", speaker{malloryAccount, kitchenEcho, patProfile}},
		{"AnotherVoiceProfile", speaker{aliceAccount, kitchenEcho, samProfile}},
		{"UnrecognisedVoice", speaker{aliceAccount, kitchenEcho, ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := sayAs(t, fs.h, w.token, tc.who, "StartInstanceIntent", start)
			if state := awstest.InstanceState(t, w.acct, "eu-west-1", w.splunk); got != needAuth || state != "stopped" {
				t.Errorf("start splunk: %q, splunk %s; want %q and splunk stopped", got, state, needAuth)
				unlocked++
				restoreStates(t, w)
			}
		})
	}
	t.Logf("authenticated on Echo A: %d of 4 other origins could start splunk", unlocked)
	if got := sayAs(t, fs.h, w.token, echoA, "StartInstanceIntent", start); got != started {
		t.Errorf("start splunk on A: %q, want %q", got, started)
	}
	if got := sayAs(t, fs.h, w.token, echoA, "LockIntent", nil); got != "Done. Any change now needs a new code." {
		t.Errorf("lock on A: %q", got)
	}
	restoreStates(t, w)
	if got := sayAs(t, fs.h, w.token, echoA, "StartInstanceIntent", start); got != needAuth {
		t.Errorf("start splunk on A after lock: %q, want %q", got, needAuth)
	}
}
