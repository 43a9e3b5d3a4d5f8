package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
)

const cliPassword = "correct horse battery staple"

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func TestUserCommands(t *testing.T) {
	c := newAWSCLI(t)
	tid, _ := c.createTenant("", "--name", "Acme", "--role-arn", cliRoleARN, "--mfa", "sms")
	emails := []string{"carol@example.com", "Alice@Example.com", "bob@example.org"}
	phones := []string{"+4915112345678", "+31612345678", "+12025550123"}
	for i, email := range emails {
		args := []string{"user", "add", "--tenant", tid, "--email", email, "--phone", phones[i], "--password-stdin"}
		want := "as member."
		if email == "bob@example.org" {
			args, want = append(args, "--role", "admin"), "as admin."
		}
		out := c.ok(cliPassword+"\n", args...)
		if !strings.Contains(out, "Added user u-") || !strings.Contains(out, want) {
			t.Errorf("user add printed %q, want it to end %q", out, want)
		}
	}
	code, _, stderr := c.run(cliPassword+"\n", "user", "add", "--tenant", tid, "--email", "dan@example.com", "--phone", "+31612345670", "--role", "owner", "--password-stdin")
	if code != 2 || !strings.Contains(stderr, `--role "owner": use admin or member`) {
		t.Errorf("user add --role owner: exit %d, %q; want 2 and the roles", code, stderr)
	}
	s := c.store()
	users, err := s.ListUsers(ctx(t), tid)
	if err != nil {
		t.Fatal(err)
	}
	byEmail := map[string]tenants.User{}
	for _, u := range users {
		byEmail[u.Email] = u
	}
	placeholders := []string{tid, "<TENANT_ID>",
		byEmail["Alice@Example.com"].ID, "<ALICE_ID>", byEmail["bob@example.org"].ID, "<BOB_ID>", byEmail["carol@example.com"].ID, "<CAROL_ID>"}
	golden(t, "user-list.golden", c.ok("", "user", "list", "--tenant", tid), placeholders...)
	golden(t, "user-list.json.golden", c.ok("", "user", "list", "--tenant", tid, "--json"), placeholders...)

	alice := byEmail["Alice@Example.com"]
	show := c.ok("", "user", "show", "alice@example.com")
	if show != c.ok("", "user", "show", "--tenant", tid, alice.ID) {
		t.Error("user show by email and by ID differ")
	}
	if !regexp.MustCompile(`\nRole: +member\n`).MatchString(show) {
		t.Errorf("user show does not say alice is a member:\n%s", show)
	}
	for _, want := range []string{alice.ID, tid, "Alice@Example.com", "+31612345678", "set (argon2id)"} {
		if !strings.Contains(show, want) {
			t.Errorf("user show lacks %q:\n%s", want, show)
		}
	}
	var shown userJSON
	if err := json.Unmarshal([]byte(c.ok("", "user", "show", "alice@example.com", "--json")), &shown); err != nil || shown.ID != alice.ID || shown.Role != "member" {
		t.Errorf("user show --json: %+v, %v", shown, err)
	}

	c.ok("", "user", "set-phone", "alice@example.com", "+447700900123")
	if u, _ := s.GetUser(ctx(t), tid, alice.ID); u.Phone != "+447700900123" || u.Version != 2 {
		t.Errorf("after set-phone: %+v", u)
	}
	if u := byEmail["bob@example.org"]; u.Role != tenants.RoleAdmin || !regexp.MustCompile(`\nRole: +admin\n`).MatchString(c.ok("", "user", "show", "bob@example.org")) {
		t.Errorf("bob, added --role admin: stored as %q", u.Role)
	}
	code, _, stderr = c.run("", "user", "set-phone", "alice@example.com", "none")
	if code != 2 || !strings.Contains(stderr, "sends codes by SMS") {
		t.Errorf("clearing the phone of an SMS tenant's user: exit %d, %q; want 2", code, stderr)
	}

	c.ok("a brand new password\n", "user", "set-password", "alice@example.com", "--password-stdin")
	if _, err := s.Authenticate(ctx(t), "alice@example.com", "a brand new password"); err != nil {
		t.Errorf("new password: %v", err)
	}
	if _, err := s.Authenticate(ctx(t), "alice@example.com", cliPassword); !errors.Is(err, tenants.ErrInvalidCredentials) {
		t.Errorf("old password still works: %v", err)
	}

	code, _, stderr = c.run(cliPassword+"\n", "user", "add", "--tenant", tid, "--email", "ALICE@example.com", "--phone", "+31612345678", "--password-stdin")
	if code != 1 || !strings.Contains(stderr, "already has an account") {
		t.Errorf("adding a taken address: exit %d, %q", code, stderr)
	}

	c.ok("", "user", "delete", "--tenant", tid, alice.ID)
	if _, err := s.GetUser(ctx(t), tid, alice.ID); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	if list := c.ok("", "user", "list", "--tenant", tid); strings.Contains(list, "Alice") || !strings.Contains(list, "bob@example.org") {
		t.Errorf("user list after delete:\n%s", list)
	}
	other, _ := c.createTenant("", "--name", "Empty", "--role-arn", "arn:aws:iam::333333333333:role/easytocloud", "--mfa", "sms") // each account has one tenant
	if out := c.ok("", "user", "list", "--tenant", other); !strings.Contains(out, "has no users") {
		t.Errorf("empty user list printed %q", out)
	}
}

