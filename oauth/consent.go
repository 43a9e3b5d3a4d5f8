package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	"github.com/go-oauth2/oauth2/v4/server"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/internal/webui"
	"github.com/easytocloud/easytocloud/tenants"
)

// ConsentLifetime is how long the consent page, shown after a successful sign-in,
// may be answered with Link or Cancel.
const ConsentLifetime = 10 * time.Minute

// consentField is the consent form's hidden field with the ticket; decisionField is
// the name of its two buttons, valued decisionAllow (Link) and decisionDeny (Cancel).
const (
	consentField  = "consent"
	decisionField = "decision"
	decisionAllow = "allow"
	decisionDeny  = "deny"
)

// Keys of a pending consent: keyed by the HMAC of the ticket its page carries.
const (
	consentPKPrefix = "OAUTHCONSENT#"
	consentSK       = "#CONSENT"
)

// consentItem is a signed-in user's pending decision: the verified authorization
// request and who signed in. It is bound to the browser that signed in (the HMAC of
// its CSRF cookie) and consumed by the first answer, so the ticket in the page is
// neither a credential on its own nor reusable.
type consentItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	Browser     string `dynamodbav:"browser"`
	ClientID    string `dynamodbav:"client_id"`
	RedirectURI string `dynamodbav:"redirect_uri"`
	State       string `dynamodbav:"state,omitempty"`
	Scope       string `dynamodbav:"scope"`
	Challenge   string `dynamodbav:"code_challenge,omitempty"`
	Method      string `dynamodbav:"code_challenge_method,omitempty"`
	TenantID    string `dynamodbav:"tenant_id"`
	UserID      string `dynamodbav:"user_id"`
	CreatedNS   int64  `dynamodbav:"created_ns"`
	ExpiresAt   int64  `dynamodbav:"expires_at"`
}

func (c consentItem) principal() tenants.Principal {
	return tenants.Principal{TenantID: c.TenantID, UserID: c.UserID}
}

func (c consentItem) request() authzRequest {
	return authzRequest{ClientID: c.ClientID, RedirectURI: c.RedirectURI, ResponseType: "code",
		State: c.State, Scope: c.Scope, Challenge: c.Challenge, Method: c.Method}
}

// errNoConsent means the ticket is unknown, answered already, expired, or presented
// by another browser.
var errNoConsent = errors.New("no pending consent")

// consents keeps pending consents in the table.
type consents struct {
	table *table.Table
	macs  macs
	now   func() time.Time
}

