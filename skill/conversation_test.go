package skill

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

const testIssuer = "https://auth.easytocloud.test"

// stack is the skill wired as cmd/skill wires it, against the emulator: a real
// dynamo.Store and account.Access, real access tokens signed by a KMS key, and
// fakes only for what the emulator cannot play (the second factor's codes, the
// Alexa directive endpoint). Its log goes to logs and to leak, which fails the test
// if a line holds a registered secret (the password, the phone, the codes, the
// tokens newUser mints), a JWT or a full phone number.
type stack struct {
	h      *Handler
	store  *dynamo.Store
	table  *table.Table // the store's table, for records written as older code wrote them
	mfa    *fakeMFA
	api    *alexaAPI
	logs   *logBuffer
	leak   *leakcheck.Log
	signer *accesstoken.KMSSigner
}

// Secrets every stack's users and devices have.
const (
	stackPassword = "correct horse battery staple"
	stackPhone    = "+31612345678"
)

func newStack(t *testing.T) *stack {
	t.Helper()
	cfg := awstest.Config(t)
	kmsClient := kms.NewFromConfig(cfg)
	tbl := table.New(dynamodb.NewFromConfig(cfg), awstest.Table(t))
	store := dynamo.NewStore(tbl, kmsClient, awstest.SecretsKey(t))
	store.Password = tenants.PasswordParams{Memory: 1024, Time: 1, Threads: 1}
	signingKey := awstest.SigningKey(t)
	s := &stack{store: store, table: tbl, mfa: newFakeMFA("123456"), api: newAlexaAPI(t), logs: &logBuffer{}, leak: leakcheck.New(t),
		signer: accesstoken.NewKMSSigner(kmsClient, signingKey)}
	s.leak.Secret("password", stackPassword)
	s.leak.Phone(stackPhone)
	s.leak.Secret("otp", "123456", "514309") // the fake second factor's codes
	s.leak.Secret("alexa api token", newDevice(t, nil, "").apiToken)
	s.h = &Handler{
		SkillID:   testSkillID,
		Tokens:    &accesstoken.Verifier{Issuer: testIssuer, Audience: testSkillID, Keys: accesstoken.KMSKeys(kmsClient, signingKey)},
		Directory: store,
		Access:    account.NewAccess(sts.NewFromConfig(cfg)),
		MFA:       s.mfa,
		Progress:  s.api.client(),
		AWS:       cfg,
		Log:       slog2(s.logs, s.leak),
	}
	return s
}

// newUser creates a tenant for account (changed by mutate first) with one user, and
// returns the user's principal and a fresh access token.
func (s *stack) newUser(t *testing.T, account string, mutate func(*tenants.Tenant)) (tenants.Principal, string) {
	t.Helper()
	ctx := context.Background()
	tn := tenants.Tenant{
		Name:    "Tenant " + account,
		RoleARN: "arn:aws:iam::" + account + ":role/easytocloud",
		MFA:     tenants.MFAPolicy{Kind: tenants.MFASMS, Elevation: 10 * time.Minute},
	}
	if mutate != nil {
		mutate(&tn)
	}
	tn, err := s.store.CreateTenant(ctx, tn, "")
	if err != nil {
		t.Fatalf("create tenant: %v", err)
	}
	u, err := s.store.CreateUser(ctx, tenants.User{TenantID: tn.ID, Email: "ops-" + account + "@example.com", Phone: stackPhone}, stackPassword)
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	now := time.Now()
	token, err := accesstoken.Mint(ctx, s.signer, accesstoken.Claims{
		Issuer: testIssuer, Audience: testSkillID, Subject: u.ID, TenantID: tn.ID,
		Scope: "easytocloud", IssuedAt: now, ExpiresAt: now.Add(time.Hour),
	})
	if err != nil {
		t.Fatalf("mint token: %v", err)
	}
	s.leak.Secret("access token", token)
	return tenants.Principal{TenantID: tn.ID, UserID: u.ID}, token
}

