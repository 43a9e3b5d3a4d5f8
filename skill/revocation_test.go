package skill

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/testclock"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/tenants"
)

// RevokedAt makes fakeRevoker a TokenRevoker: it never holds a mark.
func (f *fakeRevoker) RevokedAt(context.Context, tenants.Principal) (time.Time, error) {
	return time.Time{}, nil
}

// markRevoker keeps revocation marks as oauth.Tokens does: RevokeUser marks the
// principal at the clock's time, RevokedAt reads it.
type markRevoker struct {
	now   func() time.Time
	mu    sync.Mutex
	marks map[tenants.Principal]time.Time
}

func (m *markRevoker) RevokeUser(_ context.Context, p tenants.Principal) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.marks == nil {
		m.marks = map[tenants.Principal]time.Time{}
	}
	m.marks[p] = m.now()
	return nil
}

func (m *markRevoker) RevokedAt(_ context.Context, p tenants.Principal) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.marks[p], nil
}

// revocationSkill is the fake handler checking real access tokens of alice, on a clock
// that the tokens' verifier, the handler and the marks share.
type revocationSkill struct {
	h     *Handler
	mfa   *fakeMFA
	clock *testclock.Clock
	rev   *markRevoker
	mint  func(iat time.Time) string
}

const revocationIssuer = "https://auth.easytocloud.test"

