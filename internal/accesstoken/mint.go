package accesstoken

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// Mint returns the signed JWT for c: ES256, header kid (the signer's) and typ at+jwt.
// Issuer, Audience, Subject, TenantID, IssuedAt and ExpiresAt are required; an empty
// ID gets 128 random bits. It fails when a claim is missing, the signer's public key
// cannot be loaded or signing fails.
func Mint(ctx context.Context, s Signer, c Claims) (string, error) {
	if err := checkClaims(c); err != nil {
		return "", fmt.Errorf("mint access token: %w", err)
	}
	if c.ID == "" {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return "", fmt.Errorf("mint access token: %w", err)
		}
		c.ID = base64.RawURLEncoding.EncodeToString(b)
	}
	if pk, ok := s.(publicKeyer); ok {
		// Load the key under the caller's context, so KeyID answers from its cache.
		if _, err := pk.PublicKey(ctx); err != nil {
			return "", fmt.Errorf("mint access token: %w", err)
		}
	}
	kid := s.KeyID()
	if kid == "" {
		return "", errors.New("mint access token: the signer has no key ID")
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, c.wire())
	t.Header["kid"] = kid
	t.Header["typ"] = tokenType
	input, err := t.SigningString()
	if err != nil {
		return "", fmt.Errorf("mint access token: %w", err)
	}
	sig, err := s.Sign(ctx, []byte(input))
	if err != nil {
		return "", fmt.Errorf("mint access token: %w", err)
	}
	if len(sig) != 64 {
		return "", fmt.Errorf("mint access token: signature of %d bytes, want 64 (r||s)", len(sig))
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

func checkClaims(c Claims) error {
	switch {
	case c.Issuer == "":
		return errors.New("iss is empty")
	case c.Audience == "":
		return errors.New("aud is empty")
	case c.Subject == "":
		return errors.New("sub is empty")
	case c.TenantID == "":
		return errors.New("tid is empty")
	case c.IssuedAt.IsZero():
		return errors.New("iat is zero")
	case !c.ExpiresAt.After(c.IssuedAt):
		return errors.New("exp is not after iat")
	}
	return nil
}
