package mfa

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// rightToken is the token user's current code in these tests; STS refuses the rest.
const rightToken = "918273"

func onlyRightToken(code string) error {
	if code == rightToken {
		return nil
	}
	return errAccessDenied
}

// wrongToken is the i-th wrong code.
func wrongToken(i int) string { return otherCode(rightToken, i) }

// failSpread makes n failed verifications of a, gap apart on the test's clock, and
// returns the answer to each. A gap of 20 minutes keeps three failures in the hour:
// no Lockout ever starts, so only the consecutive count can stop the guessing.
func failSpread(t *testing.T, e *env, api API, a account, n int, gap time.Duration) []error {
	t.Helper()
	errs := make([]error, n)
	for i := range n {
		_, errs[i] = api.Verify(context.Background(), a.tenant.ID, a.user.ID, here, wrongToken(i))
		e.clock.Advance(gap)
	}
	return errs
}

// wantLockedOut checks that err is the lockout only an operator ends, as both the
// Service and the Client return it.
func wantLockedOut(tb testing.TB, what string, err error) {
	tb.Helper()
	var re *RetryError
	if !errors.Is(err, ErrLockedOut) || !errors.Is(err, ErrLocked) || errors.As(err, &re) {
		tb.Errorf("%s: %v, want ErrLockedOut (which is ErrLocked, and no RetryError)", what, err)
	}
}

// TestConsecutiveFailuresLockForGood: 100 failures without a success lock the user's
// verification until an operator unlocks it, whether they come far apart (one every
// 20 minutes, never a Lockout) or as fast as the lockouts allow; the right code is
// refused, unchecked, days later; Unlock lets it in.
func TestConsecutiveFailuresLockForGood(t *testing.T) {
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			t.Run("Spread", func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				api := tg.api(t, e)
				e.sts.SetFn(onlyRightToken)
				errs := failSpread(t, e, api, e.token, MaxConsecutiveFailures, 20*time.Minute)
				for i, err := range errs[:MaxConsecutiveFailures-1] {
					var ce *CodeError
					if !errors.As(err, &ce) {
						t.Fatalf("failure %d: %v, want a CodeError", i+1, err)
					}
					// Tries left: the fewer of the hour's (7, three in the hour) and the cap's.
					if want := min(MaxFailures-3, MaxConsecutiveFailures-1-i); i >= 2 && ce.TriesLeft != want {
						t.Errorf("failure %d: %d tries left, want %d", i+1, ce.TriesLeft, want)
					}
				}
				wantLockedOut(t, "the 100th failure", errs[MaxConsecutiveFailures-1])
				t.Logf("%d failures over %v of clock locked verification for good", MaxConsecutiveFailures, e.clock.Now().Sub(t0))
				checkLockedForGood(t, e, api)
			})
			t.Run("AcrossLockouts", func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				api := tg.api(t, e)
				e.sts.SetFn(onlyRightToken)
				ctx := context.Background()
				// The fastest attacker: a guess a second, and after a lockout the next
				// guess the moment it ends.
				var err error
				guesses := 0
				for !errors.Is(err, ErrLockedOut) {
					if guesses > 10*MaxConsecutiveFailures {
						t.Fatalf("not locked out after %d guesses (%d checked)", guesses, len(e.sts.Calls()))
					}
					_, err = api.Verify(ctx, e.token.tenant.ID, e.token.user.ID, here, wrongToken(guesses))
					guesses++
					var re *RetryError
					switch {
					case errors.As(err, &re):
						e.clock.Advance(re.RetryAfter)
					case errors.Is(err, ErrInvalidCode):
						e.clock.Advance(time.Second)
					case !errors.Is(err, ErrLockedOut):
						t.Fatalf("guess %d: %v", guesses, err)
					}
				}
				if n := len(e.sts.Calls()); n != MaxConsecutiveFailures {
					t.Errorf("STS checked %d codes before the lockout, want %d", n, MaxConsecutiveFailures)
				}
				t.Logf("%d guesses, as fast as the hourly lockouts allow, locked verification for good after %v of clock (%d checked)",
					guesses, e.clock.Now().Sub(t0), len(e.sts.Calls()))
				checkLockedForGood(t, e, api)
			})
		})
	}
}

