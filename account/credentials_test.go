package account_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/tenants"
)

// recordingSTS passes calls to the emulator's STS, records every AssumeRole input,
// and, when gate is set, holds AssumeRole calls after the first until gate closes.
type recordingSTS struct {
	account.AssumeRoleAPI
	mu    sync.Mutex
	calls []sts.AssumeRoleInput
	gate  chan struct{}
}

func (r *recordingSTS) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, opts ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	r.mu.Lock()
	r.calls = append(r.calls, *in)
	n, gate := len(r.calls), r.gate
	r.mu.Unlock()
	if gate != nil && n > 1 {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return r.AssumeRoleAPI.AssumeRole(ctx, in, opts...)
}

func (r *recordingSTS) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

func newRecordingSTS(t *testing.T) *recordingSTS {
	return &recordingSTS{AssumeRoleAPI: sts.NewFromConfig(awstest.Config(t))}
}

// accessTenant is a stored-looking tenant whose role is in account 222222222222.
func accessTenant() tenants.Tenant {
	return tenants.Tenant{ID: "t-access", Name: "Acme", RoleARN: testRoleARN,
		ExternalID: "easytocloud-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG", MFA: tenants.MFAPolicy{Kind: tenants.MFASMS}}
}

func TestAccessActsInTenantAccount(t *testing.T) {
	tenantCfg := awstest.AccountConfig(t, "222222222222")
	awstest.SeedInstance(t, tenantCfg, "eu-west-1", "tenant-splunk", "stopped")
	awstest.SeedInstance(t, awstest.Config(t), "eu-west-1", "operator-box", "running")

	rec := newRecordingSTS(t)
	access := account.NewAccess(rec)
	tn := accessTenant()
	cfg := access.Config(awstest.Config(t), tn, "u-alice")

	names := awstest.InstanceNames(t, cfg, "eu-west-1")
	if !slices.Contains(names, "tenant-splunk") || slices.Contains(names, "operator-box") {
		t.Errorf("instances seen with the tenant's credentials: %v; want tenant-splunk and not operator-box", names)
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Account) != "222222222222" || !strings.HasSuffix(aws.ToString(id.Arn), "/easytocloud-u-alice") {
		t.Errorf("caller identity %s %s; want account 222222222222 and a session naming u-alice", aws.ToString(id.Account), aws.ToString(id.Arn))
	}
	if n := rec.count(); n != 1 {
		t.Errorf("%d AssumeRole calls, want 1", n)
	}
	in := rec.calls[0]
	if aws.ToString(in.RoleArn) != tn.RoleARN || aws.ToString(in.ExternalId) != tn.ExternalID || aws.ToString(in.RoleSessionName) != "easytocloud-u-alice" {
		t.Errorf("AssumeRole input: role %s, external ID %s, session %s", aws.ToString(in.RoleArn), aws.ToString(in.ExternalId), aws.ToString(in.RoleSessionName))
	}
}

func TestAccessOneAssumeRoleForConcurrentCallers(t *testing.T) {
	rec := newRecordingSTS(t)
	access := account.NewAccess(rec)
	tn := accessTenant()
	const n = 100
	keys := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			c, err := access.Credentials(ctx(t), tn, "u-alice")
			if err != nil {
				t.Error(err)
			}
			keys[i] = c.AccessKeyID
		})
	}
	close(start)
	wg.Wait()
	t.Logf("%d concurrent Credentials calls: %d AssumeRole", n, rec.count())
	if got := rec.count(); got != 1 {
		t.Fatalf("%d concurrent callers made %d AssumeRole calls, want 1", n, got)
	}
	for i, k := range keys {
		if k == "" || k != keys[0] {
			t.Fatalf("caller %d got key %q, caller 0 %q", i, k, keys[0])
		}
	}

	// Per user: another user of the tenant gets their own session.
	bob, err := access.Credentials(ctx(t), tn, "u-bob")
	if err != nil || bob.AccessKeyID == keys[0] || rec.count() != 2 {
		t.Errorf("second user: key %s, %v, %d calls; want own credentials from a second AssumeRole", bob.AccessKeyID, err, rec.count())
	}
	// A changed role is not served the old role's credentials.
	moved := tn
	moved.RoleARN = "arn:aws:iam::333333333333:role/easytocloud"
	if c, err := access.Credentials(ctx(t), moved, "u-alice"); err != nil || c.AccessKeyID == keys[0] || c.AccountID != "333333333333" {
		t.Errorf("changed role: key %s account %s, %v; want new credentials", c.AccessKeyID, c.AccountID, err)
	}
}

