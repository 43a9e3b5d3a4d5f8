package oauth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-oauth2/oauth2/v4"
	oerrors "github.com/go-oauth2/oauth2/v4/errors"
	"github.com/go-oauth2/oauth2/v4/server"

	"github.com/easytocloud/easytocloud/internal/webui"
	"github.com/easytocloud/easytocloud/tenants"
)

// authzRequest is an authorization request's parameters, as received in the query
// (GET) or carried through the login form's hidden fields (POST).
type authzRequest struct {
	ClientID, RedirectURI, ResponseType, State, Scope, Challenge, Method string
}

// authzParams are the parameters the login form carries, in order.
var authzParams = []string{"response_type", "client_id", "redirect_uri", "state", "scope", "code_challenge", "code_challenge_method"}

func parseAuthzRequest(v url.Values) authzRequest {
	return authzRequest{
		ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"), ResponseType: v.Get("response_type"),
		State: v.Get("state"), Scope: v.Get("scope"), Challenge: v.Get("code_challenge"), Method: v.Get("code_challenge_method"),
	}
}

func (a authzRequest) hidden() []hiddenField {
	v := map[string]string{"response_type": a.ResponseType, "client_id": a.ClientID, "redirect_uri": a.RedirectURI,
		"state": a.State, "scope": a.Scope, "code_challenge": a.Challenge, "code_challenge_method": a.Method}
	var out []hiddenField
	for _, k := range authzParams {
		if v[k] != "" {
			out = append(out, hiddenField{k, v[k]})
		}
	}
	return out
}

// Messages of the login page. None says whether an account exists.
const (
	msgBadCredentials = "The email address or password is not right. Check them and try again."
	msgMissing        = "Enter your email address and your password."
	msgLocked         = "Too many failed sign-in attempts. For your security, signing in is paused for 15 minutes. Try again later."
	msgExpired        = "This sign-in page has expired. Please sign in again."
	// After the right password only: it says no more than that the account exists.
	msgSuspended   = "Your organisation's easytocloud account is suspended, so it cannot be linked. Contact your administrator."
	titleSuspended = "Your organisation is suspended"
)

// handleAuthorize is the authorization endpoint. GET (and HEAD) shows the login
// page; the login form's POST signs in and shows the consent page (which account,
// which client); the consent form's POST answers 303 to the redirect URI, with code
// and state on Link or error=access_denied and state on Cancel. A request whose
// client or redirect URI is not registered gets an error page and is never
// redirected; any other bad parameter is reported to the (verified) redirect URI.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		if err := parseForm(w, r); err != nil {
			s.log.LogAttrs(r.Context(), slog.LevelWarn, "authorize refused", slog.String("detail", err.Error()))
			s.errorPage(w, r, http.StatusBadRequest, "This sign-in link is not valid",
				"Start linking your account again from the Alexa app.")
			return
		}
		if r.PostForm.Has(consentField) {
			s.decide(w, r)
			return
		}
		params = r.PostForm
	}
	req := parseAuthzRequest(params)
	c, err := s.checkClient(r.Context(), params, req)
	if err != nil {
		oe := asOAuthError(err)
		level, status := slog.LevelWarn, http.StatusBadRequest
		if oe.code == oerrors.ErrServerError {
			level, status = slog.LevelError, http.StatusInternalServerError
		}
		s.log.LogAttrs(r.Context(), level, "authorize refused without redirect", slog.String("detail", oe.Error()))
		if status == http.StatusInternalServerError {
			s.errorPage(w, r, status, "Something went wrong", "easytocloud could not open the sign-in page. Please try again in a moment.")
			return
		}
		s.errorPage(w, r, status, "This sign-in link is not valid", "Start linking your account again from the Alexa app.")
		return
	}
	req, err = s.checkRequest(c, params, req)
	if err != nil {
		s.redirectError(w, r, req, err)
		return
	}
	// Only the login form's POST signs in. The mux serves HEAD with the GET pattern's
	// handler (net/http drops the body): it gets the login page's status and headers.
	if r.Method != http.MethodPost {
		s.showLogin(w, r, c, req, http.StatusOK, "", "")
		return
	}
	s.signIn(w, r, c, req)
}

