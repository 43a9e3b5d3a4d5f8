package skill

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/alexa/sigverify"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/faults"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
	"github.com/easytocloud/easytocloud/internal/localalexa"
	"github.com/easytocloud/easytocloud/internal/testclock"
	"github.com/easytocloud/easytocloud/tenants"
)

// These tests attack the skill at its HTTPS boundary, as someone on the network
// would: requests that Alexa did not sign, or signed once and are sent again, and
// access tokens that the authorization server did not issue as they stand. The
// parts' own tests (alexa/sigverify's forged-request table and FuzzVerify,
// internal/accesstoken's TestRefused) check the pieces; these check that the
// assembled HTTP handler refuses before anything of a tenant is touched.

// signedRequest is a request as it travels: headers and raw body.
type signedRequest struct {
	header http.Header
	body   []byte
}

func (r signedRequest) serve(h http.Handler) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/alexa", bytes.NewReader(r.body))
	for k, v := range r.header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// sign marshals env and signs the body with s, as Alexa sends it.
func sign(tb testing.TB, s *localalexa.Signer, env *alexa.RequestEnvelope) signedRequest {
	tb.Helper()
	body, err := json.Marshal(env)
	if err != nil {
		tb.Fatal(err)
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if err := s.SignHeader(h, body); err != nil {
		tb.Fatal(err)
	}
	return signedRequest{h, body}
}

// TestForgedReplayedExpiredRequestsRefused: only a request Alexa signed, in date,
// and seen for the first time reaches the handler.
func TestForgedReplayedExpiredRequestsRefused(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	id, err := localalexa.New(now)
	if err != nil {
		t.Fatal(err)
	}
	other, err := localalexa.New(now) // someone else's CA and key
	if err != nil {
		t.Fatal(err)
	}
	clock := testclock.New(now)
	h, _, logs := newFakeHandler(t)
	leak := leakcheck.New(t)
	h.Log = slog2(logs, leak)
	srv := alexa.NewHTTPHandler(h, &sigverify.Verifier{Roots: id.Roots(), Client: id.Client(), Now: clock.Now}, h.Log)

	launch := func(at time.Time, token string) *alexa.RequestEnvelope {
		env := newDevice(t, h, token).envelope(alexa.Request{Type: alexa.LaunchRequestType})
		env.Request.Timestamp = at.Format(time.RFC3339)
		return env
	}
	answered := func() int { return len(logs.lines(t, "request answered")) }

	genuine := sign(t, id.Signer(), launch(now, "good"))
	if rec := genuine.serve(srv); rec.Code != http.StatusOK {
		t.Fatalf("a genuine request: %d %s", rec.Code, rec.Body)
	}
	// Each request is made when it is sent, against the verifier's clock then.
	n := 0
	fresh := func() *alexa.RequestEnvelope {
		n++
		env := launch(clock.Now(), "good")
		env.Request.RequestID = fmt.Sprintf("amzn1.echo-api.request.abuse-%d", n)
		return env
	}
	tests := []struct {
		name    string
		advance time.Duration // of the verifier's clock before the request is made
		req     func() signedRequest
	}{
		{"Replayed", 0, func() signedRequest { return genuine }},
		{"ReplayedAMinuteLater", time.Minute, func() signedRequest { return genuine }},
		{"ReplayedAfterTheWindow", 10 * time.Minute, func() signedRequest { return genuine }},
		{"Expired", 0, func() signedRequest { return sign(t, id.Signer(), launch(clock.Now().Add(-151*time.Second), "good")) }},
		{"FromTheFuture", 0, func() signedRequest { return sign(t, id.Signer(), launch(clock.Now().Add(151*time.Second), "good")) }},
		{"SignedByAnotherKey", 0, func() signedRequest { return sign(t, other.Signer(), fresh()) }},
		{"BodyTampered", 0, func() signedRequest {
			r := sign(t, id.Signer(), fresh())
			r.body = bytes.Replace(r.body, []byte(`"locale":"en-GB"`), []byte(`"locale":"de-DE"`), 1)
			return r
		}},
		{"SignatureOfAnotherBody", 0, func() signedRequest {
			r := sign(t, id.Signer(), fresh())
			r.body = sign(t, id.Signer(), fresh()).body
			return r
		}},
		{"Unsigned", 0, func() signedRequest {
			r := sign(t, id.Signer(), fresh())
			r.header.Del(localalexa.HeaderSignature256)
			return r
		}},
	}
	before := answered()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.Advance(tt.advance)
			rec := tt.req().serve(srv)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", rec.Code, rec.Body)
			}
			if strings.TrimSpace(rec.Body.String()) != http.StatusText(http.StatusBadRequest) {
				t.Errorf("the refusal says more than Bad Request: %q", rec.Body)
			}
		})
	}
	accepted := answered() - before
	if accepted != 0 {
		t.Errorf("%d refused requests reached the handler", accepted)
	}
	if len(logs.lines(t, "alexa request rejected")) < len(tests) {
		t.Errorf("not every refusal is logged:\n%s", logs)
	}
	t.Logf("%d forged, replayed or expired requests: %d accepted", len(tests), accepted)
	leak.Secret("access token", "good")
}

