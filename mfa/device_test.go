package mfa

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/faults"
	"github.com/easytocloud/easytocloud/tenants"
)

// colleagues returns a and n-1 more users of a's tenant: users who share its MFA device.
func (e *env) colleagues(tb testing.TB, a account, n int) []account {
	tb.Helper()
	out := []account{a}
	for i := 1; i < n; i++ {
		phone := newPhone()
		e.remember(phone)
		u, err := e.store.CreateUser(context.Background(), tenants.User{TenantID: a.tenant.ID, Email: fmt.Sprintf("colleague%d-%s@example.com", i, phone[1:]), Phone: phone}, testPassword)
		if err != nil {
			tb.Fatalf("create user: %v", err)
		}
		out = append(out, account{a.tenant, u})
	}
	return out
}

// TestDeviceLimitHoldsAcrossUsers: the users of one token tenant guess at its one MFA
// device. However many they are, STS checks no more codes against the device than
// the limits allow one user: 3 users × 40 guesses at once, at most MaxFailures; and
// guessing as fast as the lockouts allow, round-robin until verification is locked
// for good, exactly MaxConsecutiveFailures.
func TestDeviceLimitHoldsAcrossUsers(t *testing.T) {
	const users = 3
	t.Run("Burst", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.sts.SetFn(onlyRightToken)
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := outcomes{}
		for _, a := range e.colleagues(t, e.token, users) {
			codes := make([]string, 40)
			for i := range codes {
				codes[i] = wrongToken(i)
			}
			wg.Go(func() {
				o := verifyAll(t, e.svc, a, codes, len(codes))
				mu.Lock()
				defer mu.Unlock()
				total.success.Add(o.success.Load())
				total.locked.Add(o.locked.Load())
				total.throttled.Add(o.throttled.Load())
			})
		}
		wg.Wait()
		checked := len(e.sts.Calls())
		t.Logf("%d users × 40 concurrent wrong codes: %d checked by STS against the device (limit %d), %d locked, %d throttled (contended)",
			users, checked, MaxFailures, total.locked.Load(), total.throttled.Load())
		if checked > MaxFailures {
			t.Errorf("STS checked %d codes against the device, want at most %d", checked, MaxFailures)
		}
		if n := total.success.Load(); n != 0 {
			t.Errorf("%d guesses succeeded", n)
		}
		// The device is locked for every user of the tenant, even with the right code.
		for _, a := range e.colleagues(t, e.token, 1) {
			_, err := e.svc.Verify(context.Background(), a.tenant.ID, a.user.ID, here, rightToken)
			if !errors.Is(err, ErrLocked) {
				t.Errorf("the right code after the burst: %v, want ErrLocked", err)
			}
		}
	})
	t.Run("UntilLockedForGood", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.sts.SetFn(onlyRightToken)
		ctx := context.Background()
		team := e.colleagues(t, e.token, users)
		lockedOut := map[int]bool{}
		guesses := 0
		for len(lockedOut) < users {
			if guesses > 10*MaxConsecutiveFailures {
				t.Fatalf("not locked out after %d guesses (%d checked)", guesses, len(e.sts.Calls()))
			}
			i := guesses % users
			_, err := e.svc.Verify(ctx, team[i].tenant.ID, team[i].user.ID, here, wrongToken(guesses))
			guesses++
			var re *RetryError
			switch {
			case errors.Is(err, ErrLockedOut):
				lockedOut[i] = true
			case errors.As(err, &re):
				e.clock.Advance(re.RetryAfter)
			case errors.Is(err, ErrInvalidCode):
				e.clock.Advance(time.Second)
			default:
				t.Fatalf("guess %d: %v", guesses, err)
			}
		}
		checked := len(e.sts.Calls())
		t.Logf("%d users guessing round-robin as fast as the lockouts allow: %d guesses, %d checked by STS against the device (limit %d) over %v of clock",
			users, guesses, checked, MaxConsecutiveFailures, e.clock.Now().Sub(t0))
		if checked != MaxConsecutiveFailures {
			t.Errorf("STS checked %d codes against the device, want %d", checked, MaxConsecutiveFailures)
		}
		// Each user has about a third of the failures: the device's lock is what
		// refuses them all. Unlocking one of them (the operator's action) lifts it.
		if err := e.svc.Unlock(ctx, team[0].tenant.ID, team[0].user.ID); err != nil {
			t.Fatal(err)
		}
		for _, a := range team {
			wantElevatedAt(t, e.svc, a, here, rightToken)
		}
	})
}