func (s *stack) device(t *testing.T, token string) *device {
	d := newDevice(t, s.h, token)
	d.endpoint = s.api.URL
	return d
}

// TestConversation runs the conversation of docs/ARCHITECTURE.md, row by row, through the
// Lambda handler: tenant account 222222222222, instances in two regions, a
// four-shard stream in eu-west-1, the tenant's regions discovered from the account
// (moto reports twenty enabled commercial regions).
func TestConversation(t *testing.T) {
	s := newStack(t)
	const account = "222222222222"
	acct := awstest.AccountConfig(t, account)
	splunk := awstest.SeedInstance(t, acct, "eu-west-1", "splunk", "stopped")
	jenkins := awstest.SeedInstance(t, acct, "eu-west-1", "jenkins", "running")
	awstest.SeedInstance(t, acct, "us-east-1", "web-1", "running")
	awstest.SeedStream(t, acct, "eu-west-1", "clickstream", 4)
	awstest.WarmRegions(t, acct)
	_, token := s.newUser(t, account, nil)
	d := s.device(t, token)

	type row struct {
		say    func() *alexa.ResponseEnvelope
		want   string // the whole answer, or its start when prefix is set
		prefix bool
		check  func(t *testing.T, r *alexa.ResponseEnvelope)
	}
	state := func(id, want string) func(*testing.T, *alexa.ResponseEnvelope) {
		return func(t *testing.T, _ *alexa.ResponseEnvelope) {
			t.Helper()
			if got := awstest.InstanceState(t, acct, "eu-west-1", id); got != want {
				t.Errorf("instance %s is %s, want %s", id, got, want)
			}
		}
	}
	say := func(intent string, slot, value string) func() *alexa.ResponseEnvelope {
		return func() *alexa.ResponseEnvelope {
			if slot == "" {
				return d.intent(intent, nil)
			}
			return d.intent(intent, map[string]string{slot: value})
		}
	}
	rows := []struct {
		you string
		row
	}{
		{"open easy to cloud", row{say: d.launch, want: "Welcome to easy to cloud.", prefix: true,
			check: func(t *testing.T, r *alexa.ResponseEnvelope) {
				if !strings.Contains(r.Response.OutputSpeech.SSML, "<audio src=\"soundbank://soundlibrary/") {
					t.Errorf("no welcome tune: %s", r.Response.OutputSpeech.SSML)
				}
			}}},
		{"list instances", row{say: say("ListInstancesIntent", "", ""),
			want: "You have the following instances. In Ireland: jenkins, running; splunk, stopped. In North Virginia: web-1, running.",
			check: func(t *testing.T, r *alexa.ResponseEnvelope) {
				if c := r.Response.Card; c == nil || c.Type != alexa.CardSimple || !strings.Contains(c.Content, "splunk, stopped") {
					t.Errorf("card = %+v", c)
				}
				dyn := directive(r, alexa.DirectiveUpdateDynamicEntities)
				if dyn == nil || len(dyn.Types) != 1 || dyn.Types[0].Name != "INSTANCE_NAME" || len(dyn.Types[0].Values) != 3 {
					t.Errorf("dynamic entities = %+v", dyn)
				}
				got := s.api.requests()
				if len(got) == 0 || got[0].Body.Directive.Speech != "<speak>Checking your instances in twenty regions.</speak>" {
					t.Errorf("progressive responses = %+v", got)
				}
			}}},
		{"describe kinesis shards", row{say: say("DescribeKinesisIntent", "", ""),
			want: "You have a four shard Kinesis stream in Ireland, called clickstream."}},
		{"start splunk", row{say: say("StartInstanceIntent", "instance", "splunk"),
			want:  "You need to authenticate. Say authenticate and the code from your token, or say authenticate text.",
			check: state(splunk, "stopped")}},
		{"authenticate 123456", row{say: say("AuthenticateIntent", "code", "123456"),
			want: "Access granted.", prefix: true,
			check: func(t *testing.T, r *alexa.ResponseEnvelope) {
				if got := speech(r); got != "Access granted. Shall I start splunk now?" {
					t.Errorf("the pending start is not offered: %q", got)
				}
				c := directive(r, alexa.DirectiveConfirmIntent)
				if c == nil || c.UpdatedIntent.Name != "StartInstanceIntent" || c.UpdatedIntent.Slots["instance"].Value != "splunk" {
					t.Errorf("confirm directive = %+v", c)
				}
			}}},
		{"start splunk", row{say: say("StartInstanceIntent", "instance", "splunk"),
			want: "I have started splunk.", check: state(splunk, "running")}},
		{"start splunk (again)", row{say: say("StartInstanceIntent", "instance", "Splunk"),
			want: "splunk is already running."}},
		{"authenticate text", row{say: say("AuthenticateIntent", "method", "text"),
			want: "I've sent the code to your phone.", prefix: true}},
		{"authenticate 514309", row{say: say("AuthenticateIntent", "code", "514309"),
			want: "Access granted."}},
		{"stop jenkins", row{say: say("StopInstanceIntent", "instance", "jenkins"),
			want: "Should I stop jenkins in Ireland?", check: state(jenkins, "running")}},
		{"yes", row{say: func() *alexa.ResponseEnvelope {
			return d.intentStatus("StopInstanceIntent", map[string]string{"instance": "jenkins"}, alexa.ConfirmationConfirmed)
		}, want: "I have stopped jenkins.", check: state(jenkins, "stopped")}},
	}
	for i, r := range rows {
		start := time.Now()
		resp := r.say()
		t.Logf("row %d, %q: answered in %s", i+1, r.you, time.Since(start).Round(time.Millisecond))
		got := speech(resp)
		if r.prefix && !strings.HasPrefix(got, r.want) || !r.prefix && got != r.want {
			t.Errorf("row %d, you say %q: Alexa answers %q, want %q", i+1, r.you, got, r.want)
		}
		if ended(resp) {
			t.Errorf("row %d, you say %q: the session ended", i+1, r.you)
		}
		if r.check != nil {
			r.check(t, resp)
		}
	}
	audits := s.logs.lines(t, "audit")
	var outcomes []string
	for _, a := range audits {
		outcomes = append(outcomes, a["action"].(string)+" "+a["name"].(string)+" "+a["outcome"].(string))
		for _, k := range []string{"tenant", "user", "instance", "region"} {
			if a[k] == "" || a[k] == nil {
				t.Errorf("audit line lacks %s: %v", k, a)
			}
		}
	}
	want := []string{"start splunk not_elevated", "start splunk done", "start splunk already", "stop jenkins confirmation_requested", "stop jenkins done"}
	if strings.Join(outcomes, ", ") != strings.Join(want, ", ") {
		t.Errorf("audit lines = %q, want %q", outcomes, want)
	}
	if strings.Contains(s.logs.String(), token) {
		t.Error("the access token appears in the log")
	}
}

