package mfa

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/easytocloud/easytocloud/tenants"
)

// errWrongCode is a checker's answer for a code that did not verify.
var errWrongCode = errors.New("wrong code")

// Verify checks code, a code from the user's token or the SMS sent by Challenge. Codes
// are six digits; a shorter string of digits is left-padded with zeros (Alexa's number
// slot drops them). On success the user is elevated for the tenant's window and the
// Elevation says until when; an SMS code is then used up.
//
// Errors: ErrMalformedCode (not counted as a failure); *CodeError (ErrInvalidCode) with
// the tries left; ErrNoChallenge for SMS when no code is outstanding (it counts as a
// failure too: it is a guess all the same); *RetryError
// wrapping ErrLocked once MaxFailures failed within FailureWindow (the failure that
// locks answers so too); ErrThrottled when AWS throttled the token check (not counted);
// ErrInvalidID; errors wrapping tenants.ErrNotFound for an unknown tenant or user.
func (s *Service) Verify(ctx context.Context, tenantID, userID, code string) (Elevation, error) {
	who := subject{tenantID, userID}
	code, err := NormalizeCode(code)
	if err != nil {
		return Elevation{}, err
	}
	if !validID(tenantID) || !validID(userID) {
		return Elevation{}, ErrInvalidID
	}
	now := s.now()
	// A lock this process set ends only with time, so a flood of guesses at a locked
	// user is refused here without a round trip.
	if l, ok := s.locks.get(who, now); ok {
		s.audit(ctx, auditFailure, event{who: who, method: l.method}, "locked", 0)
		return Elevation{}, &RetryError{Err: ErrLocked, RetryAfter: until(now, l.until)}
	}
	t, _, err := s.lookup(ctx, who)
	if err != nil {
		return Elevation{}, err
	}
	ev := event{who: who, method: t.MFA.Kind}
	att, err := s.reserve(ctx, who, now)
	if err != nil {
		if errors.Is(err, ErrLocked) {
			s.audit(ctx, auditFailure, ev, "locked", 0)
		}
		return Elevation{}, err
	}

	smsLeft := -1
	switch t.MFA.Kind {
	case tenants.MFASMS:
		smsLeft, err = s.checkSMS(ctx, who, code, now)
	case tenants.MFAToken:
		err = s.checkToken(ctx, t, code)
	default:
		err = fmt.Errorf("tenant %s has no MFA method (%q)", t.ID, t.MFA.Kind)
	}
	switch {
	case err == nil:
		return s.elevate(ctx, ev, t, att, now)
	case errors.Is(err, errWrongCode), errors.Is(err, ErrNoChallenge):
		return Elevation{}, s.fail(ctx, ev, att, err, smsLeft)
	default:
		// Not the user's failure (AWS throttled or broke): the try does not count.
		s.release(ctx, who, att)
		if errors.Is(err, ErrThrottled) {
			s.audit(ctx, auditFailure, ev, "throttled", MaxFailures-att.failures+1)
		}
		return Elevation{}, err
	}
}

// elevate grants the elevation after a verified code and forgets the user's failures.
func (s *Service) elevate(ctx context.Context, ev event, t tenants.Tenant, att attempt, now time.Time) (Elevation, error) {
	until := wholeSeconds(now.Add(t.MFA.ElevationWindow()))
	if err := s.st.putElevation(ctx, ev.who, until); err != nil {
		s.release(ctx, ev.who, att)
		return Elevation{}, err
	}
	// Failures are limited while consecutive: a success starts the count again.
	if err := s.st.deleteWindow(ctx, ev.who, skFailures); err != nil {
		s.logger().ErrorContext(ctx, "mfa: reset failures", "tenant", ev.who.tenantID, "user", ev.who.userID, "error", err)
	}
	s.audit(ctx, auditSuccess, ev, "elevated", MaxFailures, "until", until.Format(time.RFC3339))
	return Elevation{Until: until}, nil
}

// fail reports a counted failure: a lockout when this failure locked the user,
// ErrNoChallenge, or a *CodeError with the tries left.
func (s *Service) fail(ctx context.Context, ev event, att attempt, err error, smsLeft int) error {
	if att.locks {
		s.locks.put(ev.who, lockEntry{until: att.lockedUntil, method: ev.method}, time.Unix(att.at, 0))
		s.audit(ctx, auditLockout, ev, "locked", 0, "locked_seconds", int(Lockout/time.Second))
		return &RetryError{Err: ErrLocked, RetryAfter: Lockout}
	}
	left := MaxFailures - att.failures
	if errors.Is(err, ErrNoChallenge) {
		s.audit(ctx, auditFailure, ev, "no_challenge", left)
		return ErrNoChallenge
	}
	if smsLeft >= 0 {
		left = min(left, smsLeft)
	}
	s.audit(ctx, auditFailure, ev, "invalid_code", left)
	return &CodeError{TriesLeft: left}
}

