package main

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
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/pflag"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/alexa/sigverify"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/app/consoleapp"
	"github.com/easytocloud/easytocloud/internal/app/mfaapp"
	"github.com/easytocloud/easytocloud/internal/app/oauthapp"
	"github.com/easytocloud/easytocloud/internal/app/skillapp"
	"github.com/easytocloud/easytocloud/internal/localalexa"
	"github.com/easytocloud/easytocloud/internal/localsts"
)

const (
	// envSigningKeyFile names the PEM file of the local stack's token signing key.
	envSigningKeyFile = app.EnvSigningKeyFile
	// defaultServeAddr is where serve listens unless told otherwise.
	defaultServeAddr = "127.0.0.1:8080"
	// localSkillID is the skill ID of the local stack when none is configured; the
	// dialog sends it by default too.
	localSkillID = "amzn1.ask.skill.easytocloud-dialog"
	// defaultMailFrom is the local console's sender (the demo verifies its domain in
	// the emulator).
	defaultMailFrom = "easytocloud <console@easytocloud.localhost>"
	// shutdownGrace is how long requests in flight may finish after Ctrl-C.
	shutdownGrace = 10 * time.Second
)

// serveConfig is the local stack's configuration.
type serveConfig struct {
	// Addr is the listen address; a non-loopback one needs AllowRemote.
	Addr        string
	AllowRemote bool
	// Table and SecretsKeyID are the DynamoDB table and the symmetric KMS key of the
	// MAC keys and sealed secrets, as for the Lambdas.
	Table, SecretsKeyID string
	// SigningKeyFile is the P-256 PEM file access tokens are signed with (created when
	// missing): the local stack's stand-in for the KMS signing key.
	SigningKeyFile string
	// Issuer is the base URL clients reach the server at; "" means http://<Addr>.
	Issuer string
	// SkillID is the application ID /alexa accepts and the aud of access tokens.
	SkillID string
	// AlexaIdentity is the directory of a local Alexa signing identity
	// (internal/localalexa) whose signed requests /alexa accepts. "" accepts only
	// requests signed by Amazon's real Alexa certificates.
	AlexaIdentity string
	// MailFrom is the console's sender address (its domain a verified SES identity);
	// SignUp who may sign an organisation up ("open" or "code").
	MailFrom, SignUp string
	// SkillRoleARN is the principal tenants' trust policies name, shown on the
	// console's connect page: on the emulator, the operator account's root.
	SkillRoleARN string
	// Logger receives the JSON log lines of every part.
	Logger *slog.Logger
}

// localStack is the running local stack.
type localStack struct {
	// URL is the base URL it listens on, http://host:port.
	URL string
	// Issuer and SkillID are what it was configured with (defaults filled in).
	Issuer, SkillID string
	// AlexaTrust says whose request signatures /alexa accepts.
	AlexaTrust string

	srv      *http.Server
	served   chan error
	stopOnce sync.Once
	stopErr  error
}

