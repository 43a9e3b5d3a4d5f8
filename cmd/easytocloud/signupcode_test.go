package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/easytocloud/easytocloud/console"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/htmlform"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

var signUpCodeRE = regexp.MustCompile(`(?m)^Invitation code:\s+([a-z2-7]{5}(?:-[a-z2-7]{5}){3})$`)

// TestSignUpCodeCreate: signup-code create prints a code once, keeps only its hash,
// and the console's sign-up takes it.
func TestSignUpCodeCreate(t *testing.T) {
	c := newAWSCLI(t)
	now := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	prev := signUpCodeNow
	signUpCodeNow = func() time.Time { return now }
	t.Cleanup(func() { signUpCodeNow = prev })

	out := c.ok("", "signup-code", "create", "--uses", "2", "--expires", "48h")
	m := signUpCodeRE.FindStringSubmatch(out)
	if m == nil || !regexp.MustCompile(`(?m)^Uses:\s+2$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^Expires:\s+2031-01-04T03:04:05Z$`).MatchString(out) {
		t.Fatalf("create printed:\n%s", out)
	}
	code := m[1]
	dump := c.tableDump()
	if strings.Contains(dump, code) || strings.Contains(dump, strings.ReplaceAll(code, "-", "")) || !strings.Contains(dump, "SIGNUPCODE#") {
		t.Errorf("the table does not hold exactly the code's hash:\n%s", dump)
	}

	var v signUpCodeJSON
	if err := json.Unmarshal([]byte(c.ok("", "signup-code", "create", "--json")), &v); err != nil {
		t.Fatal(err)
	}
	if v.Code == "" || v.Code == code || v.Uses != 1 || !v.ExpiresAt.Equal(now.Add(720*time.Hour)) {
		t.Errorf("create --json: %+v", v)
	}

	for _, args := range [][]string{{"--uses", "0"}, {"--expires", "0s"}, {"--expires", "10000h"}, {"extra"}} {
		if code, stdout, stderr := c.run("", append([]string{"signup-code", "create"}, args...)...); code != 2 || stdout != "" || stderr == "" {
			t.Errorf("create %v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}

	if got := signUpWithCode(t, c, code); !strings.Contains(got, "Check your email") {
		t.Errorf("the console refused the code:\n%s", got)
	}
	if got := signUpWithCode(t, c, "aaaaa-bbbbb-ccccc-ddddd"); !strings.Contains(got, "That invitation code is not right") {
		t.Errorf("the console took a made-up code:\n%s", got)
	}
}

// signUpWithCode fills in the sign-up page of a console on the CLI's table with
// code, and returns the page it answers.
func signUpWithCode(t *testing.T, c *awsCLI, code string) string {
	t.Helper()
	cfg := awstest.Config(t)
	tbl := table.New(dynamodb.NewFromConfig(cfg), c.vars[envTable])
	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String() + "/console"
	srv, err := console.NewServer(console.Config{
		BaseURL: base, Table: tbl, Keyring: dynamo.NewKeyring(tbl, kms.NewFromConfig(cfg), c.vars[envSecretsKey]),
		Store: consoleStore{c.store()}, Roles: consoleFakes{}, Tokens: consoleFakes{}, Elevations: consoleFakes{},
		Mail: &consoleMail{}, From: "no-reply@example.com", SMS: consoleFakes{}, SignUp: console.SignUpCode,
	})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = srv
	ts.Start()
	t.Cleanup(ts.Close)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Get(base + "/signup")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page, err := htmlform.Parse(string(body))
	if err != nil {
		t.Fatal(err)
	}
	form, ok := page.PostFormWith("code")
	if !ok {
		t.Fatalf("no sign-up form with a code:\n%s", body)
	}
	fields := form.Fields()
	fields.Set("org", "Acme")
	fields.Set("email", "ada@acme.example")
	fields.Set("password", "correct horse battery staple")
	fields.Set("code", code)
	resp, err = client.PostForm(strings.TrimSuffix(base, "/console")+form.Action, fields)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ = io.ReadAll(resp.Body)
	return string(body)
}

// consoleStore is the store with what the console needs of it beyond sign-up (until
// the store has it).
type consoleStore struct{ *dynamo.Store }

func (consoleStore) DeleteAlexaLink(context.Context, string, string, string) error { return nil }
func (consoleStore) Activity(context.Context, string, string, int) ([]tenants.Activity, error) {
	return nil, nil
}

// consoleFakes stands in for what a sign-up never reaches.
type consoleFakes struct{}

func (consoleFakes) VerifyRole(context.Context, tenants.Tenant) error { return nil }
func (consoleFakes) Grants(context.Context, tenants.Principal) ([]console.Grant, error) {
	return nil, nil
}
func (consoleFakes) RevokeGrant(context.Context, tenants.Principal, string) error { return nil }
func (consoleFakes) RevokeUser(context.Context, tenants.Principal) error          { return nil }
func (consoleFakes) Lock(context.Context, string, string) error                   { return nil }
func (consoleFakes) Text(context.Context, string, string) error                   { return nil }

// consoleMail keeps the console's mails.
type consoleMail struct {
	mu   sync.Mutex
	sent []console.Mail
}

func (m *consoleMail) Send(_ context.Context, mail console.Mail) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, mail)
	return nil
}
