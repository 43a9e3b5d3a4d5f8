package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/spf13/pflag"

	"github.com/easytocloud/easytocloud/interactionmodel"
	"github.com/easytocloud/easytocloud/internal/emulator"
	"github.com/easytocloud/easytocloud/internal/localalexa"
)

// demoOptions are the demo's flags.
type demoOptions struct {
	script, dir, addr, locale string
}

// demoCommand runs the whole product on this machine.
var demoCommand = command{
	use:   "demo",
	short: "The whole product on this machine: emulator, demo world, local stack and a dialog",
	long: "Start the AWS emulator, seed a demo world (tenants, users, instances, streams, and a spare account\n" +
		"to connect from the console with the local-role create command it prints), start the local\n" +
		"stack with its console, link acme's user through the sign-in and consent pages, and hold the\n" +
		"dialog, showing the SMS messages and e-mails the emulator receives (also while the dialog waits,\n" +
		"so that a sign-up in the browser shows its links). Everything stops when the dialog ends.\n" +
		"make demo runs it.",
	example: "  easytocloud demo\n" +
		"  easytocloud demo --script demo/conversation.txt\n" +
		"  easytocloud demo --locale de-DE",
	args:     noArgs("demo"),
	complete: localeCompletion,
	setup: func(env *cliEnv, fs *pflag.FlagSet) action {
		var opt demoOptions
		fs.StringVar(&opt.script, "script", "", "run the conversation in FILE (one utterance a line, # comments, {sms} for the code of the newest SMS to the user's phone) and exit; non-zero when a line fails")
		fs.StringVar(&opt.dir, "dir", ".demo", "directory for the local stack's keys, the local Alexa identity and the logs")
		fs.StringVar(&opt.addr, "addr", "127.0.0.1:0", "listen address of the local stack (loopback)")
		fs.StringVar(&opt.locale, "locale", "en-US", "locale of the device: "+strings.Join(interactionmodel.Locales(), ", "))
		return func(ctx context.Context, _ []string) error { return runDemo(ctx, env, opt) }
	},
}

// runDemo starts the emulator, seeds the demo world, starts the local stack, links
// acme's user through the login and consent pages and holds the dialog, showing the
// SMS messages and e-mails the emulator receives. Whatever it started it stops when the dialog
// ends, on end of input, on Ctrl-C or on an error.
func runDemo(ctx context.Context, env *cliEnv, opt demoOptions) (err error) {
	start := time.Now()
	matcher, err := interactionmodel.NewLocaleMatcher(opt.locale, localSkillID)
	if err != nil {
		return usagef("--locale: %v", err)
	}
	var script io.Reader
	if opt.script != "" {
		f, err := os.Open(opt.script)
		if err != nil {
			return usagef("--script: %v", err)
		}
		defer f.Close()
		script = f
	}
	if err := os.MkdirAll(opt.dir, 0o700); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	out := env.stdout
	fmt.Fprintln(out, "easytocloud demo: everything runs on this machine, against a local AWS emulator.")

	emu, closeLog, err := startDemoEmulator(out, opt.dir)
	if err != nil {
		return err
	}
	defer func() {
		emu.Stop()
		closeLog()
		if err == nil || errors.Is(err, context.Canceled) {
			fmt.Fprintln(out, "Stopped the local stack and the AWS emulator.")
		}
	}()

	cfg := demoAWSConfig(emu.Endpoint)
	seed, err := seedDemoWorld(ctx, cfg)
	if err != nil {
		return fmt.Errorf("seed the demo world: %w", err)
	}
	printDemoWorld(out, seed)

	stack, closeServeLog, err := startDemoStack(ctx, out, opt.dir, opt.addr, seed, cfg)
	if err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		err = errors.Join(err, stack.Shutdown(stopCtx))
		closeServeLog()
	}()

	token, err := linkDemoUser(ctx, out, stack.URL, seed)
	if err != nil {
		return err
	}
	d, phone, err := newDemoDialog(env, opt, matcher, stack.URL, emu.Endpoint, token)
	if err != nil {
		return err
	}
	acme := seed.Users["acme"]
	lines := &smsLines{r: bufio.NewReader(env.stdin), code: func() (string, error) { return phone.newestCode(acme.Phone) }, typed: phone.typed}
	if script != nil {
		lines.r, lines.strict = bufio.NewReader(script), true
	} else {
		fmt.Fprintf(out, "Ready in %.1fs. Say something (\"open %s\" to start; {sms} stands for the code in the newest SMS; Ctrl-D or Ctrl-C to quit).\n",
			time.Since(start).Seconds(), matcher.InvocationName())
		// Someone may be signing up in the browser meanwhile: show their e-mails and
		// SMS as they arrive. (A script's transcript shows them before each "You:" only,
		// so that it reads the same on every run.)
		watchCtx, stopWatch := context.WithCancel(ctx)
		watched := make(chan struct{})
		go func() { phone.watch(watchCtx, time.Second); close(watched) }()
		defer func() { stopWatch(); <-watched }()
	}
	done := make(chan error, 1)
	go func() { done <- d.run(ctx, lines, script != nil) }()
	select {
	case err = <-done:
		phone.show()
		return err
	case <-ctx.Done():
		// Ctrl-C: the dialog may be waiting for a line that will never come; leave it.
		fmt.Fprintln(out)
		return nil
	}
}

