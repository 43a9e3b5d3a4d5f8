package oauth

import (
	"net/http"

	"github.com/easytocloud/easytocloud/internal/accesstoken"
)

// Metadata is the RFC 8414 authorization server metadata.
type Metadata struct {
	Issuer                                 string   `json:"issuer"`
	AuthorizationEndpoint                  string   `json:"authorization_endpoint"`
	TokenEndpoint                          string   `json:"token_endpoint"`
	JWKSURI                                string   `json:"jwks_uri"`
	RevocationEndpoint                     string   `json:"revocation_endpoint"`
	ScopesSupported                        []string `json:"scopes_supported"`
	ResponseTypesSupported                 []string `json:"response_types_supported"`
	ResponseModesSupported                 []string `json:"response_modes_supported"`
	GrantTypesSupported                    []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported      []string `json:"token_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethodsSupported []string `json:"revocation_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported          []string `json:"code_challenge_methods_supported"`
}

// Metadata returns the server's RFC 8414 metadata.
func (s *Server) Metadata() Metadata {
	auth := []string{"client_secret_basic", "client_secret_post"}
	return Metadata{
		Issuer:                                 s.issuer,
		AuthorizationEndpoint:                  s.issuer + "/oauth/authorize",
		TokenEndpoint:                          s.issuer + "/oauth/token",
		JWKSURI:                                s.issuer + "/.well-known/jwks.json",
		RevocationEndpoint:                     s.issuer + "/oauth/revoke",
		ScopesSupported:                        s.scopes,
		ResponseTypesSupported:                 []string{"code"},
		ResponseModesSupported:                 []string{"query"},
		GrantTypesSupported:                    []string{"authorization_code", "refresh_token"},
		TokenEndpointAuthMethodsSupported:      auth,
		RevocationEndpointAuthMethodsSupported: auth,
		CodeChallengeMethodsSupported:          []string{"S256"},
	}
}

func (s *Server) handleMetadata(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Metadata())
}

// handleJWKS publishes the public keys access tokens are signed with, by kid.
func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	keys, err := s.keys.Keys(r.Context())
	if err == nil {
		var set accesstoken.JWKS
		if set, err = accesstoken.NewJWKS(keys); err == nil {
			writeJSON(w, http.StatusOK, set)
			return
		}
	}
	s.tokenError(w, r, serverError(err, "load signing keys"))
}
