package account_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/tenants"
)

// iamSTS plays the part of IAM in AssumeRole that the emulator skips. The caller is
// the skill's role, whose own policy refuses any AssumeRole without an ExternalId
// (terraform/iam.tf, condition Null sts:ExternalId false); each role's trust policy
// requires the ExternalId trust names for it ("" for a policy without the
// condition), and a role missing from trust does not trust the caller at all.
// Credentials act in the role's account unless account says otherwise. fail, when
// set, answers a call instead. It counts the calls.
type iamSTS struct {
	trust   map[string]string
	account string
	fail    func(in *sts.AssumeRoleInput) error

	mu         sync.Mutex
	assumed    []sts.AssumeRoleInput
	identities int
	accounts   map[string]string // access key ID → account
}

func (p *iamSTS) AssumeRole(_ context.Context, in *sts.AssumeRoleInput, _ ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.assumed = append(p.assumed, *in)
	if p.fail != nil {
		if err := p.fail(in); err != nil {
			return nil, err
		}
	}
	role := aws.ToString(in.RoleArn)
	want, trusted := p.trust[role]
	switch {
	case in.ExternalId == nil: // the skill role's own policy
		return nil, &smithy.GenericAPIError{Code: "AccessDenied", Message: "User: arn:aws:sts::111111111111:assumed-role/easytocloud-skill/verify is not authorized to perform: sts:AssumeRole on resource: " + role + " with an explicit deny in an identity-based policy"}
	case !trusted || (want != "" && aws.ToString(in.ExternalId) != want): // the role's trust policy
		return nil, &smithy.GenericAPIError{Code: "AccessDenied", Message: "User: arn:aws:sts::111111111111:assumed-role/easytocloud-skill/verify is not authorized to perform: sts:AssumeRole on resource: " + role}
	}
	acct := p.account
	if acct == "" {
		acct = tenants.Tenant{RoleARN: role}.AccountID()
	}
	key := "ASIA" + strings.ToUpper(rand.Text())
	if p.accounts == nil {
		p.accounts = map[string]string{}
	}
	p.accounts[key] = acct
	return &sts.AssumeRoleOutput{Credentials: &ststypes.Credentials{
		AccessKeyId: aws.String(key), SecretAccessKey: aws.String("secret"), SessionToken: aws.String("token"),
		Expiration: aws.Time(time.Now().Add(time.Hour)),
	}}, nil
}

func (p *iamSTS) GetCallerIdentity(ctx context.Context, _ *sts.GetCallerIdentityInput, opts ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	var o sts.Options
	for _, fn := range opts {
		fn(&o)
	}
	if o.Credentials == nil {
		return nil, errors.New("GetCallerIdentity called with easytocloud's own credentials, not the role's")
	}
	c, err := o.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.identities++
	acct, ok := p.accounts[c.AccessKeyID]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid."}
	}
	return &sts.GetCallerIdentityOutput{Account: aws.String(acct)}, nil
}

func (p *iamSTS) probes() (assumes, identities int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.assumed), p.identities
}

var errThrottled = &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded"}

