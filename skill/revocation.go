package skill

import (
	"context"
	"slices"
	"time"

	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/tenants"
)

// verify checks an access token and says when it was issued and from which grant:
// the zero time and no grant when Tokens cannot tell (it is not an
// IssuedTokenVerifier), which any revocation refuses.
func (h *Handler) verify(ctx context.Context, token string) (tenants.Principal, accesstoken.Issued, error) {
	if v, ok := h.Tokens.(IssuedTokenVerifier); ok {
		return v.VerifyIssued(ctx, token)
	}
	p, err := h.Tokens.Verify(ctx, token)
	return p, accesstoken.Issued{}, err
}

// revokedToken reports whether a token issued at issued was revoked at revoked (zero:
// never). iat has whole seconds, so a token issued in the second of the revocation,
// even just after it, is refused too: never one issued before.
func revokedToken(issued, revoked time.Time) bool {
	return !revoked.IsZero() && issued.Before(revoked)
}

// refusal says why the user's revocation mark refuses a token issued as issued says:
// "" when it does not. A token of a grant revoked on its own (its Alexa account
// unlinked in the console) is refused whenever it was issued.
func (sp lookupResult) refusal(issued accesstoken.Issued) string {
	switch {
	case revokedToken(issued.At, sp.revoked):
		return "access token issued before the user's tokens were revoked"
	case issued.GrantID != "" && slices.Contains(sp.revokedGrants, issued.GrantID):
		return "access token of an account link that was revoked"
	}
	return ""
}

// elevationRevoked reports whether el was granted before the user's tokens were
// revoked, so that it counts as absent: a password change or SkillDisabled ends the
// elevations of whoever held the old tokens at once. Granted is rounded down to the
// second, so an elevation granted in the second of the revocation counts as before
// it. An Elevation without Granted (from an mfa API older than the field) is taken
// as granted at Until less the tenant's elevation window.
func (t *turn) elevationRevoked(el mfa.Elevation) bool {
	if t.revoked.IsZero() {
		return false
	}
	granted := el.Granted
	if granted.IsZero() {
		granted = el.Until.Add(-t.tenant.MFA.ElevationWindow())
	}
	return !granted.After(t.revoked)
}
