package skill

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/tenants"
)

// turn is one request of a known user: who they are, their tenant, their account.
type turn struct {
	h      *Handler
	env    *alexa.RequestEnvelope
	msg    *catalog
	who    tenants.Principal
	tenant tenants.Tenant
	acct   account.Account // the tenant's account, acting as the user
	// revoked is when the user's tokens were last revoked (zero: never): an
	// elevation granted before it has ended (elevationRevoked).
	revoked time.Time
	log     *slog.Logger
	// attrs are the session attributes for the next turn.
	attrs session
	// oneShot is an intent that opened the session ("ask easy to cloud to …"): the
	// answer ends the session unless it asks something.
	oneShot bool
}

// newTurn identifies the speaker: the access token names the principal, whose
// tenant and user must exist, and must have been issued after the user's tokens were
// last revoked, from an account link not revoked since. The tenant must be neither
// suspended nor unconnected (no role yet), which are answered in words. The Alexa
// account speaking is recorded for the user, with the token's grant, and the user is
// texted when it is new to them. ok false comes with the reply to give instead.
func (h *Handler) newTurn(ctx context.Context, env *alexa.RequestEnvelope, msg *catalog, log *slog.Logger) (*turn, reply, bool) {
	link := tell(msg.linkAccount)
	link.card = &alexa.Card{Type: alexa.CardLinkAccount}
	token := env.AccessToken()
	if token == "" {
		return nil, link, false
	}
	who, issued, err := h.verify(ctx, token)
	if err != nil {
		if isKeysUnavailable(err) {
			log.ErrorContext(ctx, "access token keys unavailable", slog.String("error", err.Error()))
			return nil, tell(msg.keysDown), false
		}
		log.WarnContext(ctx, "access token refused", slog.String("reason", err.Error()))
		return nil, link, false
	}
	log = log.With(slog.String("tenant", who.TenantID), slog.String("user", who.UserID))
	sp, err := h.lookup(ctx, who)
	switch {
	case err == nil:
	case errors.Is(err, tenants.ErrNotFound):
		log.WarnContext(ctx, "token names a tenant or user that no longer exists", slog.String("error", err.Error()))
		return nil, link, false
	default:
		log.ErrorContext(ctx, "directory lookup failed", slog.String("error", err.Error()))
		return nil, tell(msg.keysDown), false
	}
	if why := sp.refusal(issued); why != "" {
		log.WarnContext(ctx, why, slog.Time("issued", issued.At), slog.Time("revoked", sp.revoked), slog.String("grant", issued.GrantID))
		return nil, link, false
	}
	// Before the tenant's state: a user is told of a new Alexa account on their
	// account whether or not it may do anything yet.
	h.seeAlexaAccount(ctx, env, who, issued.GrantID, sp.user, log)
	switch {
	case sp.tenant.Suspended:
		log.WarnContext(ctx, "request refused: the tenant is suspended")
		return nil, tell(msg.suspended), false
	case !sp.tenant.Connected():
		log.InfoContext(ctx, "request refused: the tenant has not connected its AWS account")
		return nil, tell(msg.notConnected), false
	}
	attrs := session{}
	for k, v := range env.Session.Attributes {
		attrs[k] = v
	}
	return &turn{
		h: h, env: env, msg: msg, who: who, tenant: sp.tenant, revoked: sp.revoked, log: log, attrs: attrs,
		acct:    h.Clients.Open(h.Access.Config(h.AWS, sp.tenant, who.UserID), sp.tenant),
		oneShot: env.Session.New && env.Request.Type == alexa.IntentRequestType,
	}, reply{}, true
}

// finish attaches the session attributes to a reply that keeps the session open.
func (t *turn) finish(r reply) reply {
	if r.attrs == nil && len(t.attrs) > 0 {
		r.attrs = t.attrs
	}
	return r
}

// answer gives information: in a session the user may go on, a one-shot request ends.
func (t *turn) answer(s alexa.SSML) reply {
	if t.oneShot {
		return tell(s)
	}
	return ask(s, t.msg.whatElse)
}

// failed answers an error from the tenant's account or a dependency, and logs it.
func (t *turn) failed(ctx context.Context, what string, err error) reply {
	msg := t.msg
	var s alexa.SSML
	switch account.Classify(err) {
	case account.Role:
		s = msg.roleDenied
	case account.Denied:
		s = msg.notPermitted
	case account.Throttled:
		s = msg.throttled
	case account.Timeout:
		s = msg.unreachableAll
	default:
		s = msg.apology
	}
	t.log.ErrorContext(ctx, what+" failed", slog.String("error", err.Error()))
	return t.answer(s)
}

// launch welcomes the user.
func (t *turn) launch(context.Context) reply {
	return ask(t.msg.welcome, t.msg.welcomeReprompt)
}