// checkClient verifies what decides whether errors may be redirected: the client
// exists and the redirect URI is one of its own, each given once.
func (s *Server) checkClient(ctx context.Context, params url.Values, req authzRequest) (*Client, error) {
	if len(params["client_id"]) != 1 || len(params["redirect_uri"]) != 1 {
		return nil, refuse(oerrors.ErrInvalidRequest, "client_id and redirect_uri must each be given once")
	}
	c, err := s.clients.Get(ctx, req.ClientID)
	if errors.Is(err, ErrClientNotFound) {
		return nil, refuse(oerrors.ErrInvalidClient, "unknown client %q", req.ClientID)
	}
	if err != nil {
		return nil, serverError(err, "read client")
	}
	if !c.matchRedirectURI(req.RedirectURI) {
		return nil, refuse(oerrors.ErrInvalidRequest, "redirect URI not registered for client %q", c.ID)
	}
	return &c, nil
}

// checkRequest validates the rest: response type code, S256 PKCE, known scopes, no
// repeated parameter. It returns the request with its scope normalised.
func (s *Server) checkRequest(c *Client, params url.Values, req authzRequest) (authzRequest, error) {
	for _, k := range authzParams {
		if len(params[k]) > 1 {
			return req, refuseWith(oerrors.ErrInvalidRequest, "parameter "+k+" repeated", "repeated %q", k)
		}
	}
	switch {
	case req.ResponseType == "":
		return req, refuseWith(oerrors.ErrInvalidRequest, "response_type is required", "no response_type")
	case req.ResponseType != string(oauth2.Code):
		return req, refuseWith(oerrors.ErrUnsupportedResponseType, "only response_type code is supported", "response_type %q", req.ResponseType)
	case len(req.State) > 2048:
		return req, refuseWith(oerrors.ErrInvalidRequest, "state is too long", "state of %d bytes", len(req.State))
	}
	if err := checkChallenge(c, req.Challenge, oauth2.CodeChallengeMethod(req.Method)); err != nil {
		return req, err
	}
	if req.Scope == "" {
		req.Scope = strings.Join(s.scopes, " ")
	} else {
		if !subset(req.Scope, strings.Join(s.scopes, " ")) {
			return req, refuse(oerrors.ErrInvalidScope, "scope %q", req.Scope)
		}
		req.Scope = strings.Join(strings.Fields(req.Scope), " ")
	}
	return req, nil
}

// redirectError reports an error to the client's verified redirect URI (RFC 6749
// section 4.1.2.1), with the state.
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, req authzRequest, err error) {
	oe := asOAuthError(err)
	s.log.LogAttrs(r.Context(), slog.LevelWarn, "authorize refused", slog.String("client_id", req.ClientID),
		slog.String("error", oe.code.Error()), slog.String("detail", oe.Error()))
	s.redirect(w, req, map[string]any{"error": oe.code.Error(), "error_description": oe.publicDescription()})
}

func (s *Server) redirect(w http.ResponseWriter, req authzRequest, data map[string]any) {
	to, err := s.lib.GetRedirectURI(&server.AuthorizeRequest{RedirectURI: req.RedirectURI, State: req.State, ResponseType: oauth2.Code}, data)
	if err != nil {
		// The URI was matched against the registered ones, which all parse.
		http.Error(w, "bad redirect URI", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusSeeOther)
}

// showLogin renders the login page with a fresh CSRF token and its cookie. Its CSP
// lets the form post to this origin and be redirected to the redirect URI's origin.
func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, c *Client, req authzRequest, status int, message, email string) {
	token, _, err := s.newCSRF(r.Context(), w)
	if err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelError, "csrf token", slog.String("detail", err.Error()))
		s.errorPage(w, r, http.StatusInternalServerError, "Something went wrong", "easytocloud could not open the sign-in page. Please try again in a moment.")
		return
	}
	s.securityHeaders(w.Header(), origin(req.RedirectURI))
	s.render(w, r, status, "login", loginPage{
		CSS: webui.StyleSheet, ClientName: c.Name, Message: message, CSRF: token, Email: email, Hidden: req.hidden(),
	})
}

