package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/htmlform"
	"github.com/easytocloud/easytocloud/internal/lambdahttp"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

func TestMain(m *testing.M) { awstest.Main(m) }

const issuer = "https://abc123.execute-api.eu-west-1.amazonaws.com"

// lambdaClient drives the function with HTTP API events, as API Gateway would, keeping
// the cookies a browser would.
type lambdaClient struct {
	t       *testing.T
	handler func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
	cookies map[string]string
}

func (c *lambdaClient) do(method, path, query string, header map[string]string, form url.Values) events.APIGatewayV2HTTPResponse {
	c.t.Helper()
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: method + " " + path, RawPath: path, RawQueryString: query,
		Headers: map[string]string{"host": "abc123.execute-api.eu-west-1.amazonaws.com"}}
	for k, v := range header {
		ev.Headers[k] = v
	}
	for k, v := range c.cookies {
		ev.Cookies = append(ev.Cookies, k+"="+v)
	}
	if form != nil {
		ev.Headers["content-type"] = "application/x-www-form-urlencoded"
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString([]byte(form.Encode())), true
	}
	ev.RequestContext.DomainName = "abc123.execute-api.eu-west-1.amazonaws.com"
	ev.RequestContext.HTTP.Method, ev.RequestContext.HTTP.Path, ev.RequestContext.HTTP.SourceIP = method, path, "198.51.100.23"
	resp, err := c.handler(context.Background(), ev)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	for _, sc := range resp.Cookies {
		if ck, err := http.ParseSetCookie(sc); err == nil {
			if ck.MaxAge < 0 {
				delete(c.cookies, ck.Name)
			} else {
				c.cookies[ck.Name] = ck.Value
			}
		}
	}
	return resp
}

// hiddenFields returns the values of the hidden inputs of page's forms.
func (c *lambdaClient) hiddenFields(page string) url.Values {
	c.t.Helper()
	p, err := htmlform.Parse(page)
	if err != nil {
		c.t.Fatalf("parse page: %v", err)
	}
	v := url.Values{}
	for _, f := range p.Forms {
		for name, values := range f.Hidden() {
			v[name] = values
		}
	}
	return v
}

// signIn opens the login page for q and posts the form with email and pw.
func (c *lambdaClient) signIn(q url.Values, email, pw string) events.APIGatewayV2HTTPResponse {
	c.t.Helper()
	page := c.do("GET", "/oauth/authorize", q.Encode(), nil, nil)
	if page.StatusCode != http.StatusOK {
		c.t.Fatalf("login page: %d %s", page.StatusCode, page.Body)
	}
	form := url.Values{"email": {email}, "password": {pw}}
	for name, values := range c.hiddenFields(page.Body) {
		form[name] = values
	}
	return c.do("POST", "/oauth/authorize", "", nil, form)
}

// link chooses Link on the consent page.
func (c *lambdaClient) link(consent events.APIGatewayV2HTTPResponse) events.APIGatewayV2HTTPResponse {
	c.t.Helper()
	form := url.Values{"decision": {"allow"}}
	for name, values := range c.hiddenFields(consent.Body) {
		form[name] = values
	}
	if form.Get("consent") == "" {
		c.t.Fatalf("not the consent page: %s", consent.Body)
	}
	return c.do("POST", "/oauth/authorize", "", nil, form)
}