// serveCommand runs the local stack.
var serveCommand = command{
	use:   "serve",
	short: "Run the local stack in one process: sign-in, tokens, /alexa and the MFA API",
	long: "Serve the OAuth sign-in and token endpoints, the skill's /alexa endpoint and the MFA API in one\n" +
		"process, on the table and KMS key the Lambdas use. It logs JSON lines on stdout and says what it\n" +
		"serves on stderr; Ctrl-C stops it after the requests in flight.",
	example: "  easytocloud serve --signing-key-file key.pem --alexa-identity alexa/\n" +
		"  easytocloud serve --addr 127.0.0.1:0   # any free port",
	args: noArgs("serve"),
	setup: func(env *cliEnv, fs *pflag.FlagSet) action {
		var cfg serveConfig
		fs.StringVar(&cfg.Addr, "addr", firstNonEmpty(env.getenv(app.EnvAddr), defaultServeAddr), "listen address host:port (default $"+app.EnvAddr+" or "+defaultServeAddr+"); port 0 picks a free one")
		fs.BoolVar(&cfg.AllowRemote, "allow-remote", false, "allow a listen address other than loopback (the MFA API then answers the network without IAM authorization)")
		fs.StringVar(&cfg.Table, "table", env.getenv(envTable), "DynamoDB table (default $"+envTable+")")
		fs.StringVar(&cfg.SecretsKeyID, "secrets-key-id", env.getenv(envSecretsKey), "symmetric KMS key of MAC keys and sealed secrets (default $"+envSecretsKey+")")
		fs.StringVar(&cfg.SigningKeyFile, "signing-key-file", env.getenv(envSigningKeyFile), "P-256 PEM file that signs access tokens, created if missing (default $"+envSigningKeyFile+")")
		fs.StringVar(&cfg.Issuer, "issuer", env.getenv(app.EnvIssuer), "base URL clients reach this server at (default $"+app.EnvIssuer+", else http://ADDR)")
		fs.StringVar(&cfg.SkillID, "skill-id", firstNonEmpty(env.getenv(app.EnvSkillID), localSkillID), "skill ID /alexa accepts and tokens are issued for (default $"+app.EnvSkillID+")")
		fs.StringVar(&cfg.MailFrom, "mail-from", firstNonEmpty(env.getenv(app.EnvMailFrom), defaultMailFrom), "the console's sender address, of a verified SES identity (default $"+app.EnvMailFrom+")")
		fs.StringVar(&cfg.SignUp, "signup", firstNonEmpty(env.getenv(app.EnvSignUp), "open"), "who may sign an organisation up in the console: open, or code (an invitation code from signup-code create) (default $"+app.EnvSignUp+")")
		fs.StringVar(&cfg.SkillRoleARN, "skill-role-arn", env.getenv(app.EnvSkillRoleARN), "the role tenants' trust policies name, shown in the console (default $"+app.EnvSkillRoleARN+"; on the emulator the operator account's root)")
		fs.StringVar(&cfg.AlexaIdentity, "alexa-identity", "", "directory of a local Alexa signing identity whose requests /alexa accepts (created if missing); unset: only Amazon's real Alexa signatures")
		return func(ctx context.Context, _ []string) error { return runServe(ctx, env, cfg) }
	},
}

