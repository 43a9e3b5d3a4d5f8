package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/alexa/sigverify"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
	"github.com/easytocloud/easytocloud/internal/localalexa"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/skill"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

const (
	dialogSkillID = "amzn1.ask.skill.dialog-test"
	dialogIssuer  = "https://auth.easytocloud.test"
)

// dialogStack is the skill as an HTTPS endpoint, wired as cmd/skill wires it against
// the emulator (dynamo.Store, account.Access, KMS-signed access tokens), with its
// requests verified by sigverify trusting a local Alexa identity. The second factor
// is a fake: a script must know the code the "SMS" carries. The skill's log is
// checked for the stack's secrets (internal/leakcheck), and so is everything the
// dialog prints, except the codes, which the transcript repeats as the user said them.
type dialogStack struct {
	url      string
	identity string // directory of the identity the server trusts
	token    string
	account  string // the tenant's AWS account
	clock    *stepClock
	splunk   string // instance IDs
	jenkins  string
	web      string
	// output holds the secrets no output of the dialog may show.
	output *leakcheck.Log
}

// Secrets of the dialog stack's user.
const (
	dialogPassword = "correct horse battery staple"
	dialogPhone    = "+31612345678"
)

func newDialogStack(t *testing.T) *dialogStack {
	t.Helper()
	ctx := context.Background()
	cfg := awstest.Config(t)
	kmsClient := kms.NewFromConfig(cfg)
	store := dynamo.NewStore(table.New(dynamodb.NewFromConfig(cfg), awstest.Table(t)), kmsClient, awstest.SecretsKey(t))
	store.Password = tenants.PasswordParams{Memory: 1024, Time: 1, Threads: 1}
	signingKey := awstest.SigningKey(t)

	accountID := awstest.NewAccountID(t)
	acct := awstest.AccountConfig(t, accountID)
	s := &dialogStack{account: accountID, clock: newStepClock(time.Now(), time.Minute), output: leakcheck.New(t)}
	logs := leakcheck.New(t)
	for _, l := range []*leakcheck.Log{logs, s.output} {
		l.Secret("password", dialogPassword)
		l.Phone(dialogPhone)
	}
	logs.Secret("otp", "123456", "514309")
	s.splunk = awstest.SeedInstance(t, acct, "eu-west-1", "splunk", "stopped")
	s.jenkins = awstest.SeedInstance(t, acct, "eu-west-1", "jenkins", "running")
	s.web = awstest.SeedInstance(t, acct, "us-east-1", "web-1", "running")
	awstest.SeedStream(t, acct, "eu-west-1", "clickstream", 4)

	tn, err := store.CreateTenant(ctx, tenants.Tenant{
		Name:    "Dialog " + accountID,
		RoleARN: "arn:aws:iam::" + accountID + ":role/easytocloud",
		Regions: []string{"eu-west-1", "us-east-1"},
		MFA:     tenants.MFAPolicy{Kind: tenants.MFASMS, Elevation: 10 * time.Minute},
	}, "")
	if err != nil {
		t.Fatalf("create tenant: %v", err)
	}
	u, err := store.CreateUser(ctx, tenants.User{TenantID: tn.ID, Email: "ops@example.com", Phone: dialogPhone}, dialogPassword)
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	now := time.Now()
	s.token, err = accesstoken.Mint(ctx, accesstoken.NewKMSSigner(kmsClient, signingKey), accesstoken.Claims{
		Issuer: dialogIssuer, Audience: dialogSkillID, Subject: u.ID, TenantID: tn.ID,
		Scope: "easytocloud", IssuedAt: now, ExpiresAt: now.Add(time.Hour),
	})
	if err != nil {
		t.Fatalf("mint token: %v", err)
	}
	logs.Secret("access token", s.token)
	s.output.Secret("access token", s.token)

	s.identity = filepath.Join(t.TempDir(), "alexa")
	id, err := localalexa.Load(s.identity, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h := &skill.Handler{
		SkillID:   dialogSkillID,
		Tokens:    &accesstoken.Verifier{Issuer: dialogIssuer, Audience: dialogSkillID, Keys: accesstoken.KMSKeys(kmsClient, signingKey)},
		Directory: store,
		Access:    account.NewAccess(sts.NewFromConfig(cfg)),
		MFA:       newDialogMFA("123456"),
		AWS:       cfg,
		Log:       logs.Logger(),
	}
	// The verifier runs on the dialog's clock, which steps a minute at every
	// reading: a timestamp not taken afresh for each turn falls out of its
	// 150-second tolerance within two turns.
	v := &sigverify.Verifier{Roots: id.Roots(), Client: id.Client(), Now: s.clock.Now, Logger: h.Log}
	srv := httptest.NewServer(alexa.NewHTTPHandler(h, v, h.Log))
	t.Cleanup(srv.Close)
	s.url = srv.URL + "/alexa"
	return s
}

// dialog runs `easytocloud dialog` against the stack with the given extra arguments
// and stdin, on the stack's clock; it returns the exit status, stdout and stderr.
func (s *dialogStack) dialog(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	prev := dialogNow
	dialogNow = s.clock.Now
	t.Cleanup(func() { dialogNow = prev })
	var stdout, stderr bytes.Buffer
	vars := map[string]string{"EASYTOCLOUD_ACCESS_TOKEN": s.token}
	env := &cliEnv{stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return vars[k] }}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{"dialog", "--endpoint", s.url, "--alexa-identity", s.identity, "--skill-id", dialogSkillID}
	code := run(ctx, env, append(base, args...))
	s.output.Scan(t, "the dialog's stdout", stdout.String())
	s.output.Scan(t, "the dialog's stderr", stderr.String())
	return code, stdout.String(), stderr.String()
}

