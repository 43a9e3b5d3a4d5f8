package oauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/htmlform"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/internal/testclock"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

func TestMain(m *testing.M) { awstest.Main(m) }

const (
	skillID  = "amzn1.ask.skill.0000-test"
	vendorID = "M2TESTVENDOR"
	password = "correct horse battery staple"
)

// env is one authorization server on a fresh table, with a tenant, a user and the
// Alexa client registered, served over HTTP on a loopback port.
type env struct {
	t        testing.TB
	srv      *oauth.Server
	ts       *httptest.Server
	issuer   string
	clock    *testclock.Clock
	logs     *leakcheck.Buffer
	db       *dynamodb.Client
	table    string
	store    *dynamo.Store
	tenant   tenants.Tenant
	user     tenants.User
	client   oauth.Client
	secret   string
	verifier *accesstoken.Verifier
	mu       sync.Mutex // guards secrets: concurrent exchanges remember tokens
	secrets  []string   // values that must never appear in a log line
	// leak gets the log lines too: it fails the test on the remembered secrets, the
	// user's phone, and any JWT or full phone number.
	leak *leakcheck.Log
}

type envOption func(*oauth.Config)

func withKMSSigner(tb testing.TB) envOption {
	return func(c *oauth.Config) {
		signer := accesstoken.NewKMSSigner(kms.NewFromConfig(awstest.Config(tb)), awstest.SigningKey(tb))
		c.Signer, c.Keys = signer, signer
	}
}

func newEnv(tb testing.TB, opts ...envOption) *env {
	tb.Helper()
	ctx := context.Background()
	cfg := awstest.Config(tb)
	db, kmsc := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	tableName, secretsKey := awstest.Table(tb), awstest.SecretsKey(tb)
	e := &env{t: tb, clock: testclock.New(time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)), logs: &leakcheck.Buffer{}, db: db, table: tableName,
		leak: leakcheck.New(tb)}

	e.store = dynamo.NewStore(table.New(db, tableName), kmsc, secretsKey)
	e.store.Password = tenants.PasswordParams{Memory: 64, Time: 1, Threads: 1}
	var err error
	e.tenant, err = e.store.CreateTenant(ctx, tenants.Tenant{Name: "Acme Corp", RoleARN: "arn:aws:iam::" + awstest.NewAccountID(tb) + ":role/easytocloud",
		MFA: tenants.MFAPolicy{Kind: tenants.MFASMS}}, "")
	if err != nil {
		tb.Fatalf("create tenant: %v", err)
	}
	e.user, err = e.store.CreateUser(ctx, tenants.User{TenantID: e.tenant.ID, Email: "ada@example.com", Phone: "+15550100100"}, password)
	if err != nil {
		tb.Fatalf("create user: %v", err)
	}

	signer, err := accesstoken.NewFileSigner(filepath.Join(tb.TempDir(), "signing.pem"))
	if err != nil {
		tb.Fatal(err)
	}
	e.ts = httptest.NewUnstartedServer(nil)
	e.issuer = "http://" + e.ts.Listener.Addr().String()
	conf := oauth.Config{
		Issuer: e.issuer, Audience: skillID, Table: table.New(db, tableName),
		Keyring: dynamo.NewKeyring(table.New(db, tableName), kmsc, secretsKey), Users: e.store, Signer: signer,
		Logger: slog.New(slog.NewJSONHandler(io.MultiWriter(e.logs, e.leak), &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:    e.clock.Now,
	}
	for _, o := range opts {
		o(&conf)
	}
	e.srv, err = oauth.NewServer(conf)
	if err != nil {
		tb.Fatalf("new server: %v", err)
	}
	e.ts.Config.Handler = e.srv
	e.ts.Start()
	tb.Cleanup(e.ts.Close)

	clients := oauth.NewClients(table.New(db, tableName))
	clients.Now = e.clock.Now
	e.client, e.secret, err = clients.Create(ctx, oauth.Client{Name: "Alexa", VendorID: vendorID,
		RedirectURIs: []string{"http://127.0.0.1/callback"}})
	if err != nil {
		tb.Fatalf("create client: %v", err)
	}
	keys := conf.Keys
	if keys == nil {
		keys = signer
	}
	e.verifier = &accesstoken.Verifier{Issuer: e.issuer, Audience: skillID, Keys: keys, Now: e.clock.Now}
	e.secrets = []string{password, e.secret, e.user.Email} // the address too: logs name users by ID
	e.leak.Secret("secret", e.secrets...)
	e.leak.Phone(e.user.Phone)
	tb.Cleanup(e.checkLogs)
	return e
}

// checkLogs fails the test when a log line holds a secret, a code or a token the
// test saw, or is not JSON.
func (e *env) checkLogs() {
	logs := e.logs.String()
	e.mu.Lock()
	secrets := slices.Clone(e.secrets)
	e.mu.Unlock()
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			e.t.Errorf("a log line contains the secret %.6s…", s)
		}
	}
	for line := range strings.SplitSeq(strings.TrimSpace(logs), "\n") {
		if line != "" && !json.Valid([]byte(line)) {
			e.t.Errorf("log line is not JSON: %s", line)
		}
	}
}

// remember adds values that must never be logged.
func (e *env) remember(vals ...string) {
	e.mu.Lock()
	e.secrets = append(e.secrets, vals...)
	e.mu.Unlock()
	e.leak.Secret("secret", vals...)
}