// slog2 writes to both the test's log buffer and a leak checker.
func slog2(logs *logBuffer, leak *leakcheck.Log) *slog.Logger {
	return slog.New(slog.NewJSONHandler(teeWriter{logs, leak}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type teeWriter struct {
	a, b interface{ Write([]byte) (int, error) }
}

func (w teeWriter) Write(p []byte) (int, error) {
	_, _ = w.b.Write(p)
	return w.a.Write(p)
}

// TestBadAccessTokensRefused sends signed requests whose access token is not one the
// authorization server issued as it stands: each is asked to link the account, and
// nothing of any tenant is read (no STS, EC2 or Kinesis call).
func TestBadAccessTokensRefused(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	leak := s.leak
	ft := faults.New(nil)
	cfg := ft.Config(awstest.Config(t))
	s.h.AWS = cfg
	s.h.Access = account.NewAccess(sts.NewFromConfig(cfg))
	account := awstest.NewAccountID(t)
	awstest.SeedInstance(t, awstest.AccountConfig(t, account), "eu-west-1", "secret-project", "running")
	who, good := s.newUser(t, account, func(tn *tenants.Tenant) { tn.Regions = []string{"eu-west-1"} })
	_, otherGood := s.newUser(t, awstest.NewAccountID(t), nil)
	leak.Secret("access token", good, otherGood)
	leak.Secret("password", "correct horse battery staple")
	leak.Phone("+31612345678")

	id, err := localalexa.New(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	srv := alexa.NewHTTPHandler(s.h, &sigverify.Verifier{Roots: id.Roots(), Client: id.Client()}, s.h.Log)

	// The KMS key's public key, which anyone can fetch from the JWKS: the secret of
	// the HS256 confusion attack.
	if _, err := s.signer.PublicKey(ctx); err != nil {
		t.Fatal(err)
	}
	pub, err := kms.NewFromConfig(awstest.Config(t)).GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: awsString(awstest.SigningKey(t))})
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub.PublicKey})
	if _, err := x509.ParsePKIXPublicKey(pub.PublicKey); err != nil {
		t.Fatal(err)
	}
	kid := s.signer.KeyID()
	now := time.Now()
	claims := accesstoken.Claims{Issuer: testIssuer, Audience: testSkillID, Subject: who.UserID, TenantID: who.TenantID,
		Scope: "easytocloud", IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
	mint := func(signer accesstoken.Signer, mod func(*accesstoken.Claims)) string {
		c := claims
		if mod != nil {
			mod(&c)
		}
		tok, err := accesstoken.Mint(ctx, signer, c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	payload := func() string {
		b, _ := json.Marshal(map[string]any{"iss": testIssuer, "aud": testSkillID, "sub": who.UserID, "tid": who.TenantID,
			"scope": "easytocloud", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "forged"})
		return base64.RawURLEncoding.EncodeToString(b)
	}
	header := func(alg string) string {
		return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"` + alg + `","kid":"` + kid + `","typ":"at+jwt"}`))
	}
	hs256 := func(secret []byte) string {
		in := header("HS256") + "." + payload()
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(in))
		return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	otherKey, err := accesstoken.NewFileSigner(filepath.Join(t.TempDir(), "other.pem"))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(otherGood, ".")
	tokens := []struct{ name, token string }{
		{"Expired", mint(s.signer, func(c *accesstoken.Claims) { c.IssuedAt, c.ExpiresAt = now.Add(-2*time.Hour), now.Add(-time.Hour) })},
		{"SignedByAnotherKey", mint(otherKey, nil)},
		{"AlgNone", header("none") + "." + payload() + "."},
		{"HS256WithThePublicKeyDER", hs256(pub.PublicKey)},
		{"HS256WithThePublicKeyPEM", hs256(pubPEM)},
		{"WrongAudience", mint(s.signer, func(c *accesstoken.Claims) { c.Audience = "amzn1.ask.skill.someone-else" })},
		{"WrongIssuer", mint(s.signer, func(c *accesstoken.Claims) { c.Issuer = "https://evil.example" })},
		{"AnotherUsersSignatureOnMyClaims", parts[0] + "." + payload() + "." + parts[2]},
		{"Garbage", "not-a-token"},
	}
	for _, tok := range tokens {
		leak.Secret("forged token", tok.token)
	}
	leak.AllowJWTShapes() // refused tokens are JWT-shaped; they are registered above, so any echo of one still fails
	calls := func() int { return ft.Calls("sts", "") + ft.Calls("ec2", "") + ft.Calls("kinesis", "") }
	const link = "To use easy to cloud, link your account in the Alexa app."
	attempts := 0
	for _, tt := range tokens {
		t.Run(tt.name, func(t *testing.T) {
			for _, intent := range []string{"", "ListInstancesIntent", "StartInstanceIntent"} {
				before := calls()
				d := newDevice(t, s.h, tt.token)
				env := d.envelope(alexa.Request{Type: alexa.LaunchRequestType})
				if intent != "" {
					env = d.envelope(alexa.Request{Type: alexa.IntentRequestType, Intent: &alexa.RequestIntent{Name: intent,
						Slots: map[string]alexa.RequestSlot{"instance": {Name: "instance", Value: "secret-project"}}}})
				}
				rec := sign(t, id.Signer(), env).serve(srv)
				attempts++
				var resp alexa.ResponseEnvelope
				if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &resp) != nil {
					t.Fatalf("%s: %d %s", intent, rec.Code, rec.Body)
				}
				if got := speech(&resp); got != link || resp.Response.Card == nil || resp.Response.Card.Type != alexa.CardLinkAccount {
					t.Errorf("%s: %q, card %+v; want the link-account answer", intent, got, resp.Response.Card)
				}
				if strings.Contains(rec.Body.String(), "secret-project") {
					t.Errorf("%s: the answer names the tenant's instance", intent)
				}
				if n := calls() - before; n != 0 {
					t.Errorf("%s: %d calls reached the tenant's account", intent, n)
				}
			}
		})
	}
	t.Logf("%d requests with %d kinds of bad token: 0 accepted, %d calls to a tenant's account", attempts, len(tokens), calls())

	// The control: the genuine token works through the same boundary.
	rec := sign(t, id.Signer(), newDevice(t, s.h, good).envelope(alexa.Request{Type: alexa.IntentRequestType,
		Intent: &alexa.RequestIntent{Name: "ListInstancesIntent"}})).serve(srv)
	if !strings.Contains(rec.Body.String(), "secret-project") {
		t.Errorf("the genuine token does not list the instances: %s", rec.Body)
	}
}

func awsString(s string) *string { return &s }
