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

// errSTSAnswer is a checker's answer when STS answered a token check with an error
// that is neither a wrong code nor throttling. The code may have been checked (STS
// might one day refuse a wrong code in other words), so the try counts.
var errSTSAnswer = errors.New("STS answered the token check with an unexpected error")

// Verify checks code, a code from the user's token or the SMS sent by Challenge, given
// at origin from. Codes are six digits; a shorter string of digits is left-padded
// with zeros (Alexa's number slot drops them). On success the user is elevated at
// from, and nowhere else, for the tenant's window, and the Elevation says until when;
// an SMS code is then used up. An SMS code sent for another origin is no code here.
//
// Failures are counted per user and, for a token tenant, per MFA device as well: the
// device's count takes every user's failures, so that the users of one tenant
// together get no more guesses at its device than one user would.
//
// Errors: ErrMalformedCode (not counted as a failure); ErrNoOrigin; *CodeError
// (ErrInvalidCode) with the tries left; ErrNoChallenge for SMS when no code is
// outstanding for this origin (it counts as a failure too: it is a guess all the
// same); *RetryError wrapping ErrLocked once MaxFailures failed within FailureWindow
// (the failure that locks answers so too); ErrLockedOut once MaxConsecutiveFailures
// failed without a success, until an operator unlocks (Unlock); ErrThrottled when AWS
// throttled the token check (not counted); an error that counts as a failure when STS
// answered the token check otherwise than with a wrong code or throttling;
// ErrInvalidID; errors wrapping tenants.ErrNotFound for an unknown tenant or user.
func (s *Service) Verify(ctx context.Context, tenantID, userID string, from Origin, code string) (Elevation, error) {
	who := subject{tenantID, userID}
	code, err := NormalizeCode(code)
	if err != nil {
		return Elevation{}, err
	}
	if !validID(tenantID) || !validID(userID) {
		return Elevation{}, ErrInvalidID
	}
	if from.IsZero() {
		return Elevation{}, ErrNoOrigin
	}
	now := s.now()
	// A lock this process set or saw a moment ago refuses a flood of guesses at a
	// locked user here, without a round trip.
	if l, ok := s.locks.get(who, now); ok {
		s.audit(ctx, auditFailure, event{who: who, method: l.method, origin: from}, l.outcome(), 0)
		return Elevation{}, l.err(now)
	}
	t, _, err := s.lookup(ctx, who)
	if err != nil {
		return Elevation{}, err
	}
	ev := event{who: who, method: t.MFA.Kind, origin: from}
	res, err := s.reserveAll(ctx, ev, t, now)
	if err != nil {
		return Elevation{}, err
	}

	smsLeft := -1
	switch t.MFA.Kind {
	case tenants.MFASMS:
		smsLeft, err = s.checkSMS(ctx, who, from, code, now)
	case tenants.MFAToken:
		err = s.checkToken(ctx, t, code)
	default:
		err = fmt.Errorf("tenant %s has no MFA method (%q)", t.ID, t.MFA.Kind)
	}
	switch {
	case err == nil:
		return s.elevate(ctx, ev, t, res, now)
	case errors.Is(err, errWrongCode), errors.Is(err, ErrNoChallenge), errors.Is(err, errSTSAnswer):
		return Elevation{}, s.fail(ctx, ev, res, err, smsLeft)
	default:
		// Not the user's failure (AWS throttled or broke before a code was checked):
		// the try does not count.
		s.releaseAll(ctx, res, false)
		if errors.Is(err, ErrThrottled) {
			s.audit(ctx, auditFailure, ev, "throttled", res.triesLeft()+1)
		}
		return Elevation{}, err
	}
}

// reservation is one verification's attempts, reserved before the code is checked:
// the user's, and for a token tenant the device's (onDevice).
type reservation struct {
	user     attempt
	device   attempt
	onDevice bool
	who, dev subject
}

// triesLeft is how many more failures the user has before the next lockout: the
// fewer of the user's and the device's.
func (r reservation) triesLeft() int {
	if !r.onDevice {
		return r.user.triesLeft()
	}
	return min(r.user.triesLeft(), r.device.triesLeft())
}

