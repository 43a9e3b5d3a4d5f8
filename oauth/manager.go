package oauth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	oerrors "github.com/go-oauth2/oauth2/v4/errors"
	"github.com/go-oauth2/oauth2/v4/models"

	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/tenants"
)

// Users is the directory of people who sign in (dynamo.Store of package tenants/dynamo fits).
type Users interface {
	// Authenticate returns the user with this email and password, or an error
	// wrapping tenants.ErrInvalidCredentials, taking as long whether or not the
	// address exists.
	Authenticate(ctx context.Context, email, password string) (tenants.User, error)
	// GetUser returns a user, or an error wrapping tenants.ErrNotFound.
	GetUser(ctx context.Context, tenantID, userID string) (tenants.User, error)
	// GetTenant returns a tenant, or an error wrapping tenants.ErrNotFound: the
	// consent page names the account being linked.
	GetTenant(ctx context.Context, id string) (tenants.Tenant, error)
}

// manager is our go-oauth2 Manager. It replaces the library's manage.Manager, whose
// defaults are unsafe (host-suffix redirect matching, secrets compared with != and
// empty secrets accepted, codes read then deleted, refresh tokens usable by any
// client): every check here is explicit, on our clock, against our stores.
type manager struct {
	clients  *Clients
	tokens   *Tokens
	users    Users
	signer   accesstoken.Signer
	issuer   string
	audience string
	now      func() time.Time
}

var _ oauth2.Manager = (*manager)(nil)

// principalID is how a principal travels through the library's UserID string.
// Tenant and user IDs never contain "#".
func principalID(p tenants.Principal) string { return p.TenantID + "#" + p.UserID }

func parsePrincipalID(s string) (tenants.Principal, bool) {
	tid, uid, ok := strings.Cut(s, "#")
	if !ok || tid == "" || uid == "" || strings.Contains(uid, "#") {
		return tenants.Principal{}, false
	}
	return tenants.Principal{TenantID: tid, UserID: uid}, true
}

// GetClient returns the client, or invalid_client.
func (m *manager) GetClient(ctx context.Context, id string) (oauth2.ClientInfo, error) {
	c, err := m.clients.Get(ctx, id)
	if errors.Is(err, ErrClientNotFound) {
		return nil, refuse(oerrors.ErrInvalidClient, "unknown client %s", unverifiedID(id))
	}
	if err != nil {
		return nil, serverError(err, "read client")
	}
	return &c, nil
}

// authenticate checks a client's credentials: the client exists and the secret,
// never empty, matches in constant time.
func (m *manager) authenticate(ctx context.Context, id, secret string) (*Client, error) {
	if id == "" {
		return nil, refuse(oerrors.ErrInvalidClient, "no client_id")
	}
	if secret == "" {
		return nil, refuse(oerrors.ErrInvalidClient, "client %s sent no secret", unverifiedID(id))
	}
	c, err := m.clients.Get(ctx, id)
	if errors.Is(err, ErrClientNotFound) {
		return nil, refuse(oerrors.ErrInvalidClient, "unknown client %s", unverifiedID(id))
	}
	if err != nil {
		return nil, serverError(err, "read client")
	}
	if !c.verifySecret(secret) {
		return nil, refuse(oerrors.ErrInvalidClient, "wrong secret for client %q", id)
	}
	return &c, nil
}

// GenerateAuthToken issues an authorization code (response type code only) for the
// principal in tgr.UserID, bound to the client, the exact redirect URI, the S256
// challenge if any and the scope.
func (m *manager) GenerateAuthToken(ctx context.Context, rt oauth2.ResponseType, tgr *oauth2.TokenGenerateRequest) (oauth2.TokenInfo, error) {
	if rt != oauth2.Code {
		return nil, refuse(oerrors.ErrUnsupportedResponseType, "response type %q", rt)
	}
	ci, err := m.GetClient(ctx, tgr.ClientID)
	if err != nil {
		return nil, err
	}
	c := ci.(*Client)
	if !c.matchRedirectURI(tgr.RedirectURI) {
		return nil, refuse(oerrors.ErrInvalidRequest, "redirect URI not registered for client %q", c.ID)
	}
	if err := checkChallenge(c, tgr.CodeChallenge, tgr.CodeChallengeMethod); err != nil {
		return nil, err
	}
	p, ok := parsePrincipalID(tgr.UserID)
	if !ok {
		return nil, serverError(nil, "malformed principal for a code")
	}
	code, err := m.tokens.newCode(ctx, codeItem{
		ClientID: c.ID, RedirectURI: tgr.RedirectURI, TenantID: p.TenantID, UserID: p.UserID,
		Scope: tgr.Scope, Challenge: tgr.CodeChallenge, GrantID: newGrantID(),
	})
	if err != nil {
		return nil, serverError(err, "store code")
	}
	now := m.now()
	ti := models.NewToken()
	ti.SetClientID(c.ID)
	ti.SetUserID(tgr.UserID)
	ti.SetRedirectURI(tgr.RedirectURI)
	ti.SetScope(tgr.Scope)
	ti.SetCode(code)
	ti.SetCodeCreateAt(now)
	ti.SetCodeExpiresIn(CodeLifetime)
	if tgr.CodeChallenge != "" {
		ti.SetCodeChallenge(tgr.CodeChallenge)
		ti.SetCodeChallengeMethod(oauth2.CodeChallengeS256)
	}
	return ti, nil
}

