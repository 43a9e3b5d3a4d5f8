package skill

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/tenants"
)

// baseAccess hands out the base configuration (for tests that never reach AWS).
type baseAccess struct{}

func (baseAccess) Config(base aws.Config, _ tenants.Tenant, _ string) aws.Config { return base }

var alice = tenants.Principal{TenantID: "tnt-a", UserID: "usr-alice"}

// newFakeHandler returns a Handler whose dependencies are fakes: token "good" is
// alice of tenant tnt-a.
func newFakeHandler(t *testing.T) (*Handler, *fakeMFA, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	m := newFakeMFA("123456")
	h := &Handler{
		SkillID: testSkillID,
		Tokens:  fakeTokens{"good": alice},
		Directory: &fakeDirectory{
			tenants: map[string]tenants.Tenant{"tnt-a": {ID: "tnt-a", Name: "Acme", RoleARN: "arn:aws:iam::222222222222:role/x", ExternalID: "x"}},
			users:   map[string]bool{"tnt-a/usr-alice": true},
		},
		Access: baseAccess{},
		MFA:    m,
		Log:    newLogger(logs),
	}
	return h, m, logs
}

func TestWrongApplicationRefused(t *testing.T) {
	h, _, _ := newFakeHandler(t)
	for _, id := range []string{"amzn1.ask.skill.other", ""} {
		env := newDevice(t, h, "good").envelope(alexa.Request{Type: alexa.LaunchRequestType})
		env.Context.System.Application.ApplicationID = id
		env.Session.Application.ApplicationID = id
		if resp, err := h.Handle(context.Background(), env); !errors.Is(err, alexa.ErrWrongApplication) || resp != nil {
			t.Errorf("application %q: Handle = %v, %v; want ErrWrongApplication", id, resp, err)
		}
	}
	h.SkillID = ""
	env := newDevice(t, h, "good").envelope(alexa.Request{Type: alexa.LaunchRequestType})
	if _, err := h.Handle(context.Background(), env); !errors.Is(err, alexa.ErrWrongApplication) {
		t.Errorf("no configured skill ID: err = %v, want ErrWrongApplication", err)
	}
}

func TestLinkAccount(t *testing.T) {
	const want = "To use easy to cloud, link your account in the Alexa app."
	tests := []struct {
		name, token, logMsg string
	}{
		{"NoToken", "", ""},
		{"InvalidToken", "forged", "access token refused"},
		{"UserGone", "gone", "token names a tenant or user that no longer exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _, logs := newFakeHandler(t)
			h.Tokens = fakeTokens{"good": alice, "gone": {TenantID: "tnt-a", UserID: "usr-deleted"}}
			d := newDevice(t, h, tt.token)
			for _, resp := range []*alexa.ResponseEnvelope{d.launch(), d.intent("ListInstancesIntent", nil)} {
				if got := speech(resp); got != want {
					t.Errorf("speech = %q, want %q", got, want)
				}
				if c := resp.Response.Card; c == nil || c.Type != alexa.CardLinkAccount {
					t.Errorf("card = %+v, want LinkAccount", c)
				}
				if !ended(resp) {
					t.Error("session stays open")
				}
			}
			if tt.logMsg != "" && len(logs.lines(t, tt.logMsg)) == 0 {
				t.Errorf("no log line %q in:\n%s", tt.logMsg, logs)
			}
			if strings.Contains(logs.String(), "forged") {
				t.Error("the token appears in the log")
			}
		})
	}
}

func TestLaunchWelcomes(t *testing.T) {
	h, _, _ := newFakeHandler(t)
	resp := newDevice(t, h, "good").launch()
	ssmlText := resp.Response.OutputSpeech.SSML
	if !strings.Contains(ssmlText, `<audio src="soundbank://soundlibrary/`) {
		t.Errorf("no welcome tune from the sound library: %s", ssmlText)
	}
	if !strings.HasPrefix(speech(resp), "Welcome to easy to cloud.") {
		t.Errorf("speech = %q", speech(resp))
	}
	if ended(resp) || resp.Response.Reprompt == nil {
		t.Error("launch does not wait for the user")
	}
}

func TestBuiltInIntents(t *testing.T) {
	tests := []struct {
		intent, token, locale, want string
		open                        bool
	}{
		{"AMAZON.StopIntent", "", "en-US", "Goodbye.", false},
		{"AMAZON.CancelIntent", "good", "en-GB", "Goodbye.", false},
		{"AMAZON.NavigateHomeIntent", "good", "de-DE", "Tschüss.", false},
		{"AMAZON.HelpIntent", "good", "en-US", "You can say list instances", true},
		{"AMAZON.FallbackIntent", "good", "en-US", "Sorry, I didn't get that.", true},
		{"NoSuchIntent", "good", "en-US", "Sorry, I didn't get that.", true},
		{"AMAZON.HelpIntent", "good", "de-DE", "Du kannst sagen", true},
	}
	for _, tt := range tests {
		t.Run(tt.intent+"/"+tt.locale, func(t *testing.T) {
			h, _, _ := newFakeHandler(t)
			d := newDevice(t, h, tt.token)
			d.locale = tt.locale
			d.launch() // a session is open
			resp := d.intent(tt.intent, nil)
			if got := speech(resp); !strings.HasPrefix(got, tt.want) {
				t.Errorf("speech = %q, want prefix %q", got, tt.want)
			}
			if ended(resp) == tt.open {
				t.Errorf("session open = %v, want %v", !ended(resp), tt.open)
			}
		})
	}
}

