package perf

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// lambdaBuild is how make build builds a function's bootstrap (Makefile LAMBDA_FLAGS).
var lambdaBuild = []string{"build", "-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w"}

// buildBootstrap builds cmd/<fn> for linux/goarch with make build's flags into dir
// and returns the binary's path and size.
func buildBootstrap(tb testing.TB, fn, goarch, dir string) (string, int64) {
	tb.Helper()
	out := filepath.Join(dir, goarch, fn, "bootstrap")
	args := append(append([]string{}, lambdaBuild...), "-o", out, "./cmd/"+fn)
	cmd := exec.Command("go", args...)
	cmd.Dir = repoRoot(tb)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("build %s for %s: %v\n%s", fn, goarch, err, b)
	}
	fi, err := os.Stat(out)
	if err != nil {
		tb.Fatal(err)
	}
	return out, fi.Size()
}

func repoRoot(tb testing.TB) string {
	tb.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		tb.Fatalf("repository root not found from %s", root)
	}
	return root
}

// awsProxy is the emulator behind a recording reverse proxy, so that the calls of a
// function process are counted.
type awsProxy struct {
	*httptest.Server
	rec *recorder
}

func newAWSProxy(tb testing.TB) *awsProxy {
	target, err := url.Parse(awstest.Endpoint(tb))
	if err != nil {
		tb.Fatal(err)
	}
	p := &awsProxy{rec: newRecorder()}
	rp := httputil.NewSingleHostReverseProxy(target)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := operation(r)
		p.rec.mu.Lock()
		p.rec.calls[op]++
		p.rec.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	tb.Cleanup(p.Close)
	return p
}

// coldFunction is one function to start cold: its environment and first event.
type coldFunction struct {
	env   []string
	event []byte
	check func(tb testing.TB, answer []byte) // fails on a wrong answer
}

// coldFixture holds the AWS state the three functions need, in the emulator: the
// table with a tenant, a user and the Alexa client, the keys, and events for each.
type coldFixture struct {
	proxy *awsProxy
	fns   map[string]coldFunction
	list  []byte // the skill's list request, for counting its calls
}

