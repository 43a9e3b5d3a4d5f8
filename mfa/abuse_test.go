package mfa

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/internal/awstest"
)

// The guess tests (guess_test.go) throw many codes at one moment. These run a
// campaign: an attacker who keeps guessing through the HTTP API for hours of the
// test's clock, as fast as the API answers, across lockouts, asking for new SMS codes
// whenever allowed. They check that nothing succeeds, that the codes actually
// compared stay within what the limits promise, and that every answer is quick.

// campaignStep is how the attacker's clock moves between rounds of guesses.
const campaignStep = time.Minute

// campaign guesses codes for a from the test's clock now for d, perRound guesses per
// campaignStep, with challenge (when set) tried before each round. It returns the
// guesses sent and the successes.
func campaign(t *testing.T, e *env, api API, a account, d time.Duration, perRound int, challenge bool) (guesses, successes, sends int) {
	t.Helper()
	ctx := context.Background()
	var slowest time.Duration
	for end := e.clock.Now().Add(d); e.clock.Now().Before(end); e.clock.Advance(campaignStep) {
		if challenge {
			_, err := api.Challenge(ctx, a.tenant.ID, a.user.ID, here)
			switch {
			case err == nil:
				sends++
			case errors.Is(err, ErrLocked), errors.Is(err, ErrRateLimited):
			default:
				t.Fatalf("challenge: %v", err)
			}
		}
		for i := range perRound {
			code := fmt.Sprintf("%06d", (guesses*7919+i*104729+13)%1_000_000)
			start := time.Now()
			_, err := api.Verify(ctx, a.tenant.ID, a.user.ID, here, code)
			slowest = max(slowest, time.Since(start))
			guesses++
			switch {
			case err == nil:
				successes++
			case errors.Is(err, ErrInvalidCode), errors.Is(err, ErrNoChallenge), errors.Is(err, ErrLocked):
			default:
				t.Fatalf("guess %d: %v", guesses, err)
			}
		}
	}
	t.Logf("slowest answer %v", slowest)
	if slowest > 2*time.Second {
		t.Errorf("an answer took %v", slowest)
	}
	return guesses, successes, sends
}

// lockoutBound is how many codes the limits let an attacker have compared in d: the
// lockout follows the MaxFailures-th failure within FailureWindow, and each further
// failure while that many are within the window locks again, so an hour holds at
// most MaxFailures failures plus one per lockout that ends in it. That is about ten
// an hour, until MaxConsecutiveFailures end the guessing for good (lockout_test.go).
func lockoutBound(d time.Duration) int {
	perWindow := MaxFailures + int(FailureWindow/Lockout)
	return perWindow * int((d+FailureWindow-1)/FailureWindow)
}

// TestTokenCodeCampaignOverHTTP: four hours of guessing a token user's codes through
// the HTTP API, ten guesses a minute. STS (the only judge of a token code) is
// asked at most what the lockout allows, and no guess succeeds.
func TestTokenCodeCampaignOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	api := e.client(t)
	// The token's current code is one the attacker never tries; STS refuses the rest.
	e.sts.SetFn(func(code string) error {
		if code == "918273" {
			return nil
		}
		return errAccessDenied
	})
	const d = 4 * time.Hour
	start := time.Now()
	guesses, successes, _ := campaign(t, e, api, e.token, d, 10, false)
	checked := len(e.sts.Calls())
	t.Logf("%d token-code guesses over %v of clock in %v: %d checked by STS (bound %d), %d successes",
		guesses, d, time.Since(start).Round(time.Millisecond), checked, lockoutBound(d), successes)
	if successes != 0 {
		t.Errorf("%d guesses succeeded", successes)
	}
	if checked > lockoutBound(d) {
		t.Errorf("STS checked %d codes in %v, more than the %d the lockout allows", checked, d, lockoutBound(d))
	}
	// A lockout holds, even for the right code, until it ends.
	ctx := context.Background()
	for i := 0; ; i++ {
		_, err := api.Verify(ctx, e.token.tenant.ID, e.token.user.ID, here, fmt.Sprintf("%06d", 500000+i))
		if errors.Is(err, ErrLocked) {
			break
		}
		if i > MaxFailures {
			t.Fatalf("no lockout after %d more failures: %v", i, err)
		}
	}
	for _, wait := range []time.Duration{0, Lockout / 2, Lockout/2 - time.Second} {
		e.clock.Advance(wait)
		if _, err := api.Verify(ctx, e.token.tenant.ID, e.token.user.ID, here, "918273"); !errors.Is(err, ErrLocked) {
			t.Errorf("the right code %v into the lockout: %v, want ErrLocked", wait, err)
		}
	}
	e.clock.Advance(time.Second)
	if _, err := api.Verify(ctx, e.token.tenant.ID, e.token.user.ID, here, "918273"); err != nil {
		t.Errorf("the right code once the lockout ended: %v", err)
	}
}

// TestSMSCodeCampaignOverHTTP: four hours of asking for SMS codes whenever allowed and
// guessing ten a minute. At most MaxSends texts go out per SendWindow, the guesses
// compared stay within the lockout's bound, and none succeeds.
func TestSMSCodeCampaignOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	api := e.client(t)
	const d = 4 * time.Hour
	guesses, successes, sends := campaign(t, e, api, e.sms, d, 10, true)
	texts := len(awstest.SMSTo(t, e.sms.user.Phone))
	t.Logf("%d SMS-code guesses over %v of clock: %d codes sent (%d texts), %d successes", guesses, d, sends, texts, successes)
	if successes != 0 {
		t.Errorf("%d guesses succeeded", successes)
	}
	if limit := MaxSends * int(d/SendWindow+1); texts > limit {
		t.Errorf("%d texts in %v, more than %d", texts, d, limit)
	}
	// Each compared guess is a failure in the window (the rest were refused as
	// locked before any code was compared); the audit lines count them.
	compared := 0
	for _, a := range e.auditLines(t) {
		if a["audit"] == auditFailure && (a["outcome"] == "invalid_code" || a["outcome"] == "no_challenge") || a["audit"] == AuditLockout {
			compared++
		}
	}
	if compared > lockoutBound(d) {
		t.Errorf("%d guesses were compared, more than the %d the lockout allows", compared, lockoutBound(d))
	}
	t.Logf("%d guesses compared (bound %d)", compared, lockoutBound(d))
}