// startDemoEmulator starts the AWS emulator with its log in dir/emulator.log and
// says where it listens. closeLog closes the log once the emulator has stopped.
func startDemoEmulator(out io.Writer, dir string) (emu *emulator.Emulator, closeLog func(), err error) {
	emuLog, err := os.Create(filepath.Join(dir, "emulator.log"))
	if err != nil {
		return nil, nil, fmt.Errorf("emulator log: %w", err)
	}
	emu, err = emulator.Start(emulator.Options{Stderr: emuLog})
	if err != nil {
		emuLog.Close()
		return nil, nil, fmt.Errorf("start the AWS emulator: %w (make demo installs it)", err)
	}
	fmt.Fprintf(out, "  AWS emulator   %s (moto; log in %s)\n", emu.Endpoint, emuLog.Name())
	return emu, func() { emuLog.Close() }, nil
}

// startDemoStack starts the local stack on addr for the seeded world, its state in
// dir and its log in dir/serve.log, and says where it listens. closeLog closes the
// log once the stack has shut down.
func startDemoStack(ctx context.Context, out io.Writer, dir, addr string, seed demoSeed, cfg aws.Config) (stack *localStack, closeLog func(), err error) {
	serveLog, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		return nil, nil, fmt.Errorf("serve log: %w", err)
	}
	skillRole, err := localSkillRole(ctx, "", cfg)
	if err != nil {
		serveLog.Close()
		return nil, nil, err
	}
	stack, err = startLocalStack(ctx, serveConfig{
		Addr: addr, Table: demoTable, SecretsKeyID: seed.SecretsKeyID,
		MailFrom: demoMailFrom, SignUp: "open", SkillRoleARN: skillRole,
		SigningKeyFile: filepath.Join(dir, "signing-key.pem"), SkillID: localSkillID,
		AlexaIdentity: filepath.Join(dir, "alexa"), Logger: slog.New(slog.NewJSONHandler(serveLog, nil)),
	}, cfg)
	if err != nil {
		serveLog.Close()
		return nil, nil, err
	}
	fmt.Fprintf(out, "  local stack    %s (sign-in, /alexa, MFA API; log in %s)\n", stack.URL, serveLog.Name())
	fmt.Fprintf(out, "  console        %s/console/ (sign up an organisation; its e-mails show here)\n", stack.URL)
	printDemoConnect(out, aws.ToString(cfg.BaseEndpoint), demoExecutable())
	printDemoLink(out, stack.URL, dir, seed, demoExecutable())
	return stack, func() { serveLog.Close() }, nil
}

// linkDemoUser links acme's user through the stack's sign-in and consent pages, as
// the Alexa app would, and returns the access token.
func linkDemoUser(ctx context.Context, out io.Writer, stackURL string, seed demoSeed) (string, error) {
	acme := seed.Users["acme"]
	fmt.Fprintf(out, "Linking the Alexa account: signing in as %s (password %q) and consenting, as the Alexa app would… ", acme.Email, demoPassword)
	token, err := linkAccount(ctx, linkConfig{
		AuthorizeURL: stackURL + "/oauth/authorize", TokenURL: stackURL + "/oauth/token",
		ClientID: seed.ClientID, ClientSecret: seed.ClientSecret, Scopes: []string{"easytocloud"},
		Email: acme.Email, Password: demoPassword,
	}, &http.Client{})
	if err != nil {
		fmt.Fprintln(out)
		return "", err
	}
	fmt.Fprintln(out, "linked.")
	return token, nil
}

// newDemoDialog returns the dialog with the stack's /alexa as the demo's Echo, its
// requests signed by the local Alexa identity in opt.dir, and the inbox that shows
// the SMS messages and e-mails the emulator at emuEndpoint receives.
func newDemoDialog(env *cliEnv, opt demoOptions, matcher *interactionmodel.Matcher, stackURL, emuEndpoint, token string) (*dialog, *inbox, error) {
	id, err := localalexa.Load(filepath.Join(opt.dir, "alexa"), time.Now())
	if err != nil {
		return nil, nil, fmt.Errorf("local Alexa identity: %w", err)
	}
	phone := newInbox(env.stdout, emuEndpoint)
	d := &dialog{
		conv: &interactionmodel.Conversation{
			Matcher: matcher, Locale: opt.locale, SkillID: localSkillID,
			UserID: "amzn1.ask.account.easytocloud-demo", DeviceID: "amzn1.ask.device.easytocloud-demo", AccessToken: token,
		},
		sender: httpSender{endpoint: stackURL + "/alexa", client: &http.Client{Timeout: 30 * time.Second}, signer: id.Signer()},
		out:    phone, debug: env.stderr,
	}
	return d, phone, nil
}

