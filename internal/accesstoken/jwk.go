package accesstoken

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// JWK is one public key of a JSON Web Key Set (RFC 7517), as served at
// /.well-known/jwks.json: an EC P-256 key for ES256 signatures.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Kid string `json:"kid,omitempty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
}

// JWKS is a JSON Web Key Set.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// NewJWKS returns the key set of keys (by kid), ordered by kid.
func NewJWKS(keys map[string]*ecdsa.PublicKey) (JWKS, error) {
	set := JWKS{Keys: []JWK{}}
	for kid, pub := range keys {
		x, y, err := coordinates(pub)
		if err != nil {
			return JWKS{}, err
		}
		set.Keys = append(set.Keys, JWK{Kty: "EC", Crv: "P-256", X: x, Y: y, Kid: kid, Use: "sig", Alg: signingAlg})
	}
	sort.Slice(set.Keys, func(i, j int) bool { return set.Keys[i].Kid < set.Keys[j].Kid })
	return set, nil
}

// PublicKeys returns the set's usable keys by kid: EC P-256 keys meant for signatures
// (use absent or "sig", alg absent or ES256). A key without kid is filed under its
// thumbprint. Keys of other types are skipped; a malformed P-256 key is an error.
func (s JWKS) PublicKeys() (map[string]*ecdsa.PublicKey, error) {
	out := map[string]*ecdsa.PublicKey{}
	for _, k := range s.Keys {
		if k.Kty != "EC" || k.Crv != "P-256" || (k.Use != "" && k.Use != "sig") || (k.Alg != "" && k.Alg != signingAlg) {
			continue
		}
		pub, err := k.publicKey()
		if err != nil {
			return nil, fmt.Errorf("jwk %q: %w", k.Kid, err)
		}
		kid := k.Kid
		if kid == "" {
			if kid, err = Thumbprint(pub); err != nil {
				return nil, err
			}
		}
		out[kid] = pub
	}
	return out, nil
}

func (k JWK) publicKey() (*ecdsa.PublicKey, error) {
	x, errX := base64.RawURLEncoding.DecodeString(k.X)
	y, errY := base64.RawURLEncoding.DecodeString(k.Y)
	if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
		return nil, errors.New("x and y must be 32-byte base64url values")
	}
	// ParseUncompressedPublicKey checks that the point is on the curve.
	return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
}

// coordinates returns the base64url x and y of a P-256 public key.
func coordinates(pub *ecdsa.PublicKey) (x, y string, err error) {
	if pub == nil || pub.Curve != elliptic.P256() {
		return "", "", errors.New("not a P-256 public key")
	}
	b, err := pub.Bytes() // 0x04 || X || Y
	if err != nil {
		return "", "", fmt.Errorf("encode public key: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[1:33]), base64.RawURLEncoding.EncodeToString(b[33:]), nil
}

// Thumbprint returns the RFC 7638 JWK thumbprint of a P-256 public key (SHA-256,
// base64url), which is the kid easytocloud gives its keys.
func Thumbprint(pub *ecdsa.PublicKey) (string, error) {
	x, y, err := coordinates(pub)
	if err != nil {
		return "", err
	}
	// The required members in lexicographic order, no whitespace (RFC 7638 section 3.2).
	canonical, err := json.Marshal(struct {
		Crv string `json:"crv"`
		Kty string `json:"kty"`
		X   string `json:"x"`
		Y   string `json:"y"`
	}{"P-256", "EC", x, y})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(canonical)
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}