func newColdFixture(tb testing.TB) *coldFixture {
	tb.Helper()
	ctx := context.Background()
	cfg := awstest.Config(tb)
	db, keys := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	tableName, secretsKey, signingKey := awstest.Table(tb), awstest.SecretsKey(tb), awstest.SigningKey(tb)
	account := awstest.NewAccountID(tb)
	awstest.SeedInstance(tb, awstest.AccountConfig(tb, account), "eu-west-1", "splunk", "running")
	store := dynamo.NewStore(table.New(db, tableName), keys, secretsKey)
	store.Password = tenants.PasswordParams{Memory: 1024, Time: 1, Threads: 1}
	tn, err := store.CreateTenant(ctx, tenants.Tenant{Name: "Perf", RoleARN: "arn:aws:iam::" + account + ":role/easytocloud",
		Regions: []string{"eu-west-1"}, MFA: tenants.MFAPolicy{Kind: tenants.MFASMS}}, "")
	if err != nil {
		tb.Fatal(err)
	}
	u, err := store.CreateUser(ctx, tenants.User{TenantID: tn.ID, Email: "cold-" + account + "@example.com", Phone: "+31612345678"}, perfPassword)
	if err != nil {
		tb.Fatal(err)
	}
	client, _, err := oauth.NewClients(table.New(db, tableName)).Create(ctx, oauth.Client{Name: "Alexa", VendorID: perfVendor})
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	token, err := accesstoken.Mint(ctx, accesstoken.NewKMSSigner(keys, signingKey), accesstoken.Claims{
		Issuer: issuer, Audience: skillID, Subject: u.ID, TenantID: tn.ID, Scope: "easytocloud", ID: "cold",
		IssuedAt: now, ExpiresAt: now.Add(time.Hour),
	})
	if err != nil {
		tb.Fatal(err)
	}
	proxy := newAWSProxy(tb)
	home := tb.TempDir()
	base := []string{
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_ENDPOINT_URL=" + proxy.URL,
		// As in Lambda: no shared config files, no instance metadata.
		"AWS_CONFIG_FILE=" + filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"),
		"AWS_EC2_METADATA_DISABLED=true", "HOME=" + home, "TZ=:UTC",
		"AWS_LAMBDA_FUNCTION_NAME=easytocloud-perf", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
		"EASYTOCLOUD_TABLE=" + tableName,
	}
	env := func(extra ...string) []string { return append(append([]string{}, base...), extra...) }
	apiStatus := func(want int) func(testing.TB, []byte) {
		return func(tb testing.TB, b []byte) {
			var r events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(b, &r); err != nil || r.StatusCode != want {
				tb.Fatalf("answer %.300s, want status %d", b, want)
			}
		}
	}
	query := url.Values{"response_type": {"code"}, "client_id": {client.ID}, "state": {"cold"}, "scope": {"easytocloud"},
		"redirect_uri": {oauth.AlexaRedirectURIs(perfVendor)[1]}}
	return &coldFixture{proxy: proxy, list: alexaRequest(token, "ListInstancesIntent", nil), fns: map[string]coldFunction{
		"skill": {
			env: env("EASYTOCLOUD_SKILL_ID="+skillID, "EASYTOCLOUD_ISSUER="+issuer, "EASYTOCLOUD_SIGNING_KEY_ID="+signingKey,
				"EASYTOCLOUD_MFA_URL=https://mfa.perf.test"),
			event: alexaRequest(token, "", nil),
			check: func(tb testing.TB, b []byte) {
				if !strings.Contains(string(b), "Welcome to easy to cloud") {
					tb.Fatalf("answer %.300s, want the welcome", b)
				}
			},
		},
		"oauth": {
			env: env("EASYTOCLOUD_SECRETS_KEY_ID="+secretsKey, "EASYTOCLOUD_SIGNING_KEY_ID="+signingKey,
				"EASYTOCLOUD_ISSUER=https://auth.perf.test", "EASYTOCLOUD_SKILL_ID="+skillID),
			event: apiEvent(http.MethodGet, "/oauth/authorize", query.Encode()),
			check: apiStatus(http.StatusOK),
		},
		"mfa": {
			env:   env("EASYTOCLOUD_SECRETS_KEY_ID=" + secretsKey),
			event: apiEvent(http.MethodGet, "/mfa/v1/elevations/"+tn.ID+"/"+u.ID, "origin="+mfa.NewOrigin("amzn1.ask.account.PERF", "amzn1.ask.device.PERF", "").String()),
			check: apiStatus(http.StatusNotFound), // not elevated
		},
	}}
}

// apiEvent is an API Gateway HTTP API (payload 2.0) event.
func apiEvent(method, path, rawQuery string) []byte {
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: method + " " + path, RawPath: path, RawQueryString: rawQuery,
		Headers: map[string]string{"host": "abc123.execute-api.us-east-1.amazonaws.com", "accept": "text/html,application/json"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			APIID: "abc123", Stage: "$default", RequestID: "cold", DomainName: "abc123.execute-api.us-east-1.amazonaws.com",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "203.0.113.7"},
		},
	}
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	return b
}

// process is one started function with its own Runtime API (so that nothing a
// stopped process still asked for can take the next one's events).
type process struct {
	cmd   *exec.Cmd
	api   *runtimeAPI
	start time.Time
}

// startFunction starts bin with fn's environment and queues events for it. The
// process is stopped when the test ends, if not before.
func startFunction(tb testing.TB, bin string, fn coldFunction, events ...[]byte) *process {
	tb.Helper()
	api := newRuntimeAPI()
	for _, ev := range events {
		api.events <- ev
	}
	cmd := exec.Command(bin)
	cmd.Env = append(append([]string{}, fn.env...), "AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(api.URL, "http://"))
	cmd.Stdout, cmd.Stderr = &logTail{}, &logTail{}
	p := &process{cmd: cmd, api: api, start: time.Now()}
	if err := cmd.Start(); err != nil {
		api.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(p.stop)
	return p
}

// await returns the next answer of the process, failing on an error or a timeout.
func (p *process) await(tb testing.TB, fn coldFunction) answer {
	tb.Helper()
	select {
	case a := <-p.api.answers:
		if a.err {
			tb.Fatalf("function answered with an error: %s\nstderr: %s", a.body, p.cmd.Stderr)
		}
		fn.check(tb, a.body)
		return a
	case <-time.After(30 * time.Second):
		tb.Fatalf("no answer in 30 s\nstdout: %s\nstderr: %s", p.cmd.Stdout, p.cmd.Stderr)
		return answer{}
	}
}

// stop kills the process (once) and closes its Runtime API.
func (p *process) stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	p.api.CloseClientConnections()
	p.api.Close()
}

// logTail keeps the last few kilobytes a process wrote.
type logTail struct {
	mu  sync.Mutex
	buf []byte
}

func (l *logTail) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, b...)
	if len(l.buf) > 8<<10 {
		l.buf = l.buf[len(l.buf)-8<<10:]
	}
	return len(b), nil
}

