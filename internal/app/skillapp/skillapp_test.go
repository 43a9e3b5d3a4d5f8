package skillapp_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/app/mfaapp"
	"github.com/easytocloud/easytocloud/internal/app/skillapp"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/skill"
	"github.com/easytocloud/easytocloud/tenants"
)

func TestMain(m *testing.M) { awstest.Main(m) }

const (
	skillID = "amzn1.ask.skill.skillapp-test"
	issuer  = "https://auth.skillapp.test"
)

// tableCalls counts the DynamoDB operations sent through it.
type tableCalls struct {
	mu    sync.Mutex
	calls map[string]int
}

func (c *tableCalls) RoundTrip(req *http.Request) (*http.Response, error) {
	if op, ok := strings.CutPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_20120810."); ok {
		c.mu.Lock()
		c.calls[op]++
		c.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

// take returns the calls counted since the last take.
func (c *tableCalls) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.calls
	c.calls = map[string]int{}
	return out
}

// wired is the skill as NewHandler wires it for the Lambda function, against the
// emulator: oauth.Tokens as the revoker, the mfa service in process (the Lambda calls
// it over HTTP), a file signing key; its table calls counted. One tenant, one user
// with a phone and an access token issued now.
type wired struct {
	h       *skill.Handler
	calls   *tableCalls
	mfa     *mfa.Service
	revoker *oauth.Tokens
	user    tenants.User
	token   string
	phone   string
	newH    func() *skill.Handler // another function instance: its own caches
}