// origin returns scheme://host[:port] of a (registered, hence well-formed) URI.
func origin(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// signIn checks the CSRF token, counts the attempt against the failure limits (or
// refuses it, unchecked, at a limit), checks the password, then shows the consent
// page.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, c *Client, req authzRequest) {
	ctx := r.Context()
	email, password := r.PostForm.Get("email"), r.PostForm.Get("password")
	if _, ok := s.checkCSRF(ctx, r); !ok {
		s.log.LogAttrs(ctx, slog.LevelWarn, "sign-in refused: bad or missing CSRF token", slog.String("client_id", c.ID))
		s.showLogin(w, r, c, req, http.StatusForbidden, msgExpired, email)
		return
	}
	if strings.TrimSpace(email) == "" || password == "" {
		s.showLogin(w, r, c, req, http.StatusOK, msgMissing, email)
		return
	}
	source := sourceAddress(r)
	att, err := s.throttle.reserve(ctx, email, source)
	if errors.Is(err, errLoginLocked) {
		s.log.LogAttrs(ctx, slog.LevelWarn, "sign-in refused: locked", slog.String("client_id", c.ID), slog.String("source", source))
		s.showLogin(w, r, c, req, http.StatusTooManyRequests, msgLocked, email)
		return
	}
	if err != nil {
		s.signInFailed(w, r, err)
		return
	}
	// From here the attempt counts as a failure unless the password is right: an
	// error while checking it, or a request cut short, is no free guess.
	var u tenants.User
	if len(email) > 254 || len(password) > 1024 {
		err = tenants.ErrInvalidCredentials
	} else {
		u, err = s.mgr.users.Authenticate(ctx, email, password)
	}
	if errors.Is(err, tenants.ErrInvalidCredentials) {
		nowLocked := att.locks()
		s.log.LogAttrs(ctx, slog.LevelWarn, "sign-in failed", slog.String("client_id", c.ID), slog.String("source", source),
			slog.Bool("locked", nowLocked))
		if nowLocked {
			s.showLogin(w, r, c, req, http.StatusTooManyRequests, msgLocked, email)
			return
		}
		s.showLogin(w, r, c, req, http.StatusOK, msgBadCredentials, email)
		return
	}
	if err != nil {
		s.signInFailed(w, r, err)
		return
	}
	// The right password gives its attempt back to the account and the source; the
	// failures before it stay counted until their window lapses.
	s.throttle.release(ctx, att)
	s.log.LogAttrs(ctx, slog.LevelInfo, "signed in", slog.String("client_id", c.ID),
		slog.String("tenant", u.TenantID), slog.String("user", u.ID))
	s.showConsent(w, r, c, req, u)
}

func (s *Server) signInFailed(w http.ResponseWriter, r *http.Request, err error) {
	s.log.LogAttrs(r.Context(), slog.LevelError, "sign-in error", slog.String("detail", err.Error()))
	s.errorPage(w, r, http.StatusInternalServerError, "Something went wrong",
		"easytocloud could not check your sign-in just now. Please try again in a moment.")
}

// csrf is the sign-in and consent forms' CSRF protection (webui.CSRF), keyed by the
// server's own MAC subkey.
func (s *Server) csrf() webui.CSRF {
	return webui.CSRF{Name: "easytocloud-csrf", Secure: s.secure, Now: s.now,
		Key: func(ctx context.Context) ([]byte, error) { return s.macs.subkey(ctx, labelCSRF) }}
}

func (s *Server) newCSRF(ctx context.Context, w http.ResponseWriter) (token, nonce string, err error) {
	return s.csrf().New(ctx, w)
}

func (s *Server) checkCSRF(ctx context.Context, r *http.Request) (string, bool) {
	return s.csrf().Check(ctx, r)
}