func writeScript(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "script.txt")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// designTranscript is the conversation of docs/ARCHITECTURE.md as `easytocloud dialog` prints
// it, instance IDs replaced by <name-id>.
const designTranscript = `You: Alexa, open easy to cloud
Alexa: [♪ tune] Welcome to easy to cloud. You can say list instances, describe kinesis shards, or start and stop an instance by name. What would you like to do?
You: list instances
Alexa: You have the following instances. In Ireland: jenkins, running; splunk, stopped. In North Virginia: web-1, running.
Card: easy to cloud
  Ireland:
    jenkins, running (<jenkins-id>)
    splunk, stopped (<splunk-id>)
  North Virginia:
    web-1, running (<web-1-id>)
You: describe kinesis shards
Alexa: You have a four shard Kinesis stream in Ireland, called clickstream.
Card: easy to cloud
  You have a four shard Kinesis stream in Ireland, called clickstream.
You: start splunk
Alexa: You need to authenticate. Say authenticate and the code from your token, or say authenticate text.
You: authenticate 123456
Alexa: Access granted. Shall I start splunk now?
You: start splunk
Alexa: I have started splunk.
You: authenticate text
Alexa: I've sent the code to your phone. When it arrives, say authenticate and the six digits.
You: authenticate 514309
Alexa: Access granted.
You: stop jenkins
Alexa: Should I stop jenkins in Ireland?
You: yes
Alexa: I have stopped jenkins.
`