// TestAccessGrantedThenYes takes the offer after "Access granted" with a yes.
func TestAccessGrantedThenYes(t *testing.T) {
	s := newStack(t)
	account := awstest.NewAccountID(t)
	acct := awstest.AccountConfig(t, account)
	id := awstest.SeedInstance(t, acct, "eu-west-1", "build-7", "running")
	_, token := s.newUser(t, account, func(tn *tenants.Tenant) { tn.Regions = []string{"eu-west-1"} })
	d := s.device(t, token)
	d.launch()
	if got := speech(d.intent("StopInstanceIntent", map[string]string{"instance": "build seven"})); !strings.HasPrefix(got, "You need to authenticate.") {
		t.Fatalf("stop before authenticating: %q", got)
	}
	if got := speech(d.intent("AuthenticateIntent", map[string]string{"code": "123456"})); got != "Access granted. Shall I stop build-7 now?" {
		t.Fatalf("authenticate: %q", got)
	}
	// The device answers the Dialog.ConfirmIntent: the intent comes back confirmed.
	if got := speech(d.intentStatus("StopInstanceIntent", map[string]string{"instance": "build-7"}, alexa.ConfirmationConfirmed)); got != "I have stopped build-7." {
		t.Errorf("yes: %q", got)
	}
	if got := awstest.InstanceState(t, acct, "eu-west-1", id); got != "stopped" {
		t.Errorf("state = %s, want stopped", got)
	}
	if got := speech(d.intentStatus("StopInstanceIntent", map[string]string{"instance": "build-7"}, alexa.ConfirmationDenied)); got != "OK, I won't stop build-7." {
		t.Errorf("no: %q", got)
	}
}