func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.buf)
}

// BenchmarkColdStart builds each function's bootstrap as make build does (linux/arm64,
// its size is mb-arm64) and a twin for this machine's architecture with the same
// flags (mb-host), then starts the twin cold under a stand-in for the Lambda Runtime
// API, with AWS (the emulator, behind a recording proxy) and its configuration in
// the environment, and hands it its first event: a linked user's launch for the
// skill, the sign-in page for oauth, an elevation lookup for mfa. An op is one
// process, from its start to its first response (ms-first-response); ms-init is
// until it first asked for an event. Then the AWS calls of a warm request are
// counted (see countCalls).
func BenchmarkColdStart(b *testing.B) {
	fx := newColdFixture(b)
	dir := b.TempDir()
	for _, name := range []string{"skill", "oauth", "mfa"} {
		b.Run(name, func(b *testing.B) {
			fn := fx.fns[name]
			_, armSize := buildBootstrap(b, name, "arm64", dir)
			bin, hostSize := buildBootstrap(b, name, runtime.GOARCH, dir)
			var initSum time.Duration
			for b.Loop() {
				p := startFunction(b, bin, fn, fn.event)
				p.await(b, fn)
				initSum += p.api.initDone().Sub(p.start)
				p.stop()
			}
			b.ReportMetric(float64(b.Elapsed())/float64(b.N)/1e6, "ms-first-response")
			b.ReportMetric(float64(initSum)/float64(b.N)/1e6, "ms-init")
			b.ReportMetric(float64(armSize)/1e6, "mb-arm64")
			b.ReportMetric(float64(hostSize)/1e6, "mb-host")
			fx.countCalls(b, name, bin, fn)
		})
	}
}

// countCalls starts the function and counts the AWS calls it makes before it asks
// for an event (aws-calls-init), then hands it its event twice (and the skill then
// two lists) and reports the AWS calls of the second, warm, request: ddb-2nd and
// kms-2nd; for the skill also those of the second list (ddb-2nd-list, sts-2nd-list).
func (fx *coldFixture) countCalls(b *testing.B, name, bin string, fn coldFunction) {
	fx.proxy.rec.snapshot() // forget the timed runs' calls
	evs, checks := [][]byte{fn.event, fn.event}, []coldFunction{fn, fn}
	if name == "skill" {
		listFn := fn
		listFn.check = func(tb testing.TB, a []byte) {
			if !strings.Contains(string(a), "splunk") {
				tb.Fatalf("answer %.300s, want splunk listed", a)
			}
		}
		evs, checks = append(evs, fx.list, fx.list), append(checks, listFn, listFn)
	}
	// No event until the process has asked for one: what it called until then is
	// its init's I/O, which should be none (configuration comes from the environment).
	p := startFunction(b, bin, fn)
	defer p.stop()
	for deadline := time.Now().Add(30 * time.Second); p.api.initDone().IsZero(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("no request for an event in 30 s\nstderr: %s", p.cmd.Stderr)
		}
	}
	initCalls, _ := fx.proxy.rec.snapshot()
	b.ReportMetric(float64(count(initCalls, "")), "aws-calls-init")
	for _, ev := range evs {
		p.api.events <- ev
	}
	var calls []map[string]int
	for i, f := range checks {
		p.await(b, f)
		c, _ := fx.proxy.rec.snapshot()
		calls = append(calls, c)
		b.Logf("request %d: %v", i+1, c)
	}
	b.ReportMetric(float64(count(calls[1], "dynamodb")), "ddb-2nd")
	b.ReportMetric(float64(count(calls[1], "kms")), "kms-2nd")
	if name == "skill" {
		b.ReportMetric(float64(count(calls[3], "dynamodb")), "ddb-2nd-list")
		b.ReportMetric(float64(count(calls[3], "kms")), "kms-2nd-list")
		b.ReportMetric(float64(count(calls[3], "sts")), "sts-2nd-list")
	}
}
