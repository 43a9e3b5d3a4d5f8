package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

var (
	clientIDRE     = regexp.MustCompile(`(?m)^Client ID:\s+(\S+)$`)
	clientSecretRE = regexp.MustCompile(`(?m)^Client secret:\s+(\S+)$`)
)

// tableDump returns every attribute value in the CLI's table, for checks of what is stored.
func (c *awsCLI) tableDump() string {
	c.t.Helper()
	out, err := dynamodb.NewFromConfig(awstest.Config(c.t)).Scan(ctx(c.t), &dynamodb.ScanInput{TableName: aws.String(c.vars[envTable])})
	if err != nil {
		c.t.Fatal(err)
	}
	b, _ := json.Marshal(out.Items)
	return string(b)
}

func secretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return "sha256:" + base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestOAuthClientCommands(t *testing.T) {
	c := newAWSCLI(t)
	out := c.ok("", "oauth-client", "create", "--name", "alexa", "--vendor-id", "M2VENDOR", "--redirect-uri", "http://127.0.0.1/callback")
	id, secret := clientIDRE.FindStringSubmatch(out), clientSecretRE.FindStringSubmatch(out)
	if id == nil || secret == nil {
		t.Fatalf("create printed no ID and secret:\n%s", out)
	}
	for _, u := range append(oauth.AlexaRedirectURIs("M2VENDOR"), "http://127.0.0.1/callback") {
		if !strings.Contains(out, "  "+u+"\n") {
			t.Errorf("create does not list %s:\n%s", u, out)
		}
	}
	dump := c.tableDump()
	if strings.Contains(dump, secret[1]) || !strings.Contains(dump, secretHash(secret[1])) {
		t.Error("the table does not hold exactly the secret's hash")
	}

	list := c.ok("", "oauth-client", "list")
	if !strings.Contains(list, id[1]) || !strings.Contains(list, "https://layla.amazon.com/api/skill/link/M2VENDOR") || strings.Contains(list, secret[1]) {
		t.Errorf("list:\n%s", list)
	}
	var views []oauthClientJSON
	if err := json.Unmarshal([]byte(c.ok("", "oauth-client", "list", "--json")), &views); err != nil || len(views) != 1 {
		t.Fatalf("list --json: %v %+v", err, views)
	}
	if diff := cmp.Diff(append(oauth.AlexaRedirectURIs("M2VENDOR"), "http://127.0.0.1/callback"), views[0].RedirectURIs); diff != "" {
		t.Errorf("redirect URIs (-want +got):\n%s", diff)
	}
	if views[0].Secret != "" {
		t.Error("list --json shows a secret")
	}

	rotated := c.ok("", "oauth-client", "rotate-secret", id[1])
	next := clientSecretRE.FindStringSubmatch(rotated)
	if next == nil || next[1] == secret[1] {
		t.Fatalf("rotate-secret printed no new secret:\n%s", rotated)
	}
	dump = c.tableDump()
	if strings.Contains(dump, secretHash(secret[1])) || !strings.Contains(dump, secretHash(next[1])) {
		t.Error("rotate-secret did not replace the stored hash")
	}

	c.ok("", "oauth-client", "delete", id[1])
	if code, _, stderr := c.run("", "oauth-client", "delete", id[1]); code != 1 || !strings.Contains(stderr, "no such OAuth client") {
		t.Errorf("delete twice: exit %d, %s", code, stderr)
	}
	if got := c.ok("", "oauth-client", "list"); !strings.Contains(got, "No OAuth clients") {
		t.Errorf("list after delete:\n%s", got)
	}

	var created oauthClientJSON
	if err := json.Unmarshal([]byte(c.ok("", "oauth-client", "create", "--name", "dialog", "--redirect-uri", "http://[::1]/cb", "--require-pkce", "--json")), &created); err != nil {
		t.Fatal(err)
	}
	if created.Secret == "" || !created.RequirePKCE || created.VendorID != "" {
		t.Errorf("create --json: %+v", created)
	}
}

