package mfa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
)

// The limits of the second factor (NIST SP 800-63B, OWASP ASVS V2).
const (
	// CodeTTL is how long a sent SMS code stays valid.
	CodeTTL = 5 * time.Minute
	// CodeTries is how many times one SMS code may be tried, the right try included.
	CodeTries = 5
	// MaxSends is how many SMS codes a user may be sent within SendWindow.
	MaxSends   = 3
	SendWindow = 15 * time.Minute
	// MaxFailures failed verifications of a user within FailureWindow lock the user's
	// verification for Lockout. While failures in the window still number MaxFailures,
	// each further failure locks again.
	MaxFailures   = 10
	FailureWindow = time.Hour
	Lockout       = 15 * time.Minute
	// MaxConsecutiveFailures failed verifications of a user without a success in
	// between, however far apart and across any number of lockouts, lock the user's
	// verification until an operator unlocks it (Service.Unlock), as NIST SP 800-63B
	// §5.2.2 asks. A success, or Unlock, starts the count again.
	MaxConsecutiveFailures = 100
)

// KeyPurpose is the Keyring purpose of the MAC key that hashes SMS codes.
const KeyPurpose = "mfa-otp"

// Directory finds tenants and users and decrypts a tenant's verifier secret
// (dynamo.Store of package tenants/dynamo fits). GetTenant and GetUser return an error wrapping
// tenants.ErrNotFound for an unknown ID.
type Directory interface {
	GetTenant(ctx context.Context, id string) (tenants.Tenant, error)
	GetUser(ctx context.Context, tenantID, userID string) (tenants.User, error)
	VerifierSecret(ctx context.Context, t tenants.Tenant) (string, error)
}

// Keyring gives the MAC key of a purpose (dynamo.Keyring of package tenants/dynamo fits).
type Keyring interface {
	Key(ctx context.Context, purpose string) ([]byte, error)
}

