package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/interactionmodel"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/localalexa"
	"github.com/easytocloud/easytocloud/skill"
)

// reporter is where a conversation's failed expectations go: the test, or a
// recorder when a test proves that a broken skill fails the conversation.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// step is one row of a conversation: what the person says ({sms} is the code in the
// newest SMS to their phone) and what must hold afterwards.
type step struct {
	say string
	// want is the whole rendered answer, or its beginning when prefix is set.
	want   string
	prefix bool
	// before runs ahead of the utterance (move a clock, change the world).
	before func()
	// check inspects the answer and the world (instance states, SMS).
	check func(r reporter, resp *alexa.ResponseEnvelope)
}

// sender delivers one request to the skill, as Alexa would.
type sender interface {
	send(ctx context.Context, env alexa.RequestEnvelope) (*alexa.ResponseEnvelope, error)
}

// httpsSender POSTs requests to the local stack's /alexa, signed by the local Alexa
// identity and stamped as they are sent, as Alexa does.
type httpsSender struct {
	url    string
	signer *localalexa.Signer
}

func (s httpsSender) send(ctx context.Context, env alexa.RequestEnvelope) (*alexa.ResponseEnvelope, error) {
	env.Request.Timestamp = time.Now().UTC().Format(time.RFC3339)
	body, err := json.Marshal(env)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/alexa", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if err := s.signer.Sign(req); err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/alexa answered %s: %s", resp.Status, b)
	}
	var out alexa.ResponseEnvelope
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("decode the skill's answer: %w", err)
	}
	return &out, nil
}

// lambdaSender calls the Lambda entry (skill.Handler.Handle, which cmd/skill hands
// to lambda.Start) with the event and the answer going through JSON as the Lambda
// runtime sends them.
type lambdaSender struct{ h *skill.Handler }

func (s lambdaSender) send(ctx context.Context, env alexa.RequestEnvelope) (*alexa.ResponseEnvelope, error) {
	env.Request.Timestamp = time.Now().UTC().Format(time.RFC3339)
	event, err := json.Marshal(env)
	if err != nil {
		return nil, err
	}
	var in alexa.RequestEnvelope
	if err := json.Unmarshal(event, &in); err != nil {
		return nil, err
	}
	resp, err := s.h.Handle(ctx, &in)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(resp)
	if err != nil {
		return nil, err
	}
	var out alexa.ResponseEnvelope
	return &out, json.Unmarshal(b, &out)
}

// talk is one Echo session of one person.
type talk struct {
	conv   *interactionmodel.Conversation
	sender sender
	phone  string // whose SMS {sms} reads
	// stopAtFailure ends the conversation at the first failed row (a broken skill
	// would otherwise go on sending SMS and changing instances).
	stopAtFailure bool
}

func newTalk(t *testing.T, s sender, accessToken, phone string) *talk {
	t.Helper()
	m, err := interactionmodel.NewLocaleMatcher("en-US", skillID)
	if err != nil {
		t.Fatal(err)
	}
	return &talk{sender: s, phone: phone, conv: &interactionmodel.Conversation{
		Matcher: m, Locale: "en-US", SkillID: skillID, AccessToken: accessToken,
		UserID: "amzn1.ask.account.e2e", DeviceID: "amzn1.ask.device.e2e",
	}}
}

// failures counts a reporter's errors, passing them on.
type failures struct {
	reporter
	n int
}

func (f *failures) Errorf(format string, args ...any) {
	f.n++
	f.reporter.Errorf(format, args...)
}

