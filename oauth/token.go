package oauth

import (
	"encoding/json"
	"log/slog"
	"mime"
	"net/http"
	"net/url"

	"github.com/go-oauth2/oauth2/v4"
	oerrors "github.com/go-oauth2/oauth2/v4/errors"
)

// maxFormBytes bounds the body of every POST.
const maxFormBytes = 16 << 10

// parseForm reads an application/x-www-form-urlencoded POST body into r.PostForm.
// Parameters in the query string, repeated parameters and other content types are
// refused (RFC 6749 sections 3.2 and 3.1), so that nothing secret rides in a URL.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return refuse(oerrors.ErrInvalidRequest, "content type %q", mt)
	}
	if r.URL.RawQuery != "" {
		return refuseWith(oerrors.ErrInvalidRequest, "parameters must be sent in the request body", "query string on POST")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return refuse(oerrors.ErrInvalidRequest, "unreadable form: %v", err)
	}
	for k, v := range r.PostForm {
		if len(v) > 1 {
			return refuseWith(oerrors.ErrInvalidRequest, "parameter "+k+" repeated", "repeated parameter %q", k)
		}
	}
	return nil
}

// clientCredentials is the library's ClientInfoHandler: HTTP Basic, with ID and
// secret form-URL-decoded (RFC 6749 section 2.3.1), or client_id and client_secret in
// the body; never both. It does not check them (the manager does, in constant time).
func clientCredentials(r *http.Request) (string, string, error) {
	user, pass, basic := r.BasicAuth()
	formID, formSecret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if !basic {
		if formID == "" {
			return "", "", refuse(oerrors.ErrInvalidClient, "no client authentication")
		}
		return formID, formSecret, nil
	}
	if formSecret != "" {
		return "", "", refuseWith(oerrors.ErrInvalidRequest, "use one client authentication method",
			"client authenticated with both Basic and the body")
	}
	id, err1 := url.QueryUnescape(user)
	secret, err2 := url.QueryUnescape(pass)
	if err1 != nil || err2 != nil {
		return "", "", refuse(oerrors.ErrInvalidClient, "malformed Basic credentials")
	}
	if formID != "" && formID != id {
		return "", "", refuse(oerrors.ErrInvalidRequest, "client_id in the body differs from Basic")
	}
	return id, secret, nil
}

// handleToken is the token endpoint: grants authorization_code and refresh_token only.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.tokenError(w, r, err)
		return
	}
	switch gt := r.PostForm.Get("grant_type"); gt {
	case string(oauth2.AuthorizationCode), string(oauth2.Refreshing):
	case "":
		s.tokenError(w, r, refuse(oerrors.ErrInvalidRequest, "no grant_type"))
		return
	default:
		s.tokenError(w, r, refuse(oerrors.ErrUnsupportedGrantType, "grant_type %q", gt))
		return
	}
	gt, tgr, err := s.lib.ValidationTokenRequest(r)
	if err != nil {
		s.tokenError(w, r, err)
		return
	}
	ti, err := s.lib.GetAccessToken(r.Context(), gt, tgr)
	if err != nil {
		s.tokenError(w, r, err)
		return
	}
	p, _ := parsePrincipalID(ti.GetUserID())
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "token issued", slog.String("grant_type", string(gt)),
		slog.String("client_id", ti.GetClientID()), slog.String("tenant", p.TenantID), slog.String("user", p.UserID))
	writeJSON(w, http.StatusOK, s.lib.GetTokenData(ti))
}

// tokenError answers with an RFC 6749 error: the public code and description in the
// body, the private detail only in the log.
func (s *Server) tokenError(w http.ResponseWriter, r *http.Request, err error) {
	oe := asOAuthError(err)
	level := slog.LevelWarn
	if oe.code == oerrors.ErrServerError {
		level = slog.LevelError
	}
	s.log.LogAttrs(r.Context(), level, "request refused", slog.String("path", r.URL.Path),
		slog.String("error", oe.code.Error()), slog.String("detail", oe.Error()))
	if oe.code == oerrors.ErrInvalidClient {
		w.Header().Set("WWW-Authenticate", `Basic realm="easytocloud", charset="UTF-8"`)
	}
	writeJSON(w, oe.status(), map[string]string{"error": oe.code.Error(), "error_description": oe.publicDescription()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
