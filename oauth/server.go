package oauth

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

	"github.com/go-oauth2/oauth2/v4"
	oerrors "github.com/go-oauth2/oauth2/v4/errors"
	"github.com/go-oauth2/oauth2/v4/server"

	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/ratelimit"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/internal/webui"
	"github.com/easytocloud/easytocloud/tenants"
)

// Config is what a Server needs. Issuer, Audience, Table, Keyring, Users and Signer
// are required.
type Config struct {
	// Issuer is the server's base URL (https, or http on a loopback address for the
	// local stack): the iss of its tokens and the prefix of its endpoints.
	Issuer string
	// Audience is the aud of its access tokens: the Alexa skill ID.
	Audience string
	// Table is where clients, codes, refresh tokens, consents and sign-in failures
	// are kept.
	Table   *table.Table
	Keyring Keyring
	Users   Users
	// Signer signs access tokens (accesstoken.KMSSigner; a FileSigner on the local stack).
	Signer accesstoken.Signer
	// Keys are the public keys published at /.well-known/jwks.json; nil means the
	// Signer's own (both signers of accesstoken are key sources).
	Keys accesstoken.KeySource
	// Scopes a client may ask for; nil means DefaultScopes. A request without scope
	// gets all of them.
	Scopes []string
	// Limits of failed sign-ins; zero fields take DefaultLoginLimits'.
	Limits LoginLimits
	// RequestTimeout bounds the work of one request, AWS calls included; zero means
	// DefaultRequestTimeout. A request that runs out answers server_error (or the
	// error page) instead of holding Alexa past its limit.
	RequestTimeout time.Duration
	// Logger receives one JSON line per request and event; nil discards.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// DefaultRequestTimeout leaves room inside the 4.5 seconds Alexa waits for the token
// endpoint.
const DefaultRequestTimeout = 4 * time.Second

// DefaultScopes is the one scope of easytocloud: acting in the tenant's account.
var DefaultScopes = []string{"easytocloud"}

// Server is the authorization server: one http.Handler for /oauth/authorize,
// /oauth/token, /oauth/revoke, /.well-known/oauth-authorization-server and
// /.well-known/jwks.json. Every response carries the security headers.
type Server struct {
	issuer   string
	basePath string // the issuer URL's path, stripped from requests when present
	secure   bool   // https issuer: Secure cookies, HSTS
	scopes   []string
	keys     accesstoken.KeySource

	lib      *server.Server
	mgr      *manager
	clients  *Clients
	tokens   *Tokens
	throttle *throttle
	consents *consents
	macs     macs
	log      *slog.Logger
	now      func() time.Time
	timeout  time.Duration
	mux      *http.ServeMux
}

// NewServer checks cfg and returns the server. It does no I/O.
func NewServer(cfg Config) (*Server, error) {
	iss, err := url.Parse(strings.TrimRight(cfg.Issuer, "/"))
	switch {
	case err != nil || iss.Host == "" || iss.RawQuery != "" || iss.Fragment != "" ||
		!(iss.Scheme == "https" || (iss.Scheme == "http" && isLoopback(iss.Hostname()))):
		return nil, fmt.Errorf("oauth server: issuer %q must be an https URL (http only on a loopback address) without query", cfg.Issuer)
	case cfg.Audience == "":
		return nil, errors.New("oauth server: no audience (the skill ID)")
	case cfg.Table == nil || cfg.Keyring == nil || cfg.Users == nil || cfg.Signer == nil:
		return nil, errors.New("oauth server: Table, Keyring, Users and Signer are required")
	}
	keys := cfg.Keys
	if keys == nil {
		ks, ok := cfg.Signer.(accesstoken.KeySource)
		if !ok {
			return nil, errors.New("oauth server: the signer publishes no keys; set Keys")
		}
		keys = ks
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	scopes := cfg.Scopes
	if scopes == nil {
		scopes = DefaultScopes
	}
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	s := &Server{
		issuer:   iss.String(),
		basePath: iss.Path,
		secure:   iss.Scheme == "https",
		scopes:   scopes,
		keys:     keys,
		clients:  &Clients{Now: now, table: cfg.Table},
		tokens:   &Tokens{Now: now, table: cfg.Table, macs: macs{cfg.Keyring}},
		macs:     macs{cfg.Keyring},
		log:      log,
		now:      now,
		timeout:  timeout,
	}
	s.throttle = &throttle{limiter: &ratelimit.Limiter{Table: cfg.Table, SK: loginFailSK, Now: now, Log: log}, macs: s.macs, limits: cfg.Limits.withDefaults()}
	s.consents = &consents{table: cfg.Table, macs: s.macs, now: now}
	s.mgr = &manager{clients: s.clients, tokens: s.tokens, users: cfg.Users, signer: cfg.Signer,
		issuer: s.issuer, audience: cfg.Audience, now: now}
	s.lib = newLibraryServer(s.mgr)
	s.routes()
	return s, nil
}

// newLibraryServer configures go-oauth2's protocol plumbing with every unsafe default
// closed: response type code only, grants authorization_code and refresh_token only,
// PKCE S256 only, client credentials from Basic (URL-decoded) or the body, never a
// redirect decided by the library.
func newLibraryServer(m oauth2.Manager) *server.Server {
	lib := server.NewServer(&server.Config{
		TokenType:                   "Bearer",
		AllowedResponseTypes:        []oauth2.ResponseType{oauth2.Code},
		AllowedGrantTypes:           []oauth2.GrantType{oauth2.AuthorizationCode, oauth2.Refreshing},
		AllowedCodeChallengeMethods: []oauth2.CodeChallengeMethod{oauth2.CodeChallengeS256},
	}, m)
	lib.ClientInfoHandler = clientCredentials
	lib.PasswordAuthorizationHandler = func(context.Context, string, string, string) (string, error) {
		return "", refuse(oerrors.ErrUnsupportedGrantType, "password grant")
	}
	lib.UserAuthorizationHandler = func(http.ResponseWriter, *http.Request) (string, error) {
		return "", refuse(oerrors.ErrAccessDenied, "the library's authorize flow is not used")
	}
	lib.PreRedirectErrorHandler = func(_ http.ResponseWriter, _ *server.AuthorizeRequest, err error) error {
		return err
	}
	return lib
}

// RevokeUser revokes all refresh tokens and unredeemed codes of p (see Tokens.RevokeUser).
func (s *Server) RevokeUser(ctx context.Context, p tenants.Principal) error {
	return s.tokens.RevokeUser(ctx, p)
}

// RevokedAt returns when p's tokens were last revoked (see Tokens.RevokedAt).
func (s *Server) RevokedAt(ctx context.Context, p tenants.Principal) (time.Time, error) {
	return s.tokens.RevokedAt(ctx, p)
}

// Revocations returns when p's tokens were last revoked and the grants revoked one by
// one (see Tokens.Revocations).
func (s *Server) Revocations(ctx context.Context, p tenants.Principal) (time.Time, []string, error) {
	return s.tokens.Revocations(ctx, p)
}

// Clients returns the server's client registry.
func (s *Server) Clients() *Clients { return s.clients }

// Routes are the net/http.ServeMux patterns the Server serves (the HTTP API routes
// the stack must send to it), each answered by the method handlers names. A literal,
// not derived from handlers: naming the handlers here would keep the page templates,
// and with them every method of every type, in each binary that reads Routes.
// Do not modify it.
var Routes = []string{
	"GET /oauth/authorize",
	"POST /oauth/authorize",
	"POST /oauth/token",
	"POST /oauth/revoke",
	"GET /.well-known/oauth-authorization-server",
	"GET /.well-known/jwks.json",
}

// handlers answers each pattern of Routes.
func (s *Server) handlers() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"GET /oauth/authorize":                        s.handleAuthorize,
		"POST /oauth/authorize":                       s.handleAuthorize,
		"POST /oauth/token":                           s.handleToken,
		"POST /oauth/revoke":                          s.handleRevoke,
		"GET /.well-known/oauth-authorization-server": s.handleMetadata,
		"GET /.well-known/jwks.json":                  s.handleJWKS,
	}
}

