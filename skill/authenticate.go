package skill

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/tenants"
)

// authenticate answers AuthenticateIntent: with a code it verifies it; with a
// method (text, SMS, phone, message) it asks the MFA service for a challenge, and
// the tenant's policy decides whether a text goes out; with neither it says how.
// After "Access granted" it offers to do the change the user asked for before.
// authenticating is the AuthenticateIntent and LockIntent of a turn.
type authenticating struct{ *turn }

func (t authenticating) authenticate(ctx context.Context) reply {
	msg := t.msg
	if code, ok := t.env.Slot("code"); ok {
		digits := onlyDigits(code.Value)
		if digits == "" {
			return ask(msg.malformedCode, msg.authHow)
		}
		_, err := t.h.MFA.Verify(ctx, t.who.TenantID, t.who.UserID, t.origin(), digits)
		if err != nil {
			return t.mfaFailed(ctx, "verify code", err)
		}
		t.log.InfoContext(ctx, "second factor accepted")
		return t.granted()
	}
	if _, ok := t.env.Slot("method"); ok {
		ch, err := t.h.MFA.Challenge(ctx, t.who.TenantID, t.who.UserID, t.origin())
		if err != nil {
			return t.mfaFailed(ctx, "challenge", err)
		}
		if ch.Method == tenants.MFAToken || !ch.Sent {
			return ask(msg.usesToken, msg.usesToken)
		}
		return ask(msg.codeSent, msg.authHow)
	}
	return ask(msg.authHow, msg.authHow)
}

// granted says "Access granted" and, when a change is waiting, offers to do it now
// (Dialog.ConfirmIntent on that change's intent).
func (t authenticating) granted() reply {
	p, ok := t.attrs.pending()
	if !ok {
		return ask(t.msg.accessGranted, t.msg.whatElse)
	}
	target := p.instance()
	return confirmChange(alexa.Join(t.msg.accessGranted, t.msg.offer(p.Action, spoken(t.msg, target))), p.Action, target)
}

// mfaFailed answers an error of the MFA service, keeping the session open so the
// user can try again.
func (t authenticating) mfaFailed(ctx context.Context, op string, err error) reply {
	msg := t.msg
	var (
		codeErr  *mfa.CodeError
		retryErr *mfa.RetryError
	)
	switch {
	case errors.Is(err, mfa.ErrLockedOut): // before ErrLocked, which it is too; no wait ends it
		return t.answer(msg.lockedOut)
	case errors.As(err, &codeErr):
		return ask(msg.invalidCode(codeErr.TriesLeft), msg.authHow)
	case errors.As(err, &retryErr) && errors.Is(err, mfa.ErrRateLimited):
		return t.answer(msg.tooManyCodes(retryErr.RetryAfter))
	case errors.As(err, &retryErr):
		return t.answer(msg.tooManyAttempts(retryErr.RetryAfter))
	case errors.Is(err, mfa.ErrLocked):
		return t.answer(msg.tooManyAttempts(mfa.Lockout))
	case errors.Is(err, mfa.ErrRateLimited):
		return t.answer(msg.tooManyCodes(mfa.SendWindow))
	case errors.Is(err, mfa.ErrInvalidCode):
		return ask(msg.invalidCode(0), msg.authHow)
	case errors.Is(err, mfa.ErrMalformedCode):
		return ask(msg.malformedCode, msg.authHow)
	case errors.Is(err, mfa.ErrNoChallenge):
		return ask(msg.noChallenge, msg.authHow)
	case errors.Is(err, mfa.ErrNoPhone):
		return t.answer(msg.noPhone)
	case errors.Is(err, mfa.ErrThrottled):
		return ask(msg.checkBusy, msg.authHow)
	case errors.Is(err, mfa.ErrNoOrigin):
		t.log.WarnContext(ctx, "mfa "+op+" refused: the request names no Alexa account or device")
		return t.answer(msg.mfaDown)
	}
	t.log.ErrorContext(ctx, "mfa "+op+" failed", slog.String("error", err.Error()))
	return t.answer(msg.mfaDown)
}

// origin is where the request comes from, to which a second factor given in it and
// the elevation it grants are bound: the Alexa account (context.System.user, else the
// session's user), the device that heard it, and the voice profile's person when Alexa
// recognised one. A request that names no account or device has the zero Origin,
// which the second factor refuses (mfa.ErrNoOrigin).
func (t *turn) origin() mfa.Origin {
	sys := t.env.Context.System
	user := sys.User.UserID
	if user == "" {
		user = t.env.Session.User.UserID
	}
	person := ""
	if sys.Person != nil {
		person = sys.Person.PersonID
	}
	return mfa.NewOrigin(user, sys.Device.DeviceID, person)
}

// lock answers LockIntent: the user's elevations end now, on every device.
func (t authenticating) lock(ctx context.Context) reply {
	if err := t.h.MFA.Lock(ctx, t.who.TenantID, t.who.UserID); err != nil {
		t.log.ErrorContext(ctx, "mfa lock failed", slog.String("error", err.Error()))
		return t.answer(t.msg.mfaDown)
	}
	t.attrs.clearPending()
	t.log.InfoContext(ctx, "elevation ended by the user")
	return t.answer(t.msg.locked)
}

// onlyDigits keeps the digits of a spoken code ("514 309" → "514309").
func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
