package e2e

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/htmlform"
)

// skillID is the Alexa skill the e2e stack serves.
const (
	skillID  = "amzn1.ask.skill.e2e-0000-4000-8000-000000000001"
	vendorID = "M2E2ETESTVENDOR"
	password = "correct horse battery staple"
)

// tenantWorld is one seeded tenant: its account, its user and its instances.
type tenantWorld struct {
	name, id, account, email, phone string
	acct                            aws.Config           // credentials in the tenant's account
	instances                       map[string]*instance // by Name tag
}

type instance struct{ region, id, seeded string }

// world is what the end-to-end tests run against: the table, the keys, the two
// tenants of docs/ARCHITECTURE.md's demo (each in a fresh account) and the Alexa skill's OAuth
// client, all made with the operator's CLI as an operator would, plus the
// resources in the tenants' accounts.
type world struct {
	vars                   map[string]string // the CLI's and serve's environment
	clientID, clientSecret string
	acme, globex           *tenantWorld
}

// newWorld seeds a world: acme (SMS codes) with splunk (stopped) and jenkins
// (running) in eu-west-1, web-1 (running) in us-east-1 and a four-shard stream
// clickstream in eu-west-1; globex (token codes) with ledger (stopped) in eu-west-1.
func newWorld(t *testing.T) *world {
	t.Helper()
	w := emptyWorld(t)

	// The table's records and the accounts' resources are independent: the operator's
	// CLI seeds the table in the background while this goroutine seeds the accounts.
	bin := binary(t)
	tableDone := make(chan error, 1)
	go func() { tableDone <- w.seedTable(bin) }()
	defer func() {
		if err := <-tableDone; err != nil {
			t.Fatal(err)
		}
	}()
	w.acme.acct = awstest.AccountConfig(t, w.acme.account)
	w.acme.instances = map[string]*instance{
		"splunk":  {region: "eu-west-1", seeded: "stopped"},
		"jenkins": {region: "eu-west-1", seeded: "running"},
		"web-1":   {region: "us-east-1", seeded: "running"},
	}
	seedInstances(t, w.acme)
	awstest.SeedStream(t, w.acme.acct, "eu-west-1", "clickstream", 4)
	w.globex.acct = awstest.AccountConfig(t, w.globex.account)
	w.globex.instances = map[string]*instance{"ledger": {region: "eu-west-1", seeded: "stopped"}}
	seedInstances(t, w.globex)
	awstest.WarmRegions(t, w.acme.acct, w.globex.acct)
	return w
}

// emptyWorld names a world's table, key, accounts and users, and creates nothing.
func emptyWorld(t *testing.T) *world {
	w := &world{vars: emulatorVars(t)}
	w.vars["EASYTOCLOUD_TABLE"] = awstest.Table(t)
	w.vars["EASYTOCLOUD_SECRETS_KEY_ID"] = awstest.SecretsKey(t)
	w.acme = &tenantWorld{name: "acme", account: awstest.NewAccountID(t), email: "alice@acme.example", phone: "+15555550100"}
	w.globex = &tenantWorld{name: "globex", account: awstest.NewAccountID(t), email: "bob@globex.example", phone: "+15555550199"}
	return w
}

// newSignInWorld seeds only the table: enough to sign in and link, nothing to talk about.
func newSignInWorld(t *testing.T) *world {
	t.Helper()
	w := emptyWorld(t)
	if err := w.seedTable(binary(t)); err != nil {
		t.Fatal(err)
	}
	return w
}

// seedTable creates the table, the tenants, their users and the Alexa client with
// the operator's CLI (the binary bin).
func (w *world) seedTable(bin string) error {
	if _, err := runCLI(bin, w.vars, "", "table", "create"); err != nil {
		return err
	}
	var err error
	w.acme.id, err = w.createTenant(bin, "", "--name", "acme", "--role-arn", "arn:aws:iam::"+w.acme.account+":role/easytocloud", "--mfa", "sms")
	if err != nil {
		return err
	}
	verifierSecret := (rand.Text() + rand.Text())[:40]
	w.globex.id, err = w.createTenant(bin, verifierSecret+"\n", "--name", "globex", "--role-arn", "arn:aws:iam::"+w.globex.account+":role/easytocloud",
		"--mfa", "token", "--mfa-serial", "arn:aws:iam::"+w.globex.account+":mfa/easytocloud", "--verifier-key-id", "AKIAE2EVERIFIER00001", "--verifier-secret-stdin")
	if err != nil {
		return err
	}
	for _, tw := range []*tenantWorld{w.acme, w.globex} {
		if _, err := runCLI(bin, w.vars, password+"\n", "user", "add", "--tenant", tw.id, "--email", tw.email, "--phone", tw.phone, "--password-stdin"); err != nil {
			return err
		}
	}
	var client struct {
		ID     string `json:"id"`
		Secret string `json:"client_secret"`
	}
	out, err := runCLI(bin, w.vars, "", "oauth-client", "create", "--name", "Alexa", "--vendor-id", vendorID, "--require-pkce", "--json")
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(out), &client); err != nil || client.ID == "" || client.Secret == "" {
		return fmt.Errorf("oauth-client create --json: %v\n%s", err, out)
	}
	w.clientID, w.clientSecret = client.ID, client.Secret
	return nil
}