// TestOAuthClientPKCEByDefault: oauth-client create requires PKCE S256 unless told
// --require-pkce=false, and create, show and list say which; show --json too.
func TestOAuthClientPKCEByDefault(t *testing.T) {
	c := newAWSCLI(t)
	strictOut := c.ok("", "oauth-client", "create", "--name", "alexa", "--vendor-id", "M2VENDOR")
	laxOut := c.ok("", "oauth-client", "create", "--name", "legacy", "--redirect-uri", "https://example.com/cb", "--require-pkce=false")
	strict, lax := clientIDRE.FindStringSubmatch(strictOut)[1], clientIDRE.FindStringSubmatch(laxOut)[1]
	for _, tc := range []struct {
		name, id, created, want string
		required                bool
	}{
		{"Default", strict, strictOut, "S256 required", true},
		{"RequirePKCEFalse", lax, laxOut, "not required (S256 recommended)", false},
	} {
		// No subtests: the CLI helper fails the test it was made with.
		line := regexp.MustCompile(`(?m)^PKCE:\s+` + regexp.QuoteMeta(tc.want) + `$`)
		if !line.MatchString(tc.created) {
			t.Errorf("%s: create does not say PKCE: %s:\n%s", tc.name, tc.want, tc.created)
		}
		show := c.ok("", "oauth-client", "show", tc.id)
		if !line.MatchString(show) || !strings.Contains(show, "Redirect URIs:") {
			t.Errorf("%s: show does not say PKCE: %s:\n%s", tc.name, tc.want, show)
		}
		var v oauthClientJSON
		if err := json.Unmarshal([]byte(c.ok("", "oauth-client", "show", tc.id, "--json")), &v); err != nil || v.RequirePKCE != tc.required || v.ID != tc.id || v.Secret != "" {
			t.Errorf("%s: show --json: %+v, %v", tc.name, v, err)
		}
	}
	if !strings.Contains(strictOut, "Turn PKCE on in the Alexa developer console") {
		t.Errorf("create of an Alexa client does not say to turn PKCE on in the console:\n%s", strictOut)
	}
	list := c.ok("", "oauth-client", "list")
	for id, want := range map[string]string{strict: "required", lax: "not required"} {
		if !regexp.MustCompile(`(?m)^` + id + `\s+\S+\s+\S+\s+` + want + `\s`).MatchString(list) {
			t.Errorf("list does not say PKCE %s for %s:\n%s", want, id, list)
		}
	}
	if code, _, stderr := c.run("", "oauth-client", "show", "nosuchclient"); code != 1 || !strings.Contains(stderr, "oauth-client list") {
		t.Errorf("show of an unknown client: exit %d, %s", code, stderr)
	}
}

func TestOAuthClientUsageErrors(t *testing.T) {
	c := newAWSCLI(t)
	for name, args := range map[string][]string{
		"NoName":       {"create", "--vendor-id", "M2VENDOR"},
		"NoRedirect":   {"create", "--name", "x"},
		"HTTPRedirect": {"create", "--name", "x", "--redirect-uri", "http://example.com/cb"},
		"Fragment":     {"create", "--name", "x", "--redirect-uri", "https://example.com/cb#x"},
		"Relative":     {"create", "--name", "x", "--redirect-uri", "/cb"},
		"BadVendor":    {"create", "--name", "x", "--vendor-id", "M2/../x"},
		"RotateNoID":   {"rotate-secret"},
		"ShowNoID":     {"show"},
		"DeleteTwoIDs": {"delete", "a", "b"},
		"UnknownVerb":  {"frobnicate"},
		"NoSubcommand": {},
	} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := c.run("", append([]string{"oauth-client"}, args...)...)
			if code != 2 || stderr == "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and a message", code, stdout, stderr)
			}
		})
	}
	if code, _, stderr := c.run("", "oauth-client", "rotate-secret", "nosuchclient"); code != 1 || !strings.Contains(stderr, "oauth-client list") {
		t.Errorf("rotate-secret of an unknown client: exit %d, %s", code, stderr)
	}
	delete(c.vars, envTable)
	if code, _, stderr := c.run("", "oauth-client", "list"); code != 2 || !strings.Contains(stderr, envTable) {
		t.Errorf("no table: exit %d, %s", code, stderr)
	}
}

// linkServer is an authorization server on the CLI's table, with a client made by
// oauth-client create, served on a loopback port.
type linkServer struct {
	t          *testing.T
	issuer     string
	id, secret string
	signer     *accesstoken.FileSigner
	// leak checks the authorization server's log: the client secret and the users'
	// passwords are registered, tests add the tokens they get.
	leak *leakcheck.Log
}

