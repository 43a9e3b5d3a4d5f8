package mfa

import (
	"errors"
	"fmt"
	"time"

	"github.com/easytocloud/easytocloud/tenants"
)

// Sentinel errors of the package. Service and Client return the same ones, so a
// caller handles them with errors.Is and errors.As whether the service runs in
// process or behind the HTTP API.
var (
	// ErrInvalidCode means the code did not verify. The error is a *CodeError that
	// says how many tries are left.
	ErrInvalidCode = errors.New("that code is not valid")
	// ErrMalformedCode means the code is not six digits (after left-padding the zeros
	// Alexa's number slot drops).
	ErrMalformedCode = errors.New("a code is six digits")
	// ErrNoChallenge means there is no SMS code to check: none was sent, it expired,
	// it was used, or its tries are spent. Ask for a new one.
	ErrNoChallenge = errors.New("there is no valid code; ask for a new one")
	// ErrLocked means verification is locked after too many failures. The error is a
	// *RetryError with the time left, or ErrLockedOut, which waiting does not end.
	ErrLocked = errors.New("too many failed attempts")
	// ErrLockedOut means verification is locked until an operator unlocks it
	// (Service.Unlock), after MaxConsecutiveFailures failures without a success in
	// between. errors.Is(err, ErrLocked) holds for it too. It is not a *RetryError:
	// there is no time after which to try again.
	ErrLockedOut = fmt.Errorf("%w; ask an administrator to unlock verification", ErrLocked)
	// ErrRateLimited means too many codes were sent recently. The error is a
	// *RetryError with the time until the next send is allowed.
	ErrRateLimited = errors.New("too many codes sent")
	// ErrThrottled means AWS throttled the check; try again in a moment. It does not
	// count as a failed attempt.
	ErrThrottled = errors.New("the check is busy; try again in a moment")
	// ErrNoPhone means an SMS code was asked for a user without a phone number.
	ErrNoPhone = errors.New("no phone number on file for SMS codes")
	// ErrNotElevated means the user has no current elevation.
	ErrNotElevated = errors.New("not elevated")
	// ErrInvalidID means a tenant or user ID is not 1 to 128 letters, digits, '-',
	// '_' or '.'.
	ErrInvalidID = errors.New("a tenant or user ID is 1 to 128 letters, digits, '-', '_' or '.'")
	// ErrNoOrigin means a request names no Origin (the zero Origin, or an HTTP request
	// without a valid origin key): a second factor and its elevation are bound to the
	// Alexa account and device they come from, and cannot be asked for without them.
	ErrNoOrigin = errors.New("the request names no origin (the Alexa account and device the second factor comes from)")
)

// Challenge is the result of asking for a code.
type Challenge struct {
	// Method is the tenant's policy: MFASMS sent a code, MFAToken has nothing to send
	// (the user reads the code from their token).
	Method tenants.MFAKind `json:"method"`
	// Sent reports whether an SMS was sent.
	Sent bool `json:"sent"`
	// PhoneHint is the last two digits of the phone the SMS went to ("" otherwise).
	PhoneHint string `json:"phone_hint,omitempty"`
	// ExpiresAt is when the sent code stops being valid (zero when nothing was sent).
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// Elevation is a user's permission to change resources from one Origin, granted by a
// second factor given there.
type Elevation struct {
	// Until is when the elevation ends.
	Until time.Time `json:"until"`
	// Granted is when the code that granted it was verified, rounded down to the
	// second like every stored time; a revocation at a moment ends the elevations
	// whose Granted is not after it.
	Granted time.Time `json:"granted,omitzero"`
}

// CodeError is ErrInvalidCode with the number of tries left before the lockout (or,
// for an SMS code, before the code is spent, whichever comes first).
type CodeError struct {
	TriesLeft int
}

func (e *CodeError) Error() string {
	return fmt.Sprintf("%v; %d tries left", ErrInvalidCode, e.TriesLeft)
}

// Unwrap makes errors.Is(err, ErrInvalidCode) true.
func (e *CodeError) Unwrap() error { return ErrInvalidCode }

// RetryError is ErrLocked or ErrRateLimited with the time to wait.
type RetryError struct {
	Err        error
	RetryAfter time.Duration
}

func (e *RetryError) Error() string {
	return fmt.Sprintf("%v; try again in %s", e.Err, e.RetryAfter.Round(time.Second))
}

// Unwrap returns ErrLocked or ErrRateLimited.
func (e *RetryError) Unwrap() error { return e.Err }