// SNS is the part of the SNS client the Service uses to send SMS codes.
type SNS interface {
	Publish(ctx context.Context, in *sns.PublishInput, opts ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// Service is the second factor in process: it sends and checks codes, counts failures,
// and grants, reports and ends elevations. Create it with NewService; set Now and Log
// before first use, if at all.
type Service struct {
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Log receives the audit lines (slog.Default() when nil). It never gets a code, a
	// secret, or more of a phone number than its last two digits.
	Log *slog.Logger

	dir    Directory
	keys   Keyring
	st     store
	sms    SNS
	newSTS STSFactory
	locks  lockCache
	codes  func() (string, error) // newCode; tests fix it
}

// NewService returns a Service keeping its records in tbl, finding tenants and users
// in dir, hashing SMS codes with keys, sending them through sms, and checking token
// codes with STS clients from newSTS (see NewSTSFactory). It does no I/O.
func NewService(dir Directory, keys Keyring, tbl *table.Table, sms SNS, newSTS STSFactory) *Service {
	return &Service{dir: dir, keys: keys, st: store{table: tbl}, sms: sms, newSTS: newSTS}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// lookup returns the tenant and the user, checking both IDs first.
func (s *Service) lookup(ctx context.Context, who subject) (tenants.Tenant, tenants.User, error) {
	if !validID(who.tenantID) || !validID(who.userID) {
		return tenants.Tenant{}, tenants.User{}, ErrInvalidID
	}
	t, err := s.dir.GetTenant(ctx, who.tenantID)
	if err != nil {
		return tenants.Tenant{}, tenants.User{}, fmt.Errorf("get tenant %s: %w", who.tenantID, err)
	}
	u, err := s.dir.GetUser(ctx, who.tenantID, who.userID)
	if err != nil {
		return tenants.Tenant{}, tenants.User{}, fmt.Errorf("get user %s: %w", who.userID, err)
	}
	return t, u, nil
}

// Challenge starts a second factor for the user at origin from. For an SMS tenant it
// sends a new code (replacing any earlier one, from any origin), which only a Verify
// from the same origin can use, and returns where it went and until when it is valid;
// for a token tenant there is nothing to send and it returns Method MFAToken.
// Errors: ErrNoOrigin; ErrNoPhone; *RetryError wrapping ErrRateLimited (MaxSends
// within SendWindow, counted per user whatever the origin) or ErrLocked; ErrLockedOut;
// errors wrapping tenants.ErrNotFound for an unknown tenant or user.
func (s *Service) Challenge(ctx context.Context, tenantID, userID string, from Origin) (Challenge, error) {
	who := subject{tenantID, userID}
	if from.IsZero() {
		return Challenge{}, ErrNoOrigin
	}
	t, u, err := s.lookup(ctx, who)
	if err != nil {
		return Challenge{}, err
	}
	ev := event{who: who, method: t.MFA.Kind, origin: from}
	if t.MFA.Kind != tenants.MFASMS {
		s.audit(ctx, auditChallenge, ev, "nothing_to_send", -1)
		return Challenge{Method: t.MFA.Kind}, nil
	}
	ev.phone = phoneHint(u.Phone)
	if u.Phone == "" {
		s.audit(ctx, auditChallenge, ev, "no_phone", -1)
		return Challenge{}, ErrNoPhone
	}
	now := s.now()
	if err := s.checkLock(ctx, who, now); err != nil {
		if errors.Is(err, ErrLocked) {
			s.audit(ctx, auditChallenge, ev, lockOutcome(err), 0)
		}
		return Challenge{}, err
	}
	if err := s.countSend(ctx, who, now); err != nil {
		if errors.Is(err, ErrRateLimited) {
			s.audit(ctx, auditChallenge, ev, "rate_limited", -1)
		}
		return Challenge{}, err
	}
	// The send is counted before the code is made, so that concurrent challenges
	// cannot all slip past MaxSends; a challenge that ends before SNS accepted its
	// message gives its place back.
	sent := false
	defer func() {
		if !sent {
			s.releaseSend(ctx, who, now)
		}
	}()
	key, err := s.keys.Key(ctx, KeyPurpose)
	if err != nil {
		return Challenge{}, fmt.Errorf("mac key: %w", err)
	}
	gen := newCode
	if s.codes != nil {
		gen = s.codes
	}
	code, err := gen()
	if err != nil {
		return Challenge{}, err
	}
	expires := wholeSeconds(now.Add(CodeTTL))
	if err := s.st.putChallenge(ctx, who, from, codeMAC(key, tenantID, userID, code), expires); err != nil {
		return Challenge{}, err
	}
	_, err = s.sms.Publish(ctx, &sns.PublishInput{
		PhoneNumber: aws.String(u.Phone),
		Message:     aws.String(smsText(code, int(CodeTTL/time.Minute))),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"AWS.SNS.SMS.SMSType": {DataType: aws.String("String"), StringValue: aws.String("Transactional")},
		},
	})
	if err != nil {
		// SNS's message may name the phone number: only its error code goes on.
		reason := "unknown"
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			reason = apiErr.ErrorCode()
		}
		s.audit(ctx, auditChallenge, ev, "send_failed", -1, "sns_error", reason)
		return Challenge{}, fmt.Errorf("send SMS: SNS refused the message (%s)", reason)
	}
	sent = true
	s.audit(ctx, auditChallenge, ev, "sent", CodeTries)
	return Challenge{Method: tenants.MFASMS, Sent: true, PhoneHint: ev.phone, ExpiresAt: expires}, nil
}

// countSend records one SMS send for who, or returns a *RetryError wrapping
// ErrRateLimited when MaxSends were sent within the last SendWindow.
func (s *Service) countSend(ctx context.Context, who subject, now time.Time) error {
	sec := now.Unix()
	_, err := s.st.updateWindow(ctx, who, skSends, func(w *window) error {
		w.prune(sec-int64(SendWindow/time.Second), MaxSends)
		if len(w.Times) >= MaxSends {
			return &RetryError{Err: ErrRateLimited, RetryAfter: until(now, w.Times[0]+int64(SendWindow/time.Second))}
		}
		w.Times = append(w.Times, sec)
		w.ExpiresAt = sec + int64(SendWindow/time.Second)
		return nil
	})
	return err
}

// releaseSend takes back a send that countSend recorded at now and that did not go
// out (SNS failed, or an error came first), so that AWS's failures do not use up the
// user's MaxSends. When SNS's answer was lost after it accepted the message, the
// user may get one text more than MaxSends in the window; a fault is rarer than a
// user who could not get a code. It runs even when ctx was cancelled.
func (s *Service) releaseSend(ctx context.Context, who subject, now time.Time) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	sec := now.Unix()
	_, err := s.st.updateWindow(ctx, who, skSends, func(w *window) error {
		for i := len(w.Times) - 1; i >= 0; i-- {
			if w.Times[i] == sec {
				w.Times = append(w.Times[:i], w.Times[i+1:]...)
				return nil
			}
		}
		return errNoItem // already gone (the window moved on): nothing to write
	})
	if err != nil && !errors.Is(err, errNoItem) {
		s.logger().ErrorContext(ctx, "mfa: release send", "tenant", who.tenantID, "user", who.userID, "error", err)
	}
}

// Elevation returns the user's elevation at origin from (until when, and when it was
// granted), or ErrNotElevated: an elevation granted at another origin does not count.
// Errors: ErrInvalidID, ErrNoOrigin.
func (s *Service) Elevation(ctx context.Context, tenantID, userID string, from Origin) (Elevation, error) {
	who := subject{tenantID, userID}
	if !validID(tenantID) || !validID(userID) {
		return Elevation{}, ErrInvalidID
	}
	if from.IsZero() {
		return Elevation{}, ErrNoOrigin
	}
	el, err := s.st.elevation(ctx, who, from, s.now())
	if errors.Is(err, errNoItem) {
		return Elevation{}, ErrNotElevated
	}
	if err != nil {
		return Elevation{}, err
	}
	return el, nil
}

// Lock ends every elevation of the user at once, from every origin. It succeeds when
// there is none. Errors: ErrInvalidID.
func (s *Service) Lock(ctx context.Context, tenantID, userID string) error {
	who := subject{tenantID, userID}
	if !validID(tenantID) || !validID(userID) {
		return ErrInvalidID
	}
	n, err := s.st.deleteElevations(ctx, who)
	if err != nil {
		return err
	}
	s.audit(ctx, auditLock, event{who: who}, "ended", -1, "elevations", n)
	return nil
}

// wholeSeconds truncates t to the second: stored times are epoch seconds, and an
// expiry rounded down is never later than promised.
func wholeSeconds(t time.Time) time.Time { return time.Unix(t.Unix(), 0).UTC() }

// until returns the time from now to the epoch second end, rounded up to a whole
// second (what Retry-After can say), at least one second.
func until(now time.Time, end int64) time.Duration {
	d := time.Unix(end, 0).Sub(now)
	if r := d % time.Second; r != 0 {
		d += time.Second - r
	}
	return max(d, time.Second)
}
