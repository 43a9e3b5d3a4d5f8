// Package accesstoken mints and verifies easytocloud's access tokens: JWTs signed
// ES256 (by a KMS asymmetric key in production, by a local key file only on the local
// stack) with the claims iss, aud, sub (the user), tid (the tenant), scope, iat, exp
// and jti, and the header kid (the RFC 7638 thumbprint of the public key) and typ
// at+jwt (RFC 9068).
//
// The oauth server mints with Mint and a Signer; the skill verifies with a Verifier
// and a KeySource (the KMS public key, or the server's JWKS URL). It lives apart from
// both so that neither has to import the other.
package accesstoken