// TestSecretsNeverPrinted runs every command that handles a secret, and every
// command that shows what holds one, and looks for the secret in all output.
func TestSecretsNeverPrinted(t *testing.T) {
	c := newAWSCLI(t)
	var all strings.Builder
	record := func(stdin string, args ...string) string {
		code, stdout, stderr := c.run(stdin, args...)
		all.WriteString(stdout + stderr)
		if code != 0 {
			t.Fatalf("easytocloud %s: exit %d, %s", strings.Join(args, " "), code, stderr)
		}
		return stdout
	}
	out := record(cliSecret+"\n", "tenant", "create", "--name", "Globex", "--role-arn", cliRoleARN, "--mfa", "token",
		"--mfa-serial", "GAHT12345678", "--verifier-key-id", cliKeyID, "--verifier-secret-stdin", "--json")
	var created tenantJSON
	if err := json.Unmarshal([]byte(out), &created); err != nil || !created.VerifierSecretSet {
		t.Fatalf("tenant create --json: %+v, %v", created, err)
	}
	id := created.ID
	record("", "tenant", "show", id)
	record("", "tenant", "show", id, "--json")
	record("", "tenant", "list", "--json")
	record(strings.Replace(cliSecret, "w", "W", 1)+"\n", "tenant", "update", id, "--verifier-secret-stdin")
	record(cliPassword+"\n", "user", "add", "--tenant", id, "--email", "dan@example.com", "--password-stdin")
	record("", "user", "show", "dan@example.com")
	record("", "user", "show", "dan@example.com", "--json")
	record("", "user", "list", "--tenant", id, "--json")
	record(cliPassword+"2\n", "user", "set-password", "dan@example.com", "--password-stdin")
	// Malformed secrets are refused without being echoed.
	for _, args := range [][]string{
		{"tenant", "update", id, "--verifier-secret-stdin"},
		{"user", "set-password", "dan@example.com", "--password-stdin"},
	} {
		code, stdout, stderr := c.run("tiny-secret\n", args...)
		all.WriteString(stdout + stderr)
		if code != 2 {
			t.Errorf("easytocloud %s with a malformed secret: exit %d, %s", strings.Join(args, " "), code, stderr)
		}
		if strings.Contains(stdout+stderr, "tiny-secret") {
			t.Errorf("the malformed secret is echoed: %s", stderr)
		}
	}
	hash := string(must(c.store().UserByEmail(ctx(t), "dan@example.com")).PasswordHash)
	for _, secret := range []string{cliSecret, strings.Replace(cliSecret, "w", "W", 1), cliPassword, hash, "argon2id$"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("output holds the secret %q", secret)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestTenantUserExitCodes(t *testing.T) {
	c := newAWSCLI(t)
	tid, _ := c.createTenant("", "--name", "Acme", "--role-arn", cliRoleARN, "--mfa", "sms")
	for _, tc := range []struct {
		name  string
		vars  map[string]string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{name: "Help", args: []string{"tenant", "help"}, code: 0},
		{name: "FlagHelp", args: []string{"tenant", "create", "-h"}, code: 0},
		{name: "NoSubcommand", args: []string{"tenant"}, code: 2, want: "give a subcommand: create, delete, list, resume, show, suspend, update, verify-role"},
		{name: "UnknownSubcommand", args: []string{"user", "remove"}, code: 2, want: `unknown subcommand "remove"`},
		{name: "UnknownFlag", args: []string{"tenant", "list", "--colour"}, code: 2, want: "flag provided but not defined: -colour"},
		{name: "CreateMissingFlags", args: []string{"tenant", "create", "--name", "x"}, code: 2, want: "needs --name, --role-arn and --mfa"},
		{name: "CreateTokenWithoutSecret", args: []string{"tenant", "create", "--name", "x", "--role-arn", cliRoleARN, "--mfa", "token"}, code: 2, want: "--verifier-secret-stdin"},
		{name: "CreateBadARN", args: []string{"tenant", "create", "--name", "x", "--role-arn", "arn:aws:iam::1:role/x", "--mfa", "sms"}, code: 2, want: "12-digit account"},
		{name: "CreateBadRegion", args: []string{"tenant", "create", "--name", "x", "--role-arn", cliRoleARN, "--mfa", "sms", "--regions", "eu-west-1,ireland"}, code: 2, want: `region "ireland"`},
		{name: "CreateBadTag", args: []string{"tenant", "create", "--name", "x", "--role-arn", cliRoleARN, "--mfa", "sms", "--control-tag", "voice"}, code: 2, want: "key=value"},
		{name: "CreateBadElevation", args: []string{"tenant", "create", "--name", "x", "--role-arn", cliRoleARN, "--mfa", "sms", "--elevation", "2h"}, code: 2, want: "1 to 60 minutes"},
		{name: "CreateBadMFA", args: []string{"tenant", "create", "--name", "x", "--role-arn", cliRoleARN, "--mfa", "totp"}, code: 2, want: `use "sms" or "token"`},
		{name: "ShowNoID", args: []string{"tenant", "show"}, code: 2, want: "needs one tenant ID"},
		{name: "ShowMissing", args: []string{"tenant", "show", "t-aaaaaaaaaaaaaaaa"}, code: 1, want: "not found; see: easytocloud tenant list"},
		{name: "UpdateNothing", args: []string{"tenant", "update", tid}, code: 2, want: "nothing to change"},
		{name: "UpdateMissing", args: []string{"tenant", "update", "t-aaaaaaaaaaaaaaaa", "--name", "x"}, code: 1, want: "not found"},
		{name: "DeleteMissing", args: []string{"tenant", "delete", "t-aaaaaaaaaaaaaaaa"}, code: 1, want: "not found"},
		{name: "NoTable", vars: map[string]string{envTable: ""}, args: []string{"tenant", "list"}, code: 2, want: "EASYTOCLOUD_TABLE is not set"},
		{name: "TableMissing", vars: map[string]string{envTable: "no-such-table"}, args: []string{"tenant", "show", tid}, code: 1, want: "easytocloud table create"},
		{name: "NoRegion", vars: map[string]string{"AWS_REGION": ""}, args: []string{"tenant", "list"}, code: 2, want: "set AWS_REGION"},
		{name: "NoSecretsKey", vars: map[string]string{envSecretsKey: ""}, stdin: cliSecret + "\n", args: []string{"tenant", "update", tid, "--mfa", "token", "--mfa-serial", "GAHT12345678", "--verifier-key-id", cliKeyID, "--verifier-secret-stdin"}, code: 2, want: "EASYTOCLOUD_SECRETS_KEY_ID is not set"},
		{name: "UserAddNoTenant", args: []string{"user", "add", "--email", "x@example.com"}, code: 2, want: "usage: easytocloud user add"},
		{name: "UserAddMissingTenant", stdin: cliPassword + "\n", args: []string{"user", "add", "--tenant", "t-aaaaaaaaaaaaaaaa", "--email", "x@example.com", "--password-stdin"}, code: 1, want: "not found"},
		{name: "UserAddNotTerminal", args: []string{"user", "add", "--tenant", tid, "--email", "x@example.com", "--phone", "+31612345678"}, code: 2, want: "add --password-stdin"},
		{name: "UserAddEmptyStdin", args: []string{"user", "add", "--tenant", tid, "--email", "x@example.com", "--phone", "+31612345678", "--password-stdin"}, code: 2, want: "no Password on stdin"},
		{name: "UserAddShortPassword", stdin: "short\n", args: []string{"user", "add", "--tenant", tid, "--email", "x@example.com", "--phone", "+31612345678", "--password-stdin"}, code: 2, want: "at least 12 characters"},
		{name: "UserAddBadEmail", stdin: cliPassword + "\n", args: []string{"user", "add", "--tenant", tid, "--email", "x", "--phone", "+31612345678", "--password-stdin"}, code: 2, want: "bare address"},
		{name: "UserAddBadPhone", stdin: cliPassword + "\n", args: []string{"user", "add", "--tenant", tid, "--email", "x@example.com", "--phone", "0612345678", "--password-stdin"}, code: 2, want: "E.164"},
		{name: "UserShowByIDWithoutTenant", args: []string{"user", "show", "u-aaaaaaaaaaaaaaaa"}, code: 2, want: "give --tenant"},
		{name: "UserShowMissing", args: []string{"user", "show", "nobody@example.com"}, code: 1, want: "not found; see: easytocloud user list"},
		{name: "UserListNoTenant", args: []string{"user", "list"}, code: 2, want: "--tenant ID"},
		{name: "UserListMissingTenant", args: []string{"user", "list", "--tenant", "t-aaaaaaaaaaaaaaaa"}, code: 1, want: "not found"},
		{name: "UserSetPhoneNoPhone", args: []string{"user", "set-phone", "x@example.com"}, code: 2, want: "PHONE"},
		{name: "TableNoSubcommand", args: []string{"table"}, code: 2, want: "table create"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			saved := map[string]string{}
			for k, v := range tc.vars {
				if strings.HasPrefix(k, "AWS_") {
					t.Setenv(k, v) // the SDK reads these itself
					continue
				}
				saved[k] = c.vars[k]
				c.vars[k] = v
			}
			defer func() {
				for k, v := range saved {
					c.vars[k] = v
				}
			}()
			code, _, stderr := c.run(tc.stdin, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			if tc.code != 0 {
				if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) {
					t.Errorf("stderr %q: want one line saying %q", stderr, tc.want)
				}
			}
		})
	}
	// Nothing above wrote: still one tenant, no users.
	s := c.store()
	if list, err := s.ListTenants(ctx(t)); err != nil || len(list) != 1 {
		t.Errorf("tenants after the failures: %d, %v", len(list), err)
	}
	if users, err := s.ListUsers(ctx(t), tid); err != nil || len(users) != 0 {
		t.Errorf("users after the failures: %d, %v", len(users), err)
	}
}

// TestAccountLinksRevoked: a password change, deleting a user and deleting a tenant
// with --force revoke the affected users' OAuth tokens (docs/ARCHITECTURE.md), so that Alexa's
// refresh token stops working; other users keep theirs.
func TestAccountLinksRevoked(t *testing.T) {
	for _, tc := range []struct {
		name        string
		args        func(tid string) []string
		stdin       string
		bobsSurvive bool
	}{
		{"SetPassword", func(string) []string {
			return []string{"user", "set-password", "ada@example.com", "--password-stdin"}
		}, "a brand new password\n", true},
		{"UserDelete", func(string) []string { return []string{"user", "delete", "ada@example.com"} }, "", true},
		{"TenantDeleteForce", func(tid string) []string { return []string{"tenant", "delete", tid, "--force"} }, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newAWSCLI(t)
			tid, _ := c.createTenant("", "--name", "Acme", "--role-arn", cliRoleARN, "--mfa", "sms")
			for _, email := range []string{"ada@example.com", "bob@example.com"} {
				c.ok(cliPassword+"\n", "user", "add", "--tenant", tid, "--email", email, "--phone", "+31612345678", "--password-stdin")
			}
			l := newLinkServer(t, c)
			ada, err := c.store().UserByEmail(ctx(t), "ada@example.com")
			if err != nil {
				t.Fatal(err)
			}
			refresh := map[string]string{}
			for _, email := range []string{"ada@example.com", "bob@example.com"} {
				tok, err := linkToken(ctx(t), l.config(email, cliPassword), &http.Client{})
				if err != nil {
					t.Fatalf("link %s: %v", email, err)
				}
				refresh[email] = tok.RefreshToken
				l.leak.Secret("refresh token", tok.RefreshToken)
				l.leak.Secret("access token", tok.AccessToken)
			}
			out := c.ok(tc.stdin, tc.args(tid)...)
			if !strings.Contains(out, "revoked their account links") {
				t.Errorf("the command does not say it revoked the links: %q", out)
			}
			// Deleted users' tokens fail anyway (the token endpoint looks the user up):
			// revoking also removes them, which the table shows.
			if n := c.refreshTokensOf(ada); n != 0 {
				t.Errorf("%d of ada's refresh tokens are still in the table", n)
			}
			var re *oauth2.RetrieveError
			if err := l.refresh(refresh["ada@example.com"]); !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
				t.Errorf("ada's refresh token afterwards: %v, want invalid_grant", err)
			}
			if err := l.refresh(refresh["bob@example.com"]); (err == nil) != tc.bobsSurvive {
				t.Errorf("bob's refresh token afterwards: %v; want it to work: %v", err, tc.bobsSurvive)
			}
		})
	}
}

// refreshTokensOf counts u's refresh tokens in the table (oauth lists a user's tokens
// on the index under OAUTHUSER#<tenant>#<user>).
func (c *awsCLI) refreshTokensOf(u tenants.User) int32 {
	c.t.Helper()
	out, err := dynamodb.NewFromConfig(awstest.Config(c.t)).Query(ctx(c.t), &dynamodb.QueryInput{
		TableName: aws.String(c.vars[envTable]), IndexName: aws.String(table.GSIName),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]dbtypes.AttributeValue{":pk": &dbtypes.AttributeValueMemberS{Value: "OAUTHUSER#" + u.TenantID + "#" + u.ID}},
		Select:                    dbtypes.SelectCount,
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return out.Count
}