// checkLockedForGood checks, after the lockout that only an operator ends, that the
// right code is refused unchecked at once and days later, that Unlock lets it in,
// and the audit lines of the lockout and the unlock.
func checkLockedForGood(t *testing.T, e *env, api API) {
	t.Helper()
	ctx := context.Background()
	checked := len(e.sts.Calls())
	for _, wait := range []time.Duration{0, Lockout, FailureWindow, 3 * 24 * time.Hour} {
		e.clock.Advance(wait)
		_, err := api.Verify(ctx, e.token.tenant.ID, e.token.user.ID, here, rightToken)
		wantLockedOut(t, fmt.Sprintf("the right code %v later", wait), err)
	}
	if n := len(e.sts.Calls()); n != checked {
		t.Errorf("STS checked %d codes after the lockout", n-checked)
	}
	if err := e.svc.Unlock(ctx, e.token.tenant.ID, e.token.user.ID); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	wantElevated(t, api, e.token, rightToken, e.clock.Now().Add(7*time.Minute))

	var lockouts, unlocks []map[string]any
	for _, a := range e.auditLines(t) {
		switch {
		case a["audit"] == AuditLockout && a["outcome"] == outcomeLockedOut:
			lockouts = append(lockouts, a)
		case a["audit"] == auditUnlock:
			unlocks = append(unlocks, a)
		}
	}
	if len(lockouts) != 1 || lockouts[0]["consecutive_failures"] != float64(MaxConsecutiveFailures) {
		t.Errorf("audit lines of the lockout for good: %v; want one, with consecutive_failures %d", lockouts, MaxConsecutiveFailures)
	}
	if len(unlocks) != 1 || unlocks[0]["was"] != outcomeLockedOut || unlocks[0]["consecutive_failures"] != float64(MaxConsecutiveFailures) ||
		unlocks[0]["tenant"] != e.token.tenant.ID || unlocks[0]["user"] != e.token.user.ID || unlocks[0]["outcome"] != "unlocked" {
		t.Errorf("audit lines of the unlock: %v", unlocks)
	}
}

// TestSuccessResetsTheConsecutiveCount: 99 failures and then the right code; the count
// starts again, so 99 more failures still leave the right code its way in.
func TestSuccessResetsTheConsecutiveCount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.sts.SetFn(onlyRightToken)
	for round := range 2 {
		errs := failSpread(t, e, e.svc, e.token, MaxConsecutiveFailures-1, 20*time.Minute)
		var ce *CodeError
		if last := errs[len(errs)-1]; !errors.As(last, &ce) || ce.TriesLeft != 1 {
			t.Fatalf("round %d, failure 99: %v, want a CodeError with one try left", round+1, last)
		}
		wantElevated(t, e.svc, e.token, rightToken, e.clock.Now().Add(7*time.Minute))
	}
	if w, err := e.svc.st.readWindow(context.Background(), subject{e.token.tenant.ID, e.token.user.ID}, skFailures); err != nil || w.Consecutive != 0 || w.LockedOut {
		t.Errorf("failure record after the success: %+v, %v; want none", w, err)
	}
}

// TestConsecutiveCountOutlivesPauses: the failure record counting consecutive failures
// has no expiry (DynamoDB's TTL would reset the count in a pause); once nothing counts
// it has one again.
func TestConsecutiveCountOutlivesPauses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	who := subject{e.token.tenant.ID, e.token.user.ID}
	e.sts.SetFn(throttleAll) // an attempt that does not count is released
	wantVerifyErr(t, e.svc, e.token, "123456", ErrThrottled)
	w, err := e.svc.st.readWindow(context.Background(), who, skFailures)
	if err != nil || w.Consecutive != 0 || w.ExpiresAt != t0.Add(FailureWindow).Unix() {
		t.Errorf("after a released attempt: %+v, %v; want no count and expiry at the end of the hour", w, err)
	}
	e.sts.SetFn(denyAll)
	wantCodeError(t, e.svc, e.token, "123456", MaxFailures-1)
	w, err = e.svc.st.readWindow(context.Background(), who, skFailures)
	if err != nil || w.Consecutive != 1 || w.ExpiresAt != 0 {
		t.Errorf("after a failure: %+v, %v; want a count of 1 and no expiry", w, err)
	}
	e.clock.Advance(30 * 24 * time.Hour)
	wantCodeError(t, e.svc, e.token, "123456", MaxFailures-1)
	if w, _ = e.svc.st.readWindow(context.Background(), who, skFailures); w.Consecutive != 2 {
		t.Errorf("a month later: %+v, want a count of 2", w)
	}
}