// TestVerifyRole runs VerifyRole against trust policies played by iamSTS: with the
// tenant's ExternalId condition, without the condition, for another ExternalId, not
// trusting easytocloud, and with STS failing either probe. It counts the probes.
func TestVerifyRole(t *testing.T) {
	tn := accessTenant()
	for _, c := range []struct {
		name     string
		sts      *iamSTS
		tenant   func(*tenants.Tenant)
		want     error
		wantText string
		kind     account.Kind // of a verdict-less error
		assumes  int          // AssumeRole probes made
		identity bool         // whether GetCallerIdentity was called (once)
	}{
		{name: "ExternalIDCondition", sts: &iamSTS{trust: map[string]string{testRoleARN: tn.ExternalID}}, assumes: 2, identity: true},
		{name: "NoExternalIDCondition", sts: &iamSTS{trust: map[string]string{testRoleARN: ""}}, assumes: 1,
			want: tenants.ErrExternalIDNotRequired, wantText: "the role's trust policy lacks the sts:ExternalId condition"},
		{name: "OtherExternalID", sts: &iamSTS{trust: map[string]string{testRoleARN: "easytocloud-someone-elses-id"}}, assumes: 2,
			want: tenants.ErrRoleNotAssumable, wantText: "easytocloud cannot assume the role: check that the role ARN is right"},
		{name: "NotTrusted", sts: &iamSTS{trust: map[string]string{}}, assumes: 2,
			want: tenants.ErrRoleNotAssumable, wantText: "is not authorized to perform: sts:AssumeRole"},
		{name: "OtherAccount", sts: &iamSTS{trust: map[string]string{testRoleARN: tn.ExternalID}, account: "333333333333"}, assumes: 2, identity: true,
			want: tenants.ErrRoleNotAssumable, wantText: "account 333333333333, not 222222222222"},
		{name: "MalformedARN", tenant: func(t *tenants.Tenant) { t.RoleARN = "arn:aws:iam::222:role/x" }, want: tenants.ErrInvalid},
		{name: "NoExternalID", tenant: func(t *tenants.Tenant) { t.ExternalID = "" }, want: tenants.ErrInvalid},
		{name: "WrongProbeThrottled", assumes: 1, want: account.ErrNotChecked, kind: account.Throttled,
			sts: &iamSTS{trust: map[string]string{testRoleARN: ""}, fail: func(in *sts.AssumeRoleInput) error {
				if aws.ToString(in.ExternalId) != tn.ExternalID {
					return errThrottled
				}
				return nil
			}}},
		{name: "RightProbeThrottled", assumes: 2, want: account.ErrNotChecked, kind: account.Throttled,
			sts: &iamSTS{trust: map[string]string{testRoleARN: tn.ExternalID}, fail: func(in *sts.AssumeRoleInput) error {
				if aws.ToString(in.ExternalId) == tn.ExternalID {
					return errThrottled
				}
				return nil
			}}},
		{name: "Unreachable", assumes: 1, want: account.ErrNotChecked, kind: account.Timeout,
			sts: &iamSTS{trust: map[string]string{testRoleARN: ""}, fail: func(*sts.AssumeRoleInput) error {
				return &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
			}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			fake := c.sts
			if fake == nil {
				fake = &iamSTS{}
			}
			in := tn
			if c.tenant != nil {
				c.tenant(&in)
			}
			err := account.NewAccess(fake).VerifyRole(ctx(t), in)
			assumes, identities := fake.probes()
			t.Logf("%d AssumeRole probes, %d GetCallerIdentity: %v", assumes, identities, err)
			switch {
			case c.want == nil && err != nil:
				t.Fatalf("VerifyRole: %v, want nil", err)
			case c.want != nil && !errors.Is(err, c.want):
				t.Fatalf("VerifyRole: %v, want %v", err, c.want)
			case c.wantText != "" && !strings.Contains(err.Error(), c.wantText):
				t.Fatalf("VerifyRole: %v, want it to say %q", err, c.wantText)
			case c.kind != account.Other && account.Classify(err) != c.kind:
				t.Errorf("VerifyRole: %v is of kind %d, want %d", err, account.Classify(err), c.kind)
			}
			if c.want == account.ErrNotChecked && (errors.Is(err, tenants.ErrExternalIDNotRequired) || errors.Is(err, tenants.ErrRoleNotAssumable)) {
				t.Errorf("VerifyRole: %v; a failed probe is no verdict on the role", err)
			}
			if assumes != c.assumes {
				t.Errorf("%d AssumeRole probes, want %d", assumes, c.assumes)
			}
			if want := map[bool]int{true: 1}[c.identity]; identities != want {
				t.Errorf("%d GetCallerIdentity calls, want %d", identities, want)
			}
		})
	}
}

// TestVerifyRoleWrongExternalID checks the first probe's ExternalId: present (the
// skill role's policy refuses an AssumeRole without one, so a probe without it proves
// nothing), never the tenant's, fresh for every verification, and in the form AWS
// accepts.
func TestVerifyRoleWrongExternalID(t *testing.T) {
	tn := accessTenant()
	fake := &iamSTS{trust: map[string]string{testRoleARN: tn.ExternalID}}
	access := account.NewAccess(fake)
	for range 2 {
		if err := access.VerifyRole(ctx(t), tn); err != nil {
			t.Fatal(err)
		}
	}
	if len(fake.assumed) != 4 {
		t.Fatalf("%d AssumeRole calls, want 2 per verification", len(fake.assumed))
	}
	first, second := aws.ToString(fake.assumed[0].ExternalId), aws.ToString(fake.assumed[2].ExternalId)
	if first == "" || first == tn.ExternalID || second == first || !strings.HasPrefix(first, tenants.ExternalIDPrefix) {
		t.Errorf("wrong ExternalIds %q and %q (the tenant's is %q): want two fresh ones", first, second, tn.ExternalID)
	}
	if got := aws.ToString(fake.assumed[1].ExternalId); got != tn.ExternalID {
		t.Errorf("second probe's ExternalId %q, want the tenant's", got)
	}
	for _, in := range fake.assumed {
		if !strings.HasPrefix(aws.ToString(in.RoleSessionName), "easytocloud-verify-role") {
			t.Errorf("probe session %q does not say it is the verification", aws.ToString(in.RoleSessionName))
		}
	}
}

// TestVerifyRoleEmulator runs VerifyRole against moto, which ignores ExternalId: the
// wrong ExternalId is accepted, so the role is refused. Nothing skips the probe for
// an emulator.
func TestVerifyRoleEmulator(t *testing.T) {
	access := account.NewAccess(sts.NewFromConfig(awstest.Config(t)))
	if err := access.VerifyRole(ctx(t), accessTenant()); !errors.Is(err, tenants.ErrExternalIDNotRequired) {
		t.Errorf("VerifyRole against moto: %v, want ErrExternalIDNotRequired", err)
	}
}
