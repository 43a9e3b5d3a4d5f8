package mfa

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/internal/testclock"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// here is the Origin the tests' second factors come from, unless a test says otherwise:
// an Alexa account on one Echo, no voice profile.
var here = NewOrigin("amzn1.ask.account.TEST", "amzn1.ask.device.TEST", "")

// t0 is where every test's clock starts: a whole second, like the stored times.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// shared is one table and one secrets key for the whole test binary; every test gets
// its own tenants and users in it, so tests do not see each other's records.
var shared struct {
	once         sync.Once
	table, keyID string
}

func sharedTable(tb testing.TB) (tableName, keyID string) {
	tb.Helper()
	shared.once.Do(func() { shared.table, shared.keyID = awstest.Table(tb), awstest.SecretsKey(tb) })
	if shared.table == "" {
		tb.Fatal("the shared table could not be created")
	}
	return shared.table, shared.keyID
}

var phones atomic.Int64

// newPhone returns an E.164 number no other test uses, so SMS read back is its own.
func newPhone() string { return fmt.Sprintf("+1555%07d", phones.Add(1)) }

// account is a tenant and one of its users.
type account struct {
	tenant tenants.Tenant
	user   tenants.User
}

// env is one test's world: the Service on the shared table (with a controlled clock,
// captured logs and a recording STS), an SMS tenant with a user and a token tenant
// with a user. When the test ends, leak (internal/leakcheck) checks that no log line
// and no HTTP answer holds a code, the verifier secret, a test's phone number (beyond
// its last 2 digits), a JWT or any full phone number.
type env struct {
	svc   *Service
	store *dynamo.Store
	clock *testclock.Clock
	logs  *leakcheck.Buffer
	leak  *leakcheck.Log
	sts   *fakeSTS
	sns   *recordingSNS
	sms   account
	token account
	// tokenSecret is the token tenant's verifier secret access key (plain text).
	tokenSecret string

	answers   leakcheck.Buffer // every HTTP answer, for the secrets check
	signedReq atomic.Int64
}

const testPassword = "correct horse battery staple"

func newEnv(tb testing.TB) *env {
	tb.Helper()
	tableName, keyID := sharedTable(tb)
	cfg := awstest.Config(tb)
	db, kmsClient := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	e := &env{clock: testclock.New(t0), logs: &leakcheck.Buffer{}, leak: leakcheck.New(tb)}
	tbl := table.New(db, tableName)
	e.store = dynamo.NewStore(tbl, kmsClient, keyID)
	e.store.Password = tenants.PasswordParams{Memory: 64, Time: 1, Threads: 1}
	e.sts = &fakeSTS{real: NewSTSFactory(cfg)}
	e.sns = &recordingSNS{next: sns.NewFromConfig(cfg)}
	e.svc = NewService(e.store, dynamo.NewKeyring(tbl, kmsClient, keyID), tbl, e.sns, e.sts.factory)
	e.svc.Now = e.clock.Now
	e.svc.Log = slog.New(slog.NewJSONHandler(io.MultiWriter(e.logs, e.leak), nil))

	accountID := awstest.NewAccountID(tb)
	e.sms = e.newAccount(tb, tenants.Tenant{Name: "sms tenant", RoleARN: "arn:aws:iam::" + accountID + ":role/easytocloud",
		MFA: tenants.MFAPolicy{Kind: tenants.MFASMS}}, "", newPhone())
	e.tokenSecret = "wJalrXUtnFEMIK7MDENGbPxRfiCY" + strings.ToUpper(fmt.Sprintf("%012x", phones.Add(1)))
	// One tenant per AWS account: the token tenant has an account of its own.
	tokenAccountID := awstest.NewAccountID(tb)
	e.token = e.newAccount(tb, tenants.Tenant{Name: "token tenant", RoleARN: "arn:aws:iam::" + tokenAccountID + ":role/easytocloud",
		MFA: tenants.MFAPolicy{Kind: tenants.MFAToken, Elevation: 7 * time.Minute,
			Serial: "arn:aws:iam::" + tokenAccountID + ":mfa/easytocloud-verifier", VerifierKeyID: "AKIAMFATEST" + tokenAccountID[7:]}},
		e.tokenSecret, newPhone())
	e.remember(e.tokenSecret, e.sms.user.Phone, e.token.user.Phone)
	tb.Cleanup(func() { e.checkNoSecrets(tb) })
	return e
}

