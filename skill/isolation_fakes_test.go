package skill

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/tenants"
)

// The fakes of the isolation matrix (isolation_test.go): STS with trust policies,
// and a directory, account access and second factor that record every lookup.

// trustPolicies is STS with each tenant role's trust policy: the role may be
// assumed only with the ExternalId its tenant was given. It records every call.
type trustPolicies struct {
	account.AssumeRoleAPI
	mu    sync.Mutex
	trust map[string]string // role ARN → required ExternalId
	calls []assumeCall
}

type assumeCall struct{ roleARN, externalID string }

func (p *trustPolicies) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, opts ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	role, ext := aws.ToString(in.RoleArn), aws.ToString(in.ExternalId)
	p.mu.Lock()
	p.calls = append(p.calls, assumeCall{role, ext})
	want, ok := p.trust[role]
	p.mu.Unlock()
	if ok && ext != want {
		return nil, &smithy.GenericAPIError{Code: "AccessDenied",
			Message: "User is not authorized to perform: sts:AssumeRole on resource: " + role}
	}
	return p.AssumeRoleAPI.AssumeRole(ctx, in, opts...)
}

func (p *trustPolicies) callsSince(n int) []assumeCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls[n:])
}

func (p *trustPolicies) count() int { p.mu.Lock(); defer p.mu.Unlock(); return len(p.calls) }

// lookups records which tenant and user each dependency was asked about.
type lookups struct {
	mu   sync.Mutex
	seen []string // "what tenant/user"
}

func (l *lookups) add(what, tenantID, userID string) {
	l.mu.Lock()
	l.seen = append(l.seen, what+" "+tenantID+"/"+userID)
	l.mu.Unlock()
}

func (l *lookups) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.seen
	l.seen = nil
	return s
}

type lookingDirectory struct {
	Directory
	l *lookups
}

func (d lookingDirectory) GetTenant(ctx context.Context, id string) (tenants.Tenant, error) {
	d.l.add("directory", id, "")
	return d.Directory.GetTenant(ctx, id)
}

func (d lookingDirectory) GetUser(ctx context.Context, tenantID, userID string) (tenants.User, error) {
	d.l.add("directory", tenantID, userID)
	return d.Directory.GetUser(ctx, tenantID, userID)
}

type lookingAccess struct {
	AccountAccess
	l *lookups
}

func (a lookingAccess) Config(base aws.Config, t tenants.Tenant, userID string) aws.Config {
	a.l.add("account "+t.RoleARN+" "+t.ExternalID, t.ID, userID)
	return a.AccountAccess.Config(base, t, userID)
}

type lookingMFA struct {
	SecondFactor
	l *lookups
}

func (m lookingMFA) Challenge(ctx context.Context, tenantID, userID string, from mfa.Origin) (mfa.Challenge, error) {
	m.l.add("mfa", tenantID, userID)
	return m.SecondFactor.Challenge(ctx, tenantID, userID, from)
}

func (m lookingMFA) Verify(ctx context.Context, tenantID, userID string, from mfa.Origin, code string) (mfa.Elevation, error) {
	m.l.add("mfa", tenantID, userID)
	return m.SecondFactor.Verify(ctx, tenantID, userID, from, code)
}

func (m lookingMFA) Elevation(ctx context.Context, tenantID, userID string, from mfa.Origin) (mfa.Elevation, error) {
	m.l.add("mfa", tenantID, userID)
	return m.SecondFactor.Elevation(ctx, tenantID, userID, from)
}

func (m lookingMFA) Lock(ctx context.Context, tenantID, userID string) error {
	m.l.add("mfa", tenantID, userID)
	return m.SecondFactor.Lock(ctx, tenantID, userID)
}

// isoTenant is one tenant of the matrix and what its account holds.
type isoTenant struct {
	name, account string
	cfg           aws.Config // acts in the account (for the test's own checks)
	tenant        tenants.Tenant
	users         []isoUser
	instances     map[string]string // ID → Name
	secrets       []string          // what no other tenant may hear: unique names, IDs, streams, account
}

type isoUser struct {
	who      tenants.Principal
	token    string
	elevated bool
}

// instanceStates reads the states of ids in one call.
func instanceStates(t *testing.T, cfg aws.Config, region string, ids []string) map[string]string {
	t.Helper()
	out, err := ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.Region = region }).
		DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: ids})
	if err != nil {
		t.Fatalf("describe instances: %v", err)
	}
	states := map[string]string{}
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			states[aws.ToString(i.InstanceId)] = string(i.State.Name)
		}
	}
	return states
}
