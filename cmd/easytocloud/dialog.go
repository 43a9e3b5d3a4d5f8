package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/interactionmodel"
	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/localalexa"
)

// skillSender delivers one Alexa request envelope to the skill and returns its
// response envelope.
type skillSender interface {
	Send(ctx context.Context, reqJSON []byte) ([]byte, error)
}

// httpSender POSTs requests to the skill's HTTPS web-service endpoint, signed as
// Alexa signs them (by the local stand-in for Alexa's signing identity).
type httpSender struct {
	endpoint string
	client   *http.Client
	signer   *localalexa.Signer
}

func (s httpSender) Send(ctx context.Context, reqJSON []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, bytes.NewReader(reqJSON))
	if err != nil {
		return nil, fmt.Errorf("send to skill: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if err := s.signer.Sign(req); err != nil {
		return nil, fmt.Errorf("send to skill: %w", err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("send to skill: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("send to skill: read response: %w", err)
	}
	if resp.StatusCode == http.StatusBadRequest {
		// The skill says no more, by design; the usual cause is a server that does
		// not trust this identity.
		return nil, fmt.Errorf("send to skill: %s answered %s (it refuses requests it cannot verify: does it trust the same --alexa-identity directory?)", s.endpoint, resp.Status)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("send to skill: %s answered %s", s.endpoint, resp.Status)
	}
	return body, nil
}

// dialogOptions are the settings of one dialog run.
type dialogOptions struct {
	locale, skillID, userID, deviceID string
	script                            string // path, "" for interactive
	verbose                           bool
}

// dialogFlags are the flags of dialog.
type dialogFlags struct {
	endpoint, identity, clientSecret, scopes string
	passwordStdin                            bool
	opt                                      dialogOptions
	link                                     linkConfig
}

// dialogCommand talks to the skill like an Echo.
var dialogCommand = command{
	use:   "dialog",
	short: "Talk to the skill like an Echo: link the account, then type what you would say",
	long: "Link an Alexa account through the sign-in and consent pages (with --authorize-url), then send\n" +
		"each line typed, or each line of --script, to the skill as the Alexa request the interaction\n" +
		"model makes of it, signed as Alexa signs it, and print the answer and its card.",
	example: "  easytocloud dialog --endpoint http://127.0.0.1:8080/alexa --alexa-identity alexa/ \\\n" +
		"    --authorize-url http://127.0.0.1:8080/oauth/authorize --token-url http://127.0.0.1:8080/oauth/token \\\n" +
		"    --client-id n4vq2xk7dmc3wbzt5e6hpfja --email ann@example.com\n" +
		"  easytocloud dialog --endpoint http://127.0.0.1:8080/alexa --alexa-identity alexa/ --script demo/conversation.txt",
	args:     unexpectedArgs,
	complete: localeCompletion,
	setup: func(env *cliEnv, fs *pflag.FlagSet) action {
		var f dialogFlags
		fs.StringVar(&f.endpoint, "endpoint", "", "URL of the skill's HTTPS endpoint (POST /alexa of the local stack)")
		fs.StringVar(&f.identity, "alexa-identity", env.getenv(app.EnvAlexaIdentity), "directory of the local Alexa signing identity to sign --endpoint requests with, created if missing: the one the server trusts (default $"+app.EnvAlexaIdentity+")")
		fs.StringVar(&f.opt.locale, "locale", "en-US", "locale of the device: "+strings.Join(interactionmodel.Locales(), ", "))
		fs.StringVar(&f.opt.skillID, "skill-id", firstNonEmpty(env.getenv(app.EnvSkillID), "amzn1.ask.skill.easytocloud-dialog"), "skill ID the requests carry (default $"+app.EnvSkillID+")")
		fs.StringVar(&f.opt.userID, "user-id", "amzn1.ask.account.easytocloud-dialog", "Alexa user ID the requests carry")
		fs.StringVar(&f.opt.deviceID, "device-id", "amzn1.ask.device.easytocloud-dialog", "device ID the requests carry")
		fs.StringVar(&f.opt.script, "script", "", "run the conversation in FILE (one utterance a line, # comments) and exit non-zero on a line no intent matches")
		fs.BoolVar(&f.opt.verbose, "verbose", false, "print each request and response envelope on stderr (access token redacted)")
		fs.StringVar(&f.link.AuthorizeURL, "authorize-url", env.getenv(app.EnvAuthorizeURL), "authorization URI to link the account with (default $"+app.EnvAuthorizeURL+"); unset: no linking")
		fs.StringVar(&f.link.TokenURL, "token-url", env.getenv(app.EnvTokenURL), "access token URI (default $"+app.EnvTokenURL+")")
		fs.StringVar(&f.link.ClientID, "client-id", env.getenv(app.EnvClientID), "OAuth client ID (default $"+app.EnvClientID+")")
		fs.StringVar(&f.link.Email, "email", env.getenv(app.EnvEmail), "email to sign in with (default $"+app.EnvEmail+")")
		fs.IntVar(&f.link.RedirectPort, "redirect-port", 0, "port of the loopback redirect URI http://127.0.0.1:PORT/callback (0: any free port)")
		fs.StringVar(&f.clientSecret, "client-secret", "", "OAuth client secret (prefer $"+app.EnvClientSecret+": flags show in ps)")
		fs.BoolVar(&f.passwordStdin, "password-stdin", false, "read the password from the first line of stdin (default $"+app.EnvPassword+")")
		fs.StringVar(&f.scopes, "scopes", "easytocloud", "comma-separated scopes to request")
		return func(ctx context.Context, _ []string) error { return runDialog(ctx, env, &f) }
	},
}

func runDialog(ctx context.Context, env *cliEnv, f *dialogFlags) error {
	opt, link := f.opt, f.link
	matcher, err := interactionmodel.NewLocaleMatcher(opt.locale, opt.skillID)
	if err != nil {
		return usagef("--locale: %v", err)
	}
	// The skill is reached over HTTPS as Alexa reaches it (easytocloud demo holds the
	// same conversation with the stack it starts itself).
	if f.endpoint == "" {
		return usagef("--endpoint is required: the skill's URL, such as http://127.0.0.1:8080/alexa of easytocloud serve")
	}
	if f.identity == "" {
		return usagef("--alexa-identity is required with --endpoint: the directory of the signing identity the server trusts (easytocloud serve --alexa-identity DIR)")
	}
	id, err := localalexa.Load(f.identity, dialogNow())
	if err != nil {
		return fmt.Errorf("alexa identity: %w", err)
	}
	var sender skillSender = httpSender{endpoint: f.endpoint, client: &http.Client{Timeout: 30 * time.Second}, signer: id.Signer()}

	stdin := bufio.NewReader(env.stdin)
	var accessToken string
	if link.AuthorizeURL != "" {
		link.ClientSecret = firstNonEmpty(f.clientSecret, env.getenv(app.EnvClientSecret))
		link.Password = env.getenv(app.EnvPassword)
		if f.passwordStdin {
			line, err := stdin.ReadString('\n')
			if err != nil && line == "" {
				return usagef("--password-stdin: no password on stdin")
			}
			link.Password = strings.TrimRight(line, "\r\n")
		}
		for _, s := range strings.Split(f.scopes, ",") {
			if s = strings.TrimSpace(s); s != "" {
				link.Scopes = append(link.Scopes, s)
			}
		}
		switch {
		case link.TokenURL == "":
			return usagef("--token-url is required with --authorize-url")
		case link.ClientID == "":
			return usagef("--client-id is required with --authorize-url")
		case link.Email == "":
			return usagef("--email is required with --authorize-url")
		case link.Password == "":
			return usagef("a password is required with --authorize-url: --password-stdin or $%s", app.EnvPassword)
		}
		accessToken, err = linkAccount(ctx, link, &http.Client{})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "Account linked as %s.\n", link.Email)
	} else {
		accessToken = env.getenv(app.EnvAccessToken)
	}

	conv := &interactionmodel.Conversation{
		Matcher: matcher, Locale: opt.locale, SkillID: opt.skillID,
		UserID: opt.userID, DeviceID: opt.deviceID, AccessToken: accessToken,
		Now: dialogNow,
	}
	d := &dialog{conv: conv, sender: sender, out: env.stdout, verbose: opt.verbose, debug: env.stderr}
	if opt.script != "" {
		f, err := os.Open(opt.script)
		if err != nil {
			return fmt.Errorf("open script: %w", err)
		}
		defer f.Close()
		return d.run(ctx, f, true)
	}
	fmt.Fprintf(env.stdout, "Say something (\"open %s\" to start, Ctrl-D to quit).\n", matcher.InvocationName())
	return d.run(ctx, stdin, false)
}

// dialog runs a conversation: each line is an utterance, each answer is printed as
// "Alexa: <text>" followed by the card, if any.
type dialog struct {
	conv    *interactionmodel.Conversation
	sender  skillSender
	out     io.Writer
	verbose bool
	debug   io.Writer
}

// errNoIntent is returned in script mode for a line no intent matches.
var errNoIntent = errors.New("no intent matches")

func (d *dialog) run(ctx context.Context, r io.Reader, script bool) error {
	sc := bufio.NewScanner(r)
	line := 0
	if !script {
		fmt.Fprint(d.out, "You: ")
	}
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			if !script {
				fmt.Fprint(d.out, "You: ")
			}
			continue
		}
		if script {
			fmt.Fprintf(d.out, "You: %s\n", text)
		}
		env, err := d.conv.Utter(text)
		if errors.Is(err, interactionmodel.ErrNoMatch) {
			if script {
				return fmt.Errorf("line %d: %w %q", line, errNoIntent, text)
			}
			fmt.Fprintln(d.out, "(no intent matches; sending AMAZON.FallbackIntent)")
			env, err = d.conv.Fallback(), nil
		}
		if err != nil {
			return err
		}
		if err := d.turn(ctx, env); err != nil {
			if script {
				return fmt.Errorf("line %d: %w", line, err)
			}
			return err
		}
		if !script {
			fmt.Fprint(d.out, "You: ")
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if !script {
		fmt.Fprintln(d.out)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read utterances: %w", err)
	}
	return nil
}

// dialogNow is the dialog's clock (a variable for tests).
var dialogNow = time.Now

// turn sends one request and prints the answer. The request is stamped just before it
// is signed and sent, as Alexa stamps it: the skill refuses a request whose timestamp
// is more than 150 seconds from its clock.
func (d *dialog) turn(ctx context.Context, env alexa.RequestEnvelope) error {
	env.Request.Timestamp = dialogNow().UTC().Format(time.RFC3339)
	reqJSON, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	if d.verbose {
		d.dump("request", redactedEnvelope(env))
	}
	respJSON, err := d.sender.Send(ctx, reqJSON)
	if err != nil {
		return err
	}
	var resp alexa.ResponseEnvelope
	if err := json.Unmarshal(respJSON, &resp); err != nil {
		return fmt.Errorf("decode skill response: %w", err)
	}
	if d.verbose {
		d.dump("response", resp)
	}
	if err := d.conv.Receive(resp); err != nil {
		return err
	}
	speech := interactionmodel.SpeechText(resp.Response.OutputSpeech)
	if speech == "" {
		speech = "(silence)"
	}
	fmt.Fprintf(d.out, "Alexa: %s\n", speech)
	if title, body, ok := interactionmodel.CardText(resp.Response.Card); ok {
		fmt.Fprintf(d.out, "Card: %s\n", title)
		for _, l := range strings.Split(strings.TrimSpace(body), "\n") {
			if l != "" {
				fmt.Fprintf(d.out, "  %s\n", l)
			}
		}
	}
	if !d.conv.InSession() {
		fmt.Fprintln(d.out, "(session ended)")
	}
	return nil
}

func (d *dialog) dump(what string, v any) {
	b, _ := json.MarshalIndent(v, "", "  ")
	fmt.Fprintf(d.debug, "%s:\n%s\n", what, b)
}

// redactedEnvelope hides the access token in a request printed with --verbose.
func redactedEnvelope(env alexa.RequestEnvelope) alexa.RequestEnvelope {
	if env.Session.User.AccessToken != "" {
		env.Session.User.AccessToken = "[redacted]"
		env.Context.System.User.AccessToken = "[redacted]"
	}
	env.Context.System.APIAccessToken = "[redacted]"
	return env
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