// The demo's region and credentials (the emulator takes any; they name its default
// account, the operator's).
const (
	demoRegion          = "us-east-1"
	demoAccessKeyID     = "demo"
	demoSecretAccessKey = "demo"
)

// demoAWSConfig aims at the emulator with fixed credentials, whatever the
// environment says: the demo never reaches a real AWS account.
func demoAWSConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       demoRegion,
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(demoAccessKeyID, demoSecretAccessKey, "")),
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   &http.Client{Timeout: 30 * time.Second},
	}
}

func printDemoWorld(w io.Writer, seed demoSeed) {
	fmt.Fprintf(w, "  demo world     table %s\n", demoTable)
	for _, dt := range demoTenants {
		u := seed.Users[dt.name]
		second := "SMS codes to " + maskPhone(dt.phone)
		if dt.mfa != "sms" {
			second = "codes from an MFA token (the emulator accepts any six digits)"
		}
		fmt.Fprintf(w, "    %-7s account %s, user %s, %s\n", dt.name, dt.account, u.Email, second)
		printDemoThings(w, dt)
	}
	fmt.Fprintf(w, "    %-7s account %s, no tenant yet: connect it from the console\n", demoSpare.name, demoSpare.account)
	printDemoThings(w, demoSpare)
}

// printDemoThings lists the instances and streams of dt's account.
func printDemoThings(w io.Writer, dt demoTenant) {
	var things []string
	for _, in := range dt.instances {
		things = append(things, fmt.Sprintf("%s (%s, %s)", in.name, in.state, in.region))
	}
	for _, s := range dt.streams {
		things = append(things, fmt.Sprintf("Kinesis %s (%d shards, %s)", s.name, s.shards, s.region))
	}
	fmt.Fprintf(w, "            %s\n", strings.Join(things, ", "))
}

// demoPlaceholderExternalID stands in the printed local-role command for the
// ExternalId the console shows (local-role create refuses it as it is).
const demoPlaceholderExternalID = "EXTERNAL_ID"

// printDemoConnect prints the command that creates the spare account's role in the
// emulator at endpoint, run as exe from another terminal: what a newcomer who
// signed up in the console needs to connect an account.
func printDemoConnect(w io.Writer, endpoint, exe string) {
	fmt.Fprintf(w, "  spare's role   create it in another terminal (%s: the ExternalId the console shows), then connect %s:\n",
		demoPlaceholderExternalID, demoSpare.account)
	fmt.Fprintf(w, "                 AWS_ENDPOINT_URL=%s AWS_REGION=%s AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s %s local-role create --account %s --external-id %s\n",
		shellWord(endpoint), demoRegion, demoAccessKeyID, demoSecretAccessKey, shellWord(exe), demoSpare.account, demoPlaceholderExternalID)
}

// printDemoLink prints how a person the newcomer invited links an Alexa account and
// talks to the stack at stackURL: the dialog, signing in through the same sign-in
// and consent pages as the Alexa app, as a new Alexa account (so the console lists
// it), with the demo's OAuth client.
func printDemoLink(w io.Writer, stackURL, dir string, seed demoSeed, exe string) {
	// The client secret goes into a file only its owner reads, not onto the terminal.
	secretFile := filepath.Join(dir, "client-secret")
	if err := os.WriteFile(secretFile, []byte(seed.ClientSecret+"\n"), 0o600); err != nil {
		fmt.Fprintf(w, "  link a person  (cannot write %s: %v)\n", secretFile, err)
		return
	}
	fmt.Fprintf(w, "  link a person  once they have accepted their invitation, in another terminal (EMAIL: their address; type their password as the first line):\n")
	fmt.Fprintf(w, "                 EASYTOCLOUD_CLIENT_SECRET=$(cat %s) %s dialog --endpoint %s/alexa --alexa-identity %s --authorize-url %s/oauth/authorize --token-url %s/oauth/token --client-id %s --user-id amzn1.ask.account.newcomer --email EMAIL --password-stdin\n",
		shellWord(secretFile), shellWord(exe), stackURL, shellWord(filepath.Join(dir, "alexa")), stackURL, stackURL, seed.ClientID)
}

// demoExecutable is how to run this binary from the current directory: a path
// relative to it when the binary is below it (as make demo builds it), else the
// absolute path.
func demoExecutable() string {
	exe, err := os.Executable()
	if err != nil {
		return "easytocloud"
	}
	wd, err := os.Getwd()
	if err != nil {
		return exe
	}
	rel, err := filepath.Rel(wd, exe)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return exe
	}
	if !strings.ContainsRune(rel, filepath.Separator) {
		rel = "." + string(filepath.Separator) + rel
	}
	return rel
}

// shellWord quotes s for a POSIX shell unless it needs no quoting.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=@,+%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
