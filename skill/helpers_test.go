package skill

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/tenants"
)

func TestMain(m *testing.M) { awstest.Main(m) }

const testSkillID = "amzn1.ask.skill.test-easytocloud"

// fakeTokens maps tokens to principals.
type fakeTokens map[string]tenants.Principal

func (f fakeTokens) Verify(_ context.Context, token string) (tenants.Principal, error) {
	if p, ok := f[token]; ok {
		return p, nil
	}
	return tenants.Principal{}, errors.New("fake: unknown token")
}

// fakeDirectory holds tenants and users.
type fakeDirectory struct {
	tenants map[string]tenants.Tenant
	users   map[string]bool // tenantID/userID
}

func (f *fakeDirectory) GetTenant(_ context.Context, id string) (tenants.Tenant, error) {
	if t, ok := f.tenants[id]; ok {
		return t, nil
	}
	return tenants.Tenant{}, fmt.Errorf("get tenant %s: %w", id, tenants.ErrNotFound)
}

func (f *fakeDirectory) GetUser(_ context.Context, tenantID, userID string) (tenants.User, error) {
	if f.users[tenantID+"/"+userID] {
		return tenants.User{ID: userID, TenantID: tenantID}, nil
	}
	return tenants.User{}, fmt.Errorf("get user %s: %w", userID, tenants.ErrNotFound)
}

// fakeMFA is a second factor for tests of the skill's behaviour (the real one is
// tested in package mfa, and with the skill in elevation_test.go): valid codes
// elevate for ten minutes, whatever the origin, "authenticate text" adds the code
// 514309. The XFn fields, when set, replace a method.
type fakeMFA struct {
	Now         func() time.Time
	ChallengeFn func(tenantID, userID string) (mfa.Challenge, error)
	VerifyFn    func(tenantID, userID, code string) (mfa.Elevation, error)
	ElevationFn func(tenantID, userID string) (mfa.Elevation, error)

	mu       sync.Mutex
	codes    map[string]bool
	elevated map[string]time.Time
	locks    int
}

func newFakeMFA(codes ...string) *fakeMFA {
	f := &fakeMFA{codes: map[string]bool{}, elevated: map[string]time.Time{}, Now: time.Now}
	for _, c := range codes {
		f.codes[c] = true
	}
	return f
}

func (f *fakeMFA) Challenge(_ context.Context, tenantID, userID string, _ mfa.Origin) (mfa.Challenge, error) {
	if f.ChallengeFn != nil {
		return f.ChallengeFn(tenantID, userID)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.codes["514309"] = true
	return mfa.Challenge{Method: tenants.MFASMS, Sent: true, PhoneHint: "78", ExpiresAt: f.Now().Add(mfa.CodeTTL)}, nil
}

func (f *fakeMFA) Verify(_ context.Context, tenantID, userID string, _ mfa.Origin, code string) (mfa.Elevation, error) {
	if f.VerifyFn != nil {
		return f.VerifyFn(tenantID, userID, code)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.codes[code] {
		return mfa.Elevation{}, &mfa.CodeError{TriesLeft: 4}
	}
	until := f.Now().Add(10 * time.Minute)
	f.elevated[tenantID+"/"+userID] = until
	return mfa.Elevation{Until: until}, nil
}

func (f *fakeMFA) Elevation(_ context.Context, tenantID, userID string, _ mfa.Origin) (mfa.Elevation, error) {
	if f.ElevationFn != nil {
		return f.ElevationFn(tenantID, userID)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	until, ok := f.elevated[tenantID+"/"+userID]
	if !ok || !until.After(f.Now()) {
		return mfa.Elevation{}, mfa.ErrNotElevated
	}
	return mfa.Elevation{Until: until}, nil
}

func (f *fakeMFA) Lock(_ context.Context, tenantID, userID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.elevated, tenantID+"/"+userID)
	f.locks++
	return nil
}

// elevate grants an elevation directly.
func (f *fakeMFA) elevate(p tenants.Principal) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.elevated[p.TenantID+"/"+p.UserID] = f.Now().Add(10 * time.Minute)
}

// fakeRevoker records revoked principals.
type fakeRevoker struct {
	mu      sync.Mutex
	revoked []tenants.Principal
}

func (f *fakeRevoker) RevokeUser(_ context.Context, p tenants.Principal) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revoked = append(f.revoked, p)
	return nil
}

// logBuffer collects JSON log lines.
type logBuffer struct{ leakcheck.Buffer }

