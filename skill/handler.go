package skill

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/tenants"
)

// TokenVerifier checks a linked account's access token and names the speaker
// (accesstoken.Verifier fits). An error means the token is not accepted.
type TokenVerifier interface {
	Verify(ctx context.Context, token string) (tenants.Principal, error)
}

// IssuedTokenVerifier is a TokenVerifier that also says when a token was issued and
// from which account link (accesstoken.Verifier fits). The skill refuses a token
// issued before the user's tokens were revoked, or minted from a link revoked since:
// when Tokens is not one, every token counts as issued at the zero time, which any
// revocation refuses.
type IssuedTokenVerifier interface {
	VerifyIssued(ctx context.Context, token string) (tenants.Principal, accesstoken.Issued, error)
}

// Directory finds the speaker's tenant and user (dynamo.Store of tenants/dynamo fits). Both return an
// error wrapping tenants.ErrNotFound when the record does not exist.
type Directory interface {
	GetTenant(ctx context.Context, id string) (tenants.Tenant, error)
	GetUser(ctx context.Context, tenantID, userID string) (tenants.User, error)
}

// AccountAccess turns a tenant into an AWS configuration acting in its account for a
// user (account.Access fits). Requests made with it fail with an error wrapping
// tenants.ErrAccessDenied when the tenant's role cannot be assumed.
type AccountAccess interface {
	Config(base aws.Config, t tenants.Tenant, userID string) aws.Config
}

// SecondFactor is the second factor: challenges, verification, elevations and
// locking (mfa.Service and mfa.Client fit). Errors are those of package mfa. The
// origin is the request's Alexa account, device and person (see turn.origin): an
// elevation holds only where it was granted; Lock ends it everywhere.
type SecondFactor interface {
	Challenge(ctx context.Context, tenantID, userID string, from mfa.Origin) (mfa.Challenge, error)
	Verify(ctx context.Context, tenantID, userID string, from mfa.Origin, code string) (mfa.Elevation, error)
	Elevation(ctx context.Context, tenantID, userID string, from mfa.Origin) (mfa.Elevation, error)
	Lock(ctx context.Context, tenantID, userID string) error
}

// ExpiredTokenVerifier is a TokenVerifier that can also accept a genuine token whose
// exp passed less than grace ago (accesstoken.Verifier fits). SkillDisabled uses it
// when Tokens has it: Alexa sends the last access token it holds, often expired.
type ExpiredTokenVerifier interface {
	VerifyExpired(ctx context.Context, token string, grace time.Duration) (tenants.Principal, error)
}

// disabledTokenGrace is how long after its expiry an access token still names the
// user on SkillDisabled: the refresh token's unused lifetime (oauth.RefreshIdle), after
// which there is nothing left to revoke.
const disabledTokenGrace = 180 * 24 * time.Hour

// TokenRevoker revokes every token of a user and says when that last happened
// (oauth.Tokens and oauth.Server fit). The skill revokes when a user disables the
// skill, and reads the time on every request: an access token issued before it is
// refused, an elevation granted before it has ended. RevokedAt returns the zero time
// when p's tokens were never revoked.
type TokenRevoker interface {
	RevokeUser(ctx context.Context, p tenants.Principal) error
	RevokedAt(ctx context.Context, p tenants.Principal) (time.Time, error)
}

// GrantRevoker is a TokenRevoker that also names the grants (account links) of a user
// revoked one by one, read with the time of the last full revocation (oauth.Tokens
// fits). The skill refuses an access token minted from one of them. When Revoker is
// not one, no grant counts as revoked.
type GrantRevoker interface {
	Revocations(ctx context.Context, p tenants.Principal) (revoked time.Time, grantIDs []string, err error)
}

// AlexaLinks records the Alexa accounts that speak for each user (dynamo.Store of
// tenants/dynamo fits). TouchAlexaLink records the grant of the access token the
// account spoke with ("" for a token without one) and reports whether alexaUserID had
// never spoken for the user before; it writes at most once per
// tenants.AlexaLinkUseInterval, or when the grant changed.
type AlexaLinks interface {
	TouchAlexaLink(ctx context.Context, tenantID, userID, alexaUserID, grantID string) (bool, error)
}

// ActivityLog keeps the changes each user makes (dynamo.Store of tenants/dynamo
// fits): their own page in the console lists them.
type ActivityLog interface {
	RecordActivity(ctx context.Context, tenantID, userID string, a tenants.Activity) error
}

// Defaults of the Handler's time limits.
const (
	// DefaultBudget is how long a request may take: Alexa waits 8 seconds, and 1.5
	// of them stay for the network and for rendering the answer.
	DefaultBudget = 6500 * time.Millisecond
	// DefaultCallTimeout bounds the work in one region.
	DefaultCallTimeout = 4 * time.Second
	// composeReserve is kept from the budget for composing and sending the answer
	// after the work's deadline.
	composeReserve = 250 * time.Millisecond
	// DefaultRegionsTTL is how long the regions enabled in a tenant's account are
	// remembered.
	DefaultRegionsTTL = time.Hour
)