// reserveAll reserves the attempt of the user and, for a token tenant, of its device,
// or returns the lock that refuses it (ErrLockedOut, or a *RetryError wrapping
// ErrLocked), caching it and writing its audit line. A lock on the device gives the
// user's attempt back: nothing was checked.
func (s *Service) reserveAll(ctx context.Context, ev event, t tenants.Tenant, now time.Time) (reservation, error) {
	res := reservation{who: ev.who}
	refused := func(sub subject, err error, scope string) error {
		if errors.Is(err, ErrLocked) {
			s.locks.put(sub, lockOf(err, now, ev.method), now)
			s.audit(ctx, auditFailure, ev, lockOutcome(err), 0, "scope", scope)
		}
		return err
	}
	var err error
	if res.user, err = s.reserve(ctx, ev.who, now); err != nil {
		return res, refused(ev.who, err, scopeUser)
	}
	if t.MFA.Kind != tenants.MFAToken {
		return res, nil
	}
	res.dev = deviceOf(t)
	if l, ok := s.locks.get(res.dev, now); ok {
		s.release(ctx, ev.who, res.user, false)
		s.audit(ctx, auditFailure, ev, l.outcome(), 0, "scope", scopeDevice)
		return res, l.err(now)
	}
	if res.device, err = s.reserve(ctx, res.dev, now); err != nil {
		s.release(ctx, ev.who, res.user, false)
		return res, refused(res.dev, err, scopeDevice)
	}
	res.onDevice = true
	return res, nil
}

// releaseAll gives back the attempts of res (see release).
func (s *Service) releaseAll(ctx context.Context, res reservation, success bool) {
	s.release(ctx, res.who, res.user, success)
	if res.onDevice {
		s.release(ctx, res.dev, res.device, success)
	}
}

// Scopes of a lock in audit lines: the user's own failures, the device's (every
// user's of the tenant), or both.
const (
	scopeUser   = "user"
	scopeDevice = "device"
	scopeBoth   = "user_and_device"
)

// lockScope is the scope of a lock set on the user, the device, or both.
func lockScope(user, device bool) string {
	switch {
	case user && device:
		return scopeBoth
	case device:
		return scopeDevice
	}
	return scopeUser
}

// elevate grants the elevation at the origin after a verified code and forgets the
// user's failures; the device's count of consecutive failures starts again too, but
// its recent failures stay in its window.
func (s *Service) elevate(ctx context.Context, ev event, t tenants.Tenant, res reservation, now time.Time) (Elevation, error) {
	granted := wholeSeconds(now)
	until := wholeSeconds(now.Add(t.MFA.ElevationWindow()))
	if err := s.st.putElevation(ctx, ev.who, ev.origin, granted, until); err != nil {
		s.releaseAll(ctx, res, false)
		return Elevation{}, err
	}
	// Failures are limited while consecutive: a success starts the counts again.
	if _, err := s.st.deleteWindow(ctx, ev.who, skFailures); err != nil {
		s.logger().ErrorContext(ctx, "mfa: reset failures", "tenant", ev.who.tenantID, "user", ev.who.userID, "error", err)
	}
	if res.onDevice {
		s.release(ctx, res.dev, res.device, true)
	}
	s.audit(ctx, auditSuccess, ev, "elevated", MaxFailures, "until", until.Format(time.RFC3339))
	return Elevation{Until: until, Granted: granted}, nil
}

