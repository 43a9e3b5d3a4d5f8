package skill

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/faults"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// The fault tests wire the skill as cmd/skill does — directory and token keys from
// DynamoDB and KMS, the tenant's account through STS, the second factor through the
// mfa HTTP API (its Service on DynamoDB, KMS, SNS and STS) — with every AWS request
// of the skill and of the mfa API passing through a faults.Transport. Each case
// injects throttling, server errors, timeouts or lost responses into one service and
// checks that the answer is a sentence a person understands, that only what is safe
// to retry is retried, and that no success is claimed for a change that did not
// happen.

// faultWorld is what every case shares: the table, the keys, a token tenant and an
// SMS tenant with one user each, and the token tenant's account.
type faultWorld struct {
	table, secretsKey, signingKey string
	acct                          aws.Config // the token tenant's account, unfaulted
	splunk, jenkins               string
	token, smsToken               string
	who, smsWho                   tenants.Principal
	phone, smsPhone               string
	verifierSecret                string
}

func newFaultWorld(t *testing.T) *faultWorld {
	t.Helper()
	ctx := context.Background()
	cfg := awstest.Config(t)
	w := &faultWorld{table: awstest.Table(t), secretsKey: awstest.SecretsKey(t), signingKey: awstest.SigningKey(t),
		phone: "+15550142001", smsPhone: "+15550142002", verifierSecret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAULTKEY1"}
	keys := kms.NewFromConfig(cfg)
	admin := dynamo.NewStore(table.New(dynamodb.NewFromConfig(cfg), w.table), keys, w.secretsKey)
	admin.Password = tenants.PasswordParams{Memory: 64, Time: 1, Threads: 1}
	account := awstest.NewAccountID(t)
	w.acct = awstest.AccountConfig(t, account)
	w.splunk = awstest.SeedInstance(t, w.acct, "eu-west-1", "splunk", "stopped")
	w.jenkins = awstest.SeedInstance(t, w.acct, "eu-west-1", "jenkins", "running")
	awstest.SeedStream(t, w.acct, "eu-west-1", "clickstream", 4)
	signer := accesstoken.NewKMSSigner(keys, w.signingKey)
	mk := func(tn tenants.Tenant, secret, phone, email string) (tenants.Principal, string) {
		tn, err := admin.CreateTenant(ctx, tn, secret)
		if err != nil {
			t.Fatalf("create tenant: %v", err)
		}
		u, err := admin.CreateUser(ctx, tenants.User{TenantID: tn.ID, Email: email, Phone: phone}, "correct horse battery staple")
		if err != nil {
			t.Fatalf("create user: %v", err)
		}
		now := time.Now()
		tok, err := accesstoken.Mint(ctx, signer, accesstoken.Claims{Issuer: testIssuer, Audience: testSkillID, Subject: u.ID,
			TenantID: tn.ID, IssuedAt: now, ExpiresAt: now.Add(2 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		return tenants.Principal{TenantID: tn.ID, UserID: u.ID}, tok
	}
	w.who, w.token = mk(tenants.Tenant{Name: "Faulty token", RoleARN: "arn:aws:iam::" + account + ":role/easytocloud", Regions: []string{"eu-west-1"},
		MFA: tenants.MFAPolicy{Kind: tenants.MFAToken, Elevation: 10 * time.Minute, Serial: "arn:aws:iam::" + account + ":mfa/verifier",
			VerifierKeyID: "AKIAFAULTVERIFIER01"}}, w.verifierSecret, w.phone, "faults-token@example.com")
	w.smsWho, w.smsToken = mk(tenants.Tenant{Name: "Faulty sms", RoleARN: "arn:aws:iam::" + awstest.NewAccountID(t) + ":role/easytocloud",
		Regions: []string{"eu-west-1"}, MFA: tenants.MFAPolicy{Kind: tenants.MFASMS, Elevation: 10 * time.Minute}}, "", w.smsPhone, "faults-sms@example.com")
	return w
}

// faultStack is one case's skill, wired afresh (empty caches) with every AWS call
// through ft.
type faultStack struct {
	h    *Handler
	ft   *faults.Transport
	svc  *mfa.Service
	logs *logBuffer
	leak *leakcheck.Log
}

func (w *faultWorld) stack(t *testing.T) *faultStack {
	t.Helper()
	ft := faults.New(nil)
	// The SDK's own retry policy (what it retries, how often), with short waits
	// between attempts so that the cases take milliseconds, not seconds.
	cfg := ft.Config(awstest.Config(t))
	db, keys := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	store := dynamo.NewStore(table.New(db, w.table), keys, w.secretsKey)
	logs, leak := &logBuffer{}, leakcheck.New(t)
	leak.Secret("access token", w.token, w.smsToken)
	leak.Secret("verifier secret", w.verifierSecret)
	leak.Phone(w.phone, w.smsPhone)
	log := slog2(logs, leak)
	svc := mfa.NewService(store, dynamo.NewKeyring(table.New(db, w.table), keys, w.secretsKey), table.New(db, w.table), sns.NewFromConfig(cfg), mfa.NewSTSFactory(cfg))
	svc.Log = log
	api := httptest.NewServer(mfa.NewHandler(svc))
	t.Cleanup(api.Close)
	h := &Handler{
		SkillID:   testSkillID,
		Tokens:    &accesstoken.Verifier{Issuer: testIssuer, Audience: testSkillID, Keys: accesstoken.KMSKeys(keys, w.signingKey)},
		Directory: store,
		Access:    account.NewAccess(sts.NewFromConfig(cfg)),
		MFA:       mfa.NewClient(api.URL, &http.Client{Transport: ft, Timeout: 10 * time.Second}, cfg.Credentials, cfg.Region),
		AWS:       cfg,
		Log:       log,
	}
	return &faultStack{h: h, ft: ft, svc: svc, logs: logs, leak: leak}
}

// jargon is what a person should never hear.
var jargon = regexp.MustCompile(`(?i)error|exception|throttl|internal|status|code \d{3}|\b[45]\d\d\b|arn:|i-[0-9a-f]{8,}|akia|http|aws4|dynamodb|kms|sts|sns|\{|\}`)

// wantUnderstandable fails unless s is a plain sentence.
func wantUnderstandable(t *testing.T, s string) {
	t.Helper()
	if s == "" || !strings.ContainsAny(s[len(s)-1:], ".?!") || jargon.MatchString(s) {
		t.Errorf("not a sentence a person understands: %q", s)
	}
}

// faultTally counts the faults injected per service over all cases.
type faultTally struct {
	mu sync.Mutex
	n  map[string]int
}

func (f *faultTally) add(m map[string]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, v := range m {
		f.n[k] += v
	}
}

func (f *faultTally) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var parts []string
	for k, v := range f.n {
		parts = append(parts, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func TestFaults(t *testing.T) {
	w := newFaultWorld(t)
	tally := &faultTally{n: map[string]int{}}
	const (
		busy       = "AWS is busy right now. Please try again in a moment."
		keysDown   = "Sorry, I can't check your easy to cloud account right now. Please try again in a minute."
		mfaDown    = "Sorry, I can't check your authentication right now. Please try again in a moment."
		checkBusy  = "The check is busy; try again in a moment."
		couldntRd  = "I couldn't read Ireland."
		started    = "I have started splunk."
		stopped    = "I have stopped jenkins."
		granted    = "Access granted."
		listAnswer = "You have the following instances. In Ireland: jenkins, running; splunk, stopped."
	)
	rule := func(svc, action string, k faults.Kind, times int) faults.Rule {
		return faults.Rule{Service: svc, Action: action, Kind: k, Times: times}
	}
	type step struct {
		intent string
		slots  map[string]string
		status string
	}
	list := step{intent: "ListInstancesIntent"}
	start := step{intent: "StartInstanceIntent", slots: map[string]string{"instance": "splunk"}}
	stop := step{intent: "StopInstanceIntent", slots: map[string]string{"instance": "jenkins"}, status: alexa.ConfirmationConfirmed}
	tests := []struct {
		name    string
		sms     bool // the SMS tenant's user speaks
		elevate bool
		rules   []faults.Rule
		say     step
		want    []string // the answer is one of these (prefix match when it ends in "…")
		// attempts names operations and how many attempts each must have had.
		attempts map[string]int
		// ends: the answer ends the session (no account could be checked).
		ends bool
	}{
		// Reads are retried; a transient fault is not heard at all.
		{name: "EC2ReadThrottledOnce", rules: []faults.Rule{rule("ec2", "DescribeInstances", faults.Throttle, 1)}, say: list,
			want: []string{listAnswer}, attempts: map[string]int{"ec2:DescribeInstances": 2}},
		{name: "EC2Read5xxOnce", rules: []faults.Rule{rule("ec2", "DescribeInstances", faults.ServerError, 1)}, say: list,
			want: []string{listAnswer}, attempts: map[string]int{"ec2:DescribeInstances": 2}},
		{name: "EC2ReadTimeoutOnce", rules: []faults.Rule{rule("ec2", "DescribeInstances", faults.Timeout, 1)}, say: list,
			want: []string{listAnswer}, attempts: map[string]int{"ec2:DescribeInstances": 2}},
		{name: "KinesisThrottledOnce", rules: []faults.Rule{rule("kinesis", "ListStreams", faults.Throttle, 1)}, say: step{intent: "DescribeKinesisIntent"},
			want: []string{"You have a four shard Kinesis stream in Ireland, called clickstream."}},
		{name: "STSAssumeRole5xxOnce", rules: []faults.Rule{rule("sts", "AssumeRole", faults.ServerError, 1)}, say: list, want: []string{listAnswer}},
		{name: "DynamoDBReadThrottledOnce", rules: []faults.Rule{rule("dynamodb", "GetItem", faults.Throttle, 1)}, say: list, want: []string{listAnswer}},
		{name: "KMSPublicKey5xxOnce", rules: []faults.Rule{rule("kms", "GetPublicKey", faults.ServerError, 1)}, say: list, want: []string{listAnswer}},

		// Lasting faults are said in words.
		{name: "EC2ReadThrottled", rules: []faults.Rule{rule("ec2", "DescribeInstances", faults.Throttle, 0)}, say: list, want: []string{busy}},
		{name: "EC2Read5xx", rules: []faults.Rule{rule("ec2", "DescribeInstances", faults.ServerError, 0)}, say: list, want: []string{couldntRd}},
		{name: "EC2ReadTimeout", rules: []faults.Rule{rule("ec2", "DescribeInstances", faults.Timeout, 0)}, say: list,
			want: []string{"I couldn't reach Ireland in time.", couldntRd}},
		{name: "STSAssumeRoleThrottled", rules: []faults.Rule{rule("sts", "AssumeRole", faults.Throttle, 0)}, say: list,
			want: []string{busy, "I couldn't reach Ireland in time."}},
		{name: "STSAssumeRole5xx", rules: []faults.Rule{rule("sts", "AssumeRole", faults.ServerError, 0)}, say: list, want: []string{couldntRd}},
		{name: "STSAssumeRoleTimeout", rules: []faults.Rule{rule("sts", "AssumeRole", faults.Timeout, 0)}, say: list,
			want: []string{couldntRd, "I couldn't reach Ireland in time."}},
		{name: "DynamoDBDirectoryThrottled", rules: []faults.Rule{rule("dynamodb", "GetItem", faults.Throttle, 0)}, say: list, want: []string{keysDown}, ends: true},
		{name: "DynamoDBDirectory5xx", rules: []faults.Rule{rule("dynamodb", "GetItem", faults.ServerError, 0)}, say: list, want: []string{keysDown}, ends: true},
		{name: "KMSPublicKeyThrottled", rules: []faults.Rule{rule("kms", "GetPublicKey", faults.Throttle, 0)}, say: list, want: []string{keysDown}, ends: true},
		{name: "KMSPublicKeyTimeout", rules: []faults.Rule{rule("kms", "GetPublicKey", faults.Timeout, 0)}, say: list, want: []string{keysDown}, ends: true},

		// Changes: StartInstances and StopInstances are retried only when AWS refused
		// them (throttling); after a fault whose outcome is unknown the instance is
		// read again, and the answer follows what it shows.
		{name: "StartThrottledOnce", elevate: true, rules: []faults.Rule{rule("ec2", "StartInstances", faults.Throttle, 1)}, say: start,
			want: []string{started}, attempts: map[string]int{"ec2:StartInstances": 2}},
		{name: "Start5xxNotApplied", elevate: true, rules: []faults.Rule{rule("ec2", "StartInstances", faults.ServerError, 1)}, say: start,
			want: []string{"Sorry, something went wrong on my side. Please try again."}, attempts: map[string]int{"ec2:StartInstances": 1}},
		{name: "StartTimeoutNotApplied", elevate: true, rules: []faults.Rule{rule("ec2", "StartInstances", faults.Timeout, 1)}, say: start,
			want: []string{"I couldn't reach your AWS account in time. Please try again."}, attempts: map[string]int{"ec2:StartInstances": 1}},
		{name: "StartResponseLost", elevate: true, rules: []faults.Rule{rule("ec2", "StartInstances", faults.LostResponse, 1)}, say: start,
			want: []string{started}, attempts: map[string]int{"ec2:StartInstances": 1}},
		{name: "StartResponseLostAndRereadFails", elevate: true, rules: []faults.Rule{rule("ec2", "StartInstances", faults.LostResponse, 1),
			{Service: "ec2", Action: "DescribeInstances", Kind: faults.ServerError, Skip: 1}}, say: start,
			want: []string{"Sorry, something went wrong on my side. Please try again."}, attempts: map[string]int{"ec2:StartInstances": 1}},
		{name: "StopThrottled", elevate: true, rules: []faults.Rule{rule("ec2", "StopInstances", faults.Throttle, 0)}, say: stop, want: []string{busy}},
		{name: "StopResponseLost", elevate: true, rules: []faults.Rule{rule("ec2", "StopInstances", faults.LostResponse, 1)}, say: stop,
			want: []string{stopped}, attempts: map[string]int{"ec2:StopInstances": 1}},

		// The second factor: its API, and the AWS services behind it.
		{name: "MFAAPI5xx", elevate: true, rules: []faults.Rule{rule("execute-api", "", faults.ServerError, 0)}, say: start, want: []string{mfaDown}},
		{name: "MFAAPIThrottled", elevate: true, rules: []faults.Rule{rule("execute-api", "", faults.Throttle, 0)}, say: start, want: []string{checkBusy, mfaDown}},
		{name: "MFAAPITimeout", rules: []faults.Rule{rule("execute-api", "", faults.Timeout, 0)}, say: step{intent: "AuthenticateIntent", slots: map[string]string{"code": "123456"}},
			want: []string{mfaDown}},
		{name: "STSGetSessionTokenThrottled", rules: []faults.Rule{rule("sts", "GetSessionToken", faults.Throttle, 0)},
			say: step{intent: "AuthenticateIntent", slots: map[string]string{"code": "123456"}}, want: []string{checkBusy}},
		{name: "STSGetSessionToken5xxOnce", rules: []faults.Rule{rule("sts", "GetSessionToken", faults.ServerError, 1)},
			say: step{intent: "AuthenticateIntent", slots: map[string]string{"code": "123456"}}, want: []string{granted}},
		{name: "KMSDecryptVerifierSecret5xx", rules: []faults.Rule{rule("kms", "Decrypt", faults.ServerError, 0)},
			say: step{intent: "AuthenticateIntent", slots: map[string]string{"code": "123456"}}, want: []string{mfaDown}},
		{name: "DynamoDBVerifyThrottled", rules: []faults.Rule{rule("dynamodb", "PutItem", faults.Throttle, 0)},
			say: step{intent: "AuthenticateIntent", slots: map[string]string{"code": "123456"}}, want: []string{checkBusy, mfaDown}},
		{name: "DynamoDBFailureWindowWriteLost", rules: []faults.Rule{rule("dynamodb", "PutItem", faults.LostResponse, 1)},
			say: step{intent: "AuthenticateIntent", slots: map[string]string{"code": "123456"}}, want: []string{granted}},
		// The third write: after the user's and the device's failure windows.
		{name: "DynamoDBElevationWriteLost", rules: []faults.Rule{{Service: "dynamodb", Action: "PutItem", Kind: faults.LostResponse, Skip: 2, Times: 1}},
			say: step{intent: "AuthenticateIntent", slots: map[string]string{"code": "123456"}}, want: []string{granted, mfaDown}},
		{name: "SNSThrottled", sms: true, rules: []faults.Rule{rule("sns", "Publish", faults.Throttle, 0)},
			say: step{intent: "AuthenticateIntent", slots: map[string]string{"method": "text"}}, want: []string{mfaDown, checkBusy}},
		{name: "SNS5xx", sms: true, rules: []faults.Rule{rule("sns", "Publish", faults.ServerError, 0)},
			say: step{intent: "AuthenticateIntent", slots: map[string]string{"method": "text"}}, want: []string{mfaDown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			// Each case starts from splunk stopped and jenkins running, and the user
			// elevated (through an unfaulted stack) or not.
			restoreStates(t, w)
			who, token := w.who, w.token
			if tt.sms {
				who, token = w.smsWho, w.smsToken
			}
			pre := w.stack(t)
			if err := pre.svc.Lock(ctx, who.TenantID, who.UserID); err != nil {
				t.Fatal(err)
			}
			// The case's stack starts cold (no cached keys, tenant, credentials), so
			// that the faulted service is really asked.
			fs := w.stack(t)
			d := newDevice(t, fs.h, token)
			if tt.elevate {
				if _, err := pre.svc.Verify(ctx, who.TenantID, who.UserID, d.origin(), "123456"); err != nil {
					t.Fatalf("elevate: %v", err)
				}
			}
			for _, r := range tt.rules {
				fs.ft.Add(r)
			}
			d.sessionID = "amzn1.echo-api.session.faults" // within a session: the answer keeps it open
			resp := d.intentStatus(tt.say.intent, tt.say.slots, tt.say.status)
			got := speech(resp)
			wantUnderstandable(t, got)
			ok := false
			for _, want := range tt.want {
				ok = ok || got == want || strings.HasSuffix(want, "…") && strings.HasPrefix(got, strings.TrimSuffix(want, "…"))
			}
			if !ok {
				t.Errorf("answer %q, want one of %q", got, tt.want)
			}
			if ended(resp) != tt.ends {
				t.Errorf("the session ended: %v, want %v", ended(resp), tt.ends)
			}
			// No success claimed for a change that did not happen.
			splunk := awstest.InstanceState(t, w.acct, "eu-west-1", w.splunk)
			jenkins := awstest.InstanceState(t, w.acct, "eu-west-1", w.jenkins)
			switch {
			case got == started && splunk != "running" && splunk != "pending":
				t.Errorf("said %q, but splunk is %s", got, splunk)
			case got == stopped && jenkins != "stopped" && jenkins != "stopping":
				t.Errorf("said %q, but jenkins is %s", got, jenkins)
			case strings.HasPrefix(got, granted):
				if _, err := fs.svc.Elevation(ctx, who.TenantID, who.UserID, d.origin()); err != nil && !hasRule(tt.rules, "dynamodb") {
					t.Errorf("said %q, but the user is not elevated: %v", got, err)
				}
			}
			if tt.say.intent == "StartInstanceIntent" && got != started && splunk != "stopped" && !strings.HasPrefix(tt.name, "StartResponseLost") {
				t.Errorf("splunk is %s after %q", splunk, got)
			}
			for op, n := range tt.attempts {
				svc, action, _ := strings.Cut(op, ":")
				if got := fs.ft.Calls(svc, action); got != n {
					t.Errorf("%s attempted %d times, want %d", op, got, n)
				}
			}
			injected := fs.ft.InjectedByService()
			if len(injected) == 0 {
				t.Errorf("no fault was injected (rules %+v)", tt.rules)
			}
			tally.add(injected)
			t.Logf("%q; injected %v", got, injected)
		})
	}
	t.Logf("faults injected per service: %s", tally)
}

func hasRule(rules []faults.Rule, svc string) bool {
	for _, r := range rules {
		if r.Service == svc {
			return true
		}
	}
	return false
}

// restoreStates puts splunk back to stopped and jenkins to running.
func restoreStates(t *testing.T, w *faultWorld) {
	t.Helper()
	for _, x := range []struct{ id, want string }{{w.splunk, "stopped"}, {w.jenkins, "running"}} {
		if awstest.InstanceState(t, w.acct, "eu-west-1", x.id) == x.want {
			continue
		}
		if err := setState(w.acct, x.id, x.want); err != nil {
			t.Fatal(err)
		}
	}
}

// setState starts or stops instance id (with the account's own, unfaulted config).
func setState(cfg aws.Config, id, want string) error {
	ctx := context.Background()
	client := ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.Region = "eu-west-1" })
	var err error
	if want == "running" {
		_, err = client.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}})
	} else {
		_, err = client.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	}
	return err
}