// GenerateAccessToken redeems an authorization code: client authenticated, code
// known, unused, unexpired, issued to this client for this redirect URI, PKCE
// verified; consumed atomically with the refresh token's creation. A second
// redemption fails and revokes the refresh token issued from the code.
func (m *manager) GenerateAccessToken(ctx context.Context, gt oauth2.GrantType, tgr *oauth2.TokenGenerateRequest) (oauth2.TokenInfo, error) {
	if gt != oauth2.AuthorizationCode {
		return nil, refuse(oerrors.ErrUnsupportedGrantType, "grant %q", gt)
	}
	c, err := m.authenticate(ctx, tgr.ClientID, tgr.ClientSecret)
	if err != nil {
		return nil, err
	}
	code, codeHash, err := m.tokens.getCode(ctx, tgr.Code)
	if errors.Is(err, errNoItem) {
		return nil, refuse(oerrors.ErrInvalidGrant, "unknown code")
	}
	if err != nil {
		return nil, serverError(err, "read code")
	}
	if code.ConsumedNS != 0 {
		if err := m.tokens.revokeCode(ctx, codeHash); err != nil {
			return nil, serverError(err, "code replayed; revoking its tokens failed")
		}
		return nil, refuse(oerrors.ErrInvalidGrant, "code replayed by client %q; revoked the tokens issued from it", c.ID)
	}
	now := m.now()
	switch {
	case now.UnixNano() >= code.ValidNS:
		return nil, refuse(oerrors.ErrInvalidGrant, "code expired")
	case code.ClientID != c.ID:
		return nil, refuse(oerrors.ErrInvalidGrant, "code of client %q presented by client %q", code.ClientID, c.ID)
	case code.RedirectURI != tgr.RedirectURI:
		return nil, refuse(oerrors.ErrInvalidGrant, "redirect_uri differs from the authorization request's")
	}
	if err := verifyPKCE(code.Challenge, tgr.CodeVerifier); err != nil {
		return nil, err
	}
	p := code.principal()
	// A code stored before grants had IDs starts its grant here.
	gid := code.GrantID
	if gid == "" {
		gid = newGrantID()
	}
	rev, err := m.tokens.revocation(ctx, p)
	if err != nil {
		return nil, serverError(err, "read revocations")
	}
	if rev.refuses(gid, code.CreatedNS) {
		return nil, refuse(oerrors.ErrInvalidGrant, "the user's tokens were revoked after the code was issued")
	}
	// Deleting a user revokes their tokens, but a deletion by other means (a table
	// edit, a failed revocation) must not leave a code that still mints tokens.
	if _, err := m.users.GetUser(ctx, p.TenantID, p.UserID); err != nil {
		if errors.Is(err, tenants.ErrNotFound) {
			return nil, refuse(oerrors.ErrInvalidGrant, "the user no longer exists")
		}
		return nil, serverError(err, "read user")
	}
	access, err := m.mint(ctx, p, gid, code.Scope, now)
	if err != nil {
		return nil, err
	}
	refresh := randomToken()
	err = m.tokens.redeem(ctx, codeHash, c.ID, refresh, refreshItem{ClientID: c.ID, TenantID: p.TenantID, UserID: p.UserID, Scope: code.Scope, GrantID: gid})
	if errors.Is(err, errCodeUsed) {
		if err := m.tokens.revokeCode(ctx, codeHash); err != nil {
			return nil, serverError(err, "code redeemed concurrently; revoking its tokens failed")
		}
		return nil, refuse(oerrors.ErrInvalidGrant, "code redeemed concurrently; revoked the tokens issued from it")
	}
	if err != nil {
		return nil, serverError(err, "redeem code")
	}
	return tokenInfo(c.ID, p, code.Scope, access, refresh, now), nil
}

