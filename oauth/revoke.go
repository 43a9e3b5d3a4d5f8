package oauth

import (
	"log/slog"
	"net/http"
	"strings"

	oerrors "github.com/go-oauth2/oauth2/v4/errors"
)

// handleRevoke is the RFC 7009 revocation endpoint. The client authenticates; a
// refresh token it holds is deleted; an unknown token, or another client's, gets the
// same empty 200 (the endpoint tells nothing about tokens that are not yours). Access
// tokens are JWTs that cannot be revoked: unsupported_token_type.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.tokenError(w, r, err)
		return
	}
	id, secret, err := clientCredentials(r)
	if err != nil {
		s.tokenError(w, r, err)
		return
	}
	c, err := s.mgr.authenticate(r.Context(), id, secret)
	if err != nil {
		s.tokenError(w, r, err)
		return
	}
	token := r.PostForm.Get("token")
	if token == "" {
		s.tokenError(w, r, refuse(oerrors.ErrInvalidRequest, "no token"))
		return
	}
	if r.PostForm.Get("token_type_hint") == "access_token" || looksLikeJWT(token) {
		s.tokenError(w, r, refuseWith(errUnsupportedTokenType, "access tokens expire by themselves and cannot be revoked",
			"access token presented for revocation"))
		return
	}
	revoked, err := s.tokens.revokeRefresh(r.Context(), token, c.ID)
	if err != nil {
		s.tokenError(w, r, serverError(err, "revoke refresh token"))
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "revocation", slog.String("client_id", c.ID), slog.Bool("revoked", revoked))
	w.WriteHeader(http.StatusOK)
}

func looksLikeJWT(token string) bool {
	return strings.Count(token, ".") == 2 && strings.HasPrefix(token, "eyJ")
}
