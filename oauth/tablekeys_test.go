package oauth_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/app/oauthapp"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// TestOAuthReachesOnlyItsOwnKeys runs the authorization server as its Lambda function
// is wired (oauthapp, on a table client that records every key) through every flow it
// serves: failed sign-ins, a lockout, sign-in, consent, the code's exchange, refresh,
// revocation, and a replayed code. Every key a request reaches must be one of the
// prefixes app.OAuth.Table declares for that action (which terraform/iam.tf grants,
// and no more), and every declared grant must be used.
func TestOAuthReachesOnlyItsOwnKeys(t *testing.T) {
	ctx := context.Background()
	cfg := awstest.Config(t)
	db, keys := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	tableName := awstest.Table(t)
	// The operator's CLI: a tenant, a user and the Alexa client (not the function's calls).
	admin := dynamo.NewStore(table.New(db, tableName), keys, awstest.SecretsKey(t))
	admin.Password = tenants.PasswordParams{Memory: 64, Time: 1, Threads: 1}
	tn, err := admin.CreateTenant(ctx, tenants.Tenant{Name: "Keys", RoleARN: "arn:aws:iam::" + awstest.NewAccountID(t) + ":role/easytocloud",
		MFA: tenants.MFAPolicy{Kind: tenants.MFASMS}}, "")
	if err != nil {
		t.Fatal(err)
	}
	u, err := admin.CreateUser(ctx, tenants.User{TenantID: tn.ID, Email: "keys@example.com", Phone: "+15550100177"}, password)
	if err != nil {
		t.Fatal(err)
	}
	other, err := admin.CreateUser(ctx, tenants.User{TenantID: tn.ID, Email: "locked@example.com", Phone: "+15550100178"}, password)
	if err != nil {
		t.Fatal(err)
	}
	client, secret, err := oauth.NewClients(table.New(db, tableName)).Create(ctx, oauth.Client{Name: "Alexa", VendorID: vendorID})
	if err != nil {
		t.Fatal(err)
	}
	leak := leakcheck.New(t)
	leak.Secret("secret", password, secret)
	leak.Phone(u.Phone, other.Phone)

	rec := awstest.RecordTableKeys(db)
	ts := httptest.NewUnstartedServer(nil)
	c := app.Config{Table: tableName, SecretsKeyID: awstest.SecretsKey(t), SigningKeyID: awstest.SigningKey(t),
		Issuer: "http://" + ts.Listener.Addr().String(), SkillID: skillID}
	a := app.AWS{Config: cfg, DB: rec, KMS: keys}
	srv, err := oauthapp.NewServer(c, a, app.KMSSigner(c, a), slog.New(slog.NewJSONHandler(leak, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = srv
	ts.Start()
	t.Cleanup(ts.Close)

	conf := &oauth2.Config{ClientID: client.ID, ClientSecret: secret, RedirectURL: alexaRedirect(), Scopes: []string{"easytocloud"},
		Endpoint: oauth2.Endpoint{AuthURL: c.Issuer + "/oauth/authorize", TokenURL: c.Issuer + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	browser := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	// signIn opens the login page in b for a fresh request and posts email and pw.
	signIn := func(b *http.Client, verifier, email, pw string) response {
		t.Helper()
		page := get(t, b, conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
		if page.status != http.StatusOK {
			t.Fatalf("login page: %d\n%s", page.status, page.body)
		}
		form := formFields(t, page.body)
		form.Set("email", email)
		form.Set("password", pw)
		r := postForm(t, b, c.Issuer+"/oauth/authorize", form)
		if r.status >= 500 {
			t.Fatalf("sign-in of %s answered %d", email, r.status)
		}
		return r
	}
	// link signs in, chooses Link and returns the code.
	link := func(verifier string) string {
		t.Helper()
		b := browser()
		consent := signIn(b, verifier, u.Email, password)
		form := formFields(t, consent.body)
		if form.Get("consent") == "" {
			t.Fatalf("sign-in did not reach the consent page (%d)", consent.status)
		}
		form.Set("decision", "allow")
		r := postForm(t, b, c.Issuer+"/oauth/authorize", form)
		loc, err := url.Parse(r.header.Get("Location"))
		if r.status != http.StatusSeeOther || err != nil || loc.Query().Get("code") == "" {
			t.Fatalf("Link answered %d, %s", r.status, r.header.Get("Location"))
		}
		leak.Secret("code", loc.Query().Get("code"))
		return loc.Query().Get("code")
	}

	// Two wrong passwords, then the right one: the failure counter is started, counted
	// and reset.
	b := browser()
	for range 2 {
		if r := signIn(b, oauth2.GenerateVerifier(), u.Email, "not the password"); strings.Contains(r.body, `name="consent"`) {
			t.Fatal("a wrong password reached the consent page")
		}
	}
	// Another account is locked after its limit of failures. (A known one: an unknown
	// address costs a password hash at production strength, slow under the race
	// detector, and reaches the same keys.)
	for range oauth.DefaultLoginLimits.PerAccount + 1 {
		signIn(browser(), oauth2.GenerateVerifier(), other.Email, "guess")
	}

	v := oauth2.GenerateVerifier()
	tok, err := conf.Exchange(ctx, link(v), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	leak.Secret("token", tok.AccessToken, tok.RefreshToken)
	fresh, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	leak.Secret("token", fresh.AccessToken)
	req, _ := http.NewRequest(http.MethodPost, c.Issuer+"/oauth/revoke", strings.NewReader(url.Values{"token": {tok.RefreshToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(client.ID, secret)
	if r := do(t, http.DefaultClient, req); r.status != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}

	// A replayed code revokes what it was exchanged for.
	v = oauth2.GenerateVerifier()
	code := link(v)
	tok, err = conf.Exchange(ctx, code, oauth2.VerifierOption(v))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	leak.Secret("token", tok.AccessToken, tok.RefreshToken)
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(v)); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("replayed code: %v, want invalid_grant", err)
	}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("refresh token of a replayed code: %v, want invalid_grant", err)
	}

	used := awstest.CheckTableKeys(t, rec, tableGrants(app.OAuth), nil)
	t.Logf("%d table requests reached %d declared grants of %d prefixes", len(rec.Accesses()), len(used), len(app.OAuth.Table))
}

// tableGrants lists what fn.Table declares, one grant per action.
func tableGrants(fn app.Function) []awstest.KeyGrant {
	var out []awstest.KeyGrant
	for _, a := range fn.Table {
		for _, act := range a.Actions {
			out = append(out, awstest.KeyGrant{Action: act, Index: a.Index, Prefix: a.Prefix})
		}
	}
	return out
}
