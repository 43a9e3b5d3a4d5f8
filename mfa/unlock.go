package mfa

import (
	"context"

	"github.com/easytocloud/easytocloud/tenants"
)

// Unlock lifts every lock on the user's verification: the lockout after
// MaxConsecutiveFailures (ErrLockedOut), which nothing else ends, and a current
// Lockout; and it forgets the user's failures, so both counts start again. For a
// token tenant it does the same for the tenant's MFA device, whose count takes every
// user's failures (so it lifts a lock on the device for all the tenant's users). It is an
// operator's action, for after the user has been reached another way: the HTTP API
// does not offer it (the operator CLI's "user unlock-mfa" does). It takes effect at
// once in this Service, and within a minute in other processes serving the same table
// (they remember locks they set for that long). It succeeds when nothing was locked.
// Errors: ErrInvalidID; errors wrapping tenants.ErrNotFound for an unknown tenant or
// user.
func (s *Service) Unlock(ctx context.Context, tenantID, userID string) error {
	who := subject{tenantID, userID}
	t, _, err := s.lookup(ctx, who)
	if err != nil {
		return err
	}
	old, err := s.st.deleteWindow(ctx, who, skFailures)
	if err != nil {
		return err
	}
	s.locks.delete(who)
	extra := []any{"was", s.lockState(old), "consecutive_failures", old.Consecutive}
	if t.MFA.Kind == tenants.MFAToken {
		dev := deviceOf(t)
		oldDev, err := s.st.deleteWindow(ctx, dev, skFailures)
		if err != nil {
			return err
		}
		s.locks.delete(dev)
		extra = append(extra, "device_was", s.lockState(oldDev), "device_consecutive_failures", oldDev.Consecutive)
	}
	s.audit(ctx, auditUnlock, event{who: who, method: t.MFA.Kind}, "unlocked", -1, extra...)
	return nil
}

// lockState names the lock a failure window held: locked out, locked, or none.
func (s *Service) lockState(w window) string {
	switch {
	case w.LockedOut:
		return outcomeLockedOut
	case s.now().Unix() < w.LockedUntil:
		return outcomeLocked
	}
	return "none"
}
