package main

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// TestUserUnlockMFA locks a user's second factor for good on the CLI's table (100
// guesses with no code sent, 20 minutes apart), unlocks it with the CLI, and checks
// that the mfa Service the Lambda runs then sends a code and lets it in.
func TestUserUnlockMFA(t *testing.T) {
	c := newAWSCLI(t)
	tid, _ := c.createTenant("", "--name", "Acme", "--role-arn", cliRoleARN, "--mfa", "sms")
	const phone = "+31612340077"
	c.ok(cliPassword+"\n", "user", "add", "--tenant", tid, "--email", "dana@example.com", "--phone", phone, "--password-stdin")
	u, err := c.store().UserByEmail(ctx(t), "dana@example.com")
	if err != nil {
		t.Fatal(err)
	}

	// The mfa function, as cmd/mfa wires it, on the CLI's table.
	cfg := awstest.Config(t)
	db, keys := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	tableName, keyID := c.vars[envTable], c.vars[envSecretsKey]
	svc := mfa.NewService(c.store(), dynamo.NewKeyring(table.New(db, tableName), keys, keyID), table.New(db, tableName), sns.NewFromConfig(cfg), mfa.NewSTSFactory(cfg))
	now := cliNow
	svc.Now = func() time.Time { return now }
	logs := leakcheck.New(t)
	logs.Phone(phone)
	svc.Log = logs.Logger()

	origin := mfa.NewOrigin("amzn1.ask.account.CLITEST", "amzn1.ask.device.CLITEST", "")
	var verr error
	for range mfa.MaxConsecutiveFailures {
		_, verr = svc.Verify(ctx(t), tid, u.ID, origin, "123456")
		now = now.Add(20 * time.Minute)
	}
	if !errors.Is(verr, mfa.ErrLockedOut) {
		t.Fatalf("the 100th guess: %v, want ErrLockedOut", verr)
	}

	out := c.ok("", "user", "unlock-mfa", "--tenant", tid, "--user", u.ID)
	if !strings.Contains(out, "Unlocked the second factor of user "+u.ID+" of tenant "+tid) {
		t.Errorf("unlock-mfa printed %q", out)
	}
	// The last guess was 20 minutes ago: the function's memory of the lock (a
	// minute) has run out, so it reads the table the CLI changed.
	if _, err := svc.Challenge(ctx(t), tid, u.ID, origin); err != nil {
		t.Fatalf("Challenge after unlock-mfa: %v", err)
	}
	msgs := awstest.SMSTo(t, phone)
	if len(msgs) != 1 {
		t.Fatalf("%d SMS sent, want 1", len(msgs))
	}
	m := regexp.MustCompile(`code is (\d{6})\.`).FindStringSubmatch(msgs[0].Text)
	if m == nil {
		t.Fatalf("no code in the SMS %q", msgs[0].Text)
	}
	code := m[1]
	logs.Secret("otp", code)
	if _, err := svc.Verify(ctx(t), tid, u.ID, origin, code); err != nil {
		t.Errorf("the sent code after unlock-mfa: %v", err)
	}
	// Unlocking what is not locked is fine.
	c.ok("", "user", "unlock-mfa", "--user", u.ID, "--tenant", tid)

	for _, tc := range []struct {
		name string
		args []string
		exit int
		says string
	}{
		{"NoFlags", nil, 2, "usage: easytocloud user unlock-mfa --tenant ID --user ID"},
		{"NoUser", []string{"--tenant", tid}, 2, "usage: easytocloud user unlock-mfa --tenant ID --user ID"},
		{"NoTenant", []string{"--user", u.ID}, 2, "usage: easytocloud user unlock-mfa --tenant ID --user ID"},
		{"Positional", []string{"--tenant", tid, "--user", u.ID, "extra"}, 2, "usage: easytocloud user unlock-mfa --tenant ID --user ID"},
		{"UnknownFlag", []string{"--tenant", tid, "--user", u.ID, "--force"}, 2, "flag provided but not defined: -force"},
		{"BadID", []string{"--tenant", "t#1", "--user", u.ID}, 2, "a tenant or user ID is"},
		{"UnknownUser", []string{"--tenant", tid, "--user", "u-nosuchuser"}, 1, "see: easytocloud user list --tenant ID"},
		{"OtherTenantsUser", []string{"--tenant", "t-nosuchtenant", "--user", u.ID}, 1, "see: easytocloud user list --tenant ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := c.run("", append([]string{"user", "unlock-mfa"}, tc.args...)...)
			if code != tc.exit || !strings.Contains(stderr, tc.says) || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, stdout, stderr, tc.exit, tc.says)
			}
		})
	}
	t.Run("NoTable", func(t *testing.T) {
		saved := c.vars[envTable]
		delete(c.vars, envTable)
		defer func() { c.vars[envTable] = saved }()
		if code, _, stderr := c.run("", "user", "unlock-mfa", "--tenant", tid, "--user", u.ID); code != 2 || !strings.Contains(stderr, envTable) {
			t.Errorf("without %s: exit %d, %q; want 2 naming it", envTable, code, stderr)
		}
	})
}
