package mfa

import (
	"context"
	"log/slog"

	"github.com/easytocloud/easytocloud/tenants"
)

// AuditField is the attribute of an audit line that names its event.
const AuditField = "audit"

// Audit events: the value of the AuditField of an audit line. The operator stack
// alarms on AuditLockout (terraform/monitoring.tf), which covers the lockouts that
// only an operator ends too (outcome "locked_out").
const (
	// AuditLockout is the event of a user locked out after too many wrong codes.
	AuditLockout = "lockout"

	auditChallenge = "challenge"
	auditSuccess   = "success"
	auditFailure   = "failure"
	auditLock      = "lock"
	auditUnlock    = "unlock"
)

// event is who an audit line is about.
type event struct {
	who    subject
	method tenants.MFAKind
	origin Origin // where the second factor is given (zero: not about one origin)
	phone  string // last two digits at most
}

func (s *Service) logger() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// audit writes one audit line: the event, tenant, user, method, origin (the start of
// its key), outcome and, when triesLeft >= 0, the tries left before the lockout (or
// before an SMS code is spent).
// Codes, secrets and phone numbers never reach it; ev.phone is the last two digits.
func (s *Service) audit(ctx context.Context, kind string, ev event, outcome string, triesLeft int, extra ...any) {
	attrs := []any{
		slog.String(AuditField, kind),
		slog.String("tenant", ev.who.tenantID),
		slog.String("user", ev.who.userID),
	}
	if ev.method != "" {
		attrs = append(attrs, slog.String("method", string(ev.method)))
	}
	if !ev.origin.IsZero() {
		attrs = append(attrs, slog.String("origin", ev.origin.short()))
	}
	attrs = append(attrs, slog.String("outcome", outcome))
	if triesLeft >= 0 {
		attrs = append(attrs, slog.Int("tries_left", triesLeft))
	}
	if ev.phone != "" {
		attrs = append(attrs, slog.String("phone_last2", ev.phone))
	}
	attrs = append(attrs, extra...)
	s.logger().InfoContext(ctx, "mfa "+kind, attrs...)
}
