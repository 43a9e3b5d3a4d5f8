package e2e

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
	"github.com/easytocloud/easytocloud/internal/localalexa"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/internal/testclock"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/skill"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// stack is a world with "easytocloud serve" running on it and both users linked.
// The serve process's logs and the in-process handlers' are checked for the world's
// secrets (internal/leakcheck) when the test ends.
type stack struct {
	w                    *world
	serve                *serveProcess
	identity             *localalexa.Identity
	acmeLink, globexLink linked
	logs                 *leakcheck.Buffer // the in-process handlers' log lines
	leak                 *leakcheck.Log    // the same lines, checked for secrets
}

// secret registers values no log line of the stack may hold.
func (s *stack) secret(kind string, values ...string) {
	s.serve.leak.Secret(kind, values...)
	s.leak.Secret(kind, values...)
}

// logger is the in-process handlers' logger.
func (s *stack) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(io.MultiWriter(s.logs, s.leak), nil))
}

func newStack(t *testing.T) *stack {
	t.Helper()
	w := newWorld(t)
	dir := t.TempDir()
	vars := maps.Clone(w.vars)
	vars["EASYTOCLOUD_SIGNING_KEY_FILE"] = filepath.Join(dir, "signing-key.pem")
	vars["EASYTOCLOUD_SKILL_ID"] = skillID
	idDir := filepath.Join(dir, "alexa")
	s := &stack{w: w, logs: &leakcheck.Buffer{}, leak: leakcheck.New(t)}
	s.serve = startServe(t, vars, "--addr", "127.0.0.1:0", "--alexa-identity", idDir)
	s.secret("password", password)
	s.secret("client secret", w.clientSecret)
	for _, l := range []*leakcheck.Log{s.serve.leak, s.leak} {
		l.Phone(w.acme.phone, w.globex.phone)
	}
	var err error
	if s.identity, err = localalexa.Load(idDir, time.Now()); err != nil {
		t.Fatal(err)
	}
	s.acmeLink = linkAsAlexaApp(t, w, s.serve.URL, w.acme)
	s.globexLink = linkAsAlexaApp(t, w, s.serve.URL, w.globex)
	for _, l := range []linked{s.acmeLink, s.globexLink} {
		s.secret("access token", l.token.AccessToken)
		s.secret("refresh token", l.token.RefreshToken)
	}
	return s
}

func (s *stack) https() sender { return httpsSender{url: s.serve.URL, signer: s.identity.Signer()} }

// lambdaHandler is the skill wired as cmd/skill wires it for Lambda — the table, the
// tenants' roles, the mfa API over HTTP with SigV4 (here the local stack's /mfa/v1/),
// revocation, no progressive responses — except that access tokens are checked with
// the local stack's published key (its JWKS) instead of the KMS key's public half,
// because the local stack signs with a key in a file.
func (s *stack) lambdaHandler(t *testing.T) *skill.Handler {
	t.Helper()
	cfg := awstest.Config(t)
	db, keys := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	tableName := s.w.vars["EASYTOCLOUD_TABLE"]
	return &skill.Handler{
		SkillID:   skillID,
		Tokens:    &accesstoken.Verifier{Issuer: s.serve.URL, Audience: skillID, Keys: accesstoken.JWKSKeys(s.serve.URL+"/.well-known/jwks.json", nil)},
		Directory: dynamo.NewStore(table.New(db, tableName), keys, ""),
		Access:    account.NewAccess(sts.NewFromConfig(cfg)),
		MFA:       mfa.NewClient(s.serve.URL, &http.Client{Timeout: 3 * time.Second}, cfg.Credentials, cfg.Region),
		Revoker:   oauth.NewTokens(table.New(db, tableName), nil),
		AWS:       cfg,
		Log:       s.logger(),
	}
}

// lock ends a user's elevation through the local stack's MFA API.
func (s *stack) lock(t *testing.T, tw *tenantWorld, userToken string) {
	t.Helper()
	p, err := (&accesstoken.Verifier{Issuer: s.serve.URL, Audience: skillID, Keys: accesstoken.JWKSKeys(s.serve.URL+"/.well-known/jwks.json", nil)}).Verify(context.Background(), userToken)
	if err != nil {
		t.Fatal(err)
	}
	cfg := awstest.Config(t)
	if err := mfa.NewClient(s.serve.URL, nil, cfg.Credentials, cfg.Region).Lock(context.Background(), p.TenantID, p.UserID); err != nil {
		t.Fatalf("lock %s: %v", tw, err)
	}
}

