package accesstoken

import (
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are what an access token says: who issued it for whom, about which user of
// which tenant, and for how long.
type Claims struct {
	Issuer   string // iss: the authorization server's base URL
	Audience string // aud: the Alexa skill ID
	Subject  string // sub: the user ID
	TenantID string // tid: the tenant ID
	Scope    string // scope: space-separated scopes, may be empty
	ID       string // jti: unique per token; Mint generates one when empty
	// GrantID (gid) names the account link (the refresh token) the token was minted
	// from, so that revoking that one link refuses its tokens. Optional: tokens
	// minted before links had IDs carry none.
	GrantID string

	IssuedAt  time.Time // iat
	ExpiresAt time.Time // exp
}

// ErrInvalidToken means a token was refused: malformed, signed with another key or
// algorithm, expired, or issued by or for someone else. The wrapping error says which,
// for the log; never show it to the caller of the API.
var ErrInvalidToken = errors.New("invalid access token")

// tokenType is the JOSE typ of access tokens (RFC 9068), so that a JWT minted for
// another purpose can never pass as one.
const tokenType = "at+jwt"

// signingAlg is the only algorithm minted and accepted.
const signingAlg = "ES256"

// jwtClaims is the wire form of Claims.
type jwtClaims struct {
	jwt.RegisteredClaims
	TenantID string `json:"tid"`
	Scope    string `json:"scope,omitempty"`
	GrantID  string `json:"gid,omitempty"`
}

// wire returns the claims as minted. aud is a single string (RFC 7519 allows it, and
// it is what most verifiers expect for one audience); the library would write a list.
func (c Claims) wire() jwt.MapClaims {
	m := jwt.MapClaims{
		"iss": c.Issuer,
		"aud": c.Audience,
		"sub": c.Subject,
		"tid": c.TenantID,
		"iat": c.IssuedAt.Unix(),
		"exp": c.ExpiresAt.Unix(),
		"jti": c.ID,
	}
	if c.Scope != "" {
		m["scope"] = c.Scope
	}
	if c.GrantID != "" {
		m["gid"] = c.GrantID
	}
	return m
}