// checkSMS counts a try on the user's outstanding SMS code and compares the code in
// constant time, using it up on success. It returns the tries left on the code.
func (s *Service) checkSMS(ctx context.Context, who subject, code string, now time.Time) (int, error) {
	key, err := s.keys.Key(ctx, KeyPurpose)
	if err != nil {
		return 0, fmt.Errorf("mac key: %w", err)
	}
	mac, tries, err := s.st.tryChallenge(ctx, who, now, CodeTries)
	if errors.Is(err, errNoItem) {
		return 0, ErrNoChallenge
	}
	if err != nil {
		return 0, err
	}
	if !hmac.Equal(mac, codeMAC(key, who.tenantID, who.userID, code)) {
		return CodeTries - tries, errWrongCode
	}
	if err := s.st.consumeChallenge(ctx, who, mac); errors.Is(err, errNoItem) {
		return 0, ErrNoChallenge // used a moment ago by another request
	} else if err != nil {
		return 0, err
	}
	return 0, nil
}

// attempt is one verification reserved in the user's failure window before the code
// is checked: it counts as a failure unless released or followed by a success.
type attempt struct {
	at          int64 // epoch second it was recorded at
	failures    int   // failures in the window, this one included
	locks       bool  // this attempt locked verification (it was the MaxFailures-th)
	lockedUntil int64
}

// reserve records an attempt for who before the code is checked, so that concurrent
// guesses cannot all slip in before the lockout: the one that reaches MaxFailures
// sets the lock at once, and any other is refused while it is checked. It returns a
// *RetryError wrapping ErrLocked while the user is locked.
func (s *Service) reserve(ctx context.Context, who subject, now time.Time) (attempt, error) {
	sec := now.Unix()
	var a attempt
	_, err := s.st.updateWindow(ctx, who, skFailures, func(w *window) error {
		if sec < w.LockedUntil {
			return &RetryError{Err: ErrLocked, RetryAfter: until(now, w.LockedUntil)}
		}
		w.prune(sec-int64(FailureWindow/time.Second), MaxFailures-1)
		w.Times = append(w.Times, sec)
		a = attempt{at: sec, failures: len(w.Times)}
		if len(w.Times) >= MaxFailures {
			w.LockedUntil = sec + int64(Lockout/time.Second)
			a.locks, a.lockedUntil = true, w.LockedUntil
		}
		w.ExpiresAt = max(sec+int64(FailureWindow/time.Second), w.LockedUntil)
		return nil
	})
	return a, err
}

// release takes back an attempt that must not count (AWS throttled or failed). It
// runs even when ctx was cancelled: a cancelled request is no failure of the user.
func (s *Service) release(ctx context.Context, who subject, a attempt) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, err := s.st.updateWindow(ctx, who, skFailures, func(w *window) error {
		for i, t := range w.Times {
			if t == a.at {
				w.Times = append(w.Times[:i], w.Times[i+1:]...)
				break
			}
		}
		if a.locks && w.LockedUntil == a.lockedUntil {
			w.LockedUntil = 0
		}
		return nil
	})
	if err != nil {
		s.logger().ErrorContext(ctx, "mfa: release attempt", "tenant", who.tenantID, "user", who.userID, "error", err)
	}
}

// checkLock returns a *RetryError wrapping ErrLocked while who is locked.
func (s *Service) checkLock(ctx context.Context, who subject, now time.Time) error {
	if l, ok := s.locks.get(who, now); ok {
		return &RetryError{Err: ErrLocked, RetryAfter: until(now, l.until)}
	}
	w, err := s.st.readWindow(ctx, who, skFailures)
	if err != nil {
		return err
	}
	if now.Unix() < w.LockedUntil {
		return &RetryError{Err: ErrLocked, RetryAfter: until(now, w.LockedUntil)}
	}
	return nil
}

// lockCache remembers the lockouts this process set. Nothing but time ends a lockout
// (no code is checked while it lasts), so a remembered one is never stale. Locks seen
// in the table are not remembered: another request may still be checking the code
// that set them, and a success would lift them.
type lockCache struct {
	mu sync.Mutex
	m  map[subject]lockEntry
}

type lockEntry struct {
	until  int64 // epoch second the lock ends
	method tenants.MFAKind
}

// maxCachedLocks bounds the cache's memory; past it, new locks are only in the table.
const maxCachedLocks = 10_000

func (c *lockCache) get(who subject, now time.Time) (lockEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.m[who]
	if ok && now.Unix() >= l.until {
		delete(c.m, who)
		ok = false
	}
	return l, ok
}

func (c *lockCache) put(who subject, l lockEntry, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[subject]lockEntry{}
	}
	if len(c.m) >= maxCachedLocks {
		for k, v := range c.m {
			if v.until <= now.Unix() {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxCachedLocks {
			return
		}
	}
	c.m[who] = l
}
