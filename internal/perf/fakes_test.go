package perf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/skill"
	"github.com/easytocloud/easytocloud/tenants"
)

// The tenant and user every in-memory benchmark speaks for.
var (
	perfUser   = tenants.Principal{TenantID: "t-perf", UserID: "u-perf"}
	perfTenant = tenants.Tenant{
		ID: perfUser.TenantID, Name: "Perf", RoleARN: "arn:aws:iam::222222222222:role/easytocloud",
		ExternalID: "easytocloud-perf-0123456789abcdefghijklmnopqrstuvwxyz",
		MFA:        tenants.MFAPolicy{Kind: tenants.MFASMS},
	}
)

// fakeSTS issues credentials valid for an hour and counts AssumeRole calls. Each
// call takes delay; while gate is non-nil, calls wait for it to close.
type fakeSTS struct {
	delay time.Duration
	calls atomic.Int64
	now   func() time.Time // the clock expiries are set by; nil means time.Now

	mu   sync.Mutex
	gate chan struct{}
}

func (f *fakeSTS) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, _ ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	n := f.calls.Add(1)
	f.mu.Lock()
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	now := time.Now
	if f.now != nil {
		now = f.now
	}
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return &sts.AssumeRoleOutput{Credentials: &ststypes.Credentials{
		AccessKeyId:     aws.String(fmt.Sprintf("ASIAPERF%012d", n)),
		SecretAccessKey: aws.String("perf-secret"),
		SessionToken:    aws.String("perf-session-" + aws.ToString(in.RoleSessionName)),
		Expiration:      aws.Time(now().Add(time.Hour)),
	}}, nil
}

func (f *fakeSTS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	return nil, errors.New("fakeSTS: GetCallerIdentity not used")
}

// memDirectory is the tenant and user in memory, reads counted.
type memDirectory struct {
	tenant tenants.Tenant
	reads  atomic.Int64
}

func (d *memDirectory) GetTenant(_ context.Context, id string) (tenants.Tenant, error) {
	d.reads.Add(1)
	if id != d.tenant.ID {
		return tenants.Tenant{}, fmt.Errorf("get tenant %s: %w", id, tenants.ErrNotFound)
	}
	return d.tenant, nil
}

func (d *memDirectory) GetUser(_ context.Context, tenantID, userID string) (tenants.User, error) {
	d.reads.Add(1)
	if tenantID != perfUser.TenantID || userID != perfUser.UserID {
		return tenants.User{}, fmt.Errorf("get user %s: %w", userID, tenants.ErrNotFound)
	}
	return tenants.User{ID: userID, TenantID: tenantID, Email: "perf@example.com"}, nil
}

// noMFA is a second factor that no read request may reach.
type noMFA struct{}

var errNoMFA = errors.New("noMFA: a read request asked for the second factor")

func (noMFA) Challenge(context.Context, string, string, mfa.Origin) (mfa.Challenge, error) {
	return mfa.Challenge{}, errNoMFA
}
func (noMFA) Verify(context.Context, string, string, mfa.Origin, string) (mfa.Elevation, error) {
	return mfa.Elevation{}, errNoMFA
}
func (noMFA) Elevation(context.Context, string, string, mfa.Origin) (mfa.Elevation, error) {
	return mfa.Elevation{}, errNoMFA
}
func (noMFA) Lock(context.Context, string, string) error { return errNoMFA }

// tokenSigner is a local ES256 key (no KMS round trip) that also serves as the
// verifier's key source.
type tokenSigner struct {
	*accesstoken.FileSigner
}

func newTokenSigner(tb testing.TB) tokenSigner {
	tb.Helper()
	s, err := accesstoken.NewFileSigner(filepath.Join(tb.TempDir(), "signing-key.pem"))
	if err != nil {
		tb.Fatal(err)
	}
	return tokenSigner{s}
}

// mint returns an access token for p as the authorization server issues it.
func mint(tb testing.TB, s accesstoken.Signer, p tenants.Principal) string {
	tb.Helper()
	token, err := accesstoken.Mint(context.Background(), s, accesstoken.Claims{
		Issuer: issuer, Audience: skillID, Subject: p.UserID, TenantID: p.TenantID,
		Scope: "easytocloud", ID: "perf-jti", IssuedAt: testNow, ExpiresAt: testNow.Add(time.Hour),
	})
	if err != nil {
		tb.Fatalf("mint: %v", err)
	}
	return token
}

// tokenVerifier checks tokens with keys as the skill does, at testNow.
func tokenVerifier(keys accesstoken.KeySource) *accesstoken.Verifier {
	return &accesstoken.Verifier{Issuer: issuer, Audience: skillID, Keys: keys, Now: func() time.Time { return testNow }}
}

// discardLogger formats every line as production does (JSON) and drops it.
func discardLogger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(io.Discard, nil))
}

// memSkill is a skill.Handler whose directory is in memory and whose tenant account
// is reached through the real account.Access with a fake STS.
type memSkill struct {
	h      *skill.Handler
	dir    *memDirectory
	sts    *fakeSTS
	access *account.Access
	token  string
}

func newMemSkill(tb testing.TB, tenant tenants.Tenant, awsCfg aws.Config) *memSkill {
	tb.Helper()
	signer := newTokenSigner(tb)
	m := &memSkill{dir: &memDirectory{tenant: tenant}, sts: &fakeSTS{}}
	m.access = account.NewAccess(m.sts)
	m.h = &skill.Handler{
		SkillID:   skillID,
		Tokens:    tokenVerifier(signer),
		Directory: m.dir,
		Access:    m.access,
		MFA:       noMFA{},
		AWS:       awsCfg,
		Log:       discardLogger(),
	}
	m.token = mint(tb, signer, perfUser)
	return m
}