// run holds the conversation, reporting every unmet expectation to r, and returns
// the answers and the number (1-based) of the first row that failed, 0 if none.
// Failures of the machinery itself (the emulator, a malformed model) end the test.
func (c *talk) run(t *testing.T, r reporter, steps []step) (answers []*alexa.ResponseEnvelope, firstFailed int) {
	t.Helper()
	for i, s := range steps {
		if s.before != nil {
			s.before()
		}
		say := s.say
		if strings.Contains(say, "{sms}") {
			say = strings.ReplaceAll(say, "{sms}", newestCode(t, c.phone))
		}
		env, err := c.conv.Utter(say)
		if err != nil {
			t.Fatalf("row %d, %q: %v", i+1, say, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		start := time.Now()
		resp, err := c.sender.send(ctx, env)
		cancel()
		f := &failures{reporter: r}
		if err != nil {
			f.Errorf("row %d, you say %q: %v", i+1, say, err)
		} else {
			t.Logf("row %d, %q: answered in %s", i+1, say, time.Since(start).Round(time.Millisecond))
			if err := c.conv.Receive(*resp); err != nil {
				t.Fatalf("row %d: the simulator cannot read the answer: %v", i+1, err)
			}
			checkStep(f, i+1, say, s, resp)
		}
		answers = append(answers, resp)
		if f.n > 0 && firstFailed == 0 {
			firstFailed = i + 1
			if c.stopAtFailure {
				return answers, firstFailed
			}
		}
	}
	return answers, firstFailed
}

// checkStep reports where resp differs from what the row expects.
func checkStep(r reporter, row int, say string, s step, resp *alexa.ResponseEnvelope) {
	r.Helper()
	if resp == nil {
		r.Errorf("row %d, you say %q: no answer", row, say)
		return
	}
	got := interactionmodel.SpeechText(resp.Response.OutputSpeech)
	if s.prefix && !strings.HasPrefix(got, s.want) || !s.prefix && got != s.want {
		r.Errorf("row %d, you say %q: Alexa answers %q, want %q", row, say, got, s.want)
	}
	if s.check != nil {
		s.check(r, resp)
	}
}

var smsCodeRE = regexp.MustCompile(`\b(\d{6})\b`)

// newestCode returns the code of the newest SMS to phone.
func newestCode(t *testing.T, phone string) string {
	t.Helper()
	msgs := awstest.SMSTo(t, phone)
	if len(msgs) == 0 {
		t.Fatalf("no SMS to %s", phone)
	}
	m := smsCodeRE.FindStringSubmatch(msgs[len(msgs)-1].Text)
	if m == nil {
		t.Fatalf("the newest SMS to %s holds no code: %q", phone, msgs[len(msgs)-1].Text)
	}
	return m[1]
}

// state returns a check that instance name of tw is in state want.
func state(t *testing.T, tw *tenantWorld, name, want string) func(reporter, *alexa.ResponseEnvelope) {
	return func(r reporter, _ *alexa.ResponseEnvelope) {
		r.Helper()
		in := tw.instances[name]
		if got := instanceState(t, tw.acct, in.region, in.id); got != want {
			r.Errorf("%s's %s is %s, want %s", tw, name, got, want)
		}
	}
}

func instanceState(t *testing.T, acct aws.Config, region, id string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := ec2.NewFromConfig(acct, func(o *ec2.Options) { o.Region = region }).DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || len(out.Reservations) == 0 {
		t.Fatalf("describe %s in %s: %v", id, region, err)
	}
	return string(out.Reservations[0].Instances[0].State.Name)
}

const (
	welcome  = interactionmodel.TuneMarker + " Welcome to easy to cloud."
	needAuth = "You need to authenticate. Say authenticate and the code from your token, or say authenticate text."
)

// tune checks that the welcome plays a clip from the Alexa sound library.
func tune(r reporter, resp *alexa.ResponseEnvelope) {
	r.Helper()
	if o := resp.Response.OutputSpeech; o == nil || !strings.Contains(o.SSML, `<audio src="soundbank://soundlibrary/`) {
		r.Errorf("the welcome plays no tune from the sound library: %+v", o)
	}
}

// acmeSteps is docs/ARCHITECTURE.md's conversation as acme's user (SMS codes), from the seeded
// state, with what must hold in acme's and globex's accounts after each row: acme
// neither sees nor changes globex's ledger, and after "lock" starting splunk needs a
// new code. It sends one SMS and ends locked.
func acmeSteps(t *testing.T, w *world) []step {
	acme, globex := w.acme, w.globex
	return []step{
		{say: "open easy to cloud", want: welcome, prefix: true, check: tune},
		{say: "list instances", want: "You have the following instances. In Ireland: jenkins, running; splunk, stopped. In North Virginia: web-1, running."},
		{say: "describe kinesis shards", want: "You have a four shard Kinesis stream in Ireland, called clickstream."},
		{say: "start splunk", want: needAuth, check: state(t, acme, "splunk", "stopped")},
		{say: "authenticate text", want: "I've sent the code to your phone.", prefix: true, check: func(r reporter, _ *alexa.ResponseEnvelope) {
			r.Helper()
			msgs := awstest.SMSTo(t, acme.phone)
			if len(msgs) == 0 || !smsCodeRE.MatchString(msgs[len(msgs)-1].Text) || !strings.Contains(msgs[len(msgs)-1].Text, "expires in 5 minutes") {
				r.Errorf("no SMS with a code and its expiry to %s: %+v", acme.phone, msgs)
			}
		}},
		{say: "authenticate {sms}", want: "Access granted. Shall I start splunk now?"},
		{say: "start splunk", want: "I have started splunk.", check: state(t, acme, "splunk", "running")},
		{say: "start ledger", want: "I couldn't find an instance called ledger.", prefix: true, check: state(t, globex, "ledger", "stopped")},
		{say: "stop jenkins", want: "Should I stop jenkins in Ireland?", check: state(t, acme, "jenkins", "running")},
		{say: "yes", want: "I have stopped jenkins.", check: state(t, acme, "jenkins", "stopped")},
		{say: "list instances", want: "You have the following instances. In Ireland: jenkins, stopped; splunk, running. In North Virginia: web-1, running."},
		{say: "stop splunk", want: "Should I stop splunk in Ireland?", check: state(t, acme, "splunk", "running")},
		{say: "yes", want: "I have stopped splunk.", check: state(t, acme, "splunk", "stopped")},
		{say: "lock", want: "Done. Any change now needs a new code."},
		{say: "start splunk", want: needAuth, check: state(t, acme, "splunk", "stopped")},
		{say: "start jenkins", want: needAuth, check: state(t, acme, "jenkins", "stopped")},
	}
}

// globexSteps is globex's user (token codes: the emulator accepts any code, as STS
// would the token's current one) after acmeSteps: globex sees only its ledger and
// cannot start acme's splunk, which acme left stopped. It ends locked.
func globexSteps(t *testing.T, w *world) []step {
	acme, globex := w.acme, w.globex
	return []step{
		{say: "open easy to cloud", want: welcome, prefix: true},
		{say: "list instances", want: "You have the following instances. In Ireland: ledger, stopped."},
		{say: "describe kinesis shards", want: "You have no Kinesis streams."},
		{say: "start ledger", want: needAuth, check: state(t, globex, "ledger", "stopped")},
		{say: "authenticate 123456", want: "Access granted. Shall I start ledger now?"},
		{say: "start ledger", want: "I have started ledger.", check: state(t, globex, "ledger", "running")},
		{say: "start splunk", want: "I couldn't find an instance called splunk.", prefix: true, check: state(t, acme, "splunk", "stopped")},
		{say: "lock", want: "Done. Any change now needs a new code."},
	}
}