// create stores a pending consent for req and p, bound to the browser whose CSRF
// cookie holds nonce, and returns its ticket.
func (c *consents) create(ctx context.Context, req authzRequest, p tenants.Principal, nonce string) (string, error) {
	ticket := randomToken()
	h, err := c.macs.sum(ctx, labelConsent, ticket)
	if err != nil {
		return "", fmt.Errorf("store consent: %w", err)
	}
	browser, err := c.macs.sum(ctx, labelConsent, "browser:"+nonce)
	if err != nil {
		return "", fmt.Errorf("store consent: %w", err)
	}
	now := c.now()
	_, err = c.table.Put(ctx, &dynamodb.PutItemInput{
		Item: table.Marshal(consentItem{PK: consentPKPrefix + h, SK: consentSK, Browser: browser,
			ClientID: req.ClientID, RedirectURI: req.RedirectURI, State: req.State, Scope: req.Scope,
			Challenge: req.Challenge, Method: req.Method, TenantID: p.TenantID, UserID: p.UserID,
			CreatedNS: now.UnixNano(), ExpiresAt: now.Add(ConsentLifetime).Unix()}),
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if err != nil {
		return "", fmt.Errorf("store consent: %w", err)
	}
	return ticket, nil
}

// consume deletes the pending consent of ticket, if it is still valid and belongs to
// the browser whose CSRF cookie holds nonce, and returns it; errNoConsent otherwise.
// The conditional delete makes the first answer the only one.
func (c *consents) consume(ctx context.Context, ticket, nonce string) (consentItem, error) {
	if ticket == "" || len(ticket) > 64 {
		return consentItem{}, errNoConsent
	}
	h, err := c.macs.sum(ctx, labelConsent, ticket)
	if err != nil {
		return consentItem{}, fmt.Errorf("consume consent: %w", err)
	}
	browser, err := c.macs.sum(ctx, labelConsent, "browser:"+nonce)
	if err != nil {
		return consentItem{}, fmt.Errorf("consume consent: %w", err)
	}
	out, err := c.table.Delete(ctx, &dynamodb.DeleteItemInput{
		Key:                 table.Key(consentPKPrefix+h, consentSK),
		ConditionExpression: aws.String("attribute_exists(pk) AND browser = :b AND expires_at > :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":b": table.S(browser), ":now": table.N(c.now().Unix()),
		},
		ReturnValues: types.ReturnValueAllOld,
	})
	if table.ConditionFailed(err) {
		return consentItem{}, errNoConsent
	}
	if err != nil {
		return consentItem{}, fmt.Errorf("consume consent: %w", err)
	}
	var it consentItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return consentItem{}, fmt.Errorf("consume consent: decode: %w", err)
	}
	return it, nil
}

// maskAccount shows only the last four digits of an AWS account ID.
func maskAccount(id string) (masked, last4 string) {
	if len(id) <= 4 {
		return strings.Repeat("•", 8), ""
	}
	return strings.Repeat("•", len(id)-4) + id[len(id)-4:], id[len(id)-4:]
}

// showConsent is the answer to a successful sign-in: a page naming the client and the
// easytocloud account (tenant name, AWS account ID masked but for its last four
// digits, or that none is connected yet) with Link and Cancel, its form carrying a
// fresh CSRF token and the ticket of a pending consent bound to this browser. A
// suspended tenant's user gets the login page again, saying so, and no consent.
func (s *Server) showConsent(w http.ResponseWriter, r *http.Request, c *Client, req authzRequest, u tenants.User) {
	ctx := r.Context()
	t, err := s.mgr.users.GetTenant(ctx, u.TenantID)
	if err != nil {
		s.signInFailed(w, r, fmt.Errorf("consent: %w", err))
		return
	}
	if t.Suspended {
		s.log.LogAttrs(ctx, slog.LevelWarn, "sign-in refused: the tenant is suspended", slog.String("client_id", c.ID),
			slog.String("tenant", u.TenantID), slog.String("user", u.ID))
		s.showLogin(w, r, c, req, http.StatusForbidden, msgSuspended, u.Email)
		return
	}
	token, nonce, err := s.newCSRF(ctx, w)
	if err != nil {
		s.signInFailed(w, r, err)
		return
	}
	ticket, err := s.consents.create(ctx, req, tenants.Principal{TenantID: u.TenantID, UserID: u.ID}, nonce)
	if err != nil {
		s.signInFailed(w, r, err)
		return
	}
	masked, last4 := maskAccount(t.AccountID())
	s.securityHeaders(w.Header(), origin(req.RedirectURI))
	s.render(w, r, http.StatusOK, "consent", consentPage{
		CSS: webui.StyleSheet, ClientName: c.Name, TenantName: t.Name, AccountMasked: masked, AccountLast4: last4,
		NotConnected: !t.Connected(), Email: u.Email, CSRF: token, Ticket: ticket,
	})
}

// Messages of the pages that end a consent without a redirect.
const (
	titleExpired = "This page has expired"
	msgRestart   = "Start linking your account again from the Alexa app."
)

// decide answers the consent form: after the CSRF check it consumes the pending
// consent (once, from the browser that signed in, within ConsentLifetime) and
// answers 303 to its redirect URI, with a code on Link and error=access_denied on
// Cancel, the state in both. Anything else gets an error page and no redirect.
func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	nonce, ok := s.checkCSRF(ctx, r)
	if !ok {
		s.log.LogAttrs(ctx, slog.LevelWarn, "consent refused: bad or missing CSRF token")
		s.errorPage(w, r, http.StatusForbidden, titleExpired, msgRestart)
		return
	}
	decision := r.PostForm.Get(decisionField)
	if decision != decisionAllow && decision != decisionDeny {
		s.log.LogAttrs(ctx, slog.LevelWarn, "consent refused: no decision")
		s.errorPage(w, r, http.StatusBadRequest, "This sign-in link is not valid", msgRestart)
		return
	}
	it, err := s.consents.consume(ctx, r.PostForm.Get(consentField), nonce)
	if errors.Is(err, errNoConsent) {
		s.log.LogAttrs(ctx, slog.LevelWarn, "consent refused: unknown, answered, expired or another browser's")
		s.errorPage(w, r, http.StatusBadRequest, titleExpired, msgRestart)
		return
	}
	if err != nil {
		s.signInFailed(w, r, err)
		return
	}
	p, req := it.principal(), it.request()
	// The client may have been deleted, the user's tokens revoked (a password
	// change) or the tenant suspended since the sign-in.
	c, err := s.clients.Get(ctx, req.ClientID)
	if errors.Is(err, ErrClientNotFound) || (err == nil && !c.matchRedirectURI(req.RedirectURI)) {
		s.log.LogAttrs(ctx, slog.LevelWarn, "consent refused: client or redirect URI gone", slog.String("client_id", req.ClientID))
		s.errorPage(w, r, http.StatusBadRequest, "This sign-in link is not valid", msgRestart)
		return
	}
	if err != nil {
		s.signInFailed(w, r, fmt.Errorf("consent: read client: %w", err))
		return
	}
	rev, err := s.tokens.revocation(ctx, p)
	if err != nil {
		s.signInFailed(w, r, fmt.Errorf("consent: %w", err))
		return
	}
	if rev.ns >= it.CreatedNS {
		s.log.LogAttrs(ctx, slog.LevelWarn, "consent refused: the user's tokens were revoked after sign-in",
			slog.String("tenant", p.TenantID), slog.String("user", p.UserID))
		s.errorPage(w, r, http.StatusBadRequest, titleExpired, msgRestart)
		return
	}
	if decision == decisionAllow {
		t, err := s.mgr.users.GetTenant(ctx, p.TenantID)
		if err != nil && !errors.Is(err, tenants.ErrNotFound) {
			s.signInFailed(w, r, fmt.Errorf("consent: %w", err))
			return
		}
		if err != nil || t.Suspended {
			s.log.LogAttrs(ctx, slog.LevelWarn, "consent refused: the tenant is suspended or gone",
				slog.String("tenant", p.TenantID), slog.String("user", p.UserID))
			s.errorPage(w, r, http.StatusForbidden, titleSuspended, msgSuspended)
			return
		}
	}
	http.SetCookie(w, s.csrf().Cookie("", -1))
	attrs := []slog.Attr{slog.String("client_id", c.ID), slog.String("tenant", p.TenantID), slog.String("user", p.UserID)}
	if decision == decisionDeny {
		s.log.LogAttrs(ctx, slog.LevelInfo, "linking cancelled", attrs...)
		s.redirect(w, req, map[string]any{"error": "access_denied", "error_description": "The user cancelled linking."})
		return
	}
	ti, err := s.lib.GetAuthorizeToken(ctx, &server.AuthorizeRequest{
		ResponseType: oauth2.Code, ClientID: c.ID, RedirectURI: req.RedirectURI, State: req.State, Scope: req.Scope,
		UserID: principalID(p), CodeChallenge: req.Challenge, CodeChallengeMethod: oauth2.CodeChallengeMethod(req.Method), Request: r,
	})
	if err != nil {
		s.redirectError(w, r, req, err)
		return
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "linking allowed", attrs...)
	s.redirect(w, req, s.lib.GetAuthorizeData(oauth2.Code, ti))
}
