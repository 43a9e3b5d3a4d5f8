package mfa

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/internal/testclock"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

func TestMain(m *testing.M) { awstest.Main(m) }

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

// stsCall is one GetSessionToken the Service made.
type stsCall struct {
	Creds  aws.Credentials
	Serial string
	Code   string
}

// fakeSTS is the STSFactory of the tests. It records every call with the credentials
// the client was built with and then answers with Fn, or, when Fn is nil, sends the
// call to the emulator (which accepts any code).
type fakeSTS struct {
	mu    sync.Mutex
	calls []stsCall
	Fn    func(code string) error
	real  STSFactory
}

type fakeSTSClient struct {
	f     *fakeSTS
	creds aws.Credentials
}

func (f *fakeSTS) factory(creds aws.Credentials) SessionTokenAPI { return fakeSTSClient{f, creds} }

func (c fakeSTSClient) GetSessionToken(ctx context.Context, in *sts.GetSessionTokenInput, opts ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error) {
	c.f.mu.Lock()
	c.f.calls = append(c.f.calls, stsCall{c.creds, aws.ToString(in.SerialNumber), aws.ToString(in.TokenCode)})
	fn := c.f.Fn
	c.f.mu.Unlock()
	if fn != nil {
		if err := fn(aws.ToString(in.TokenCode)); err != nil {
			return nil, err
		}
		return &sts.GetSessionTokenOutput{}, nil
	}
	return c.f.real(c.creds).GetSessionToken(ctx, in, opts...)
}

func (f *fakeSTS) Calls() []stsCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]stsCall(nil), f.calls...)
}

func (f *fakeSTS) SetFn(fn func(code string) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Fn = fn
}

// What STS answers for a wrong or reused code, and when it throttles.
var (
	errAccessDenied = &smithy.GenericAPIError{Code: "AccessDenied", Message: "MultiFactorAuthentication failed with invalid MFA one time pass code."}
	errThrottling   = &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded"}
)

func denyAll(string) error     { return errAccessDenied }
func throttleAll(string) error { return errThrottling }

// recordingSNS keeps every PublishInput (the emulator keeps only phone and text) and
// sends it on to the emulator.
type recordingSNS struct {
	next SNS
	mu   sync.Mutex
	ins  []*sns.PublishInput
}

func (r *recordingSNS) Publish(ctx context.Context, in *sns.PublishInput, opts ...func(*sns.Options)) (*sns.PublishOutput, error) {
	r.mu.Lock()
	r.ins = append(r.ins, in)
	r.mu.Unlock()
	return r.next.Publish(ctx, in, opts...)
}

func (r *recordingSNS) Inputs() []*sns.PublishInput {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*sns.PublishInput(nil), r.ins...)
}

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
	e.token = e.newAccount(tb, tenants.Tenant{Name: "token tenant", RoleARN: "arn:aws:iam::" + accountID + ":role/easytocloud",
		MFA: tenants.MFAPolicy{Kind: tenants.MFAToken, Elevation: 7 * time.Minute,
			Serial: "arn:aws:iam::" + accountID + ":mfa/easytocloud-verifier", VerifierKeyID: "AKIAMFATEST" + accountID[7:]}},
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

// testCreds sign the Client's requests; the test server checks the signature.
var testCreds = aws.Credentials{AccessKeyID: "AKIDCLIENTTEST", SecretAccessKey: "client-test-secret", Source: "test"}

// client serves the env's Service over HTTP behind a SigV4 check (what API Gateway's
// IAM authorization does) and returns a Client of it.
func (e *env) client(tb testing.TB) *Client {
	srv := httptest.NewServer(e.requireSigV4(tb, NewHandler(e.svc)))
	tb.Cleanup(srv.Close)
	tb.Cleanup(func() {
		if e.signedReq.Load() == 0 {
			tb.Error("no signed request reached the HTTP API")
		}
	})
	creds := credentials.NewStaticCredentialsProvider(testCreds.AccessKeyID, testCreds.SecretAccessKey, "")
	return NewClient(srv.URL+"/", srv.Client(), creds, awstest.DefaultRegion)
}

var signedHeaders = regexp.MustCompile(`SignedHeaders=([^,]+)`)

// requireSigV4 answers 403 unless the request carries a valid SigV4 signature by
// testCreds for execute-api in the default region, and keeps every answer body for
// the secrets check.
func (e *env) requireSigV4(tb testing.TB, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		auth := r.Header.Get("Authorization")
		at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
		m := signedHeaders.FindStringSubmatch(auth)
		if err != nil || m == nil {
			http.Error(w, `{"message":"Missing Authentication Token"}`, http.StatusForbidden)
			return
		}
		again, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
		for _, h := range strings.Split(m[1], ";") {
			if h != "host" {
				again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
			}
		}
		sum := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(r.Context(), testCreds, again, hex.EncodeToString(sum[:]), "execute-api", awstest.DefaultRegion, at); err != nil {
			tb.Errorf("re-sign: %v", err)
		}
		if again.Header.Get("Authorization") != auth {
			http.Error(w, `{"message":"Forbidden"}`, http.StatusForbidden)
			tb.Errorf("request %s %s: signature does not verify:\n got %s\nwant %s", r.Method, r.URL, auth, again.Header.Get("Authorization"))
			return
		}
		e.signedReq.Add(1)
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(teeWriter{w, &e.answers}, r)
	})
}

type teeWriter struct {
	http.ResponseWriter
	copy io.Writer
}

func (t teeWriter) Write(p []byte) (int, error) {
	_, _ = t.copy.Write(p)
	return t.ResponseWriter.Write(p)
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
