package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/localsts"
	"github.com/easytocloud/easytocloud/tenants"
)

// verifyLocalRole runs the console's role check (through the local stack's STS) on
// roleARN for a tenant with externalID.
func verifyLocalRole(t *testing.T, roleARN, externalID string) error {
	t.Helper()
	return account.NewAccess(localsts.New(awstest.Config(t))).VerifyRole(ctx(t),
		tenants.Tenant{ID: "t-localrole", RoleARN: roleARN, ExternalID: externalID})
}

// lastLine is the last line of out: what to paste.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[len(lines)-1]
}

// TestLocalRoleCreate: the role local-role create makes passes the console's role
// check for the tenant whose ExternalId it was given and no other; run again it
// keeps working; it will not take over a role another ExternalId holds unless told
// to; one made --without-external-id is refused as lacking the condition, and
// then fixed by running it again with the ExternalId.
func TestLocalRoleCreate(t *testing.T) {
	c := newAWSCLI(t)
	acct := awstest.NewAccountID(t)
	role := "arn:aws:iam::" + acct + ":role/easytocloud"
	mine, theirs := tenants.NewExternalID(), tenants.NewExternalID()

	out := c.ok("", "local-role", "create", "--account", acct, "--external-id", mine)
	if lastLine(out) != role || !strings.HasPrefix(out, "Created the role "+role) || !strings.Contains(out, "only with the ExternalId "+mine) ||
		!strings.Contains(out, "arn:aws:iam::"+awstest.DefaultAccountID+":root") {
		t.Errorf("local-role create printed:\n%s", out)
	}
	if err := verifyLocalRole(t, role, mine); err != nil {
		t.Errorf("the role check refuses the role for its own ExternalId: %v", err)
	}
	if err := verifyLocalRole(t, role, theirs); !errors.Is(err, tenants.ErrRoleNotAssumable) {
		t.Errorf("the role check for another ExternalId: %v, want %v", err, tenants.ErrRoleNotAssumable)
	}

	if out := c.ok("", "local-role", "create", "--account", acct, "--external-id", mine); !strings.HasPrefix(out, "Updated the role "+role) || lastLine(out) != role {
		t.Errorf("local-role create again printed:\n%s", out)
	}
	code, stdout, stderr := c.run("", "local-role", "create", "--account", acct, "--external-id", theirs)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "requires the ExternalId "+mine) || !strings.Contains(stderr, "--replace") {
		t.Errorf("taking over another ExternalId's role: exit %d, stdout %q, stderr %q; want 1 and a hint to --replace", code, stdout, stderr)
	}
	if err := verifyLocalRole(t, role, mine); err != nil {
		t.Errorf("the refused take-over changed the role: %v", err)
	}
	c.ok("", "local-role", "create", "--account", acct, "--external-id", theirs, "--replace")
	if err := verifyLocalRole(t, role, theirs); err != nil {
		t.Errorf("after --replace the new ExternalId is refused: %v", err)
	}
	if err := verifyLocalRole(t, role, mine); !errors.Is(err, tenants.ErrRoleNotAssumable) {
		t.Errorf("after --replace the old ExternalId: %v, want %v", err, tenants.ErrRoleNotAssumable)
	}

	t.Run("WithoutExternalID", func(t *testing.T) {
		c := &awsCLI{t: t, vars: c.vars}
		acct := awstest.NewAccountID(t)
		role := "arn:aws:iam::" + acct + ":role/easytocloud"
		out := c.ok("", "local-role", "create", "--account", acct, "--without-external-id")
		if lastLine(out) != role || !strings.Contains(out, "WITHOUT the sts:ExternalId condition") || !strings.Contains(out, "--external-id") {
			t.Errorf("local-role create --without-external-id printed:\n%s", out)
		}
		if err := verifyLocalRole(t, role, mine); !errors.Is(err, tenants.ErrExternalIDNotRequired) {
			t.Errorf("the role check of a role without the condition: %v, want %v", err, tenants.ErrExternalIDNotRequired)
		}
		c.ok("", "local-role", "create", "--account", acct, "--external-id", mine)
		if err := verifyLocalRole(t, role, mine); err != nil {
			t.Errorf("the role check refuses the fixed role: %v", err)
		}
	})
}