// Handler answers Alexa requests. Set the fields, then call Handle (the Lambda
// entry) or serve it with alexa.NewHTTPHandler; do not change them afterwards. A Handler is safe
// for concurrent use.
type Handler struct {
	// SkillID is the only application ID accepted; empty refuses every request.
	SkillID string
	// Tokens verifies access tokens; Directory, Access and MFA reach the tenant,
	// its account and the second factor.
	Tokens    TokenVerifier
	Directory Directory
	Access    AccountAccess
	MFA       SecondFactor
	// Revoker revokes a user's tokens on SkillDisabled (and the MFA service ends
	// their elevation), and tells every request when the user's tokens were last
	// revoked (and, when it is a GrantRevoker, which of their account links were
	// revoked since). nil only logs SkillDisabled and refuses no token for a
	// revocation.
	Revoker TokenRevoker
	// Links records which Alexa accounts speak for each user; nil records none.
	Links AlexaLinks
	// Activity keeps every change the skill makes (or fails to make) for a user;
	// nil keeps none (the audit log line is written either way).
	Activity ActivityLog
	// SNS texts a user, at the phone on their record, when an Alexa account that
	// never spoke for them does (Links tells); nil sends nothing.
	SNS mfa.SNS
	// Progress sends progressive responses; nil sends none.
	Progress alexa.ProgressSender
	// AWS is the base configuration for clients in tenants' accounts (endpoint,
	// HTTP client, retries); its Region is where DescribeRegions is asked
	// (us-east-1 when empty).
	AWS aws.Config
	// Clients builds the AWS clients in tenants' accounts; zero means the SDK's.
	Clients account.Clients
	// Budget, CallTimeout and RegionsTTL default to DefaultBudget,
	// DefaultCallTimeout and DefaultRegionsTTL.
	Budget      time.Duration
	CallTimeout time.Duration
	RegionsTTL  time.Duration
	// TenantTTL is how long a tenant's record is reused before it is read again
	// (DefaultTenantTTL when zero, never reused when negative): a changed tenant
	// (role, regions, control tag) reaches a warm function within it. The user's
	// record is read on every request.
	TenantTTL time.Duration
	// Now is the clock for caches and elevations (time.Now when nil). Deadlines
	// use the monotonic clock.
	Now func() time.Time
	// Log receives operational and audit lines (slog.Default() when nil). It never
	// gets an access token.
	Log *slog.Logger

	mu          sync.Mutex
	regions     map[string]regionsEntry // by tenant ID and role ARN
	tenantCache map[string]tenantEntry  // by tenant ID
	linksSeen   map[string]time.Time    // by principal and Alexa userId: when to record its use again
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

func (h *Handler) budget() time.Duration      { return orDefault(h.Budget, DefaultBudget) }
func (h *Handler) callTimeout() time.Duration { return orDefault(h.CallTimeout, DefaultCallTimeout) }
func (h *Handler) regionsTTL() time.Duration  { return orDefault(h.RegionsTTL, DefaultRegionsTTL) }

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Handle answers one request. It returns alexa.ErrWrongApplication (and no response) for a
// request that is not for SkillID, and an error for a nil envelope; every other
// failure, a panic included, is answered with a spoken apology and logged.
func (h *Handler) Handle(ctx context.Context, env *alexa.RequestEnvelope) (resp *alexa.ResponseEnvelope, err error) {
	if env == nil {
		return nil, errors.New("skill: no request")
	}
	if h.SkillID == "" || env.ApplicationID() != h.SkillID {
		h.log().WarnContext(ctx, "request for another application refused",
			slog.String("application_id", env.ApplicationID()), slog.String("request_type", env.Request.Type))
		return nil, alexa.ErrWrongApplication
	}
	start := time.Now()
	// The work stops early enough that the answer, composed after it, is out
	// within the budget (and within the Lambda's own deadline).
	deadline := start.Add(h.budget() - composeReserve)
	if d, ok := ctx.Deadline(); ok && d.Add(-composeReserve).Before(deadline) {
		deadline = d.Add(-composeReserve)
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	log := h.log().With(slog.String("request_id", env.Request.RequestID))
	defer func() {
		if p := recover(); p != nil {
			log.ErrorContext(ctx, "panic answering request", slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			resp, err = tell(catalogFor(env.Locale()).apology).envelope(), nil
		}
	}()
	r := h.route(ctx, env, log)
	resp = r.envelope()
	log.InfoContext(ctx, "request answered", slog.String("request_type", env.Request.Type),
		slog.String("intent", intentName(env)), slog.Duration("took", time.Since(start)))
	return resp, nil
}

func intentName(env *alexa.RequestEnvelope) string {
	if env.Request.Intent == nil {
		return ""
	}
	return env.Request.Intent.Name
}

// route answers by request type: events and session ends need no account; intents
// and launches need a linked one.
func (h *Handler) route(ctx context.Context, env *alexa.RequestEnvelope, log *slog.Logger) reply {
	msg := catalogFor(env.Locale())
	switch env.Request.Type {
	case alexa.SessionEndedRequestType:
		attrs := []any{slog.String("reason", env.Request.Reason)}
		if e := env.Request.Error; e != nil {
			attrs = append(attrs, slog.String("error_type", e.Type), slog.String("error_message", e.Message))
		}
		log.InfoContext(ctx, "session ended", attrs...)
		return reply{silent: true}
	case alexa.SkillDisabledType:
		h.skillDisabled(ctx, env, log)
		return reply{silent: true}
	case alexa.SkillAccountLinkedType:
		h.accountLinked(ctx, env, log)
		return reply{silent: true}
	case alexa.SkillEnabledType:
		log.InfoContext(ctx, "skill enabled")
		return reply{silent: true}
	case alexa.LaunchRequestType, alexa.IntentRequestType:
	default:
		log.InfoContext(ctx, "request type not handled", slog.String("request_type", env.Request.Type))
		return reply{silent: true}
	}
	name := intentName(env)
	if env.Request.Type == alexa.IntentRequestType {
		switch name {
		case "AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent":
			return tell(msg.goodbye)
		}
	}
	t, r, ok := h.newTurn(ctx, env, msg, log)
	if !ok {
		return r
	}
	if env.Request.Type == alexa.LaunchRequestType {
		return t.finish(t.launch(ctx))
	}
	rt, known := routes[name]
	if !known {
		log.InfoContext(ctx, "unknown intent", slog.String("intent", name))
		return t.finish(ask(msg.fallback, msg.helpReprompt))
	}
	return t.finish(rt.handle(t, ctx))
}

// skillDisabled revokes the user's tokens when they disable the skill. The event
// carries the access token of a linked account, which may have expired: it names the
// user if it is genuine and expired less than disabledTokenGrace ago (when Tokens is
// an ExpiredTokenVerifier). A token that does not cannot name the user, which is logged.
func (h *Handler) skillDisabled(ctx context.Context, env *alexa.RequestEnvelope, log *slog.Logger) {
	token := env.AccessToken()
	if token == "" {
		log.InfoContext(ctx, "skill disabled by a user without a linked account")
		return
	}
	verify := h.Tokens.Verify
	if v, ok := h.Tokens.(ExpiredTokenVerifier); ok {
		verify = func(ctx context.Context, token string) (tenants.Principal, error) {
			return v.VerifyExpired(ctx, token, disabledTokenGrace)
		}
	}
	who, err := verify(ctx, token)
	if err != nil {
		log.WarnContext(ctx, "skill disabled, but the access token does not name a user; tokens not revoked", slog.String("reason", err.Error()))
		return
	}
	log = log.With(slog.String("tenant", who.TenantID), slog.String("user", who.UserID))
	if h.Revoker == nil {
		log.WarnContext(ctx, "skill disabled; no revoker configured, tokens not revoked")
		return
	}
	if err := h.Revoker.RevokeUser(ctx, who); err != nil {
		log.ErrorContext(ctx, "skill disabled; revoking the user's tokens failed", slog.String("error", err.Error()))
		return
	}
	// The revocation refuses the elevation already (it was granted before); ending
	// it also stops it for anything that reads elevations without the revocation.
	if err := h.MFA.Lock(ctx, who.TenantID, who.UserID); err != nil {
		log.ErrorContext(ctx, "skill disabled; the user's tokens are revoked, ending their elevation failed", slog.String("error", err.Error()))
		return
	}
	log.InfoContext(ctx, "skill disabled; the user's tokens are revoked", slog.Bool("elevation_ended", true))
}

// accountLinked records that a user linked their account, and the Alexa account they
// linked from: the user is texted when it is one that never spoke for them.
func (h *Handler) accountLinked(ctx context.Context, env *alexa.RequestEnvelope, log *slog.Logger) {
	token := ""
	if env.Request.Body != nil {
		token = env.Request.Body.AccessToken
	}
	if token == "" {
		token = env.AccessToken()
	}
	who, issued, err := h.verify(ctx, token)
	if err != nil {
		log.WarnContext(ctx, "account linked with a token that does not verify", slog.String("reason", err.Error()))
		return
	}
	log = log.With(slog.String("tenant", who.TenantID), slog.String("user", who.UserID))
	sp, err := h.lookup(ctx, who)
	if err != nil {
		log.ErrorContext(ctx, "account linked; reading the user failed", slog.String("error", err.Error()))
		return
	}
	if why := sp.refusal(issued); why != "" {
		log.WarnContext(ctx, "account linked with a refused token: "+why)
		return
	}
	log.InfoContext(ctx, "account linked")
	h.seeAlexaAccount(ctx, env, who, issued.GrantID, sp.user, log)
}
