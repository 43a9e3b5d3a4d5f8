// Package oauth is the OAuth 2.0 authorization server that links Alexa accounts to
// easytocloud users: the login page and authorization endpoint, the token endpoint
// (authorization code with PKCE, and refresh), discovery, JWKS and revocation. It is
// built on go-oauth2 for the protocol plumbing, with the library's unsafe defaults
// closed in configuration, in a wrapped manager and in our own stores.
package oauth
