// Package skillapp wires the Alexa skill's handler for the Lambda function and the
// local stack, from internal/app's configuration and clients.
//
// It is a package of its own so that binaries without the skill do not link it: a
// binary that renders html/template (the authorization server) keeps every method
// of every type it can reach through an interface, and the skill would bring the EC2
// and Kinesis clients whole.
package skillapp

import (
	"log/slog"
	"net/http"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/replay"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/skill"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// Parts are the parts of the skill handler that differ between the Lambda
// function (LambdaParts) and the local stack.
type Parts struct {
	// Keys check access tokens.
	Keys accesstoken.KeySource
	// MFA is the second factor: the mfa API, or a Service in process.
	MFA skill.SecondFactor
	// Revoker revokes a user's tokens on SkillDisabled, and tells every request
	// when they were last revoked.
	Revoker skill.TokenRevoker
	// Progress sends progressive responses; nil sends none.
	Progress alexa.ProgressSender
}

// LambdaParts returns the Lambda function's parts: the signing key's public key
// from KMS, the mfa API at c.MFAURL called with SigV4 through mfaHTTP, oauth.Tokens
// on c.Table, and the Alexa progressive-response client.
func LambdaParts(c app.Config, a app.AWS, mfaHTTP *http.Client) Parts {
	return Parts{
		Keys:     accesstoken.KMSKeys(a.KMS, c.SigningKeyID),
		MFA:      mfa.NewClient(c.MFAURL, mfaHTTP, a.Config.Credentials, a.Config.Region),
		Revoker:  oauth.NewTokens(app.NewTable(c, a), nil),
		Progress: &alexa.ProgressClient{},
	}
}

// NewHandler returns the skill for c.SkillID, accepting access tokens of
// c.Issuer: tenants and users from c.Table (it only reads them, and never opens
// their secrets; it records the Alexa accounts that speak for each user beside
// them), tenants' accounts through their roles (a.STS, then clients made like
// a.Config), texts about new Alexa accounts through a.SNS (none when nil), and the
// parts p. It logs to logger.
func NewHandler(c app.Config, a app.AWS, p Parts, logger *slog.Logger) *skill.Handler {
	store := dynamo.NewStore(app.NewTable(c, a), a.KMS, "")
	return &skill.Handler{
		SkillID:   c.SkillID,
		Tokens:    &accesstoken.Verifier{Issuer: c.Issuer, Audience: c.SkillID, Keys: p.Keys},
		Directory: store,
		Access:    account.NewAccess(a.STS),
		MFA:       p.MFA,
		Revoker:   p.Revoker,
		Links:     store,
		Activity:  store,
		SNS:       a.SNS,
		Progress:  p.Progress,
		AWS:       a.Config,
		Log:       logger,
	}
}

// NewHTTPHandler serves h as an HTTPS web service (POST /alexa), its requests
// verified by v and its replays refused across every instance that serves the
// endpoint: the seen requests are kept in c.Table (internal/replay). It does no I/O.
func NewHTTPHandler(c app.Config, a app.AWS, h *skill.Handler, v alexa.RequestVerifier) http.Handler {
	return &alexa.HTTPHandler{Skill: h, Verifier: v, Replays: replay.New(app.NewTable(c, a)), Log: h.Log}
}