// fail reports a counted failure: a lockout when this failure locked the user or the
// device (for good when it was the MaxConsecutiveFailures-th), ErrNoChallenge, STS's
// unexpected answer, or a *CodeError with the tries left.
func (s *Service) fail(ctx context.Context, ev event, res reservation, err error, smsLeft int) error {
	at := time.Unix(res.user.at, 0)
	userLocked, devLocked := res.user.locked(), res.onDevice && res.device.locked()
	if userLocked {
		s.locks.put(ev.who, res.user.lock(ev.method), at)
	}
	if devLocked {
		s.locks.put(res.dev, res.device.lock(ev.method), at)
	}
	if errors.Is(err, errSTSAnswer) {
		s.logger().ErrorContext(ctx, "mfa: token check failed; the try counts", "tenant", ev.who.tenantID, "user", ev.who.userID, "error", err)
	}
	scope := lockScope(userLocked, devLocked)
	switch {
	case res.user.locksOut || devLocked && res.device.locksOut:
		s.audit(ctx, AuditLockout, ev, outcomeLockedOut, 0, "consecutive_failures", max(res.user.consecutive, res.device.consecutive), "scope", scope)
		return ErrLockedOut
	case userLocked || devLocked:
		s.audit(ctx, AuditLockout, ev, outcomeLocked, 0, "locked_seconds", int(Lockout/time.Second), "scope", scope)
		return &RetryError{Err: ErrLocked, RetryAfter: Lockout}
	}
	left := res.triesLeft()
	switch {
	case errors.Is(err, ErrNoChallenge):
		s.audit(ctx, auditFailure, ev, "no_challenge", left)
		return ErrNoChallenge
	case errors.Is(err, errSTSAnswer):
		s.audit(ctx, auditFailure, ev, "sts_error", left)
		return err
	}
	if smsLeft >= 0 {
		left = min(left, smsLeft)
	}
	s.audit(ctx, auditFailure, ev, "invalid_code", left)
	return &CodeError{TriesLeft: left}
}

// checkSMS counts a try on the user's outstanding SMS code, if it was sent for origin
// from, and compares the code in constant time, using it up on success. It returns
// the tries left on the code.
func (s *Service) checkSMS(ctx context.Context, who subject, from Origin, code string, now time.Time) (int, error) {
	key, err := s.keys.Key(ctx, KeyPurpose)
	if err != nil {
		return 0, fmt.Errorf("mac key: %w", err)
	}
	mac, tries, err := s.st.tryChallenge(ctx, who, from, now, CodeTries)
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

// attempt is one verification reserved in a failure window (the user's or the
// device's) before the code is checked: it counts as a failure unless released or
// followed by a success.
type attempt struct {
	at          int64 // epoch second it was recorded at
	failures    int   // failures in the window, this one included
	consecutive int   // failures since the last success or unlock, this one included
	locks       bool  // this attempt locked verification (it was the MaxFailures-th)
	lockedUntil int64
	locksOut    bool // this attempt locked verification for good (the MaxConsecutiveFailures-th)
}

// triesLeft is how many more failures the window allows before the next lockout.
func (a attempt) triesLeft() int {
	return max(0, min(MaxFailures-a.failures, MaxConsecutiveFailures-a.consecutive))
}

// locked reports whether this attempt, once it failed, locked its window.
func (a attempt) locked() bool { return a.locks || a.locksOut }

// lock is the lock this attempt set, for the lock cache.
func (a attempt) lock(method tenants.MFAKind) lockEntry {
	return lockEntry{out: a.locksOut, until: a.lockedUntil, method: method}
}

// reserve records an attempt in who's failure window before the code is checked, so
// that concurrent guesses cannot all slip in before the lockout: the one that reaches
// MaxFailures (or MaxConsecutiveFailures) sets the lock at once, and any other is
// refused while it is checked. It returns ErrLockedOut, or a *RetryError wrapping
// ErrLocked, while who (a user, or a device) is locked.
func (s *Service) reserve(ctx context.Context, who subject, now time.Time) (attempt, error) {
	sec := now.Unix()
	var a attempt
	_, err := s.st.updateWindow(ctx, who, skFailures, func(w *window) error {
		if w.LockedOut {
			return ErrLockedOut
		}
		if sec < w.LockedUntil {
			return &RetryError{Err: ErrLocked, RetryAfter: until(now, w.LockedUntil)}
		}
		w.prune(sec-int64(FailureWindow/time.Second), MaxFailures-1)
		w.Times = append(w.Times, sec)
		w.Consecutive++
		a = attempt{at: sec, failures: len(w.Times), consecutive: w.Consecutive}
		if len(w.Times) >= MaxFailures {
			w.LockedUntil = sec + int64(Lockout/time.Second)
			a.locks, a.lockedUntil = true, w.LockedUntil
		}
		if w.Consecutive >= MaxConsecutiveFailures {
			w.LockedOut, a.locksOut = true, true
		}
		w.expireFailures(sec)
		return nil
	})
	return a, err
}

// release takes back an attempt that must not count (AWS throttled or failed), or,
// when success, one whose code verified: then the consecutive failures before it are
// forgotten as well. Either way a lock the attempt itself set is lifted. It runs even
// when ctx was cancelled: a cancelled request is no failure of the user.
func (s *Service) release(ctx context.Context, who subject, a attempt, success bool) {
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
		switch {
		case success:
			w.Consecutive = 0
		case w.Consecutive > 0:
			w.Consecutive--
		}
		if a.locksOut && w.Consecutive < MaxConsecutiveFailures {
			w.LockedOut = false
		}
		w.expireFailures(a.at)
		return nil
	})
	if err != nil {
		s.logger().ErrorContext(ctx, "mfa: release attempt", "tenant", who.tenantID, "user", who.userID, "error", err)
	}
}