func (s *Server) routes() {
	mux := http.NewServeMux()
	handlers := s.handlers()
	for _, pattern := range Routes {
		mux.HandleFunc(pattern, handlers[pattern])
	}
	s.mux = mux
}

// ServeHTTP serves the endpoints with the security headers on every response and one
// log line per request (method, path, status, duration; never the query or a body).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	r = r.WithContext(ctx)
	if s.basePath != "" && strings.HasPrefix(r.URL.Path, s.basePath+"/") {
		r2 := r.Clone(r.Context())
		r2.URL.Path = strings.TrimPrefix(r.URL.Path, s.basePath)
		r2.URL.RawPath = ""
		r = r2
	}
	rec := webui.NewStatusRecorder(w)
	s.securityHeaders(rec.Header(), "")
	s.mux.ServeHTTP(rec, r)
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", rec.Status), slog.Int64("duration_ms", time.Since(start).Milliseconds()))
}

// securityHeaders sets the headers every response carries. formAction is the extra
// form-action source of the login and consent pages (the redirect URI's origin, which
// the browser checks on the 303 after the consent POST); "" allows no form at all.
func (s *Server) securityHeaders(h http.Header, formAction string) {
	if formAction != "" {
		formAction = "'self' " + formAction
	}
	webui.SecurityHeaders(h, s.secure, formAction)
}

// sourceAddress is the client's IP address (API Gateway's sourceIp, which the Lambda
// adapter puts in RemoteAddr; X-Forwarded-For is not trusted).
func sourceAddress(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}
