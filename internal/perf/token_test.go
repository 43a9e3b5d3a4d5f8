package perf

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/htmlform"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

const (
	perfVendor   = "M2PERFVENDOR"
	perfPassword = "correct horse battery staple"
)

// authServer is the authorization server on the emulator's DynamoDB and KMS (the
// MAC keys), signing with a local key so that no KMS round trip is in the token
// endpoint's work; every AWS call recorded. Alexa is registered as a client and a
// user can sign in.
type authServer struct {
	srv    *oauth.Server
	ts     *httptest.Server
	rec    *recorder
	client oauth.Client
	secret string
	email  string
}

func newAuthServer(tb testing.TB) *authServer {
	tb.Helper()
	ctx := context.Background()
	a := &authServer{rec: newRecorder()}
	cfg := awstest.Config(tb)
	cfg.HTTPClient = &http.Client{Transport: a.rec, Timeout: time.Minute}
	db, keys := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	tableName, secretsKey := awstest.Table(tb), awstest.SecretsKey(tb)
	store := dynamo.NewStore(table.New(db, tableName), keys, secretsKey)
	store.Password = tenants.PasswordParams{Memory: 1024, Time: 1, Threads: 1}
	tn, err := store.CreateTenant(ctx, tenants.Tenant{Name: "Perf", RoleARN: "arn:aws:iam::" + awstest.NewAccountID(tb) + ":role/easytocloud",
		MFA: tenants.MFAPolicy{Kind: tenants.MFASMS}}, "")
	if err != nil {
		tb.Fatal(err)
	}
	a.email = "perf-" + tn.ID + "@example.com"
	if _, err := store.CreateUser(ctx, tenants.User{TenantID: tn.ID, Email: a.email, Phone: "+31612345678"}, perfPassword); err != nil {
		tb.Fatal(err)
	}
	signer, err := accesstoken.NewFileSigner(filepath.Join(tb.TempDir(), "signing.pem"))
	if err != nil {
		tb.Fatal(err)
	}
	a.ts = httptest.NewUnstartedServer(nil)
	a.srv, err = oauth.NewServer(oauth.Config{
		Issuer: "http://" + a.ts.Listener.Addr().String(), Audience: skillID, Table: table.New(db, tableName),
		Keyring: dynamo.NewKeyring(table.New(db, tableName), keys, secretsKey), Users: store, Signer: signer, Logger: discardLogger(),
	})
	if err != nil {
		tb.Fatal(err)
	}
	a.ts.Config.Handler = a.srv
	a.ts.Start()
	tb.Cleanup(a.ts.Close)
	a.client, a.secret, err = oauth.NewClients(table.New(db, tableName)).Create(ctx, oauth.Client{Name: "Alexa", VendorID: perfVendor})
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

func (a *authServer) oauth2Config() *oauth2.Config {
	return &oauth2.Config{
		ClientID: a.client.ID, ClientSecret: a.secret, RedirectURL: oauth.AlexaRedirectURIs(perfVendor)[1], Scopes: []string{"easytocloud"},
		Endpoint: oauth2.Endpoint{AuthURL: a.ts.URL + "/oauth/authorize", TokenURL: a.ts.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
}

// code signs the user in as a browser would, through whatever pages the server
// shows (sign-in, then consent when it asks), submitting each page's form with its
// hidden fields, the credentials, and the first named button (Link); it returns the
// authorization code of the final redirect.
func (a *authServer) code(tb testing.TB, cfg *oauth2.Config) string {
	tb.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page, err := url.Parse(cfg.AuthCodeURL("perf-state"))
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := c.Get(page.String())
	for range 4 {
		if err != nil {
			tb.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusSeeOther {
			loc, err := url.Parse(resp.Header.Get("Location"))
			if err != nil || loc.Query().Get("code") == "" {
				tb.Fatalf("redirected to %q without a code", resp.Header.Get("Location"))
			}
			return loc.Query().Get("code")
		}
		p, perr := htmlform.Parse(string(body))
		if resp.StatusCode != http.StatusOK || perr != nil || len(p.Forms) == 0 {
			tb.Fatalf("sign-in page %d without a form:\n%s", resp.StatusCode, body)
		}
		form := p.Forms[0]
		fields := url.Values{}
		for _, in := range form.Inputs {
			switch in.Name {
			case "email":
				fields.Set("email", a.email)
			case "password":
				fields.Set("password", perfPassword)
			case "":
			default:
				fields.Set(in.Name, in.Value)
			}
		}
		for _, b := range form.Buttons {
			if b.Name != "" {
				fields.Set(b.Name, b.Value)
				break
			}
		}
		action, perr := page.Parse(form.Action)
		if perr != nil {
			tb.Fatal(perr)
		}
		page = action
		resp, err = c.PostForm(action.String(), fields)
	}
	tb.Fatal("no redirect with a code after four pages")
	return ""
}

// tokenRequest is a token endpoint request as Alexa sends it: the client's
// credentials in Basic, the grant in the form body.
func (a *authServer) tokenRequest(form url.Values) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(a.client.ID), url.QueryEscape(a.secret))
	req.RemoteAddr = "54.239.0.10:443"
	return req
}

// serveToken runs one token request against the server (no network) and returns
// the refresh token it answered with.
func (a *authServer) serveToken(tb testing.TB, form url.Values) string {
	w := &responseSink{header: http.Header{}}
	a.srv.ServeHTTP(w, a.tokenRequest(form))
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(w.body.Bytes(), &tok); w.status != http.StatusOK || err != nil || tok.AccessToken == "" {
		tb.Fatalf("token endpoint answered %d %s", w.status, bytes.TrimSpace(w.body.Bytes()))
	}
	return tok.RefreshToken
}

// BenchmarkToken measures the authorization server's and the skill's token work:
//   - Exchange: the token endpoint redeeming an authorization code (a fresh code per
//     op, made by a sign-in outside the timer), and Refresh: a refresh grant, as Alexa
//     sends them, served without network. The access token is signed with a local
//     key, so no KMS round trip is in it; own-ms/op is ns/op minus the time spent
//     waiting for DynamoDB (the emulator), ddb-calls/op and kms-calls/op count them.
//   - Verify: the skill's check of an access token with the KMS public key cached.
func BenchmarkToken(b *testing.B) {
	b.Run("Exchange", func(b *testing.B) {
		a := newAuthServer(b)
		cfg := a.oauth2Config()
		redirect := cfg.RedirectURL
		var calls int
		var kmsCalls int
		var wait time.Duration
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			code := a.code(b, cfg)
			a.rec.snapshot()
			b.StartTimer()
			a.serveToken(b, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}})
			c, w := a.rec.snapshot()
			calls, kmsCalls, wait = calls+count(c, "dynamodb"), kmsCalls+count(c, "kms"), wait+w
		}
		reportOwn(b, calls, kmsCalls, wait)
	})
	b.Run("Refresh", func(b *testing.B) {
		a := newAuthServer(b)
		cfg := a.oauth2Config()
		refresh := a.serveToken(b, url.Values{"grant_type": {"authorization_code"}, "code": {a.code(b, cfg)}, "redirect_uri": {cfg.RedirectURL}})
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}
		a.serveToken(b, form) // MAC keys decrypted and cached, as in a warm function
		a.rec.snapshot()
		b.ReportAllocs()
		for b.Loop() {
			a.serveToken(b, form)
		}
		c, wait := a.rec.snapshot()
		reportOwn(b, count(c, "dynamodb"), count(c, "kms"), wait)
	})
	b.Run("Verify", func(b *testing.B) {
		rec := newRecorder()
		cfg := awstest.Config(b)
		cfg.HTTPClient = &http.Client{Transport: rec, Timeout: time.Minute}
		keys := kms.NewFromConfig(cfg)
		signingKey := awstest.SigningKey(b)
		token := mint(b, accesstoken.NewKMSSigner(keys, signingKey), perfUser)
		v := tokenVerifier(accesstoken.KMSKeys(keys, signingKey))
		ctx := context.Background()
		if _, err := v.Verify(ctx, token); err != nil { // fetches the public key
			b.Fatal(err)
		}
		rec.snapshot()
		b.ReportAllocs()
		for b.Loop() {
			if p, err := v.Verify(ctx, token); err != nil || p != perfUser {
				b.Fatalf("Verify = %v, %v", p, err)
			}
		}
		c, _ := rec.snapshot()
		b.ReportMetric(float64(count(c, "kms"))/float64(b.N), "kms-calls/op")
	})
}

// reportOwn reports the AWS calls per op and the time per op not spent waiting
// for them.
func reportOwn(b *testing.B, ddb, kmsCalls int, wait time.Duration) {
	n := float64(b.N)
	b.ReportMetric((float64(b.Elapsed())-float64(wait))/n/1e6, "own-ms/op")
	b.ReportMetric(float64(ddb)/n, "ddb-calls/op")
	b.ReportMetric(float64(kmsCalls)/n, "kms-calls/op")
}