// checkLock returns ErrLockedOut, or a *RetryError wrapping ErrLocked, while who is
// locked.
func (s *Service) checkLock(ctx context.Context, who subject, now time.Time) error {
	if l, ok := s.locks.get(who, now); ok {
		return l.err(now)
	}
	w, err := s.st.readWindow(ctx, who, skFailures)
	if err != nil {
		return err
	}
	if w.LockedOut {
		return ErrLockedOut
	}
	if now.Unix() < w.LockedUntil {
		return &RetryError{Err: ErrLocked, RetryAfter: until(now, w.LockedUntil)}
	}
	return nil
}

// Audit outcomes of a refusal or a lockout.
const (
	outcomeLocked    = "locked"     // for Lockout
	outcomeLockedOut = "locked_out" // until an operator unlocks
)

// lockOutcome is the audit outcome of an error wrapping ErrLocked.
func lockOutcome(err error) string {
	if errors.Is(err, ErrLockedOut) {
		return outcomeLockedOut
	}
	return outcomeLocked
}

// lockCache remembers the locks this process set or found in the table, for
// lockCacheTTL at most, so that a flood of guesses at a locked user costs a round
// trip a minute. No code is checked while a lock lasts, so only time or an operator's
// Unlock ends it; an Unlock in another process (the operator's CLI) reaches this one
// when the entry runs out. (A lock found in the table may also end a moment later when
// the request that set it, still checking its code, succeeds: the user is in then,
// and the entry only delays another verification.)
type lockCache struct {
	mu sync.Mutex
	m  map[subject]lockEntry
}

// lockCacheTTL bounds how long a cached lock outlives an Unlock made elsewhere.
const lockCacheTTL = time.Minute

type lockEntry struct {
	until  int64 // epoch second the lock ends (unused when out)
	out    bool  // locked until an operator unlocks
	method tenants.MFAKind
	forget int64 // epoch second the cache forgets the entry (set by put)
}

// lockOf is the lock that err (ErrLockedOut or a *RetryError wrapping ErrLocked,
// answered at now) reports.
func lockOf(err error, now time.Time, method tenants.MFAKind) lockEntry {
	var re *RetryError
	if errors.As(err, &re) {
		// until rounded the time left up to whole seconds from now: this is its end.
		return lockEntry{until: now.Unix() + int64(re.RetryAfter/time.Second), method: method}
	}
	return lockEntry{out: true, method: method}
}

// err is the error of the lock at now.
func (l lockEntry) err(now time.Time) error {
	if l.out {
		return ErrLockedOut
	}
	return &RetryError{Err: ErrLocked, RetryAfter: until(now, l.until)}
}

func (l lockEntry) outcome() string {
	if l.out {
		return outcomeLockedOut
	}
	return outcomeLocked
}

// maxCachedLocks bounds the cache's memory; past it, new locks are only in the table.
const maxCachedLocks = 10_000

func (c *lockCache) get(who subject, now time.Time) (lockEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.m[who]
	if ok && l.stale(now.Unix()) {
		delete(c.m, who)
		ok = false
	}
	return l, ok
}

func (l lockEntry) stale(now int64) bool { return now >= l.forget || !l.out && now >= l.until }

func (c *lockCache) put(who subject, l lockEntry, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[subject]lockEntry{}
	}
	l.forget = now.Add(lockCacheTTL).Unix()
	if len(c.m) >= maxCachedLocks {
		for k, v := range c.m {
			if v.stale(now.Unix()) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxCachedLocks {
			return
		}
	}
	c.m[who] = l
}

// delete forgets who's lock (after an Unlock).
func (c *lockCache) delete(who subject) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, who)
}