// RefreshAccessToken issues a new access token for a refresh token: the client is
// authenticated and must be the one the token was issued to; the refresh token is
// not rotated (Alexa unlinks users whose refresh token changes under it) and its 180
// days start again.
func (m *manager) RefreshAccessToken(ctx context.Context, tgr *oauth2.TokenGenerateRequest) (oauth2.TokenInfo, error) {
	c, err := m.authenticate(ctx, tgr.ClientID, tgr.ClientSecret)
	if err != nil {
		return nil, err
	}
	rt, h, err := m.tokens.getRefresh(ctx, tgr.Refresh)
	if errors.Is(err, errNoItem) {
		return nil, refuse(oerrors.ErrInvalidGrant, "unknown, revoked or expired refresh token")
	}
	if err != nil {
		return nil, serverError(err, "read refresh token")
	}
	if rt.ClientID != c.ID {
		return nil, refuse(oerrors.ErrInvalidGrant, "refresh token of client %q presented by client %q", rt.ClientID, c.ID)
	}
	p, gid := rt.principal(), rt.grantID(h)
	rev, err := m.tokens.revocation(ctx, p)
	if err != nil {
		return nil, serverError(err, "read revocations")
	}
	if rev.refuses(gid, rt.CreatedNS) {
		_ = m.tokens.deleteRefresh(ctx, h)
		return nil, refuse(oerrors.ErrInvalidGrant, "the user's tokens, or this link, were revoked")
	}
	scope := rt.Scope
	if tgr.Scope != "" {
		if !subset(tgr.Scope, rt.Scope) {
			return nil, refuse(oerrors.ErrInvalidScope, "refresh asked for scope beyond the grant")
		}
		scope = tgr.Scope
	}
	if _, err := m.users.GetUser(ctx, p.TenantID, p.UserID); err != nil {
		if errors.Is(err, tenants.ErrNotFound) {
			_ = m.tokens.deleteRefresh(ctx, h)
			return nil, refuse(oerrors.ErrInvalidGrant, "the user no longer exists")
		}
		return nil, serverError(err, "read user")
	}
	now := m.now()
	access, err := m.mint(ctx, p, gid, scope, now)
	if err != nil {
		return nil, err
	}
	if err := m.tokens.touchRefresh(ctx, h, c.ID); err != nil {
		if errors.Is(err, errNoItem) {
			return nil, refuse(oerrors.ErrInvalidGrant, "refresh token revoked during the request")
		}
		return nil, serverError(err, "record refresh token use")
	}
	return tokenInfo(c.ID, p, scope, access, tgr.Refresh, now), nil
}

// mint returns an access token of grant gid for p.
func (m *manager) mint(ctx context.Context, p tenants.Principal, gid, scope string, now time.Time) (string, error) {
	tok, err := accesstoken.Mint(ctx, m.signer, accesstoken.Claims{
		Issuer: m.issuer, Audience: m.audience, Subject: p.UserID, TenantID: p.TenantID,
		Scope: scope, GrantID: gid, IssuedAt: now, ExpiresAt: now.Add(AccessLifetime),
	})
	if err != nil {
		return "", serverError(err, "mint access token")
	}
	return tok, nil
}

func tokenInfo(clientID string, p tenants.Principal, scope, access, refresh string, now time.Time) oauth2.TokenInfo {
	ti := models.NewToken()
	ti.SetClientID(clientID)
	ti.SetUserID(principalID(p))
	ti.SetScope(scope)
	ti.SetAccess(access)
	ti.SetAccessCreateAt(now)
	ti.SetAccessExpiresIn(AccessLifetime)
	ti.SetRefresh(refresh)
	ti.SetRefreshCreateAt(now)
	ti.SetRefreshExpiresIn(RefreshIdle)
	return ti
}

// subset reports whether every scope in want is in have (space-separated lists).
func subset(want, have string) bool {
	hs := strings.Fields(have)
	for _, w := range strings.Fields(want) {
		if !slices.Contains(hs, w) {
			return false
		}
	}
	return true
}

// RemoveAccessToken refuses: access tokens are self-contained JWTs.
func (m *manager) RemoveAccessToken(context.Context, string) error {
	return refuse(errUnsupportedTokenType, "access tokens are JWTs and cannot be revoked")
}

// RemoveRefreshToken deletes a refresh token whoever holds it; the revocation
// endpoint uses Tokens.revokeRefresh, which checks the client.
func (m *manager) RemoveRefreshToken(ctx context.Context, refresh string) error {
	_, h, err := m.tokens.getRefresh(ctx, refresh)
	if errors.Is(err, errNoItem) {
		return nil
	}
	if err != nil {
		return serverError(err, "read refresh token")
	}
	return m.tokens.deleteRefresh(ctx, h)
}

// LoadAccessToken refuses: resource servers verify the JWT with accesstoken.
func (m *manager) LoadAccessToken(context.Context, string) (oauth2.TokenInfo, error) {
	return nil, oerrors.ErrInvalidAccessToken
}

// LoadRefreshToken returns what a refresh token grants, without any client check.
func (m *manager) LoadRefreshToken(ctx context.Context, refresh string) (oauth2.TokenInfo, error) {
	rt, _, err := m.tokens.getRefresh(ctx, refresh)
	if errors.Is(err, errNoItem) {
		return nil, oerrors.ErrInvalidRefreshToken
	}
	if err != nil {
		return nil, serverError(err, "read refresh token")
	}
	ti := models.NewToken()
	ti.SetClientID(rt.ClientID)
	ti.SetUserID(principalID(rt.principal()))
	ti.SetScope(rt.Scope)
	ti.SetRefresh(refresh)
	ti.SetRefreshCreateAt(time.Unix(0, rt.CreatedNS))
	ti.SetRefreshExpiresIn(RefreshIdle)
	return ti, nil
}

// unverifiedID names a client_id that did not match a registered client in a way fit
// for the log: a client that swapped its ID and secret would otherwise write its
// secret there. Equal inputs give equal names, so repeated attempts can be correlated.
func unverifiedID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return fmt.Sprintf("sha256:%x (%d chars)", sum[:6], len(id))
}