func newLinkServer(t *testing.T, c *awsCLI) *linkServer {
	t.Helper()
	out := c.ok("", "oauth-client", "create", "--name", "dialog", "--redirect-uri", "http://127.0.0.1/callback", "--require-pkce")
	cfg := awstest.Config(t)
	db, keys := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	signer, err := accesstoken.NewFileSigner(filepath.Join(t.TempDir(), "signing.pem"))
	if err != nil {
		t.Fatal(err)
	}
	l := &linkServer{t: t, id: clientIDRE.FindStringSubmatch(out)[1], secret: clientSecretRE.FindStringSubmatch(out)[1], signer: signer,
		leak: leakcheck.New(t)}
	l.leak.Secret("client secret", l.secret)
	l.leak.Secret("password", cliPassword, "a brand new password", "not the password")
	ts := httptest.NewUnstartedServer(nil)
	l.issuer = "http://" + ts.Listener.Addr().String()
	srv, err := oauth.NewServer(oauth.Config{Issuer: l.issuer, Audience: "amzn1.ask.skill.dialog", Table: table.New(db, c.vars[envTable]),
		Keyring: dynamo.NewKeyring(table.New(db, c.vars[envTable]), keys, c.vars[envSecretsKey]), Users: c.store(), Signer: signer,
		Logger: l.leak.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = srv
	ts.Start()
	t.Cleanup(ts.Close)
	return l
}

func (l *linkServer) config(email, password string) linkConfig {
	return linkConfig{AuthorizeURL: l.issuer + "/oauth/authorize", TokenURL: l.issuer + "/oauth/token",
		ClientID: l.id, ClientSecret: l.secret, Scopes: []string{"easytocloud"}, Email: email, Password: password}
}

// refresh uses a refresh token as Alexa does and returns the error.
func (l *linkServer) refresh(refreshToken string) error {
	oc := &oauth2.Config{ClientID: l.id, ClientSecret: l.secret,
		Endpoint: oauth2.Endpoint{TokenURL: l.issuer + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	_, err := oc.TokenSource(ctx(l.t), &oauth2.Token{RefreshToken: refreshToken}).Token()
	return err
}

// TestDialogLinksWithTheOAuthServer links an account with the dialog's linker (the
// way "easytocloud dialog" does) against the authorization server, with a client made
// by oauth-client create: its login form, CSRF token, consent form (Link) and 303 are
// what the linker expects.
func TestDialogLinksWithTheOAuthServer(t *testing.T) {
	c := newAWSCLI(t)
	tid, _ := c.createTenant("", "--name", "Acme", "--role-arn", cliRoleARN, "--mfa", "sms")
	c.ok(cliPassword+"\n", "user", "add", "--tenant", tid, "--email", "ada@example.com", "--phone", "+31612345678", "--password-stdin")
	l := newLinkServer(t, c)

	access, err := linkAccount(ctx(t), l.config("ada@example.com", cliPassword), &http.Client{})
	if err != nil {
		t.Fatalf("link: %v", err)
	}
	l.leak.Secret("access token", access)
	v := &accesstoken.Verifier{Issuer: l.issuer, Audience: "amzn1.ask.skill.dialog", Keys: l.signer}
	p, err := v.Verify(ctx(t), access)
	if err != nil || p.TenantID != tid {
		t.Fatalf("linked token: %+v, %v", p, err)
	}
	if _, err := linkAccount(ctx(t), l.config("ada@example.com", "not the password"), &http.Client{}); !errors.Is(err, errLinkFailed) {
		t.Errorf("link with a wrong password: %v, want errLinkFailed", err)
	}
}

// TestParseConsentForm: the linker presses the consent form's Link button (name
// decision, value allow) and nothing else.
func TestParseConsentForm(t *testing.T) {
	const link = `<button type="submit" name="decision" value="allow">Link</button>`
	const cancel = `<button type="submit" name="decision" value="deny">Cancel</button>`
	for _, tc := range []struct {
		name, page string
		want       url.Values // nil: an error
	}{
		{"OK", `<form method="post" action="authorize"><input type="hidden" name="csrf_token" value="t&amp;1">` +
			`<input type="hidden" name="consent" value="c">` + link + cancel + `</form>`,
			url.Values{"csrf_token": {"t&1"}, "consent": {"c"}, "decision": {"allow"}}},
		{"CancelOnly", `<form method="post" action="authorize"><input type="hidden" name="csrf_token" value="t">` + cancel + `</form>`, nil},
		{"LoginPage", `<form method="post" action="authorize"><input type="hidden" name="csrf_token" value="t">` +
			`<input name="email"><input name="password" type="password"><button type="submit">Sign in</button></form>`, nil},
		{"NoCSRF", `<form method="post" action="authorize">` + link + `</form>`, nil},
		{"GetForm", `<form method="get" action="authorize"><input type="hidden" name="csrf_token" value="t">` + link + `</form>`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			action, got, err := parseConsentForm(tc.page)
			if tc.want == nil {
				if err == nil {
					t.Fatalf("parsed %q %v, want an error", action, got)
				}
				return
			}
			if err != nil || action != "authorize" {
				t.Fatalf("action %q, error %v", action, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}
