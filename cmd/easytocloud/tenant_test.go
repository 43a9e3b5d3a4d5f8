package main

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/localsts"
	"github.com/easytocloud/easytocloud/tenants"
)

const (
	cliRoleARN = "arn:aws:iam::222222222222:role/easytocloud"
	cliKeyID   = "AKIAIOSFODNN7EXAMPLE"
	cliSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

func TestTenantCommands(t *testing.T) {
	c := newAWSCLI(t)
	id, ext := c.createTenant(cliSecret+"\n", "--name", "Globex", "--role-arn", cliRoleARN,
		"--regions", "eu-west-1,us-east-1", "--control-tag", "easytocloud=voice", "--mfa", "token",
		"--mfa-serial", "GAHT12345678", "--verifier-key-id", cliKeyID, "--verifier-secret-stdin", "--elevation", "15m")
	placeholders := []string{id, "<TENANT_ID>", ext, "<EXTERNAL_ID>"}

	golden(t, "tenant-show.golden", c.ok("", "tenant", "show", id), placeholders...)
	golden(t, "tenant-show.json.golden", c.ok("", "tenant", "show", id, "--json"), placeholders...)

	// The secret is stored and decrypts under the tenant's context.
	s := c.store()
	stored, err := s.GetTenant(ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.VerifierSecret(ctx(t), stored); err != nil || got != cliSecret {
		t.Errorf("stored verifier secret decrypts to %q, %v", got, err)
	}

	smsID, _ := c.createTenant("", "--name", "Acme", "--role-arn", "arn:aws:iam::333333333333:role/et", "--mfa", "sms")
	list := c.ok("", "tenant", "list")
	for _, want := range []string{"ID  ", id, "Globex", "222222222222", "eu-west-1, us-east-1", smsID, "all enabled in the account"} {
		if !strings.Contains(list, want) {
			t.Errorf("tenant list lacks %q:\n%s", want, list)
		}
	}
	var listed []tenantJSON
	if err := json.Unmarshal([]byte(c.ok("", "tenant", "list", "--json")), &listed); err != nil || len(listed) != 2 {
		t.Errorf("tenant list --json: %d tenants, %v", len(listed), err)
	}

	// Update: only the flags given change; sms drops the token fields.
	out := c.ok("", "tenant", "update", id, "--name", "Globex Corp", "--regions", "all", "--control-tag", "none", "--mfa", "sms")
	if !strings.Contains(out, "now at version 2") {
		t.Errorf("tenant update printed %q", out)
	}
	after, _ := s.GetTenant(ctx(t), id)
	if after.Name != "Globex Corp" || after.Regions != nil || after.ControlTag != nil || after.MFA.Kind != tenants.MFASMS ||
		after.MFA.Serial != "" || len(after.MFA.VerifierSecret) != 0 || after.RoleARN != cliRoleARN || after.MFA.Elevation.Minutes() != 15 || after.ExternalID != ext {
		t.Errorf("after update: %+v", after)
	}
	out = c.ok("", "tenant", "update", id, "--role-arn", "arn:aws:iam::222222222222:role/other")
	if !strings.Contains(out, "verify-role "+id) {
		t.Errorf("changing the role does not ask for verify-role: %q", out)
	}

	mustPutRole(t, "arn:aws:iam::222222222222:role/other", ext)
	out = c.ok("", "tenant", "verify-role", id)
	if !strings.Contains(out, "acts in account 222222222222") || !strings.Contains(out, "a wrong ExternalId is refused") || !strings.Contains(out, "emulator") {
		t.Errorf("verify-role printed %q", out)
	}

	// Delete: refused with users, done with --force.
	c.ok(cliPassword+"\n", "user", "add", "--tenant", id, "--email", "ann@example.com", "--phone", "+31612345678", "--password-stdin")
	code, _, stderr := c.run("", "tenant", "delete", id)
	if code != 1 || !strings.Contains(stderr, "has 1 users") || !strings.Contains(stderr, "--force") {
		t.Errorf("delete with users: exit %d, %q; want 1 and a hint to use --force", code, stderr)
	}
	if out := c.ok("", "tenant", "delete", id, "--force"); !strings.Contains(out, "and its 1 users") {
		t.Errorf("tenant delete --force printed %q", out)
	}
	if _, err := s.GetTenant(ctx(t), id); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	if _, err := s.UserByEmail(ctx(t), "ann@example.com"); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("user of the deleted tenant: %v", err)
	}
	c.ok("", "tenant", "delete", smsID)
	if out := c.ok("", "tenant", "list"); !strings.Contains(out, "No tenants yet") {
		t.Errorf("empty tenant list printed %q", out)
	}
}

// TestTenantSuspend: suspend sets the tenant's Suspended, show says so, a second
// suspend changes nothing; resume lifts it.
func TestTenantSuspend(t *testing.T) {
	c := newAWSCLI(t)
	id, _ := c.createTenant("", "--name", "Acme", "--role-arn", "arn:aws:iam::"+awstest.NewAccountID(t)+":role/easytocloud", "--mfa", "sms")
	s := c.store()
	suspended := func() bool {
		t.Helper()
		tn, err := s.GetTenant(ctx(t), id)
		if err != nil {
			t.Fatal(err)
		}
		return tn.Suspended
	}
	if show := c.ok("", "tenant", "show", id); !regexp.MustCompile(`\nStatus: +active\n`).MatchString(show) {
		t.Errorf("tenant show before suspending:\n%s", show)
	}
	out := c.ok("", "tenant", "suspend", id)
	if !strings.Contains(out, "Suspended tenant "+id+" (Acme), now at version 2") || !strings.Contains(out, "easytocloud tenant resume "+id) || !suspended() {
		t.Errorf("tenant suspend printed %q (suspended: %v)", out, suspended())
	}
	if show := c.ok("", "tenant", "show", id); !regexp.MustCompile(`\nStatus: +suspended \(easytocloud tenant resume ` + id + `\)\n`).MatchString(show) {
		t.Errorf("tenant show of a suspended tenant:\n%s", show)
	}
	var shown tenantJSON
	if err := json.Unmarshal([]byte(c.ok("", "tenant", "show", id, "--json")), &shown); err != nil || !shown.Suspended {
		t.Errorf("tenant show --json: %+v, %v", shown, err)
	}
	if out := c.ok("", "tenant", "suspend", id); !strings.Contains(out, "suspended already") {
		t.Errorf("suspending again printed %q", out)
	}
	if tn, _ := s.GetTenant(ctx(t), id); tn.Version != 2 {
		t.Errorf("suspending again wrote version %d", tn.Version)
	}
	out = c.ok("", "tenant", "resume", id)
	if !strings.Contains(out, "Resumed tenant "+id+" (Acme), now at version 3") || suspended() {
		t.Errorf("tenant resume printed %q (suspended: %v)", out, suspended())
	}
	if out := c.ok("", "tenant", "resume", id); !strings.Contains(out, "is not suspended") {
		t.Errorf("resuming again printed %q", out)
	}
	if code, _, stderr := c.run("", "tenant", "suspend", "t-nosuchtenant0000"); code != 1 || !strings.Contains(stderr, "tenant list") {
		t.Errorf("suspending an unknown tenant: exit %d, %q", code, stderr)
	}
	if code, _, _ := c.run("", "tenant", "suspend"); code != 2 {
		t.Errorf("suspend without an ID: exit %d, want 2", code)
	}
}

func TestTableCreate(t *testing.T) {
	c := newAWSCLI(t)
	name := "t-cli-table-create"
	for range 2 { // idempotent
		if out := c.ok("", "table", "create", "--table", name); !strings.Contains(out, "Table "+name+" is ready") {
			t.Errorf("table create printed %q", out)
		}
	}
	// The default is $EASYTOCLOUD_TABLE, which newAWSCLI already created.
	c.ok("", "table", "create")
	c.vars[envTable] = name
	id, _ := c.createTenant("", "--name", "Acme", "--role-arn", cliRoleARN, "--mfa", "sms")
	if _, err := c.store().GetTenant(ctx(t), id); err != nil {
		t.Errorf("tenant in the created table: %v", err)
	}
}

// mustPutRole creates roleARN in the emulator's IAM with the trust policy
// terraform/tenant writes: the test's credentials may assume it with externalID
// ("": a trust policy without the ExternalId condition).
func mustPutRole(t *testing.T, roleARN, externalID string) {
	t.Helper()
	doc := localsts.TenantTrustPolicy("arn:aws:iam::"+awstest.DefaultAccountID+":root", externalID)
	if externalID == "" {
		doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + awstest.DefaultAccountID + `:root"},"Action":"sts:AssumeRole"}]}`
	}
	acct := awstest.AccountConfig(t, tenants.Tenant{RoleARN: roleARN}.AccountID())
	if err := localsts.PutRole(ctx(t), iam.NewFromConfig(acct), roleARN, doc); err != nil {
		t.Fatal(err)
	}
}

// TestTenantVerifyRole runs tenant verify-role against the emulator, whose roles'
// trust policies the local stack's STS plays: a role requiring the tenant's
// ExternalId passes and is claimed; one without the condition, one for another
// ExternalId and a missing role are refused with the words the operator needs; a
// second tenant in a claimed account is refused.
func TestTenantVerifyRole(t *testing.T) {
	c := newAWSCLI(t)
	newTenant := func() (id, ext, role string) {
		role = "arn:aws:iam::" + awstest.NewAccountID(t) + ":role/easytocloud"
		id, ext = c.createTenant("", "--name", "Acme", "--role-arn", role, "--mfa", "sms")
		return id, ext, role
	}
	for _, tc := range []struct {
		name   string
		trust  func(ext string) string // the ExternalId the role requires; nil: no role
		code   int
		stderr []string
	}{
		{name: "ExternalIDCondition", trust: func(ext string) string { return ext }},
		{name: "NoExternalIDCondition", trust: func(string) string { return "" }, code: 1, stderr: []string{
			"the role's trust policy lacks the sts:ExternalId condition", "the terraform/tenant module sets it", "The tenant's ExternalId: easytocloud-"}},
		{name: "OtherExternalID", trust: func(string) string { return "easytocloud-someone-else" }, code: 1, stderr: []string{
			"easytocloud cannot assume the role: check that the role ARN is right", "played the role's trust policy"}},
		{name: "NoSuchRole", code: 1, stderr: []string{"easytocloud cannot assume the role", "the emulator's IAM has no such role"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, ext, role := newTenant()
			if tc.trust != nil {
				mustPutRole(t, role, tc.trust(ext))
			}
			code, stdout, stderr := c.run("", "tenant", "verify-role", id)
			if code != tc.code {
				t.Fatalf("verify-role: exit %d, want %d; stdout %q, stderr %q", code, tc.code, stdout, stderr)
			}
			for _, want := range tc.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("verify-role stderr lacks %q:\n%s", want, stderr)
				}
			}
		})
	}

	t.Run("AccountTaken", func(t *testing.T) {
		id, _, role := newTenant()
		for _, other := range []string{role, strings.Replace(role, "role/easytocloud", "role/another", 1)} {
			code, _, stderr := c.run("", "tenant", "create", "--name", "Rogue", "--role-arn", other, "--mfa", "sms")
			if code != 1 || !strings.Contains(stderr, "that AWS account is already connected to another easytocloud tenant") || strings.Contains(stderr, id) {
				t.Errorf("second tenant with %s: exit %d, %q; want 1 and the plain refusal, not naming %s", other, code, stderr, id)
			}
		}
		otherID, _, _ := newTenant()
		code, _, stderr := c.run("", "tenant", "update", otherID, "--role-arn", role)
		if code != 1 || !strings.Contains(stderr, "that AWS account is already connected to another easytocloud tenant") || strings.Contains(stderr, id) {
			t.Errorf("update to a held role: exit %d, %q", code, stderr)
		}
		c.ok("", "tenant", "delete", id)
		c.ok("", "tenant", "update", otherID, "--role-arn", role)
	})
}