// TestUnlock: Unlock ends a Lockout at once too, lets a locked-out SMS user be sent a
// code again, reaches another process within a minute, and refuses what it cannot name.
func TestUnlock(t *testing.T) {
	ctx := context.Background()
	t.Run("EndsTheLockout", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.sts.SetFn(onlyRightToken)
		for i := range MaxFailures {
			_, _ = e.svc.Verify(ctx, e.token.tenant.ID, e.token.user.ID, here, wrongToken(i))
		}
		_, err := e.svc.Verify(ctx, e.token.tenant.ID, e.token.user.ID, here, rightToken)
		wantRetry(t, err, ErrLocked, Lockout)
		if err := e.svc.Unlock(ctx, e.token.tenant.ID, e.token.user.ID); err != nil {
			t.Fatal(err)
		}
		wantElevated(t, e.svc, e.token, rightToken, t0.Add(7*time.Minute))
	})
	t.Run("SMSUserGetsCodesAgain", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		for i, err := range failSpread(t, e, e.svc, e.sms, MaxConsecutiveFailures, 20*time.Minute) {
			if i < MaxConsecutiveFailures-1 && !errors.Is(err, ErrNoChallenge) {
				t.Fatalf("guess %d without a code sent: %v, want ErrNoChallenge", i+1, err)
			}
			if i == MaxConsecutiveFailures-1 {
				wantLockedOut(t, "the 100th guess", err)
			}
		}
		_, err := e.svc.Challenge(ctx, e.sms.tenant.ID, e.sms.user.ID, here)
		wantLockedOut(t, "a challenge while locked out", err)
		if n := len(awstest.SMSTo(t, e.sms.user.Phone)); n != 0 {
			t.Errorf("%d SMS sent to a locked-out user", n)
		}
		if err := e.svc.Unlock(ctx, e.sms.tenant.ID, e.sms.user.ID); err != nil {
			t.Fatal(err)
		}
		mustChallenge(t, e.svc, e.sms)
		code, _ := e.lastCode(t, e.sms)
		wantElevated(t, e.svc, e.sms, code, e.clock.Now().Add(tenants.DefaultElevation))
	})
	t.Run("ReachesOtherProcessesWithinAMinute", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.sts.SetFn(onlyRightToken)
		failSpread(t, e, e.svc, e.token, MaxConsecutiveFailures-1, 20*time.Minute)
		_, err := e.svc.Verify(ctx, e.token.tenant.ID, e.token.user.ID, here, wrongToken(MaxConsecutiveFailures))
		wantLockedOut(t, "the 100th failure", err)
		// The operator's CLI: another Service on the same table.
		tableName, keyID := sharedTable(t)
		cfg := awstest.Config(t)
		db := dynamodb.NewFromConfig(cfg)
		operator := NewService(e.store, dynamo.NewKeyring(table.New(db, tableName), kms.NewFromConfig(cfg), keyID), table.New(db, tableName), e.sns, e.sts.factory)
		operator.Now, operator.Log = e.clock.Now, e.svc.Log
		if err := operator.Unlock(ctx, e.token.tenant.ID, e.token.user.ID); err != nil {
			t.Fatal(err)
		}
		// e.svc set the lock and remembers it a minute at most.
		_, err = e.svc.Verify(ctx, e.token.tenant.ID, e.token.user.ID, here, rightToken)
		wantLockedOut(t, "at once, in the process that set the lock", err)
		e.clock.Advance(lockCacheTTL)
		wantElevated(t, e.svc, e.token, rightToken, e.clock.Now().Add(7*time.Minute))
	})
	t.Run("NothingLocked", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		if err := e.svc.Unlock(ctx, e.sms.tenant.ID, e.sms.user.ID); err != nil {
			t.Errorf("Unlock of a user with no failures: %v", err)
		}
	})
	t.Run("Refused", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		if err := e.svc.Unlock(ctx, e.sms.tenant.ID, e.token.user.ID); !errors.Is(err, tenants.ErrNotFound) {
			t.Errorf("Unlock of another tenant's user: %v, want ErrNotFound", err)
		}
		if err := e.svc.Unlock(ctx, "t#1", e.sms.user.ID); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Unlock with a bad ID: %v, want ErrInvalidID", err)
		}
	})
}

// TestUnlockIsNotOnTheHTTPAPI: the Handler serves an API, whose methods are the four
// a caller of the second factor needs; Unlock is not one of them, so no route of the
// HTTP API (which the skill calls) can lift a lockout.
func TestUnlockIsNotOnTheHTTPAPI(t *testing.T) {
	var got []string
	api := reflect.TypeFor[API]()
	for i := range api.NumMethod() {
		got = append(got, api.Method(i).Name)
	}
	if want := []string{"Challenge", "Elevation", "Lock", "Verify"}; !slices.Equal(got, want) {
		t.Errorf("API methods = %v, want %v", got, want)
	}
	if _, ok := api.MethodByName("Unlock"); ok {
		t.Error("the API, which NewHandler serves, has Unlock")
	}
}