// TestChangeOutcomes covers what a change request can meet besides success.
func TestChangeOutcomes(t *testing.T) {
	s := newStack(t)
	account := awstest.NewAccountID(t)
	acct := awstest.AccountConfig(t, account)
	voice := awstest.Tag("easytocloud", "voice")
	awstest.SeedInstance(t, acct, "eu-west-1", "splunk-prod", "running", voice)
	awstest.SeedInstance(t, acct, "eu-central-1", "splunk-test", "stopped", voice)
	db := awstest.SeedInstance(t, acct, "eu-west-1", "database", "stopped")
	awstest.SeedInstance(t, acct, "eu-west-1", "R&D <test>", "stopped", voice)
	who, token := s.newUser(t, account, func(tn *tenants.Tenant) {
		tn.Regions = []string{"eu-west-1", "eu-central-1"}
		tn.ControlTag = &tenants.Tag{Key: "easytocloud", Value: "voice"}
	})
	s.mfa.elevate(who)
	tests := []struct {
		name, intent, instance, want string
		directive                    string
	}{
		{"Ambiguous", "StartInstanceIntent", "splunk", "Did you mean splunk-prod in Ireland or splunk-test in Frankfurt?", alexa.DirectiveElicitSlot},
		{"NotFound", "StartInstanceIntent", "oracle",
			"I couldn't find an instance called oracle. You have database, R&D <test> and splunk-prod. Which instance should I start?", alexa.DirectiveElicitSlot},
		{"NotControllable", "StartInstanceIntent", "database", "database is not enabled for voice control.", ""},
		{"AlreadyStopped", "StopInstanceIntent", "splunk test", "splunk-test is already stopped.", ""},
		{"EscapedName", "StartInstanceIntent", "R&D test", "I have started R&D <test>.", ""},
		{"MissingSlot", "StopInstanceIntent", "", "Which instance should I stop?", alexa.DirectiveElicitSlot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := s.device(t, token)
			d.launch()
			slots := map[string]string{}
			if tt.instance != "" {
				slots["instance"] = tt.instance
			}
			resp := d.intent(tt.intent, slots)
			if got := speech(resp); got != tt.want {
				t.Errorf("speech = %q, want %q", got, tt.want)
			}
			if tt.directive != "" {
				dir := directive(resp, tt.directive)
				if dir == nil || dir.SlotToElicit != "instance" || dir.UpdatedIntent == nil || dir.UpdatedIntent.Name != tt.intent {
					t.Errorf("directive = %+v, want %s of instance", dir, tt.directive)
				}
			}
		})
	}
	if got := awstest.InstanceState(t, acct, "eu-west-1", db); got != "stopped" {
		t.Errorf("the uncontrollable instance is %s", got)
	}
}

