package mfa

import "context"

// Unlock lifts every lock on the user's verification: the lockout after
// MaxConsecutiveFailures (ErrLockedOut), which nothing else ends, and a current
// Lockout; and it forgets the user's failures, so both counts start again. It is an
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
	locked := "none"
	switch {
	case old.LockedOut:
		locked = outcomeLockedOut
	case s.now().Unix() < old.LockedUntil:
		locked = outcomeLocked
	}
	s.audit(ctx, auditUnlock, event{who: who, method: t.MFA.Kind}, "unlocked", -1,
		"was", locked, "consecutive_failures", old.Consecutive)
	return nil
}
