package account_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/tenants"
)

func TestVerifyRole(t *testing.T) {
	tn := accessTenant()
	for _, c := range []struct {
		name     string
		assume   func(*sts.AssumeRoleInput) (*sts.AssumeRoleOutput, error)
		account  string
		tenant   func(*tenants.Tenant)
		skip     bool
		want     error
		wantText string
	}{
		{name: "OK", assume: trustPolicy(tn.ExternalID), account: "222222222222"},
		{name: "NoExternalIDCondition", assume: trustPolicy(""), account: "222222222222", want: tenants.ErrExternalIDNotRequired, wantText: "add the condition StringEquals sts:ExternalId"},
		{name: "NoExternalIDConditionSkipped", assume: trustPolicy(""), account: "222222222222", skip: true},
		{name: "OtherExternalID", assume: trustPolicy("someone-elses-id"), account: "222222222222", want: tenants.ErrAccessDenied, wantText: "check the role and its ExternalId"},
		{name: "OtherAccount", assume: trustPolicy(tn.ExternalID), account: "333333333333", want: tenants.ErrAccessDenied, wantText: "account 333333333333, not 222222222222"},
		{name: "MalformedARN", assume: trustPolicy(tn.ExternalID), tenant: func(t *tenants.Tenant) { t.RoleARN = "arn:aws:iam::222:role/x" }, want: tenants.ErrInvalid},
		{name: "NoExternalID", assume: trustPolicy(tn.ExternalID), tenant: func(t *tenants.Tenant) { t.ExternalID = "" }, want: tenants.ErrInvalid},
		{name: "ProbeThrottled", assume: func(in *sts.AssumeRoleInput) (*sts.AssumeRoleOutput, error) {
			if in.ExternalId == nil {
				return nil, &smithy.GenericAPIError{Code: "Throttling"}
			}
			return issued("ASIAX"), nil
		}, account: "222222222222", wantText: "try without the ExternalId"},
	} {
		t.Run(c.name, func(t *testing.T) {
			access := account.NewAccess(&fakeSTS{AssumeRoleFn: c.assume, GetCallerIdentityFn: identityIn(c.account)})
			access.SkipExternalIDProbe = c.skip
			in := tn
			if c.tenant != nil {
				c.tenant(&in)
			}
			err := access.VerifyRole(ctx(t), in)
			switch {
			case c.want == nil && c.wantText == "":
				if err != nil {
					t.Fatalf("VerifyRole: %v, want nil", err)
				}
			case c.want != nil && !errors.Is(err, c.want):
				t.Fatalf("VerifyRole: %v, want %v", err, c.want)
			case err == nil || !strings.Contains(err.Error(), c.wantText):
				t.Fatalf("VerifyRole: %v, want it to say %q", err, c.wantText)
			}
		})
	}
}

// TestVerifyRoleEmulator runs VerifyRole against moto, which ignores ExternalId:
// assuming works and the account matches, and the probe (unless skipped) reports
// the role as assumable without the ExternalId, which is what moto does.
func TestVerifyRoleEmulator(t *testing.T) {
	access := account.NewAccess(sts.NewFromConfig(awstest.Config(t)))
	if err := access.VerifyRole(ctx(t), accessTenant()); !errors.Is(err, tenants.ErrExternalIDNotRequired) {
		t.Errorf("VerifyRole against moto with the probe: %v, want ErrExternalIDNotRequired", err)
	}
	access.SkipExternalIDProbe = true
	if err := access.VerifyRole(ctx(t), accessTenant()); err != nil {
		t.Errorf("VerifyRole against moto without the probe: %v", err)
	}
}
