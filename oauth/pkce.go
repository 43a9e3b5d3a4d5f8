package oauth

// PKCE (RFC 7636): the code challenge a client sends with its authorization request
// and the verifier it proves it with at the token endpoint. S256 only.

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"regexp"

	"github.com/go-oauth2/oauth2/v4"
	oerrors "github.com/go-oauth2/oauth2/v4/errors"
)

// challengePattern is an S256 code challenge: base64url of 32 bytes, no padding.
var challengePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// verifierPattern is an RFC 7636 code verifier.
var verifierPattern = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// checkChallenge allows S256 only (a challenge without a method would mean plain),
// and requires one when the client says so.
func checkChallenge(c *Client, challenge string, method oauth2.CodeChallengeMethod) error {
	switch {
	case challenge == "" && method != "":
		return refuseWith(oerrors.ErrInvalidRequest, "code_challenge_method without code_challenge", "method %q without challenge", method)
	case challenge == "" && c.RequirePKCE:
		return refuseWith(oerrors.ErrInvalidRequest, "PKCE is required: send code_challenge with code_challenge_method S256",
			"client %q requires PKCE", c.ID)
	case challenge == "":
		return nil
	case method != oauth2.CodeChallengeS256:
		return refuseWith(oerrors.ErrInvalidRequest, "code_challenge_method must be S256",
			"code_challenge_method %q refused", method)
	case !challengePattern.MatchString(challenge):
		return refuseWith(oerrors.ErrInvalidRequest, "code_challenge must be the base64url SHA-256 of the verifier",
			"malformed S256 challenge")
	}
	return nil
}

// verifyPKCE checks the verifier against the code's challenge. A verifier sent for a
// code issued without a challenge is refused too (RFC 9700 section 2.1.1).
func verifyPKCE(challenge, verifier string) error {
	switch {
	case challenge == "" && verifier == "":
		return nil
	case challenge == "":
		return refuse(oerrors.ErrInvalidGrant, "code_verifier sent for a code issued without a challenge")
	case verifier == "":
		return refuse(oerrors.ErrInvalidGrant, "code_verifier missing")
	case !verifierPattern.MatchString(verifier):
		return refuse(oerrors.ErrInvalidGrant, "malformed code_verifier")
	}
	sum := sha256.Sum256([]byte(verifier))
	if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) != 1 {
		return refuse(oerrors.ErrInvalidGrant, "code_verifier does not match the challenge")
	}
	return nil
}