// TestLocalRoleCreateOnlyLocally: without a loopback AWS_ENDPOINT_URL the command
// refuses before any AWS call, saying why; a service's own endpoint setting cannot
// send its requests elsewhere either.
func TestLocalRoleCreateOnlyLocally(t *testing.T) {
	c := newAWSCLI(t)
	ext := tenants.NewExternalID()
	for name, endpoint := range map[string]string{
		"AWS":     "https://iam.amazonaws.com",
		"Remote":  "http://192.0.2.1:5000",
		"Missing": "",
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("AWS_ENDPOINT_URL", endpoint)
			code, stdout, stderr := c.run("", "local-role", "create", "--account", awstest.NewAccountID(t), "--external-id", ext)
			if code != 2 || stdout != "" || !strings.Contains(stderr, "AWS_ENDPOINT_URL is ") ||
				!strings.Contains(stderr, "local AWS emulator only, never in AWS") || !strings.Contains(stderr, endpoint) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and the refusal", code, stdout, stderr)
			}
		})
	}

	t.Run("ServiceEndpoint", func(t *testing.T) {
		var elsewhere atomic.Int64
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			elsewhere.Add(1)
			http.Error(w, "not the emulator", http.StatusForbidden)
		}))
		defer other.Close()
		c := &awsCLI{t: t, vars: c.vars}
		t.Setenv("AWS_ENDPOINT_URL_IAM", other.URL)
		t.Setenv("AWS_ENDPOINT_URL_STS", other.URL)
		acct := awstest.NewAccountID(t)
		c.ok("", "local-role", "create", "--account", acct, "--external-id", ext)
		if n := elsewhere.Load(); n != 0 {
			t.Errorf("%d requests went to AWS_ENDPOINT_URL_IAM / _STS rather than AWS_ENDPOINT_URL", n)
		}
		if _, err := iam.NewFromConfig(awstest.AccountConfig(t, acct)).GetRole(ctx(t), &iam.GetRoleInput{RoleName: aws.String("easytocloud")}); err != nil {
			t.Errorf("the role is not in the emulator: %v", err)
		}
	})
}

// TestLocalRoleCreateUsage: a call it cannot act on is a usage error before any AWS call.
func TestLocalRoleCreateUsage(t *testing.T) {
	ext := tenants.NewExternalID()
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"NoFlags":      {nil, localRoleUsage},
		"NoAccount":    {[]string{"--external-id", ext}, localRoleUsage},
		"NoExternalID": {[]string{"--account", "444444444444"}, localRoleUsage},
		"Both":         {[]string{"--account", "444444444444", "--external-id", ext, "--without-external-id"}, localRoleUsage},
		"BadAccount":   {[]string{"--account", "4444", "--external-id", ext}, `--account "4444": give the 12-digit ID`},
		"Placeholder":  {[]string{"--account", "444444444444", "--external-id", "EXTERNAL_ID"}, "give the ExternalId the console's connect page shows"},
		"BadCharacter": {[]string{"--account", "444444444444", "--external-id", "easytocloud-a b"}, "give the ExternalId"},
		"Argument":     {[]string{"now", "--account", "444444444444", "--external-id", ext}, "local-role create takes no arguments"},
	} {
		t.Run(name, func(t *testing.T) {
			// No AWS settings at all: a usage error must come before they are read.
			code, stdout, stderr := runCLI(t, append([]string{"local-role", "create"}, tc.args...)...)
			if code != 2 || stdout != "" || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and one line with %q", code, stdout, stderr, tc.want)
			}
		})
	}
}