// TestTenantIsolation: a tenant-B instance named like a tenant-A instance is never
// changed by a tenant-A user, whatever the request says.
func TestTenantIsolation(t *testing.T) {
	s := newStack(t)
	accountA, accountB := awstest.NewAccountID(t), awstest.NewAccountID(t)
	cfgA, cfgB := awstest.AccountConfig(t, accountA), awstest.AccountConfig(t, accountB)
	a := awstest.SeedInstance(t, cfgA, "eu-west-1", "splunk", "stopped")
	b := awstest.SeedInstance(t, cfgB, "eu-west-1", "splunk", "stopped")
	bOnly := awstest.SeedInstance(t, cfgB, "eu-west-1", "b-only", "stopped")
	whoA, tokenA := s.newUser(t, accountA, func(tn *tenants.Tenant) { tn.Regions = []string{"eu-west-1"} })
	s.newUser(t, accountB, func(tn *tenants.Tenant) { tn.Regions = []string{"eu-west-1"} })
	s.mfa.elevate(whoA)

	d := s.device(t, tokenA)
	d.launch()
	// Forged session state naming B's instance, and entity resolution naming it.
	d.attrs = map[string]any{attrPending: map[string]any{"action": "start", "id": b, "region": "eu-west-1", "name": "splunk"}}
	env := d.envelope(alexa.Request{Type: alexa.IntentRequestType, Intent: &alexa.RequestIntent{
		Name: "StartInstanceIntent", ConfirmationStatus: alexa.ConfirmationConfirmed,
		Slots: map[string]alexa.RequestSlot{"instance": {Name: "instance", Value: "splunk", ConfirmationStatus: alexa.ConfirmationNone,
			Resolutions: &alexa.Resolutions{ResolutionsPerAuthority: []alexa.Resolution{{
				Authority: "amzn1.er-authority.echo-sdk.dynamic." + testSkillID + ".INSTANCE_NAME",
				Status:    alexa.ResolutionStatus{Code: alexa.ERSuccessMatch},
				Values:    []alexa.ResolutionValues{{Value: alexa.ResolvedValue{Name: "splunk", ID: b}}},
			}}}}},
	}})
	if got := speech(d.send(env)); got != "I have started splunk." {
		t.Errorf("start splunk: %q", got)
	}
	if got := awstest.InstanceState(t, cfgA, "eu-west-1", a); got != "running" {
		t.Errorf("tenant A's splunk is %s, want running", got)
	}
	if got := speech(d.intent("StartInstanceIntent", map[string]string{"instance": "b-only"})); !strings.HasPrefix(got, "I couldn't find an instance called b-only.") {
		t.Errorf("start b-only: %q", got)
	}
	for _, id := range []string{b, bOnly} {
		if got := awstest.InstanceState(t, cfgB, "eu-west-1", id); got != "stopped" {
			t.Errorf("tenant B's instance %s is %s: changed by a tenant-A user", id, got)
		}
	}
}

// TestRoleNotAssumable: a tenant whose role cannot be assumed hears why.
func TestRoleNotAssumable(t *testing.T) {
	s := newStack(t)
	s.h.Access = deniedAccess{}
	_, token := s.newUser(t, awstest.NewAccountID(t), nil)
	d := s.device(t, token)
	d.launch()
	want := "easy to cloud can't reach your AWS account. Ask your administrator to check the easy to cloud role and its external ID."
	for _, intent := range []string{"ListInstancesIntent", "DescribeKinesisIntent"} {
		resp := d.intent(intent, nil)
		if got := speech(resp); got != want {
			t.Errorf("%s: %q, want %q", intent, got, want)
		}
		if ended(resp) {
			t.Errorf("%s: the session ended", intent)
		}
	}
}

// deniedAccess stands for a tenant role that refuses to be assumed: moto lets any
// role be assumed, so the refusal is injected at the credentials.
type deniedAccess struct{}

func (deniedAccess) Config(base aws.Config, t tenants.Tenant, _ string) aws.Config {
	cfg := base.Copy()
	cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, tenants.ErrAccessDenied
	})
	return cfg
}