// lines returns the log lines whose msg is msg, decoded.
func (l *logBuffer) lines(tb testing.TB, msg string) []map[string]any {
	tb.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			tb.Fatalf("log line %q: %v", line, err)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

func newLogger(l *logBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// device plays an Echo in tests: it builds the requests Alexa would send for a
// launch or an intent, and carries the session (attributes, dialog) from one
// response to the next.
type device struct {
	tb       testing.TB
	h        *Handler
	locale   string
	token    string
	endpoint string
	apiToken string

	// alexaUserID, deviceID and personID are who speaks, on which Echo (personID ""
	// when no voice profile is recognised).
	alexaUserID, deviceID, personID string

	sessionID string
	attrs     map[string]any
	n         int
}

func newDevice(tb testing.TB, h *Handler, token string) *device {
	return &device{tb: tb, h: h, locale: "en-GB", token: token, endpoint: "https://api.eu.amazonalexa.com", apiToken: "api-token",
		alexaUserID: "amzn1.ask.account.TEST", deviceID: "amzn1.ask.device.TEST"}
}

// origin is the mfa.Origin of the device's requests.
func (d *device) origin() mfa.Origin { return mfa.NewOrigin(d.alexaUserID, d.deviceID, d.personID) }

func (d *device) envelope(req alexa.Request) *alexa.RequestEnvelope {
	d.n++
	isNew := d.sessionID == ""
	if isNew {
		d.sessionID = fmt.Sprintf("amzn1.echo-api.session.%d", d.n)
	}
	req.RequestID = fmt.Sprintf("amzn1.echo-api.request.%d", d.n)
	req.Timestamp = time.Now().UTC().Format(time.RFC3339)
	req.Locale = d.locale
	app := alexa.Application{ApplicationID: testSkillID}
	user := alexa.User{UserID: d.alexaUserID, AccessToken: d.token}
	var person *alexa.Person
	if d.personID != "" {
		person = &alexa.Person{PersonID: d.personID}
	}
	return &alexa.RequestEnvelope{
		Version: "1.0",
		Session: alexa.Session{New: isNew, SessionID: d.sessionID, Application: app, Attributes: maps.Clone(d.attrs), User: user},
		Context: alexa.Context{System: alexa.System{Application: app, User: user, Person: person, APIEndpoint: d.endpoint, APIAccessToken: d.apiToken,
			Device: alexa.Device{DeviceID: d.deviceID, SupportedInterfaces: map[string]any{}}}},
		Request: req,
	}
}

// send passes env through JSON (as Alexa would) to the handler and keeps the
// session for the next turn.
func (d *device) send(env *alexa.RequestEnvelope) *alexa.ResponseEnvelope {
	d.tb.Helper()
	b, err := json.Marshal(env)
	if err != nil {
		d.tb.Fatal(err)
	}
	var decoded alexa.RequestEnvelope
	if err := json.Unmarshal(b, &decoded); err != nil {
		d.tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := d.h.Handle(ctx, &decoded)
	if err != nil {
		d.tb.Fatalf("Handle: %v", err)
	}
	out, err := json.Marshal(resp)
	if err != nil {
		d.tb.Fatal(err)
	}
	if len(out) > alexa.MaxResponseBytes {
		d.tb.Errorf("response is %d bytes", len(out))
	}
	var r alexa.ResponseEnvelope
	if err := json.Unmarshal(out, &r); err != nil {
		d.tb.Fatal(err)
	}
	if r.Response.OutputSpeech != nil {
		mustWellFormed(d.tb, r.Response.OutputSpeech.SSML)
	}
	if r.Response.ShouldEndSession != nil && !*r.Response.ShouldEndSession {
		if r.Response.Reprompt == nil {
			d.tb.Errorf("session stays open without a reprompt: %s", out)
		}
		d.attrs = r.SessionAttributes
	} else {
		d.sessionID, d.attrs = "", nil
	}
	return &r
}

func (d *device) launch() *alexa.ResponseEnvelope {
	return d.send(d.envelope(alexa.Request{Type: alexa.LaunchRequestType}))
}

// intent sends an IntentRequest with the given slot values ("" leaves a slot
// empty). Region values resolve against the place names, as the static REGION type
// would.
func (d *device) intent(name string, slots map[string]string) *alexa.ResponseEnvelope {
	return d.intentStatus(name, slots, alexa.ConfirmationNone)
}

func (d *device) intentStatus(name string, slots map[string]string, status string) *alexa.ResponseEnvelope {
	in := &alexa.RequestIntent{Name: name, ConfirmationStatus: status, Slots: map[string]alexa.RequestSlot{}}
	for k, v := range slots {
		s := alexa.RequestSlot{Name: k, Value: v, ConfirmationStatus: alexa.ConfirmationNone}
		if k == "region" && v != "" {
			res := alexa.Resolution{Authority: "amzn1.er-authority.echo-sdk." + testSkillID + ".REGION", Status: alexa.ResolutionStatus{Code: alexa.ERSuccessNoMatch}}
			if code, ok := regionFromPlace(v); ok {
				res.Status.Code = alexa.ERSuccessMatch
				res.Values = []alexa.ResolutionValues{{Value: alexa.ResolvedValue{Name: RegionPlace(d.locale, code), ID: code}}}
			}
			s.Resolutions = &alexa.Resolutions{ResolutionsPerAuthority: []alexa.Resolution{res}}
		}
		in.Slots[k] = s
	}
	return d.send(d.envelope(alexa.Request{Type: alexa.IntentRequestType, Intent: in}))
}

// speech returns the plain text of a response's speech.
func speech(r *alexa.ResponseEnvelope) string {
	if r.Response.OutputSpeech == nil {
		return ""
	}
	return alexa.PlainText(alexa.SSML(strings.TrimSuffix(strings.TrimPrefix(r.Response.OutputSpeech.SSML, "<speak>"), "</speak>")))
}

// directive returns the response's directive of a type, or nil.
func directive(r *alexa.ResponseEnvelope, typ string) *alexa.Directive {
	for i := range r.Response.Directives {
		if r.Response.Directives[i].Type == typ {
			return &r.Response.Directives[i]
		}
	}
	return nil
}

func ended(r *alexa.ResponseEnvelope) bool {
	return r.Response.ShouldEndSession == nil || *r.Response.ShouldEndSession
}

// mustDecode decodes a real request envelope of the alexa package's testdata, as
// Alexa sends it.
func mustDecode(tb testing.TB, name string) *alexa.RequestEnvelope {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "alexa", "testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	var env alexa.RequestEnvelope
	if err := json.Unmarshal(b, &env); err != nil {
		tb.Fatalf("decode %s: %v", name, err)
	}
	return &env
}