func (e *env) config(redirect string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: e.client.ID, ClientSecret: e.secret, RedirectURL: redirect, Scopes: []string{"easytocloud"},
		Endpoint: oauth2.Endpoint{AuthURL: e.issuer + "/oauth/authorize", TokenURL: e.issuer + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
}

func alexaRedirect() string { return oauth.AlexaRedirectURIs(vendorID)[1] }

// browser is a cookie-keeping client that does not follow redirects.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// formFields returns the hidden fields of the login page.
func formFields(tb testing.TB, page string) url.Values {
	tb.Helper()
	v := url.Values{}
	for _, f := range mustParsePage(tb, page).Forms {
		for name, values := range f.Hidden() {
			v[name] = values
		}
	}
	if v.Get("csrf_token") == "" {
		tb.Fatalf("login page has no csrf_token:\n%s", page)
	}
	return v
}

func mustParsePage(tb testing.TB, page string) *htmlform.Page {
	tb.Helper()
	p, err := htmlform.Parse(page)
	if err != nil {
		tb.Fatalf("parse page: %v\n%s", err, page)
	}
	return p
}

// withoutCSRF returns page without the values of its csrf_token inputs, which differ
// on every page, so that two pages can be compared.
func withoutCSRF(tb testing.TB, page string) string {
	tb.Helper()
	for _, f := range mustParsePage(tb, page).Forms {
		if token := f.Hidden().Get("csrf_token"); token != "" {
			page = strings.ReplaceAll(page, token, "")
		}
	}
	return page
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(tb testing.TB, c *http.Client, req *http.Request) response {
	tb.Helper()
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

func get(tb testing.TB, c *http.Client, u string) response {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return do(tb, c, req)
}

func postForm(tb testing.TB, c *http.Client, u string, form url.Values) response {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(tb, c, req)
}

// signIn opens authURL in a fresh browser, signs in with email and pw and returns the
// response to the POST (the consent page after a successful sign-in).
func (e *env) signIn(tb testing.TB, authURL, email, pw string) response {
	tb.Helper()
	return e.signInWith(tb, e.browser(), authURL, email, pw)
}

// signInWith is signIn in browser b.
func (e *env) signInWith(tb testing.TB, b *http.Client, authURL, email, pw string) response {
	tb.Helper()
	page := get(tb, b, authURL)
	if page.status != http.StatusOK {
		tb.Fatalf("GET authorize: %d\n%s", page.status, page.body)
	}
	form := formFields(tb, page.body)
	form.Set("email", email)
	form.Set("password", pw)
	return postForm(tb, b, e.issuer+"/oauth/authorize", form)
}

// decide answers the consent page with decision ("allow" is Link, "deny" Cancel) in
// browser b, which showed it, and returns the response.
func (e *env) decide(tb testing.TB, b *http.Client, consent response, decision string) response {
	tb.Helper()
	form := formFields(tb, consent.body)
	if form.Get("consent") == "" {
		tb.Fatalf("not a consent page (%d):\n%s", consent.status, consent.body)
	}
	form.Set("decision", decision)
	return postForm(tb, b, e.issuer+"/oauth/authorize", form)
}

// signInAndLink signs in at authURL with email and pw in a fresh browser and chooses
// Link on the consent page; it returns the response to that choice.
func (e *env) signInAndLink(tb testing.TB, authURL, email, pw string) response {
	tb.Helper()
	b := e.browser()
	consent := e.signInWith(tb, b, authURL, email, pw)
	if consent.status != http.StatusOK {
		tb.Fatalf("sign-in answered %d, want 200 and the consent page:\n%s", consent.status, consent.body)
	}
	return e.decide(tb, b, consent, "allow")
}

// authorize runs the browser part for cfg with PKCE and returns the code.
func (e *env) authorize(tb testing.TB, cfg *oauth2.Config, verifier string) string {
	tb.Helper()
	state := "state-" + oauth2.GenerateVerifier()[:8]
	resp := e.signInAndLink(tb, cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), e.user.Email, password)
	if resp.status != http.StatusSeeOther {
		tb.Fatalf("Link answered %d, want 303:\n%s", resp.status, resp.body)
	}
	loc, err := url.Parse(resp.header.Get("Location"))
	if err != nil {
		tb.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != cfg.RedirectURL {
		tb.Fatalf("redirected to %s, want %s", got, cfg.RedirectURL)
	}
	if loc.Query().Get("state") != state {
		tb.Fatalf("state %q, want %q", loc.Query().Get("state"), state)
	}
	code := loc.Query().Get("code")
	if code == "" {
		tb.Fatalf("no code in %s", loc.Redacted())
	}
	e.remember(code)
	return code
}

// exchange redeems code with cfg and returns the token or the error.
func (e *env) exchange(cfg *oauth2.Config, code, verifier string) (*oauth2.Token, error) {
	tok, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if tok != nil {
		e.remember(tok.AccessToken, tok.RefreshToken)
	}
	return tok, err
}

// refresh uses refreshToken with cfg and returns the new access token or the error.
func (e *env) refresh(cfg *oauth2.Config, refreshToken string) (*oauth2.Token, error) {
	tok, err := cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: refreshToken}).Token()
	if tok != nil {
		e.remember(tok.AccessToken)
	}
	return tok, err
}

// tokenSet is a full link: code, exchange; it returns the tokens.
func (e *env) link(tb testing.TB) *oauth2.Token {
	tb.Helper()
	cfg := e.config(alexaRedirect())
	v := oauth2.GenerateVerifier()
	tok, err := e.exchange(cfg, e.authorize(tb, cfg, v), v)
	if err != nil {
		tb.Fatalf("exchange: %v", err)
	}
	return tok
}

// oauthErrorCode returns the RFC 6749 error code of a token endpoint error.
func oauthErrorCode(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}