func TestDialogScript(t *testing.T) {
	s := newDialogStack(t)

	t.Run("DesignConversation", func(t *testing.T) {
		script := writeScript(t,
			"# The conversation of docs/ARCHITECTURE.md.",
			"Alexa, open easy to cloud",
			"list instances",
			"describe kinesis shards",
			"start splunk",
			"authenticate 123456",
			"start splunk",
			"authenticate text",
			"authenticate 514309",
			"",
			"stop jenkins",
			"yes",
		)
		code, stdout, stderr := s.dialog(t, "", "--script", script)
		if code != 0 {
			t.Fatalf("exit %d, stderr %s\nstdout:\n%s", code, stderr, stdout)
		}
		stdout = strings.NewReplacer(s.splunk, "<splunk-id>", s.jenkins, "<jenkins-id>", s.web, "<web-1-id>").Replace(stdout)
		if stdout != designTranscript {
			t.Errorf("transcript differs; got:\n%s\nwant:\n%s", stdout, designTranscript)
		}
		acct := awstest.AccountConfig(t, s.account)
		if got := awstest.InstanceState(t, acct, "eu-west-1", s.splunk); got != "running" {
			t.Errorf("splunk is %s, want running", got)
		}
		if got := awstest.InstanceState(t, acct, "eu-west-1", s.jenkins); got != "stopped" {
			t.Errorf("jenkins is %s, want stopped", got)
		}
	})

	t.Run("GermanLaunch", func(t *testing.T) {
		code, stdout, stderr := s.dialog(t, "", "--locale", "de-DE", "--script", writeScript(t, "Alexa, öffne einfach cloud", "hilfe"))
		if code != 0 {
			t.Fatalf("exit %d, stderr %s", code, stderr)
		}
		want := "You: Alexa, öffne einfach cloud\nAlexa: [♪ tune] Willkommen bei einfach cloud. Du kannst sagen: liste Instanzen,"
		if !strings.HasPrefix(stdout, want) {
			t.Errorf("stdout = %q, want it to start %q", stdout, want)
		}
	})

	// --verbose prints every request and response on stderr: s.dialog checks that
	// the access token is not among them.
	t.Run("VerboseHidesTheToken", func(t *testing.T) {
		code, _, stderr := s.dialog(t, "", "--verbose", "--script", writeScript(t, "open easy to cloud", "authenticate text"))
		if code != 0 || !strings.Contains(stderr, `"accessToken": "[redacted]"`) {
			t.Errorf("exit %d, stderr %q; want 0 and the requests with their tokens redacted", code, stderr)
		}
	})

	t.Run("LineNoIntentMatches", func(t *testing.T) {
		script := writeScript(t, "open easy to cloud", "# a comment", "sing me a song", "list instances")
		code, stdout, stderr := s.dialog(t, "", "--script", script)
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		if !strings.Contains(stderr, `line 3: no intent matches "sing me a song"`) {
			t.Errorf("stderr = %q, want the line number and the line", stderr)
		}
		if !strings.Contains(stdout, "Welcome to easy to cloud.") || strings.Contains(stdout, "You: list instances") {
			t.Errorf("stdout = %q, want the turns before line 3 and none after", stdout)
		}
	})

	t.Run("Interactive", func(t *testing.T) {
		code, stdout, stderr := s.dialog(t, "open easy to cloud\nsing me a song\ndescribe kinesis shards\n")
		if code != 0 {
			t.Fatalf("exit %d, stderr %s", code, stderr)
		}
		for _, want := range []string{
			"Say something (\"open easy to cloud\" to start, Ctrl-D to quit).\nYou: Alexa: [♪ tune] Welcome to easy to cloud.",
			"You: (no intent matches; sending AMAZON.FallbackIntent)\nAlexa: ",
			"You: Alexa: You have a four shard Kinesis stream in Ireland, called clickstream.\n",
		} {
			if !strings.Contains(stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, stdout)
			}
		}
	})

	t.Run("UntrustedIdentity", func(t *testing.T) {
		other := filepath.Join(t.TempDir(), "other")
		var stdout, stderr bytes.Buffer
		env := &cliEnv{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
		code := run(context.Background(), env, []string{"dialog", "--endpoint", s.url, "--alexa-identity", other,
			"--skill-id", dialogSkillID, "--script", writeScript(t, "open easy to cloud")})
		if code != 1 || !strings.Contains(stderr.String(), "400 Bad Request (it refuses requests it cannot verify: does it trust the same --alexa-identity directory?)") {
			t.Errorf("exit %d, stderr %q; want 1 and the hint", code, stderr.String())
		}
	})

	t.Run("EndpointWithoutIdentity", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		env := &cliEnv{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
		if code := run(context.Background(), env, []string{"dialog", "--endpoint", s.url}); code != 2 || !strings.Contains(stderr.String(), "--alexa-identity is required") {
			t.Errorf("exit %d, stderr %q; want 2 and the missing flag named", code, stderr.String())
		}
	})
}

// stepClock advances by step at every reading.
type stepClock struct {
	next atomic.Int64 // Unix nanoseconds of the next reading
	step time.Duration
}

func newStepClock(start time.Time, step time.Duration) *stepClock {
	c := &stepClock{step: step}
	c.next.Store(start.UnixNano())
	return c
}

func (c *stepClock) Now() time.Time {
	return time.Unix(0, c.next.Add(int64(c.step))-int64(c.step))
}

// dialogMFA is the second factor for scripted dialogs: the given codes elevate for
// ten minutes, and "authenticate text" sends the code 514309 (moto's SNS would send a
// random one, which no script can know).
type dialogMFA struct {
	mu       sync.Mutex
	codes    map[string]bool
	elevated map[string]time.Time
}

func newDialogMFA(codes ...string) *dialogMFA {
	f := &dialogMFA{codes: map[string]bool{}, elevated: map[string]time.Time{}}
	for _, c := range codes {
		f.codes[c] = true
	}
	return f
}

func (f *dialogMFA) Challenge(context.Context, string, string, mfa.Origin) (mfa.Challenge, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.codes["514309"] = true
	return mfa.Challenge{Method: tenants.MFASMS, Sent: true, PhoneHint: "78", ExpiresAt: time.Now().Add(mfa.CodeTTL)}, nil
}

func (f *dialogMFA) Verify(_ context.Context, tenantID, userID string, _ mfa.Origin, code string) (mfa.Elevation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.codes[code] {
		return mfa.Elevation{}, &mfa.CodeError{TriesLeft: 4}
	}
	until := time.Now().Add(10 * time.Minute)
	f.elevated[tenantID+"/"+userID] = until
	return mfa.Elevation{Until: until}, nil
}

func (f *dialogMFA) Elevation(_ context.Context, tenantID, userID string, _ mfa.Origin) (mfa.Elevation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	until, ok := f.elevated[tenantID+"/"+userID]
	if !ok || !until.After(time.Now()) {
		return mfa.Elevation{}, mfa.ErrNotElevated
	}
	return mfa.Elevation{Until: until}, nil
}

func (f *dialogMFA) Lock(_ context.Context, tenantID, userID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.elevated, tenantID+"/"+userID)
	return nil
}