func newRevocationSkill(t *testing.T) *revocationSkill {
	t.Helper()
	h, m, _ := newFakeHandler(t)
	clock := testclock.New(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	signer := mustSigner(t)
	h.Tokens = &accesstoken.Verifier{Issuer: revocationIssuer, Audience: testSkillID, Keys: signer, Now: clock.Now}
	h.Now = clock.Now
	m.Now = clock.Now
	rev := &markRevoker{now: clock.Now}
	h.Revoker = rev
	return &revocationSkill{h: h, mfa: m, clock: clock, rev: rev, mint: func(iat time.Time) string {
		tok, err := accesstoken.Mint(context.Background(), signer, accesstoken.Claims{Issuer: revocationIssuer, Audience: testSkillID,
			Subject: alice.UserID, TenantID: alice.TenantID, IssuedAt: iat, ExpiresAt: iat.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}}
}

// refused reports whether the answer is the one to an invalid token: link the account.
func refused(r *alexa.ResponseEnvelope) bool {
	return r.Response.Card != nil && r.Response.Card.Type == alexa.CardLinkAccount
}

// TestTokenIssuedBeforeRevocationRefusedAtOnce: once the user's tokens are revoked, an
// access token issued before is refused on the next request, with 58 of its 60
// minutes left, as an invalid token is (LinkAccount card); one issued after the mark
// is accepted. Without a mark every valid token is.
func TestTokenIssuedBeforeRevocationRefusedAtOnce(t *testing.T) {
	s := newRevocationSkill(t)
	t0 := s.clock.Now()
	old := s.mint(t0)
	if r := newDevice(t, s.h, old).launch(); refused(r) {
		t.Fatalf("before any revocation the token is refused: %q", speech(r))
	}
	s.clock.Advance(time.Minute + 400*time.Millisecond)
	if err := s.rev.RevokeUser(context.Background(), alice); err != nil {
		t.Fatal(err)
	}
	revoked := s.clock.Now()
	s.clock.Advance(time.Minute)
	// iat has whole seconds: a token issued in the second of the revocation cannot
	// be told from one issued before it within that second, and is refused too.
	for name, iat := range map[string]time.Time{
		"IssuedAMinuteBefore":            t0,
		"IssuedJustBefore":               revoked.Add(-200 * time.Millisecond),
		"IssuedJustAfterInTheSameSecond": revoked.Add(200 * time.Millisecond),
	} {
		r := newDevice(t, s.h, s.mint(iat)).launch()
		if !refused(r) || !strings.Contains(speech(r), "link") {
			t.Errorf("%s: %q (card %+v), want the LinkAccount answer", name, speech(r), r.Response.Card)
		}
	}
	after := revoked.Truncate(time.Second).Add(time.Second)
	if r := newDevice(t, s.h, s.mint(after)).launch(); refused(r) || !strings.Contains(speech(r), "Welcome") {
		t.Errorf("a token issued after the revocation: %q, want the welcome", speech(r))
	}
}

// TestSkillDisabledRefusesTheOldTokenAtOnce: after SkillDisabled with the user's
// token, the same token (57 minutes left) is refused on the next request and the
// user's elevation has ended.
func TestSkillDisabledRefusesTheOldTokenAtOnce(t *testing.T) {
	s := newRevocationSkill(t)
	tok := s.mint(s.clock.Now())
	s.mfa.elevate(alice)
	s.clock.Advance(time.Minute)
	if r := newDevice(t, s.h, tok).launch(); refused(r) {
		t.Fatalf("before SkillDisabled: %q", speech(r))
	}
	env := mustDecode(t, "skill_disabled.json")
	env.Context.System.Application.ApplicationID = testSkillID
	env.Context.System.User.AccessToken = tok
	if _, err := s.h.Handle(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(2 * time.Minute)
	if r := newDevice(t, s.h, tok).launch(); !refused(r) {
		t.Errorf("the token after SkillDisabled: %q, want the LinkAccount answer", speech(r))
	}
	if _, err := s.mfa.Elevation(context.Background(), alice.TenantID, alice.UserID, mfa.Origin{}); err != mfa.ErrNotElevated {
		t.Errorf("the elevation after SkillDisabled: %v, want ErrNotElevated", err)
	}
	if s.mfa.locks != 1 {
		t.Errorf("SkillDisabled ended the elevation %d times, want 1", s.mfa.locks)
	}
}

// TestTokenWithoutIssueTimeRefusedAfterRevocation: a verifier that cannot say when a
// token was issued counts it as issued before any revocation.
func TestTokenWithoutIssueTimeRefusedAfterRevocation(t *testing.T) {
	h, _, _ := newFakeHandler(t)
	rev := &markRevoker{now: time.Now}
	h.Revoker = rev
	if r := newDevice(t, h, "good").launch(); refused(r) {
		t.Fatalf("without a mark: %q", speech(r))
	}
	if err := rev.RevokeUser(context.Background(), alice); err != nil {
		t.Fatal(err)
	}
	if r := newDevice(t, h, "good").launch(); !refused(r) {
		t.Errorf("after a revocation: %q, want the LinkAccount answer", speech(r))
	}
}

// TestElevationRevoked: an elevation granted before the user's tokens were revoked
// counts as absent; one granted after, or with no revocation, stands. Without
// Granted (an older mfa API) it is taken from Until and the tenant's window.
func TestElevationRevoked(t *testing.T) {
	revoked := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	window := 10 * time.Minute
	for _, tc := range []struct {
		name     string
		revoked  time.Time
		granted  time.Time
		untilced bool // Granted left out: only Until says when
		want     bool
	}{
		{"NeverRevoked", time.Time{}, revoked, false, false},
		{"GrantedAMinuteBefore", revoked, revoked.Add(-time.Minute), false, true},
		{"GrantedInTheSameSecond", revoked.Add(300 * time.Millisecond), revoked, false, true},
		{"GrantedAfter", revoked, revoked.Add(time.Second), false, false},
		{"UntilOnlyGrantedBefore", revoked, revoked.Add(-time.Minute), true, true},
		{"UntilOnlyGrantedAfter", revoked, revoked.Add(time.Second), true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tn := &turn{revoked: tc.revoked, tenant: tenants.Tenant{MFA: tenants.MFAPolicy{Kind: tenants.MFASMS, Elevation: window}}}
			el := mfa.Elevation{Until: tc.granted.Add(window), Granted: tc.granted}
			if tc.untilced {
				el.Granted = time.Time{}
			}
			if got := tn.elevationRevoked(el); got != tc.want {
				t.Errorf("elevationRevoked = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestElevationGrantedBeforeRevocationDoesNotCount: an elevation the mfa service still
// holds, granted before the user's tokens were revoked, does not allow a change asked
// with a token issued after the revocation; it did before. Against the emulator's
// EC2.
func TestElevationGrantedBeforeRevocationDoesNotCount(t *testing.T) {
	s := newStack(t)
	rev := &markRevoker{now: time.Now}
	s.h.Revoker = rev
	account := awstest.NewAccountID(t)
	acct := awstest.AccountConfig(t, account)
	awstest.SeedInstance(t, acct, "eu-west-1", "splunk", "stopped")
	jenkins := awstest.SeedInstance(t, acct, "eu-west-1", "jenkins", "stopped")
	awstest.WarmRegions(t, acct)
	p, token := s.newUser(t, account, func(tn *tenants.Tenant) { tn.Regions = []string{"eu-west-1"} })
	granted := time.Now().Add(-time.Minute).Truncate(time.Second)
	s.mfa.ElevationFn = func(tenantID, userID string) (mfa.Elevation, error) {
		return mfa.Elevation{Until: granted.Add(10 * time.Minute), Granted: granted}, nil
	}
	if got := speech(s.device(t, token).intent("StartInstanceIntent", map[string]string{"instance": "splunk"})); got != "I have started splunk." {
		t.Fatalf("before the revocation: %q", got)
	}
	if err := rev.RevokeUser(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	// A token issued after the revocation (iat has whole seconds: the next one).
	iat := time.Now().Truncate(time.Second).Add(time.Second)
	fresh, err := accesstoken.Mint(context.Background(), s.signer, accesstoken.Claims{Issuer: testIssuer, Audience: testSkillID,
		Subject: p.UserID, TenantID: p.TenantID, IssuedAt: iat, ExpiresAt: iat.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	s.leak.Secret("access token", fresh)
	if got := speech(s.device(t, fresh).intent("StartInstanceIntent", map[string]string{"instance": "jenkins"})); !strings.HasPrefix(got, "You need to authenticate.") {
		t.Errorf("after the revocation, with a new token: %q, want the request to authenticate", got)
	}
	if got := awstest.InstanceState(t, acct, "eu-west-1", jenkins); got != "stopped" {
		t.Errorf("jenkins is %s, want stopped", got)
	}
}
