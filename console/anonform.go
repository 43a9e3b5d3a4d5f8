package console

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/easytocloud/easytocloud/internal/webui"
)

// msgFormExpired is the field message of an anonymous form shown again because its
// CSRF token is missing, forged or too old.
const msgFormExpired = "This page had expired, so nothing was done. Check what you typed and send it again."

// formCSRF protects the forms shown before sign-in (sign-in, sign-up and its
// verification, password reset, an invitation's two steps) with webui's signed
// double submit; the forms of a session post the session's own token instead
// (signedIn checks it).
func (s *Server) formCSRF() webui.CSRF {
	return webui.CSRF{Name: "easytocloud-console-csrf", Secure: s.secure, Now: s.now,
		Key: func(ctx context.Context) ([]byte, error) { return s.subkey(ctx, labelCSRF) }}
}

// renderForm renders an anonymous page that holds a form: with a fresh CSRF token in
// the page and its cookie on w.
func (s *Server) renderForm(w http.ResponseWriter, r *http.Request, status int, name string, p Page) {
	token, _, err := s.formCSRF().New(r.Context(), w)
	if err != nil {
		s.failed(w, r, "csrf token", err)
		return
	}
	p.CSRF = token
	s.render(w, r, status, name, p)
}

// readForm parses the body of an anonymous form's POST (at most maxFormBytes). It
// answers 400 itself and returns false when the body cannot be read, and reports in
// fresh whether the form's CSRF token matches its cookie: a page that keeps what
// was typed says so beside a field, others call formExpired.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request) (ok, fresh bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.formUnreadable(w, r)
		return false, false
	}
	if _, fresh = s.formCSRF().Check(r.Context(), r); !fresh {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "form refused: bad CSRF token", slog.String("path", r.URL.Path))
	}
	return true, fresh
}

// readLinkForm reads the request of a page an e-mailed link opens: its token comes
// in the query of a GET, and in the form of a POST, which readForm reads (fresh is
// true for a GET). When ok is false it has answered.
func (s *Server) readLinkForm(w http.ResponseWriter, r *http.Request) (token string, fresh, ok bool) {
	if r.Method != http.MethodPost {
		return r.URL.Query().Get("token"), true, true
	}
	if ok, fresh = s.readForm(w, r); !ok {
		return "", false, false
	}
	return r.PostForm.Get("token"), fresh, true
}