// TestConversation is the product end to end: the real easytocloud binary serves the
// local stack against the emulator, both users link their Alexa accounts as the Alexa
// app does, and docs/ARCHITECTURE.md's conversation runs row by row for acme (SMS codes) and
// globex (token codes), over the signed HTTPS endpoint and through the Lambda entry,
// with speech and instance states checked after every row.
func TestConversation(t *testing.T) {
	s := newStack(t)
	w := s.w
	var lambdaAnswers []*alexa.ResponseEnvelope
	for _, path := range []struct {
		name string
		send sender
	}{{"HTTPS", s.https()}, {"Lambda", lambdaSender{s.lambdaHandler(t)}}} {
		t.Run(path.name, func(t *testing.T) {
			w.reset(t)
			answers, _ := newTalk(t, path.send, s.acmeLink.token.AccessToken, w.acme.phone).run(t, t, acmeSteps(t, w))
			more, _ := newTalk(t, path.send, s.globexLink.token.AccessToken, w.globex.phone).run(t, t, globexSteps(t, w))
			if path.name == "Lambda" {
				lambdaAnswers = append(answers, more...)
			}
		})
	}

	t.Run("ElevationWindow", func(t *testing.T) {
		// In process, with one controlled clock for the MFA service and the skill: a
		// grant lasts the tenant's window (ten minutes), then changes need a new code.
		cfg := awstest.Config(t)
		db, keys := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
		tableName, secretsKey := w.vars["EASYTOCLOUD_TABLE"], w.vars["EASYTOCLOUD_SECRETS_KEY_ID"]
		clk := testclock.New(time.Now())
		svc := mfa.NewService(dynamo.NewStore(table.New(db, tableName), keys, secretsKey), dynamo.NewKeyring(table.New(db, tableName), keys, secretsKey), table.New(db, tableName), sns.NewFromConfig(cfg), mfa.NewSTSFactory(cfg))
		svc.Now, svc.Log = clk.Now, s.logger()
		h := s.lambdaHandler(t)
		h.MFA, h.Now = svc, clk.Now
		splunk := w.acme.instances["splunk"]
		steps := []step{
			{say: "open easy to cloud", want: welcome, prefix: true, before: func() { w.reset(t) }},
			{say: "start splunk", want: needAuth, check: state(t, w.acme, "splunk", "stopped")},
			{say: "authenticate text", want: "I've sent the code to your phone.", prefix: true},
			{say: "authenticate {sms}", want: "Access granted. Shall I start splunk now?"},
			{say: "start splunk", want: "I have started splunk.", check: state(t, w.acme, "splunk", "running"),
				before: func() { clk.Advance(9*time.Minute + 59*time.Second) }},
			{say: "start splunk", want: needAuth, check: state(t, w.acme, "splunk", "stopped"),
				before: func() {
					stopInstance(t, w.acme.acct, splunk.region, splunk.id)
					clk.Advance(2 * time.Second)
				}},
		}
		newTalk(t, lambdaSender{h}, s.acmeLink.token.AccessToken, w.acme.phone).run(t, t, steps)
	})

	t.Run("RefreshedToken", func(t *testing.T) {
		// Alexa refreshes the access token with the refresh token (not rotated); the new
		// one works at once.
		tok, err := s.acmeLink.config.TokenSource(context.Background(), &oauth2.Token{RefreshToken: s.acmeLink.token.RefreshToken}).Token()
		if err != nil || tok.AccessToken == "" || tok.AccessToken == s.acmeLink.token.AccessToken {
			t.Fatalf("refresh: %v", err)
		}
		s.secret("access token", tok.AccessToken)
		newTalk(t, s.https(), tok.AccessToken, w.acme.phone).run(t, t, []step{
			{say: "list instances in North Virginia", want: "You have the following instances. In North Virginia: web-1, running."},
		})
	})

	t.Run("OtherSkill", func(t *testing.T) {
		c := newTalk(t, nil, s.acmeLink.token.AccessToken, w.acme.phone)
		c.conv.SkillID = "amzn1.ask.skill.someone-else"
		env := c.conv.Launch()
		if _, err := s.lambdaHandler(t).Handle(context.Background(), &env); !errors.Is(err, alexa.ErrWrongApplication) {
			t.Errorf("Lambda: a request for another skill: %v, want ErrWrongApplication", err)
		}
		if _, err := s.https().send(context.Background(), env); err == nil || !strings.Contains(err.Error(), "400") {
			t.Errorf("HTTPS: a request for another skill: %v, want 400", err)
		}
		other, err := localalexa.New(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		env = newTalk(t, nil, s.acmeLink.token.AccessToken, w.acme.phone).conv.Launch()
		if _, err := (httpsSender{url: s.serve.URL, signer: other.Signer()}).send(context.Background(), env); err == nil || !strings.Contains(err.Error(), "400") {
			t.Errorf("HTTPS: a request signed by an identity the stack does not trust: %v, want 400", err)
		}
	})

	t.Run("BrokenSkillFails", func(t *testing.T) {
		testBrokenSkillFails(t, s, lambdaAnswers)
	})

	t.Run("LogsHoldNoSecrets", func(t *testing.T) {
		// The passwords, client secret, phones and tokens were registered as they
		// came; the codes sent are known now. The check runs when the test ends.
		for _, m := range awstest.SMSTo(t, w.acme.phone) {
			s.secret("otp", smsCodeRE.FindString(m.Text))
		}
		if logs := s.serve.stdout.String() + s.logs.String(); !strings.Contains(logs, `"msg"`) {
			t.Fatalf("no log lines to check:\n%.500s", logs)
		}
	})
}

func stopInstance(t *testing.T, acct aws.Config, region, id string) {
	t.Helper()
	if _, err := ec2.NewFromConfig(acct, func(o *ec2.Options) { o.Region = region }).StopInstances(context.Background(), &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
}