// TestDeviceLockRefusesColleagues: nine failures of one user and one of a colleague
// lock the device: a third user's right code is refused unchecked until the lockout
// ends, then it verifies; and the audit line says the device is what is locked.
func TestDeviceLockRefusesColleagues(t *testing.T) {
	e := newEnv(t)
	e.sts.SetFn(onlyRightToken)
	team := e.colleagues(t, e.token, 3)
	for i := range MaxFailures - 1 {
		wantCodeError(t, e.svc, team[0], wrongToken(i), MaxFailures-1-i)
	}
	_, err := e.svc.Verify(context.Background(), team[1].tenant.ID, team[1].user.ID, here, wrongToken(99))
	wantRetry(t, err, ErrLocked, Lockout)
	checked := len(e.sts.Calls())
	_, err = e.svc.Verify(context.Background(), team[2].tenant.ID, team[2].user.ID, here, rightToken)
	wantRetry(t, err, ErrLocked, Lockout)
	if n := len(e.sts.Calls()); n != checked {
		t.Errorf("STS checked %d codes while the device was locked", n-checked)
	}
	e.clock.Advance(Lockout)
	wantElevatedAt(t, e.svc, team[2], here, rightToken)
	var scopes []any
	for _, a := range e.auditLines(t) {
		if a["audit"] == AuditLockout {
			scopes = append(scopes, a["scope"])
		}
	}
	if len(scopes) != 1 || scopes[0] != scopeDevice {
		t.Errorf("lockout audit lines' scopes: %v, want one, %q", scopes, scopeDevice)
	}
}

// TestUnexpectedSTSAnswerCounts: when STS answers a token check with an error that is
// neither AccessDenied (a wrong code) nor throttling, the try counts as a failure
// (tries left drop by one), whether the answer is an error code STS has never given
// for a code or a 500 that outlasts the SDK's retries (from the emulator, through a
// faulty transport). A check that got no answer at all (a timeout) does not count.
func TestUnexpectedSTSAnswerCounts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fn     func(string) error // the fake STS's answer; nil: the emulator's, through rule
		rule   faults.Rule
		counts bool
	}{
		{name: "UnknownErrorCode", counts: true,
			fn: func(string) error {
				return &smithy.GenericAPIError{Code: "MultiFactorAuthenticationFailed", Message: "code not accepted"}
			}},
		{name: "InvalidClientTokenId", counts: true,
			fn: func(string) error {
				return &smithy.GenericAPIError{Code: "InvalidClientTokenId", Message: "The security token is invalid."}
			}},
		{name: "ServerErrorBeyondRetries", counts: true, rule: faults.Rule{Service: "sts", Action: "GetSessionToken", Kind: faults.ServerError}},
		{name: "NoAnswer", counts: false, rule: faults.Rule{Service: "sts", Action: "GetSessionToken", Kind: faults.Timeout}},
	} {
		for _, tg := range targets {
			t.Run(tc.name+"/"+tg.name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				api := tg.api(t, e)
				if tc.fn != nil {
					e.sts.SetFn(tc.fn)
				} else {
					ft := faults.New(nil)
					ft.Add(tc.rule)
					e.sts.real = NewSTSFactory(ft.Config(awstest.Config(t)))
				}
				_, err := api.Verify(context.Background(), e.token.tenant.ID, e.token.user.ID, here, "123456")
				if err == nil || errors.Is(err, ErrInvalidCode) || errors.Is(err, ErrThrottled) {
					t.Errorf("Verify = %v, want an error that is neither a wrong code nor throttling", err)
				}
				e.sts.SetFn(denyAll)
				left := MaxFailures - 1
				if tc.counts {
					left--
				}
				t.Logf("STS answered: %v", err)
				wantCodeError(t, api, e.token, "234567", left)
			})
		}
	}
}