func TestAccessRefreshesAhead(t *testing.T) {
	rec := newRecordingSTS(t)
	rec.gate = make(chan struct{})
	access := account.NewAccess(rec)
	var now atomic.Pointer[time.Time]
	setNow := func(t time.Time) { now.Store(&t) }
	setNow(time.Now())
	access.Now = func() time.Time { return *now.Load() }
	tn := accessTenant()

	first, err := access.Credentials(ctx(t), tn, "u-alice")
	if err != nil {
		t.Fatal(err)
	}
	// Five minutes before expiry: served from the cache at once, while a refresh
	// (held at the gate) runs in the background.
	setNow(first.Expires.Add(-5 * time.Minute))
	start := time.Now()
	got, err := access.Credentials(ctx(t), tn, "u-alice")
	if err != nil || got.AccessKeyID != first.AccessKeyID {
		t.Fatalf("near expiry: %s, %v; want the cached credentials", got.AccessKeyID, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("near expiry the request waited %s for the refresh", d)
	}
	waitFor(t, func() bool { return rec.count() == 2 }, "a background AssumeRole")
	// More requests while it runs neither wait nor start another.
	for range 10 {
		if _, err := access.Credentials(ctx(t), tn, "u-alice"); err != nil {
			t.Fatal(err)
		}
	}
	// Back to the present, so that the refreshed credentials are not near expiry.
	setNow(time.Now())
	close(rec.gate)
	waitFor(t, func() bool {
		c, err := access.Credentials(ctx(t), tn, "u-alice")
		return err == nil && c.AccessKeyID != first.AccessKeyID
	}, "the refreshed credentials to be served")
	if n := rec.count(); n != 2 {
		t.Errorf("%d AssumeRole calls, want 2", n)
	}

	// Within two minutes of expiry credentials are not served: the caller waits for
	// new ones.
	cur, _ := access.Credentials(ctx(t), tn, "u-alice")
	setNow(cur.Expires.Add(-time.Minute))
	next, err := access.Credentials(ctx(t), tn, "u-alice")
	if err != nil || next.AccessKeyID == cur.AccessKeyID || rec.count() != 3 {
		t.Errorf("stale: %s, %v, %d calls; want new credentials from a third AssumeRole", next.AccessKeyID, err, rec.count())
	}
}

func TestAccessCancelledCallerDoesNotFailOthers(t *testing.T) {
	rec := newRecordingSTS(t)
	rec.gate = make(chan struct{})
	access := account.NewAccess(rec)
	tn := accessTenant()
	if _, err := access.Credentials(ctx(t), tn, "u-warm"); err != nil { // the gate holds calls after the first
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx(t))
	firstErr := make(chan error, 1)
	go func() {
		_, err := access.Credentials(cctx, tn, "u-alice")
		firstErr <- err
	}()
	waitFor(t, func() bool { return rec.count() == 2 }, "the first caller's AssumeRole")
	second := make(chan error, 1)
	go func() {
		_, err := access.Credentials(ctx(t), tn, "u-alice")
		second <- err
	}()
	cancel()
	if err := <-firstErr; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: %v, want context.Canceled", err)
	}
	close(rec.gate)
	if err := <-second; err != nil {
		t.Errorf("the other caller failed with the first one's cancellation: %v", err)
	}
	if n := rec.count(); n != 2 {
		t.Errorf("%d AssumeRole calls, want 2 (one warm-up, one shared)", n)
	}
}

// fakeSTS stands in for STS where the emulator cannot: it refuses roles (AccessDenied)
// and honours ExternalId.
type fakeSTS struct {
	AssumeRoleFn        func(in *sts.AssumeRoleInput) (*sts.AssumeRoleOutput, error)
	GetCallerIdentityFn func(creds aws.Credentials) (*sts.GetCallerIdentityOutput, error)
}

func (f *fakeSTS) AssumeRole(_ context.Context, in *sts.AssumeRoleInput, _ ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	return f.AssumeRoleFn(in)
}

func (f *fakeSTS) GetCallerIdentity(ctx context.Context, _ *sts.GetCallerIdentityInput, opts ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	var o sts.Options
	for _, fn := range opts {
		fn(&o)
	}
	var creds aws.Credentials
	if o.Credentials != nil {
		c, err := o.Credentials.Retrieve(ctx)
		if err != nil {
			return nil, err
		}
		creds = c
	}
	return f.GetCallerIdentityFn(creds)
}

var errDenied = &smithy.GenericAPIError{Code: "AccessDenied", Message: "User: arn:aws:sts::123456789012:assumed-role/easytocloud-skill/x is not authorized to perform: sts:AssumeRole"}

func TestAccessDenied(t *testing.T) {
	calls := 0
	fake := &fakeSTS{AssumeRoleFn: func(*sts.AssumeRoleInput) (*sts.AssumeRoleOutput, error) { calls++; return nil, errDenied }}
	access := account.NewAccess(fake)
	for range 2 {
		_, err := access.Credentials(ctx(t), accessTenant(), "u-alice")
		if !errors.Is(err, tenants.ErrAccessDenied) {
			t.Fatalf("Credentials: %v, want ErrAccessDenied", err)
		}
		if !strings.Contains(err.Error(), "easytocloud can't reach your AWS account; check the role and its ExternalId") {
			t.Errorf("error %q lacks the human message", err)
		}
	}
	if calls != 2 {
		t.Errorf("%d AssumeRole calls; a refusal must not be cached, want 2", calls)
	}
	// Other STS errors are not reported as AccessDenied.
	fake.AssumeRoleFn = func(*sts.AssumeRoleInput) (*sts.AssumeRoleOutput, error) {
		return nil, &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded"}
	}
	if _, err := access.Credentials(ctx(t), accessTenant(), "u-alice"); err == nil || errors.Is(err, tenants.ErrAccessDenied) {
		t.Errorf("throttled: %v, want an error that is not ErrAccessDenied", err)
	}
	for name, tn := range map[string]tenants.Tenant{"NoRole": {ID: "t", ExternalID: "x"}, "NoExternalID": {ID: "t", RoleARN: testRoleARN}} {
		if _, err := access.Credentials(ctx(t), tn, "u-alice"); !errors.Is(err, tenants.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
