package accesstoken

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/easytocloud/easytocloud/tenants"
)

// leeway is the clock skew tolerated on exp, nbf and iat.
const leeway = 30 * time.Second

// Verifier checks access tokens: ES256 only, signed by a key of Keys (looked up by the
// header kid, fetching again once on an unknown kid), typ at+jwt, iss equal to Issuer,
// aud containing Audience, exp required and not passed (by Now), and sub and tid set.
type Verifier struct {
	Issuer   string
	Audience string
	Keys     KeySource
	Now      func() time.Time // nil means time.Now
}

// ErrKeysUnavailable means no public key could be loaded to check a token with; the
// token may well be good. Retry later rather than asking the user to link again.
var ErrKeysUnavailable = errors.New("access token keys unavailable")

// Verify checks token and returns the principal it names. It returns an error wrapping
// ErrInvalidToken when the token is refused, and one wrapping ErrKeysUnavailable when
// the keys could not be fetched at all.
func (v *Verifier) Verify(ctx context.Context, token string) (tenants.Principal, error) {
	p, _, err := v.verify(ctx, token, 0)
	return p, err
}

// Issued is what a verified token says about where it came from.
type Issued struct {
	// At is its iat, to the second; the zero time when it has none.
	At time.Time
	// GrantID is its gid, the account link it was minted from; "" when it has none
	// (a token minted before links had IDs).
	GrantID string
}

// VerifyIssued checks token as Verify does and also says when it was issued and from
// which grant, so that a token issued before the user's tokens were revoked, or minted
// from a revoked link, can be refused. Errors are Verify's.
func (v *Verifier) VerifyIssued(ctx context.Context, token string) (tenants.Principal, Issued, error) {
	return v.verify(ctx, token, 0)
}

// VerifyExpired checks token as Verify does (signature, algorithm, typ, iss, aud, sub,
// tid, iat not in the future) but accepts an exp that passed less than grace ago. It is
// for acting on an event about a user, such as the skill being disabled, whose token
// may have expired long since; never for granting access. Errors are Verify's.
func (v *Verifier) VerifyExpired(ctx context.Context, token string, grace time.Duration) (tenants.Principal, error) {
	if grace <= 0 {
		return tenants.Principal{}, fmt.Errorf("%w: grace %v is not positive", ErrInvalidToken, grace)
	}
	p, _, err := v.verify(ctx, token, grace)
	return p, err
}

// verify is VerifyIssued with exp checked grace before now (0: exactly).
func (v *Verifier) verify(ctx context.Context, token string, grace time.Duration) (tenants.Principal, Issued, error) {
	var none Issued
	if v.Issuer == "" || v.Audience == "" || v.Keys == nil {
		return tenants.Principal{}, none, fmt.Errorf("%w: verifier has no issuer, audience or keys", ErrInvalidToken)
	}
	now := v.Now
	if now == nil {
		now = time.Now
	}
	// With a grace the library checks exp against a clock set back by it, which
	// would also move its iat check: iat is then checked here, against now.
	checkAt, checkIAT := now, jwt.WithIssuedAt()
	if grace > 0 {
		checkAt = func() time.Time { return now().Add(-grace) }
		checkIAT = func(*jwt.Parser) {}
	}
	var keysErr error
	keyfunc := func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); typ != tokenType {
			return nil, fmt.Errorf("typ %q, want %s", typ, tokenType)
		}
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("no kid in header")
		}
		pub, err := v.lookup(ctx, kid)
		if err != nil {
			keysErr = err
		}
		return pub, err
	}
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{signingAlg}),
		jwt.WithIssuer(v.Issuer),
		jwt.WithAudience(v.Audience),
		jwt.WithExpirationRequired(),
		checkIAT,
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(checkAt),
		jwt.WithStrictDecoding(),
	)
	var claims jwtClaims
	if _, err := p.ParseWithClaims(token, &claims, keyfunc); err != nil {
		if keysErr != nil && !errors.Is(keysErr, errUnknownKID) {
			return tenants.Principal{}, none, fmt.Errorf("%w: %v", ErrKeysUnavailable, keysErr)
		}
		return tenants.Principal{}, none, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if claims.Subject == "" || claims.TenantID == "" {
		return tenants.Principal{}, none, fmt.Errorf("%w: sub or tid missing", ErrInvalidToken)
	}
	if grace > 0 && claims.IssuedAt != nil && claims.IssuedAt.After(now().Add(leeway)) {
		return tenants.Principal{}, none, fmt.Errorf("%w: %v", ErrInvalidToken, jwt.ErrTokenUsedBeforeIssued)
	}
	issued := Issued{GrantID: claims.GrantID}
	if claims.IssuedAt != nil {
		issued.At = claims.IssuedAt.UTC()
	}
	return tenants.Principal{TenantID: claims.TenantID, UserID: claims.Subject}, issued, nil
}

var errUnknownKID = errors.New("unknown kid")

// lookup finds the key kid, asking the source to fetch again when it does not know it.
func (v *Verifier) lookup(ctx context.Context, kid string) (*ecdsa.PublicKey, error) {
	keys, err := v.Keys.Keys(ctx)
	if err != nil {
		return nil, err
	}
	if pub, ok := keys[kid]; ok {
		return pub, nil
	}
	if r, ok := v.Keys.(refresher); ok {
		if keys, err = r.Refresh(ctx); err != nil {
			return nil, err
		}
		if pub, ok := keys[kid]; ok {
			return pub, nil
		}
	}
	return nil, fmt.Errorf("%w %q", errUnknownKID, kid)
}