func (e *env) newAccount(tb testing.TB, t tenants.Tenant, secret, phone string) account {
	tb.Helper()
	ctx := context.Background()
	t, err := e.store.CreateTenant(ctx, t, secret)
	if err != nil {
		tb.Fatalf("create tenant: %v", err)
	}
	u, err := e.store.CreateUser(ctx, tenants.User{TenantID: t.ID, Email: strings.TrimPrefix(phone, "+") + "@example.com", Phone: phone}, testPassword)
	if err != nil {
		tb.Fatalf("create user: %v", err)
	}
	return account{t, u}
}

// remember notes values that must never show in a log line or an answer: sent codes,
// codes tried, secrets, and phones ("+" and digits; their last 7 digits too).
func (e *env) remember(secrets ...string) {
	for _, s := range secrets {
		if strings.HasPrefix(s, "+") {
			e.leak.Phone(s)
		} else {
			e.leak.Secret("code or secret", s)
		}
	}
}

var sentCode = regexp.MustCompile(`^Your easy to cloud code is (\d{6})\. Say: Alexa, tell easy to cloud to authenticate (\d{6})\. It expires in 5 minutes\.$`)

// lastCode returns the code of the newest SMS to a's phone, checking the message's
// wording, and how many messages that phone got.
func (e *env) lastCode(tb testing.TB, a account) (code string, messages int) {
	tb.Helper()
	msgs := awstest.SMSTo(tb, a.user.Phone)
	if len(msgs) == 0 {
		tb.Fatalf("no SMS to %s", a.user.Phone)
	}
	m := sentCode.FindStringSubmatch(msgs[len(msgs)-1].Text)
	if m == nil || m[1] != m[2] {
		tb.Fatalf("SMS text %q is not the expected message", msgs[len(msgs)-1].Text)
	}
	e.remember(m[1])
	return m[1], len(msgs)
}

// otherCode returns a valid code that is not code.
func otherCode(code string, n int) string {
	for {
		c := fmt.Sprintf("%06d", (n*7919+12345)%1_000_000)
		if c != code {
			return c
		}
		n++
	}
}

// target is a way to reach the Service: in process, or through the HTTP API.
type target struct {
	name string
	api  func(tb testing.TB, e *env) API
}

var targets = []target{
	{"Service", func(_ testing.TB, e *env) API { return e.svc }},
	{"HTTP", func(tb testing.TB, e *env) API { return e.client(tb) }},
}

// checkNoSecrets fails the test when a log line is not JSON or an HTTP answer holds
// a remembered secret (see remember), a JWT or a full phone number; leak checks the
// log lines for the same when the test ends.
func (e *env) checkNoSecrets(tb testing.TB) {
	for _, line := range e.logs.Lines() {
		if !json.Valid([]byte(line)) {
			tb.Errorf("log line is not JSON: %s", line)
		}
	}
	e.leak.Scan(tb, "an HTTP answer", strings.Join(e.answers.Lines(), "\n"))
}

// auditLines returns the captured audit lines, decoded.
func (e *env) auditLines(tb testing.TB) []map[string]any {
	tb.Helper()
	var out []map[string]any
	for _, line := range e.logs.Lines() {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			tb.Fatalf("log line %q: %v", line, err)
		}
		if _, ok := m["audit"]; ok {
			out = append(out, m)
		}
	}
	return out
}