func newWired(t *testing.T) *wired {
	t.Helper()
	ctx := context.Background()
	base := awstest.Config(t)
	conf := app.Config{Table: awstest.Table(t), SecretsKeyID: awstest.SecretsKey(t), Issuer: issuer, SkillID: skillID}
	seed := app.NewStore(conf, app.NewAWS(base))
	seed.Password = tenants.PasswordParams{Memory: 1024, Time: 1, Threads: 1}
	account := awstest.NewAccountID(t)
	tn, err := seed.CreateTenant(ctx, tenants.Tenant{Name: "Wired", RoleARN: "arn:aws:iam::" + account + ":role/easytocloud",
		MFA: tenants.MFAPolicy{Kind: tenants.MFASMS, Elevation: 10 * time.Minute}}, "")
	if err != nil {
		t.Fatal(err)
	}
	w := &wired{calls: &tableCalls{calls: map[string]int{}}, phone: "+1555" + account[len(account)-7:]}
	w.user, err = seed.CreateUser(ctx, tenants.User{TenantID: tn.ID, Email: "wired-" + account + "@example.com", Phone: w.phone}, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := accesstoken.NewFileSigner(filepath.Join(t.TempDir(), "signing.pem"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	w.token, err = accesstoken.Mint(ctx, signer, accesstoken.Claims{Issuer: issuer, Audience: skillID, Subject: w.user.ID,
		TenantID: tn.ID, IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	counted := base.Copy()
	counted.HTTPClient = &http.Client{Transport: w.calls, Timeout: time.Minute}
	clients := app.NewAWS(counted)
	w.mfa = mfaapp.NewService(conf, app.NewAWS(base), slog.New(slog.DiscardHandler))
	w.revoker = oauth.NewTokens(app.NewTable(conf, clients), nil)
	w.newH = func() *skill.Handler {
		return skillapp.NewHandler(conf, clients, skillapp.Parts{Keys: signer, MFA: w.mfa, Revoker: w.revoker}, slog.New(slog.DiscardHandler))
	}
	w.h = w.newH()
	return w
}

// envelope returns the request of the alexa package's testdata file (a launch when
// file is ""), from the Alexa account alexaUser with the user's token.
func (w *wired) envelope(t *testing.T, file, alexaUser string) *alexa.RequestEnvelope {
	t.Helper()
	app := alexa.Application{ApplicationID: skillID}
	user := alexa.User{UserID: alexaUser, AccessToken: w.token}
	env := &alexa.RequestEnvelope{Version: "1.0",
		Session: alexa.Session{New: true, SessionID: "s", Application: app, User: user},
		Context: alexa.Context{System: alexa.System{Application: app, User: user, Device: alexa.Device{DeviceID: "amzn1.ask.device.KITCHEN"}}},
		Request: alexa.Request{Type: alexa.LaunchRequestType, RequestID: "r", Locale: "en-US", Timestamp: time.Now().UTC().Format(time.RFC3339)}}
	if file != "" {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "alexa", "testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		env = &alexa.RequestEnvelope{}
		if err := json.Unmarshal(b, env); err != nil {
			t.Fatal(err)
		}
		env.Context.System.Application, env.Context.System.User = app, user
	}
	return env
}

func (w *wired) handle(t *testing.T, h *skill.Handler, env *alexa.RequestEnvelope) *alexa.ResponseEnvelope {
	t.Helper()
	resp, err := h.Handle(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func linkCard(r *alexa.ResponseEnvelope) bool {
	return r.Response.Card != nil && r.Response.Card.Type == alexa.CardLinkAccount
}

// TestSkillDisabledEndsAccessAtOnce: SkillDisabled with the user's access token
// (most of its hour left) makes the next request with that token get the answer to
// an invalid token (LinkAccount card), and ends the elevation the user had.
func TestSkillDisabledEndsAccessAtOnce(t *testing.T) {
	w := newWired(t)
	ctx := context.Background()
	if r := w.handle(t, w.h, w.envelope(t, "", "amzn1.ask.account.A")); linkCard(r) {
		t.Fatalf("before SkillDisabled the token is refused: %+v", r.Response)
	}
	// Elevated on the Echo the requests come from.
	echo := mfa.NewOrigin("amzn1.ask.account.A", "amzn1.ask.device.KITCHEN", "")
	if _, err := w.mfa.Challenge(ctx, w.user.TenantID, w.user.ID, echo); err != nil {
		t.Fatal(err)
	}
	msgs := awstest.SMSTo(t, w.phone)
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(msgs[len(msgs)-1].Text)
	if _, err := w.mfa.Verify(ctx, w.user.TenantID, w.user.ID, echo, code); err != nil {
		t.Fatalf("elevate: %v", err)
	}
	// Another instance gets the event: revocation is not a cache of one instance.
	w.handle(t, w.newH(), w.envelope(t, "skill_disabled.json", "amzn1.ask.account.A"))
	if r := w.handle(t, w.h, w.envelope(t, "", "amzn1.ask.account.A")); !linkCard(r) {
		t.Errorf("after SkillDisabled the token still works: %+v", r.Response.OutputSpeech)
	}
	if el, err := w.mfa.Elevation(ctx, w.user.TenantID, w.user.ID, echo); !errors.Is(err, mfa.ErrNotElevated) {
		t.Errorf("after SkillDisabled the elevation is %+v, %v; want ErrNotElevated", el, err)
	}
}

// TestTableCallsPerRequest counts the skill's table calls: a warm request reads the
// user and their revocation mark (two GetItems, at once); the first request of a
// function reads the tenant too; the first request of an Alexa account within the
// hour on an instance also records it (one conditional UpdateItem).
func TestTableCallsPerRequest(t *testing.T) {
	w := newWired(t)
	launch := func(h *skill.Handler, alexaUser string) map[string]int {
		t.Helper()
		w.calls.take()
		if r := w.handle(t, h, w.envelope(t, "", alexaUser)); linkCard(r) {
			t.Fatalf("launch refused: %+v", r.Response)
		}
		return w.calls.take()
	}
	for _, tc := range []struct {
		name string
		h    *skill.Handler
		from string
		want map[string]int
	}{
		{"ColdNewAlexaAccount", w.h, "amzn1.ask.account.A", map[string]int{"GetItem": 3, "UpdateItem": 1}},
		{"Warm", w.h, "amzn1.ask.account.A", map[string]int{"GetItem": 2}},
		{"WarmAgain", w.h, "amzn1.ask.account.A", map[string]int{"GetItem": 2}},
		{"WarmSecondAlexaAccount", w.h, "amzn1.ask.account.B", map[string]int{"GetItem": 2, "UpdateItem": 1}},
		{"OtherInstanceKnownAccount", w.newH(), "amzn1.ask.account.A", map[string]int{"GetItem": 3, "UpdateItem": 1}},
	} {
		got := launch(tc.h, tc.from)
		t.Logf("%s: %v", tc.name, got)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: table calls (-want +got):\n%s", tc.name, diff)
		}
	}
}