// TestIAMActionsAreWhatTheCodeCalls links an account through the Lambda handler with
// HTTP API events (login page, sign-in, consent, code, token, refresh, revoke, JWKS, discovery,
// a failed sign-in), wired by newServer to the emulator, and compares the actions its
// AWS requests name with app.OAuth.IAMActions, which terraform grants.
func TestIAMActionsAreWhatTheCodeCalls(t *testing.T) {
	ctx := context.Background()
	base := awstest.Config(t)
	tableName, secretsKey, signingKey := awstest.Table(t), awstest.SecretsKey(t), awstest.SigningKey(t)
	db := dynamodb.NewFromConfig(base)
	admin := dynamo.NewStore(table.New(db, tableName), kms.NewFromConfig(base), secretsKey)
	admin.Password = tenants.PasswordParams{Memory: 64, Time: 1, Threads: 1}
	tenant, err := admin.CreateTenant(ctx, tenants.Tenant{Name: "Acme", RoleARN: "arn:aws:iam::" + awstest.NewAccountID(t) + ":role/easytocloud",
		MFA: tenants.MFAPolicy{Kind: tenants.MFASMS}}, "")
	if err != nil {
		t.Fatal(err)
	}
	const email, password = "ada@example.com", "correct horse battery staple"
	user, err := admin.CreateUser(ctx, tenants.User{TenantID: tenant.ID, Email: email, Phone: "+15550100100"}, password)
	if err != nil {
		t.Fatal(err)
	}
	client, secret, err := oauth.NewClients(table.New(db, tableName)).Create(ctx, oauth.Client{Name: "Alexa", VendorID: "M2TESTVENDOR"})
	if err != nil {
		t.Fatal(err)
	}
	redirect := oauth.AlexaRedirectURIs("M2TESTVENDOR")[2]

	rec := awstest.RecordCalls(nil)
	cfg := base.Copy()
	cfg.HTTPClient = rec.Client()
	env := app.Config{Table: tableName, SecretsKeyID: secretsKey, SigningKeyID: signingKey, Issuer: issuer, SkillID: "amzn1.ask.skill.test"}
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	newClient := func() *lambdaClient {
		srv, err := newServer(env, cfg, logger)
		if err != nil {
			t.Fatal(err)
		}
		return &lambdaClient{t: t, handler: lambdahttp.Handler(srv), cookies: map[string]string{}}
	}
	verifier := oauth2.GenerateVerifier()
	q := url.Values{"response_type": {"code"}, "client_id": {client.ID}, "redirect_uri": {redirect}, "state": {"st"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}

	// A first cold start: a failed sign-in, which also makes the MAC key.
	if r := newClient().signIn(q, email, "not the password"); r.StatusCode != http.StatusOK {
		t.Fatalf("failed sign-in: %d", r.StatusCode)
	}
	// A second cold start, which finds the MAC key and decrypts it.
	c := newClient()
	r := c.signIn(q, email, password)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("sign-in: %d %s", r.StatusCode, r.Body)
	}
	r = c.link(r)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("Link: %d %s", r.StatusCode, r.Body)
	}
	loc, err := url.Parse(r.Headers["Location"])
	if err != nil || !strings.HasPrefix(loc.String(), redirect+"?") || loc.Query().Get("state") != "st" {
		t.Fatalf("sign-in redirected to %v", loc)
	}
	basic := map[string]string{"authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(client.ID+":"+secret))}
	r = c.do("POST", "/oauth/token", "", basic, url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {redirect}, "code_verifier": {verifier}})
	var tok struct{ AccessToken, RefreshToken string }
	var raw map[string]any
	if err := json.Unmarshal([]byte(r.Body), &raw); err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("token: %d %s", r.StatusCode, r.Body)
	}
	tok.AccessToken, _ = raw["access_token"].(string)
	tok.RefreshToken, _ = raw["refresh_token"].(string)
	if r.Headers["Cache-Control"] != "no-store" {
		t.Errorf("token response Cache-Control %q", r.Headers["Cache-Control"])
	}
	v := &accesstoken.Verifier{Issuer: issuer, Audience: "amzn1.ask.skill.test", Keys: accesstoken.KMSKeys(kms.NewFromConfig(base), signingKey)}
	if p, err := v.Verify(ctx, tok.AccessToken); err != nil || p != (tenants.Principal{TenantID: tenant.ID, UserID: user.ID}) {
		t.Fatalf("access token: %+v, %v", p, err)
	}
	if r := c.do("POST", "/oauth/token", "", basic, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}); r.StatusCode != http.StatusOK {
		t.Fatalf("refresh: %d %s", r.StatusCode, r.Body)
	}
	for _, path := range []string{"/.well-known/jwks.json", "/.well-known/oauth-authorization-server"} {
		if r := c.do("GET", path, "", nil, nil); r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", path, r.StatusCode, r.Body)
		}
	}
	if r := c.do("POST", "/oauth/revoke", "", basic, url.Values{"token": {tok.RefreshToken}}); r.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.StatusCode, r.Body)
	}

	if diff := cmp.Diff(app.OAuth.IAMActions, rec.Actions()); diff != "" {
		t.Errorf("app.OAuth.IAMActions differ from the actions the function called (-declared +called):\n%s", diff)
	}
	for _, s := range []string{secret, password, tok.AccessToken, tok.RefreshToken, loc.Query().Get("code"), email} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the log holds a secret (%.6s…)", s)
		}
	}
}

func TestNewServerRefusesBadConfig(t *testing.T) {
	env := app.Config{Table: "t", SecretsKeyID: "k", SigningKeyID: "s", Issuer: "http://auth.example.com", SkillID: "amzn1.ask.skill.x"}
	if _, err := newServer(env, aws.Config{}, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("an http issuer on a public host was accepted")
	}
}
