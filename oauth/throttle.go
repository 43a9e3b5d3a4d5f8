package oauth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/easytocloud/easytocloud/internal/ratelimit"
)

// LoginLimits bound failed sign-ins. After PerAccount failures for one email address
// (whether or not it exists) or PerSource failures from one address, each less than
// Window after the previous one, signing in is refused until Window has passed since
// the last failure. An attempt counts as a failure from before its password is
// checked, so sign-ins sent at once get no more than the limit checked; a right
// password gives its own attempt back and leaves earlier failures counted.
type LoginLimits struct {
	PerAccount int
	PerSource  int
	Window     time.Duration
}

// DefaultLoginLimits: 5 failures per account, 20 per source address, 15 minutes.
var DefaultLoginLimits = LoginLimits{PerAccount: 5, PerSource: 20, Window: 15 * time.Minute}

func (l LoginLimits) withDefaults() LoginLimits {
	if l.PerAccount <= 0 {
		l.PerAccount = DefaultLoginLimits.PerAccount
	}
	if l.PerSource <= 0 {
		l.PerSource = DefaultLoginLimits.PerSource
	}
	if l.Window <= 0 {
		l.Window = DefaultLoginLimits.Window
	}
	return l
}

const (
	loginFailPKPrefix = "LOGINFAIL#"
	loginFailSK       = "#FAIL"
)

// throttle keeps the failure counters in the table (internal/ratelimit, sort key
// #FAIL), so that every Lambda instance sees the same ones. The account and address
// are stored only as keyed hashes.
type throttle struct {
	limiter *ratelimit.Limiter
	macs    macs
	limits  LoginLimits
}

type counter struct {
	pk    string
	limit int
}

func (t *throttle) counters(ctx context.Context, email, source string) ([]counter, error) {
	acct, err := t.macs.sum(ctx, labelLogin, "account:"+strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return nil, err
	}
	src, err := t.macs.sum(ctx, labelLogin, "source:"+source)
	if err != nil {
		return nil, err
	}
	return []counter{
		{loginFailPKPrefix + "account#" + acct, t.limits.PerAccount},
		{loginFailPKPrefix + "source#" + src, t.limits.PerSource},
	}, nil
}

// errLoginLocked means the account or the source has reached its limit: the attempt
// was not counted and its password must not be checked.
var errLoginLocked = errors.New("sign-in locked")

// attempt is one sign-in counted, as a failure, against the account and the source
// before its password is checked.
type attempt struct{ slots []ratelimit.Slot }

// locks reports whether the attempt, once known to have failed, reached a limit.
func (a attempt) locks() bool {
	for _, s := range a.slots {
		if s.Full() {
			return true
		}
	}
	return false
}

// reserve counts a sign-in attempt against the account and then the source, each in
// one conditional write that fails once the limit is reached, so that however many
// sign-ins arrive at once no more than the limit get their password checked. It
// returns errLoginLocked, having counted nothing, when either is at its limit, and
// any other error when the table cannot be written (the password must not be
// checked then either).
func (t *throttle) reserve(ctx context.Context, email, source string) (attempt, error) {
	cs, err := t.counters(ctx, email, source)
	if err != nil {
		return attempt{}, fmt.Errorf("login limits: %w", err)
	}
	var a attempt
	for _, c := range cs {
		s, err := t.take(ctx, c)
		if err != nil {
			t.release(ctx, a)
			if errors.Is(err, errLoginLocked) {
				return attempt{}, err
			}
			return attempt{}, fmt.Errorf("login limits: %w", err)
		}
		a.slots = append(a.slots, s)
	}
	return a, nil
}

// take counts one attempt in counter c (ratelimit.Limiter.Take), refusing with
// errLoginLocked at its limit.
func (t *throttle) take(ctx context.Context, c counter) (ratelimit.Slot, error) {
	sl, err := t.limiter.Take(ctx, c.pk, c.limit, t.limits.Window)
	if errors.Is(err, ratelimit.ErrLimited) {
		return ratelimit.Slot{}, errLoginLocked
	}
	return sl, err
}

// release gives an attempt back: its password was right, or it was not checked.
func (t *throttle) release(ctx context.Context, a attempt) { t.limiter.Give(ctx, a.slots...) }
