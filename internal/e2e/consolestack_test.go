package e2e

import (
	"context"
	"encoding/json"
	"maps"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/localalexa"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// consoleMailDomain is the console's sender domain in these tests, a verified SES
// identity in the emulator (which refuses to send from any other).
const consoleMailDomain = "e2e.easytocloud.localhost"

// consoleStack is "easytocloud serve" with the console, on a world whose table holds
// acme and globex (each holding its AWS account) and the Alexa skill's OAuth client.
type consoleStack struct {
	w        *world
	serve    *serveProcess
	identity *localalexa.Identity // signs the Alexa requests the stack trusts
	store    *dynamo.Store        // the stack's table, to read what the console wrote
	redirect string               // Alexa's redirect URI for the skill's client
	link     *oauth2.Config       // account linking as the Alexa app does it
}

func newConsoleStack(t *testing.T) *consoleStack {
	t.Helper()
	w := newSignInWorld(t)
	dir := t.TempDir()
	vars := maps.Clone(w.vars)
	vars[app.EnvSigningKeyFile] = filepath.Join(dir, "signing-key.pem")
	vars[app.EnvSkillID] = skillID
	vars[app.EnvMailFrom] = "easytocloud <console@" + consoleMailDomain + ">"
	vars[app.EnvSignUp] = "open"
	cfg := awstest.Config(t)
	awstest.VerifyEmailIdentity(t, cfg, consoleMailDomain)
	idDir := filepath.Join(dir, "alexa")
	s := &consoleStack{w: w, redirect: "https://layla.amazon.com/api/skill/link/" + vendorID,
		store: dynamo.NewStore(table.New(dynamodb.NewFromConfig(cfg), w.vars[app.EnvTable]), kms.NewFromConfig(cfg), w.vars[app.EnvSecretsKeyID])}
	s.serve = startServe(t, vars, "--addr", "127.0.0.1:0", "--alexa-identity", idDir)
	s.serve.leak.Secret("password", password)
	s.serve.leak.Secret("client secret", w.clientSecret)
	var err error
	if s.identity, err = localalexa.Load(idDir, time.Now()); err != nil {
		t.Fatal(err)
	}
	s.link = &oauth2.Config{
		ClientID: w.clientID, ClientSecret: w.clientSecret, RedirectURL: s.redirect, Scopes: []string{"easytocloud"},
		Endpoint: oauth2.Endpoint{AuthURL: s.serve.URL + "/oauth/authorize", TokenURL: s.serve.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
	return s
}

// tenantOf returns the tenant of the user with the e-mail address, as the table
// holds it now.
func (s *consoleStack) tenantOf(t *testing.T, email string) tenants.Tenant {
	t.Helper()
	u, err := s.store.UserByEmail(awstest.Context(t), email)
	if err != nil {
		t.Fatalf("the table has no user %s: %v", email, err)
	}
	tn, err := s.store.GetTenant(awstest.Context(t), u.TenantID)
	if err != nil {
		t.Fatalf("the tenant of %s: %v", email, err)
	}
	return tn
}

// mailLink waits (ten seconds at most) for an e-mail to address holding a link to the
// stack's path, and returns the newest such link. Its token is registered as a secret
// no log line of the stack may hold.
func (s *consoleStack) mailLink(t *testing.T, address, path string) string {
	t.Helper()
	prefix := s.serve.URL + path
	deadline := time.Now().Add(10 * time.Second)
	for {
		mails := awstest.EmailsTo(t, address)
		for i := len(mails) - 1; i >= 0; i-- {
			links := mails[i].Links()
			for j := len(links) - 1; j >= 0; j-- {
				if l := links[j]; strings.HasPrefix(l, prefix) && (len(l) == len(prefix) || strings.ContainsAny(l[len(prefix):len(prefix)+1], "?#/")) {
					if u, err := url.Parse(l); err == nil {
						for _, v := range u.Query() {
							s.serve.leak.Secret("e-mailed link token", v...)
						}
					}
					return l
				}
			}
		}
		if time.Now().After(deadline) {
			var got []string
			for _, m := range mails {
				got = append(got, m.Subject+": "+strings.Join(m.Links(), " "))
			}
			t.Fatalf("no e-mail to %s with a link to %s within 10s; the e-mails to them: %q", address, prefix, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var consoleCodeRE = regexp.MustCompile(`\b(\d{6})\b`)

// smsCode waits (ten seconds at most) for an SMS to phone beyond the first seen ones
// and returns the code in the newest.
func smsCode(t *testing.T, phone string, seen int) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs := awstest.SMSTo(t, phone)
		if len(msgs) > seen {
			m := consoleCodeRE.FindStringSubmatch(msgs[len(msgs)-1].Text)
			if m == nil {
				t.Fatalf("the newest SMS to %s holds no code: %q", phone, msgs[len(msgs)-1].Text)
			}
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new SMS to %s within 10s (it had %d)", phone, seen)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// putRole creates the role name in the emulator's IAM in account with the trust
// policy terraform/tenant writes: the operator's account (whose credentials the
// local stack runs with) may assume it, with externalID; with externalID "", the
// policy names no ExternalId at all, as a carelessly written role would. It returns
// the role's ARN.
func putRole(t *testing.T, account, name, externalID string) string {
	t.Helper()
	statement := map[string]any{
		"Effect":    "Allow",
		"Principal": map[string]any{"AWS": "arn:aws:iam::" + awstest.DefaultAccountID + ":root"},
		"Action":    "sts:AssumeRole",
	}
	if externalID != "" {
		statement["Condition"] = map[string]any{"StringEquals": map[string]any{"sts:ExternalId": externalID}}
	}
	doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{statement}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := iam.NewFromConfig(awstest.AccountConfig(t, account)).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(string(doc)),
	})
	if err != nil {
		t.Fatalf("create role %s in %s: %v", name, account, err)
	}
	return aws.ToString(out.Role.Arn)
}