func runServe(ctx context.Context, env *cliEnv, cfg serveConfig) error {
	awsCfg, err := awsConfig(ctx)
	if err != nil {
		return err
	}
	cfg.Logger = slog.New(slog.NewJSONHandler(env.stdout, nil))
	if cfg.SkillRoleARN, err = localSkillRole(ctx, cfg.SkillRoleARN, awsCfg); err != nil {
		return err
	}
	stack, err := startLocalStack(ctx, cfg, awsCfg)
	if err != nil {
		return err
	}
	stack.printSummary(env.stderr, cfg, awsCfg)
	select {
	case <-ctx.Done():
		fmt.Fprintln(env.stderr, "easytocloud serve: stopping")
	case err := <-stack.served:
		return fmt.Errorf("server stopped: %w", err)
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := stack.Shutdown(stopCtx); err != nil {
		return err
	}
	fmt.Fprintln(env.stderr, "easytocloud serve: stopped")
	return nil
}

// localSkillRole returns arn, or when it is empty and AWS is the local emulator, the
// root of the operator's account there: the principal the local tenants' trust
// policies name (localsts.TenantTrustPolicy).
func localSkillRole(ctx context.Context, arn string, awsCfg aws.Config) (string, error) {
	if arn != "" {
		return arn, nil
	}
	if !localsts.IsLoopbackEndpoint(awsCfg) {
		return "", usagef("no skill role: give --skill-role-arn or set %s (the role tenants' trust policies name)", app.EnvSkillRoleARN)
	}
	id, err := sts.NewFromConfig(awsCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("ask the emulator who the operator is: %w", err)
	}
	return "arn:aws:iam::" + aws.ToString(id.Account) + ":root", nil
}

// checkListenAddr refuses a listen address that is not on loopback unless
// allowRemote: the local stack's MFA API has no IAM authorization in front of it.
func checkListenAddr(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("--addr %q: %v", addr, err)
	}
	if allowRemote || isLoopbackHost(host) {
		return nil
	}
	return usagef("--addr %q is not a loopback address; the local stack serves its MFA API without IAM authorization, so it binds 127.0.0.1 unless you give --allow-remote", addr)
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// startLocalStack checks cfg, listens on cfg.Addr and serves every route of the
// local stack until Shutdown. It does no AWS call: a missing table or key shows on
// the first request that needs it.
func startLocalStack(ctx context.Context, cfg serveConfig, awsCfg aws.Config) (*localStack, error) {
	switch {
	case cfg.Table == "":
		return nil, usagef("no table: give --table or set %s", envTable)
	case cfg.SecretsKeyID == "":
		return nil, usagef("no secrets key: give --secrets-key-id or set %s", envSecretsKey)
	case cfg.SigningKeyFile == "":
		return nil, usagef("no signing key file: give --signing-key-file or set %s (the local stack signs tokens with a key in a file, production with KMS)", envSigningKeyFile)
	case cfg.SkillID == "":
		return nil, usagef("no skill ID: give --skill-id or set %s", app.EnvSkillID)
	}
	if err := checkListenAddr(cfg.Addr, cfg.AllowRemote); err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(cfg.Addr)
	if cfg.Issuer == "" && !isLoopbackHost(host) {
		return nil, usagef("--issuer is required with a non-loopback --addr: the https URL clients reach this server at")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	signer, err := accesstoken.NewFileSigner(cfg.SigningKeyFile)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	verifier, trust, err := alexaVerifier(cfg.AlexaIdentity, cfg.Logger)
	if err != nil {
		return nil, err
	}

	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	base := "http://" + ln.Addr().String()
	if cfg.Issuer == "" {
		cfg.Issuer = base
	}
	handler, err := newLocalHandler(cfg, awsCfg, signer, verifier)
	if err != nil {
		ln.Close()
		return nil, err
	}
	hosts, err := newOwnHosts(ln.Addr(), cfg.Issuer)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s := &localStack{
		URL: base, Issuer: cfg.Issuer, SkillID: cfg.SkillID, AlexaTrust: trust,
		srv: &http.Server{
			Handler:           onlyOwnHosts(hosts, handler, cfg.Logger),
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       2 * time.Minute,
			MaxHeaderBytes:    64 << 10,
			ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
		},
		served: make(chan error, 1),
	}
	go func() { s.served <- s.srv.Serve(ln) }()
	return s, nil
}

// ownHosts are the host names the local stack answers to: the loopback names
// (127.0.0.1, localhost, ::1), the address it listens on unless that is every
// address (0.0.0.0, ::), and the issuer's host; a port in the Host header must be
// the listen port or the issuer's. A browser puts the name it looked up in Host, so
// a page whose own name an attacker has pointed at 127.0.0.1 (DNS rebinding), or a
// page calling http://0.0.0.0:PORT, is refused before any route reads its request.
type ownHosts struct {
	names, ports map[string]bool
}

// newOwnHosts returns the host names of a stack listening on listen for issuer.
func newOwnHosts(listen net.Addr, issuer string) (ownHosts, error) {
	h := ownHosts{names: map[string]bool{"127.0.0.1": true, "localhost": true, "::1": true}, ports: map[string]bool{}}
	host, port, err := net.SplitHostPort(listen.String())
	if err != nil {
		return h, fmt.Errorf("listen address %s: %w", listen, err)
	}
	if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() {
		h.names[ip.String()] = true
	}
	h.ports[port] = true
	u, err := url.Parse(issuer)
	if err != nil || u.Hostname() == "" {
		return h, usagef("--issuer %q is not a URL with a host", issuer)
	}
	h.names[strings.ToLower(u.Hostname())] = true
	switch {
	case u.Port() != "":
		h.ports[u.Port()] = true
	case u.Scheme == "https":
		h.ports["443"] = true
	default:
		h.ports["80"] = true
	}
	return h, nil
}

// allows reports whether a request with this Host header is for the stack.
func (h ownHosts) allows(hostHeader string) bool {
	name, port, err := net.SplitHostPort(hostHeader)
	if err != nil { // no port
		name, port = strings.TrimSuffix(strings.TrimPrefix(hostHeader, "["), "]"), ""
	}
	return h.names[strings.ToLower(name)] && (port == "" || h.ports[port])
}

// onlyOwnHosts answers a request for a host name not in hosts with 421 and a short
// body, and passes the others to next.
func onlyOwnHosts(hosts ownHosts, next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hosts.allows(r.Host) {
			host := r.Host
			if len(host) > 255 {
				host = host[:255]
			}
			logger.WarnContext(r.Context(), "request for another host refused",
				slog.String("host", host), slog.String("remote", r.RemoteAddr), slog.String("path", r.URL.Path))
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(http.StatusMisdirectedRequest)
			_, _ = io.WriteString(w, "easytocloud serve answers only to its own host names (127.0.0.1, localhost, the issuer's)\n")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// alexaVerifier returns the verifier of /alexa's request signatures and says whose it
// accepts: with identityDir, only those of the local Alexa identity kept there
// (created when missing), whose chain it serves from memory; without, only Amazon's
// real ones, downloaded from Amazon and checked against the system's roots.
func alexaVerifier(identityDir string, logger *slog.Logger) (*sigverify.Verifier, string, error) {
	if identityDir == "" {
		return &sigverify.Verifier{Logger: logger}, "Amazon's Alexa signing certificates (real Alexa requests only)", nil
	}
	id, err := localalexa.Load(identityDir, time.Now())
	if err != nil {
		return nil, "", fmt.Errorf("local Alexa identity: %w", err)
	}
	v := &sigverify.Verifier{Roots: id.Roots(), Client: id.Client(), Logger: logger}
	return v, "the local Alexa identity in " + identityDir + " (not real Alexa)", nil
}

// newLocalHandler wires every part the way the Lambdas do, in one process: the
// authorization server signing with signer, the skill (Progress nil: the local
// stack never calls the real Alexa API) checking its tokens with the same key and
// its requests with verifier, and the MFA service, which the skill calls in process
// and which also answers at /mfa/v1/.
func newLocalHandler(cfg serveConfig, awsCfg aws.Config, signer *accesstoken.FileSigner, verifier alexa.RequestVerifier) (http.Handler, error) {
	c := app.Config{Table: cfg.Table, SecretsKeyID: cfg.SecretsKeyID, Issuer: cfg.Issuer, SkillID: cfg.SkillID}
	clients := app.NewAWS(awsCfg)
	auth, err := oauthapp.NewServer(c, clients, signer, cfg.Logger)
	if err != nil {
		return nil, usagef("%v", err)
	}
	second := mfaapp.NewService(c, clients, cfg.Logger)
	h := skillapp.NewHandler(c, clients, skillapp.Parts{Keys: signer, MFA: second, Revoker: auth}, cfg.Logger)
	cc := c
	cc.MailFrom, cc.SignUp, cc.SkillRoleARN = cfg.MailFrom, cfg.SignUp, cfg.SkillRoleARN
	roleSTS := account.AssumeRoleAPI(clients.STS)
	if localsts.IsLoopbackEndpoint(awsCfg) {
		roleSTS = localsts.New(awsCfg)
	}
	cons, err := consoleapp.NewServer(cc, clients, consoleapp.Parts{
		Tokens: consoleapp.NewTokens(c, clients), Elevations: second, STS: roleSTS,
	}, cfg.Logger)
	if err != nil {
		return nil, usagef("%v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/oauth/", auth)
	mux.Handle("/.well-known/", auth)
	mux.Handle("/alexa", skillapp.NewHTTPHandler(c, clients, h, verifier))
	mux.Handle("/mfa/v1/", mfaapp.NewHandler(second))
	mux.Handle("/console/", cons)
	mux.Handle("GET /console", cons)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = io.WriteString(w, `{"status":"ok"}`+"\n")
	})
	return mux, nil
}

// printSummary tells where everything listens.
func (s *localStack) printSummary(w io.Writer, cfg serveConfig, awsCfg aws.Config) {
	endpoint := "the SDK's default (real AWS)"
	if awsCfg.BaseEndpoint != nil {
		endpoint = *awsCfg.BaseEndpoint
	}
	rows := [][2]string{
		{"console", s.URL + "/console/  (sign up an organisation, connect its AWS account, invite people)"},
		{"sign-in", s.URL + "/oauth/authorize"},
		{"token", s.URL + "/oauth/token  (revoke: /oauth/revoke)"},
		{"discovery", s.URL + "/.well-known/oauth-authorization-server  (keys: /.well-known/jwks.json)"},
		{"skill", s.URL + "/alexa  (POST, signed by " + s.AlexaTrust + ")"},
		{"MFA API", s.URL + "/mfa/v1/  (no IAM authorization here; API Gateway adds it when deployed)"},
		{"health", s.URL + "/healthz"},
		{"issuer", s.Issuer},
		{"skill ID", s.SkillID},
		{"AWS", fmt.Sprintf("%s, region %s, table %s", endpoint, awsCfg.Region, cfg.Table)},
		{"signing key", cfg.SigningKeyFile},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "easytocloud local stack listening on %s\n", s.URL)
	for _, r := range rows {
		fmt.Fprintf(&b, "  %-12s %s\n", r[0], r[1])
	}
	b.WriteString("Ctrl-C stops it.\n")
	_, _ = io.WriteString(w, b.String())
}

// Shutdown stops accepting requests, lets those in flight finish until ctx ends and
// then closes the rest. It is safe to call more than once.
func (s *localStack) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() {
		if err := s.srv.Shutdown(ctx); err != nil {
			_ = s.srv.Close()
			s.stopErr = fmt.Errorf("shut down the server: %w", err)
		}
		if err := <-s.served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.stopErr = errors.Join(s.stopErr, err)
		}
	})
	return s.stopErr
}
