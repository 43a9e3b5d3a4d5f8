package mfa

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// outcomes counts the answers to many Verify calls.
type outcomes struct {
	success, invalid, noChallenge, locked, throttled, other atomic.Int64
}

func (o *outcomes) add(tb testing.TB, err error) {
	switch {
	case err == nil:
		o.success.Add(1)
	case errors.Is(err, ErrInvalidCode):
		o.invalid.Add(1)
	case errors.Is(err, ErrNoChallenge):
		o.noChallenge.Add(1)
	case errors.Is(err, ErrLocked):
		o.locked.Add(1)
	case errors.Is(err, ErrThrottled):
		o.throttled.Add(1)
	default:
		if o.other.Add(1) == 1 {
			tb.Errorf("unexpected error: %v", err)
		}
	}
}

// checked is how many guesses were compared with a code (the rest were refused first).
func (o *outcomes) checked() int64 { return o.success.Load() + o.invalid.Load() + o.noChallenge.Load() }

// verifyAll runs Verify for every code on workers goroutines.
func verifyAll(tb testing.TB, api API, a account, codes []string, workers int) *outcomes {
	var o outcomes
	ch := make(chan string)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for code := range ch {
				_, err := api.Verify(context.Background(), a.tenant.ID, a.user.ID, here, code)
				o.add(tb, err)
			}
		})
	}
	for _, c := range codes {
		ch <- c
	}
	close(ch)
	wg.Wait()
	return &o
}

// TestTenThousandGuessesOverHTTP throws 10,000 random codes (as Alexa's slot would pass
// them, leading zeros dropped) at one user with an SMS code outstanding, through the
// signed HTTP API, 8 at a time. The sent code itself is left out of the guesses, so
// that a success could only come from a flaw. None may succeed, at most MaxFailures
// may even be compared, and the run must stay bounded in time.
func TestTenThousandGuessesOverHTTP(t *testing.T) {
	const guesses, workers = 10_000, 8
	e := newEnv(t)
	api := e.client(t)
	mustChallenge(t, api, e.sms)
	code, _ := e.lastCode(t, e.sms)
	rng := rand.New(rand.NewPCG(5, 2026))
	codes := make([]string, 0, guesses)
	for len(codes) < guesses {
		n := rng.IntN(1_000_000)
		if c := strconv.Itoa(n); len(c) < 6 && c != code[6-len(c):] || len(c) == 6 && c != code {
			codes = append(codes, c)
		}
	}

	start := time.Now()
	o := verifyAll(t, api, e.sms, codes, workers)
	elapsed := time.Since(start)
	t.Logf("%d guesses in %v (%.0f per second, %d at a time): %d compared (%d invalid_code, %d no_challenge), %d locked, %d throttled, %d successes",
		guesses, elapsed.Round(time.Millisecond), guesses/elapsed.Seconds(), workers, o.checked(), o.invalid.Load(), o.noChallenge.Load(),
		o.locked.Load(), o.throttled.Load(), o.success.Load())

	if n := o.success.Load(); n != 0 {
		t.Errorf("%d random guesses succeeded", n)
	}
	if n := o.checked(); n > MaxFailures {
		t.Errorf("%d guesses were compared with a code, want at most %d", n, MaxFailures)
	}
	if n := o.locked.Load(); n < guesses-MaxFailures-o.throttled.Load() {
		t.Errorf("only %d guesses were refused as locked", n)
	}
	if n := e.signedReq.Load(); n < guesses {
		t.Errorf("%d signed requests reached the API, want at least %d", n, guesses)
	}
	if limit := 2 * time.Minute; elapsed > limit {
		t.Errorf("10,000 guesses took %v, more than %v", elapsed, limit)
	}
	// The sent code is spent and the user locked: even it fails now.
	_, err := api.Verify(context.Background(), e.sms.tenant.ID, e.sms.user.ID, here, code)
	wantRetry(t, err, ErrLocked, Lockout)
}

// TestConcurrentGuessesStopAtTheLockout checks that guesses arriving together cannot
// all slip past the lockout before it is recorded: STS sees at most MaxFailures.
func TestConcurrentGuessesStopAtTheLockout(t *testing.T) {
	e := newEnv(t)
	e.sts.SetFn(denyAll)
	codes := make([]string, 40)
	for i := range codes {
		codes[i] = otherCode("", i)
	}
	o := verifyAll(t, e.svc, e.token, codes, len(codes))
	if n := len(e.sts.Calls()); n > MaxFailures {
		t.Errorf("STS checked %d codes, want at most %d", n, MaxFailures)
	}
	if o.success.Load() != 0 || o.other.Load() != 0 {
		t.Errorf("%d successes, %d other errors", o.success.Load(), o.other.Load())
	}
	t.Logf("40 concurrent guesses: %d checked by STS, %d locked, %d throttled (contended)", len(e.sts.Calls()), o.locked.Load(), o.throttled.Load())
}

// TestRightCodeConcurrentlyVerifiesOnce sends the right SMS code in 8 requests at
// once: exactly one may succeed, since a code is used up by a conditional write.
func TestRightCodeConcurrentlyVerifiesOnce(t *testing.T) {
	e := newEnv(t)
	mustChallenge(t, e.svc, e.sms)
	code, _ := e.lastCode(t, e.sms)
	codes := make([]string, 8)
	for i := range codes {
		codes[i] = code
	}
	o := verifyAll(t, e.svc, e.sms, codes, len(codes))
	if n := o.success.Load(); n != 1 {
		t.Errorf("%d of 8 concurrent uses of one code succeeded, want exactly 1", n)
	}
	if n := o.invalid.Load() + o.other.Load(); n != 0 {
		t.Errorf("%d uses of the right code were answered otherwise than used up or busy", n)
	}
}