func (w *world) createTenant(bin, stdin string, args ...string) (string, error) {
	var created struct {
		ID string `json:"id"`
	}
	out, err := runCLI(bin, w.vars, stdin, append([]string{"tenant", "create", "--json"}, args...)...)
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.ID == "" {
		return "", fmt.Errorf("tenant create --json: %v\n%s", err, out)
	}
	return created.ID, nil
}

func seedInstances(t *testing.T, tw *tenantWorld) {
	for name, in := range tw.instances {
		in.id = awstest.SeedInstance(t, tw.acct, in.region, name, in.seeded)
	}
}

// reset puts every instance back in its seeded state.
func (w *world) reset(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, tw := range []*tenantWorld{w.acme, w.globex} {
		for name, in := range tw.instances {
			client := ec2.NewFromConfig(tw.acct, func(o *ec2.Options) { o.Region = in.region })
			var err error
			switch in.seeded {
			case "stopped":
				_, err = client.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{in.id}})
			case "running":
				_, err = client.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{in.id}})
			}
			if err != nil {
				t.Fatalf("reset %s: %v", name, err)
			}
		}
	}
}

// linked is the result of account linking: what Alexa keeps for the user.
type linked struct {
	token  *oauth2.Token
	config *oauth2.Config
}

// linkAsAlexaApp links an account as the Alexa app and the Alexa service do: the app
// opens the authorization URL (with state and an S256 PKCE challenge) in a browser,
// the person signs in on the form and chooses Link on the consent page, the browser
// is sent to Alexa's redirect URI with the code, and Alexa redeems the code at the
// token endpoint with the client secret (HTTP Basic) and the PKCE verifier. The
// consent page must name the tenant. The redirect is never followed: it is Amazon's.
func linkAsAlexaApp(t *testing.T, w *world, serveURL string, tw *tenantWorld) linked {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	redirect := "https://layla.amazon.com/api/skill/link/" + vendorID
	oc := &oauth2.Config{
		ClientID: w.clientID, ClientSecret: w.clientSecret, RedirectURL: redirect, Scopes: []string{"easytocloud"},
		Endpoint: oauth2.Endpoint{AuthURL: serveURL + "/oauth/authorize", TokenURL: serveURL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
	state, verifier := rand.Text(), oauth2.GenerateVerifier()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	page, pageURL := browse(t, browser, http.MethodGet, oc.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), nil, http.StatusOK)
	action, fields := postForm(t, page, "email")
	fields.Set("email", tw.email)
	fields.Set("password", password)
	consent, consentURL := browse(t, browser, http.MethodPost, resolve(t, pageURL, action), fields, http.StatusOK)
	if !strings.Contains(consent, tw.name) || !strings.Contains(consent, tw.email) {
		t.Fatalf("the consent page does not name tenant %s and user %s:\n%s", tw.name, tw.email, consent)
	}
	action, fields = postForm(t, consent, "consent")
	fields.Set("decision", "allow")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, resolve(t, consentURL, action), strings.NewReader(fields.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil || !strings.HasPrefix(loc.String(), redirect+"?") {
		t.Fatalf("Link answered %s to %q, want 303 to %s", resp.Status, resp.Header.Get("Location"), redirect)
	}
	if got := loc.Query().Get("state"); got != state {
		t.Fatalf("the redirect carries state %q, want %q", got, state)
	}
	tok, err := oc.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("token exchange: %v", err)
	}
	if tok.RefreshToken == "" || tok.Expiry.Before(time.Now().Add(50*time.Minute)) {
		t.Errorf("token response: refresh token set %v, expires %s; want a refresh token and an hour", tok.RefreshToken != "", tok.Expiry)
	}
	return linked{token: tok, config: oc}
}

// browse sends a request with the browser and fails unless it is answered with want.
func browse(t *testing.T, browser *http.Client, method, rawURL string, form url.Values, want int) (string, *url.URL) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %s, want %d\n%s", method, req.URL.Path, resp.Status, want, b)
	}
	return string(b), resp.Request.URL
}

func resolve(t *testing.T, base *url.URL, ref string) string {
	t.Helper()
	u, err := base.Parse(ref)
	if err != nil {
		t.Fatal(err)
	}
	return u.String()
}

// postForm returns the action and the input values of the page's POST form that has
// an input named field.
func postForm(t *testing.T, page, field string) (string, url.Values) {
	t.Helper()
	p, err := htmlform.Parse(page)
	if err != nil {
		t.Fatalf("parse page: %v\n%s", err, page)
	}
	f, ok := p.PostFormWith(field)
	if !ok {
		t.Fatalf("no POST form with %s on the page:\n%s", field, page)
	}
	return f.Action, f.Fields()
}

// String names a tenant in failure messages.
func (tw *tenantWorld) String() string { return fmt.Sprintf("%s (%s)", tw.name, tw.account) }
