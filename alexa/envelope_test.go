package alexa

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustDecode(tb testing.TB, name string) *RequestEnvelope {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	var env RequestEnvelope
	if err := json.Unmarshal(b, &env); err != nil {
		tb.Fatalf("decode %s: %v", name, err)
	}
	return &env
}

func TestDecodeFixtures(t *testing.T) {
	const skillID = "amzn1.ask.skill.7c1f2a3b-4d5e-6f70-8192-a3b4c5d6e7f8"
	type summary struct {
		Type, Locale, AppID, Token, Endpoint, Intent, Confirmation, DialogState, Reason string
		NewSession                                                                      bool
		HasSession                                                                      bool
	}
	tests := []struct {
		file string
		want summary
	}{
		{"launch_request.json", summary{Type: LaunchRequestType, Locale: "en-US", AppID: skillID,
			Token: "eyJhbGciOiJFUzI1NiJ9.e30.sig", Endpoint: "https://api.amazonalexa.com", NewSession: true, HasSession: true}},
		{"intent_request_er.json", summary{Type: IntentRequestType, Locale: "en-GB", AppID: skillID,
			Token: "eyJhbGciOiJFUzI1NiJ9.e30.sig", Endpoint: "https://api.eu.amazonalexa.com",
			Intent: "StopInstanceIntent", Confirmation: ConfirmationConfirmed, DialogState: DialogInProgress, HasSession: true}},
		{"intent_request_region.json", summary{Type: IntentRequestType, Locale: "de-DE", AppID: skillID,
			Token: "eyJhbGciOiJFUzI1NiJ9.e30.sig", Endpoint: "https://api.eu.amazonalexa.com",
			Intent: "ListInstancesIntent", Confirmation: ConfirmationNone, NewSession: true, HasSession: true}},
		{"intent_request_minimal.json", summary{Type: IntentRequestType, Locale: "en-US", AppID: skillID,
			Intent: "AuthenticateIntent"}},
		{"session_ended_request.json", summary{Type: SessionEndedRequestType, Locale: "en-US", AppID: skillID,
			Token: "eyJhbGciOiJFUzI1NiJ9.e30.sig", Endpoint: "https://api.amazonalexa.com", Reason: ReasonError, HasSession: true}},
		{"skill_disabled.json", summary{Type: SkillDisabledType, Locale: "en-US", AppID: skillID,
			Token: "eyJhbGciOiJFUzI1NiJ9.e30.sig", Endpoint: "https://api.amazonalexa.com"}},
		{"skill_account_linked.json", summary{Type: SkillAccountLinkedType, Locale: "en-US", AppID: skillID,
			Token: "eyJhbGciOiJFUzI1NiJ9.e30.sig", Endpoint: "https://api.amazonalexa.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			env := mustDecode(t, tt.file)
			got := summary{
				Type: env.Request.Type, Locale: env.Locale(), AppID: env.ApplicationID(), Token: env.AccessToken(),
				Endpoint: env.Context.System.APIEndpoint, DialogState: env.Request.DialogState, Reason: env.Request.Reason,
				NewSession: env.Session.New, HasSession: env.Session.SessionID != "",
			}
			if in := env.Request.Intent; in != nil {
				got.Intent, got.Confirmation = in.Name, in.ConfirmationStatus
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
			if _, err := env.Request.Time(); err != nil {
				t.Errorf("timestamp: %v", err)
			}
		})
	}
}

func TestDecodeSlots(t *testing.T) {
	t.Run("DynamicAndStaticResolution", func(t *testing.T) {
		env := mustDecode(t, "intent_request_er.json")
		s, ok := env.Slot("instance")
		if !ok || s.Value != "splunk" {
			t.Fatalf("Slot(instance) = %+v, %v", s, ok)
		}
		if v, ok := s.Resolved(true); !ok || v.ID != "i-0abc1234def567890" {
			t.Errorf("dynamic resolution = %+v, %v", v, ok)
		}
		if v, ok := s.Resolved(false); !ok || v.ID != "splunk" {
			t.Errorf("static resolution = %+v, %v", v, ok)
		}
		if s.SlotValue == nil || s.SlotValue.Type != "Simple" {
			t.Errorf("slotValue = %+v", s.SlotValue)
		}
		p, ok := env.Session.Attributes["pending"].(map[string]any)
		if !ok || p["region"] != "eu-west-1" {
			t.Errorf("session attributes = %v", env.Session.Attributes)
		}
	})
	t.Run("RegionResolvesToCode", func(t *testing.T) {
		env := mustDecode(t, "intent_request_region.json")
		s, _ := env.Slot("region")
		if v, ok := s.Resolved(false); !ok || v.ID != "eu-west-1" || v.Name != "Irland" {
			t.Errorf("region resolution = %+v, %v", v, ok)
		}
	})
	t.Run("QuestionMarkIsUnfilled", func(t *testing.T) {
		env := mustDecode(t, "intent_request_minimal.json")
		if s, ok := env.Slot("code"); ok {
			t.Errorf("Slot(code) = %+v, filled; want unfilled for \"?\"", s)
		}
		if _, ok := env.Slot("method"); ok {
			t.Error("Slot(method) filled, want unfilled")
		}
		if _, ok := env.Slot("absent"); ok {
			t.Error("Slot(absent) filled")
		}
	})
	t.Run("SkillEventBody", func(t *testing.T) {
		env := mustDecode(t, "skill_disabled.json")
		if env.Request.Body == nil || env.Request.Body.UserInformationPersistenceStatus != "NOT_PERSISTED" {
			t.Errorf("body = %+v", env.Request.Body)
		}
		env = mustDecode(t, "skill_account_linked.json")
		if env.Request.Body == nil || env.Request.Body.AccessToken == "" {
			t.Errorf("body = %+v", env.Request.Body)
		}
	})
}

// TestEncodeOmitsAbsentSession checks that a skill event encodes without a session,
// as Alexa sends it, and that a decoded envelope encodes back to equivalent JSON.
func TestEncodeRoundTrip(t *testing.T) {
	for _, name := range []string{"skill_disabled.json", "intent_request_region.json"} {
		env := mustDecode(t, name)
		b, err := json.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		var again RequestEnvelope
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(env, &again); diff != "" {
			t.Errorf("%s: round trip (-want +got):\n%s", name, diff)
		}
		if name == "skill_disabled.json" && bytes.Contains(b, []byte(`"session"`)) {
			t.Errorf("skill event encodes a session: %s", b)
		}
	}
}

func TestDecodeTolerant(t *testing.T) {
	tests := []struct{ name, body string }{
		{"Empty", `{}`},
		{"UnknownEverywhere", `{"version":"1.0","future":{"x":1},"context":{"System":{"new":1},"Other":[]},"request":{"type":"IntentRequest","intent":{"name":"LockIntent","slots":{"x":{"name":"x","later":true}}},"extra":"y"}}`},
		{"NullParts", `{"version":"1.0","session":null,"context":null,"request":{"type":"LaunchRequest","intent":null}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var env RequestEnvelope
			if err := json.Unmarshal([]byte(tt.body), &env); err != nil {
				t.Fatalf("decode: %v", err)
			}
			_ = env.Locale()
			_, _ = env.Slot("x")
		})
	}
}

func ExampleRequestEnvelope() {
	b, _ := os.ReadFile("testdata/intent_request_region.json")
	var env RequestEnvelope
	if err := json.Unmarshal(b, &env); err != nil {
		fmt.Println(err)
		return
	}
	slot, _ := env.Slot("region")
	region, _ := slot.Resolved(false)
	fmt.Println(env.Request.Intent.Name, env.Locale(), slot.Value, "→", region.ID)
	// Output: ListInstancesIntent de-DE Dublin → eu-west-1
}
