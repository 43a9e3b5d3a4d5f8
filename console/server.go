package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/internal/webui"
)

// SignUpMode is who may sign an organisation up.
type SignUpMode string

const (
	// SignUpOpen lets anyone with an e-mail address sign an organisation up.
	SignUpOpen SignUpMode = "open"
	// SignUpCode asks for an invitation code the operator made
	// (easytocloud signup-code create).
	SignUpCode SignUpMode = "code"
)

// Config is what a Server needs. BaseURL, Table, Keyring, Store, Roles, Tokens,
// Elevations, Mail, From and SMS are required.
type Config struct {
	// BaseURL is the console's public URL, such as https://auth.example.com/console
	// (http only on a loopback address, for the local stack): the prefix of the links
	// in its e-mails. An https one makes the cookies Secure and __Host-.
	BaseURL string
	// Table holds the console's own records (sessions, pending sign-ups, invitations,
	// links, codes, limits, audit lines).
	Table   *table.Table
	Keyring Keyring
	Store   Store
	// Roles checks a tenant's role (account.Access fits).
	Roles RoleChecker
	// Tokens lists and revokes the refresh tokens of Alexa links (oauth.Tokens fits).
	Tokens Tokens
	// Elevations ends a user's elevations (the mfa API's client, or mfa.Service in
	// process).
	Elevations Elevations
	// Mail sends e-mail (SES); From is the sender address.
	Mail Mailer
	From string
	// SMS texts verification codes (SNS).
	SMS SMS
	// SignUp is who may sign up; "" means SignUpCode.
	SignUp SignUpMode
	// SkillRoleARN is the skill function's role, which a tenant's trust policy names.
	SkillRoleARN string
	// TemplateURL is the CloudFormation template of the tenant role in the operator's
	// bucket (https); "" leaves the quick-create link out.
	TemplateURL string
	// RequestTimeout bounds one request's work; zero means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Logger receives one JSON line per request and per audit event; nil discards.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// DefaultRequestTimeout bounds a request's work, AWS calls included.
const DefaultRequestTimeout = 10 * time.Second

// Server is the console: one http.Handler for every route of Routes.
type Server struct {
	cfg      Config
	base     *url.URL // BaseURL parsed
	basePath string   // its path, "/console"
	secure   bool
	log      *slog.Logger
	now      func() time.Time
	timeout  time.Duration
	mux      *http.ServeMux
}

// NewServer checks cfg and returns the console. It does no I/O.
func NewServer(cfg Config) (*Server, error) {
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	switch {
	case err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" ||
		!(u.Scheme == "https" || (u.Scheme == "http" && isLoopback(u.Hostname()))):
		return nil, fmt.Errorf("console: base URL %q must be an https URL (http only on a loopback address) without query", cfg.BaseURL)
	case u.Path != "/console":
		return nil, fmt.Errorf("console: base URL %q must end in /console (the console's routes)", cfg.BaseURL)
	case cfg.Table == nil || cfg.Keyring == nil || cfg.Store == nil || cfg.Roles == nil || cfg.Tokens == nil || cfg.Elevations == nil || cfg.Mail == nil || cfg.SMS == nil:
		return nil, errors.New("console: Table, Keyring, Store, Roles, Tokens, Elevations, Mail and SMS are required")
	case cfg.From == "":
		return nil, errors.New("console: no sender address (From)")
	}
	if cfg.SignUp == "" {
		cfg.SignUp = SignUpCode
	}
	if cfg.SignUp != SignUpOpen && cfg.SignUp != SignUpCode {
		return nil, fmt.Errorf("console: sign-up %q: use %q or %q", cfg.SignUp, SignUpOpen, SignUpCode)
	}
	s := &Server{cfg: cfg, base: u, basePath: u.Path, secure: u.Scheme == "https",
		log: cfg.Logger, now: cfg.Now, timeout: cfg.RequestTimeout}
	if s.log == nil {
		s.log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.timeout <= 0 {
		s.timeout = DefaultRequestTimeout
	}
	s.mux = s.routes()
	return s, nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// ServeHTTP serves the console with the security headers on every response and one
// log line per request (method, path, status, duration; never a query or a body).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	r = r.WithContext(ctx)
	rec := webui.NewStatusRecorder(w)
	webui.SecurityHeaders(rec.Header(), s.secure, "'self'")
	s.mux.ServeHTTP(rec, r)
	s.log.LogAttrs(ctx, slog.LevelInfo, "request",
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", rec.Status), slog.Int64("duration_ms", time.Since(start).Milliseconds()))
}

// path returns the console's own path for p ("/connect" → "/console/connect").
func (s *Server) path(p string) string { return s.basePath + p }

// link returns the absolute URL of p with query q, for e-mails.
func (s *Server) link(p string, q url.Values) string {
	u := *s.base
	u.Path = s.basePath + p
	u.RawQuery = q.Encode()
	return u.String()
}

// redirect answers 303 See Other to the console's path p.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, p string) {
	http.Redirect(w, r, s.path(p), http.StatusSeeOther)
}

// handleBare sends the console's address as people type it, without the trailing
// slash, to the overview at /console/ (308, query kept).
func (s *Server) handleBare(w http.ResponseWriter, r *http.Request) {
	target := s.path("/")
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, target, http.StatusPermanentRedirect)
}

// sourceAddress is the client's IP address (API Gateway's sourceIp, which the Lambda
// adapter puts in RemoteAddr; X-Forwarded-For is not trusted).
func sourceAddress(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}