func TestSessionEndedIsSilent(t *testing.T) {
	h, _, logs := newFakeHandler(t)
	h.SkillID = "amzn1.ask.skill.7c1f2a3b-4d5e-6f70-8192-a3b4c5d6e7f8"
	resp, err := h.Handle(context.Background(), mustDecode(t, "session_ended_request.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(resp)
	if string(b) != `{"version":"1.0","response":{}}` {
		t.Errorf("response = %s", b)
	}
	l := logs.lines(t, "session ended")
	if len(l) != 1 || l[0]["error_type"] != "INVALID_RESPONSE" {
		t.Errorf("log = %v", l)
	}
}

func TestSkillDisabledRevokesTokens(t *testing.T) {
	const fixtureToken = "eyJhbGciOiJFUzI1NiJ9.e30.sig"
	tests := []struct {
		name    string
		tokens  fakeTokens
		want    []tenants.Principal
		wantLog string
	}{
		{"Revoked", fakeTokens{fixtureToken: alice}, []tenants.Principal{alice}, "skill disabled; the user's tokens are revoked"},
		{"TokenNoLongerVerifies", fakeTokens{}, nil, "skill disabled, but the access token does not name a user; tokens not revoked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _, logs := newFakeHandler(t)
			h.SkillID = "amzn1.ask.skill.7c1f2a3b-4d5e-6f70-8192-a3b4c5d6e7f8"
			h.Tokens = tt.tokens
			rev := &fakeRevoker{}
			h.Revoker = rev
			resp, err := h.Handle(context.Background(), mustDecode(t, "skill_disabled.json"))
			if err != nil || resp.Response.OutputSpeech != nil {
				t.Fatalf("Handle = %+v, %v", resp, err)
			}
			if diff := cmp.Diff(tt.want, rev.revoked); diff != "" {
				t.Errorf("revoked (-want +got):\n%s", diff)
			}
			if len(logs.lines(t, tt.wantLog)) != 1 {
				t.Errorf("no log line %q in:\n%s", tt.wantLog, logs)
			}
		})
	}
}

func TestAccountLinkedIsLogged(t *testing.T) {
	h, _, logs := newFakeHandler(t)
	h.SkillID = "amzn1.ask.skill.7c1f2a3b-4d5e-6f70-8192-a3b4c5d6e7f8"
	h.Tokens = fakeTokens{"eyJhbGciOiJFUzI1NiJ9.e30.sig": alice}
	if _, err := h.Handle(context.Background(), mustDecode(t, "skill_account_linked.json")); err != nil {
		t.Fatal(err)
	}
	l := logs.lines(t, "account linked")
	if len(l) != 1 || l[0]["tenant"] != "tnt-a" {
		t.Errorf("log = %v", l)
	}
}

// panickyDirectory panics, as a bug in a dependency might.
type panickyDirectory struct{}

func (panickyDirectory) GetTenant(context.Context, string) (tenants.Tenant, error) { panic("boom") }
func (panickyDirectory) GetUser(context.Context, string, string) (tenants.User, error) {
	return tenants.User{}, nil
}

func TestPanicBecomesApology(t *testing.T) {
	h, _, logs := newFakeHandler(t)
	h.Directory = panickyDirectory{}
	resp := newDevice(t, h, "good").intent("ListInstancesIntent", nil)
	if got := speech(resp); got != "Sorry, something went wrong on my side. Please try again." {
		t.Errorf("speech = %q", got)
	}
	if len(logs.lines(t, "panic answering request")) != 1 {
		t.Errorf("panic not logged:\n%s", logs)
	}
}

func TestAuthenticate(t *testing.T) {
	tests := []struct {
		name      string
		locale    string
		slots     map[string]string
		challenge func(string, string) (mfa.Challenge, error)
		verify    func(string, string, string) (mfa.Elevation, error)
		want      string
		open      bool
	}{
		{name: "Granted", slots: map[string]string{"code": "123456"}, want: "Access granted.", open: true},
		{name: "GrantedGerman", locale: "de-DE", slots: map[string]string{"code": "123456"}, want: "Zugriff gewährt.", open: true},
		{name: "InvalidCode", slots: map[string]string{"code": "111111"},
			verify: func(string, string, string) (mfa.Elevation, error) {
				return mfa.Elevation{}, &mfa.CodeError{TriesLeft: 2}
			},
			want: "That code is not valid; you have two tries left.", open: true},
		{name: "LastTry", slots: map[string]string{"code": "111111"},
			verify: func(string, string, string) (mfa.Elevation, error) {
				return mfa.Elevation{}, &mfa.CodeError{TriesLeft: 1}
			},
			want: "That code is not valid; you have one try left.", open: true},
		{name: "Locked", slots: map[string]string{"code": "111111"},
			verify: func(string, string, string) (mfa.Elevation, error) {
				return mfa.Elevation{}, &mfa.RetryError{Err: mfa.ErrLocked, RetryAfter: 14*time.Minute + 30*time.Second}
			},
			want: "Too many attempts; try again in fifteen minutes.", open: true},
		{name: "LockedOut", slots: map[string]string{"code": "111111"},
			verify: func(string, string, string) (mfa.Elevation, error) { return mfa.Elevation{}, mfa.ErrLockedOut },
			want:   "Too many failed attempts; ask your administrator to unlock your account.", open: true},
		{name: "LockedOutGerman", locale: "de-DE", slots: map[string]string{"code": "111111"},
			verify: func(string, string, string) (mfa.Elevation, error) { return mfa.Elevation{}, mfa.ErrLockedOut },
			want:   "Zu viele Fehlversuche; bitte deinen Administrator, dein Konto zu entsperren.", open: true},
		{name: "LockedOutAskingForText", slots: map[string]string{"method": "text"},
			challenge: func(string, string) (mfa.Challenge, error) { return mfa.Challenge{}, mfa.ErrLockedOut },
			want:      "Too many failed attempts; ask your administrator to unlock your account.", open: true},
		{name: "NoChallenge", slots: map[string]string{"code": "514309"},
			verify: func(string, string, string) (mfa.Elevation, error) { return mfa.Elevation{}, mfa.ErrNoChallenge },
			want:   "There's no valid code to check. Say authenticate text to get a new one.", open: true},
		{name: "MFADown", slots: map[string]string{"code": "514309"},
			verify: func(string, string, string) (mfa.Elevation, error) {
				return mfa.Elevation{}, errors.New("connection refused")
			},
			want: "Sorry, I can't check your authentication right now. Please try again in a moment.", open: true},
		{name: "TextSent", slots: map[string]string{"method": "text"},
			want: "I've sent the code to your phone. When it arrives, say authenticate and the six digits.", open: true},
		{name: "TokenTenantAsksForText", slots: map[string]string{"method": "text"},
			challenge: func(string, string) (mfa.Challenge, error) { return mfa.Challenge{Method: tenants.MFAToken}, nil },
			want:      "This account uses a token; say authenticate and the six digits it shows.", open: true},
		{name: "RateLimited", slots: map[string]string{"method": "sms"},
			challenge: func(string, string) (mfa.Challenge, error) {
				return mfa.Challenge{}, &mfa.RetryError{Err: mfa.ErrRateLimited, RetryAfter: 50 * time.Second}
			},
			want: "I've sent too many codes; try again in one minute.", open: true},
		{name: "NoPhone", slots: map[string]string{"method": "text"},
			challenge: func(string, string) (mfa.Challenge, error) { return mfa.Challenge{}, mfa.ErrNoPhone },
			want:      "There's no phone number on your easy to cloud account, so I can't text you a code. Ask your administrator to add one.", open: true},
		{name: "NothingSaid", slots: map[string]string{"code": "?"},
			want: "Say authenticate and the code from your token, or say authenticate text.", open: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, m, _ := newFakeHandler(t)
			m.ChallengeFn, m.VerifyFn = tt.challenge, tt.verify
			d := newDevice(t, h, "good")
			if tt.locale != "" {
				d.locale = tt.locale
			}
			d.launch()
			resp := d.intent("AuthenticateIntent", tt.slots)
			if got := speech(resp); got != tt.want {
				t.Errorf("speech = %q, want %q", got, tt.want)
			}
			if ended(resp) == tt.open {
				t.Errorf("session open = %v, want %v", !ended(resp), tt.open)
			}
		})
	}
}

func TestLockEndsElevation(t *testing.T) {
	h, m, _ := newFakeHandler(t)
	m.elevate(alice)
	d := newDevice(t, h, "good")
	d.launch()
	if got := speech(d.intent("LockIntent", nil)); got != "Done. Any change now needs a new code." {
		t.Errorf("speech = %q", got)
	}
	if _, err := m.Elevation(context.Background(), alice.TenantID, alice.UserID, mfa.Origin{}); !errors.Is(err, mfa.ErrNotElevated) {
		t.Errorf("still elevated after lock: %v", err)
	}
}
