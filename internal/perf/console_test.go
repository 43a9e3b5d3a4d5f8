package perf

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/console"
	"github.com/easytocloud/easytocloud/internal/app/consoleapp"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/htmlform"
	"github.com/easytocloud/easytocloud/internal/localsts"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// consoleBase is the console's public URL in the benchmark: https, as deployed, so
// its cookies are the __Host- ones.
const (
	consoleBase   = "https://auth.easytocloud.test/console"
	consoleDomain = "mail.easytocloud.test"
	consoleSource = "198.51.100.7:443"
)

// busyClock is an HTTP transport that measures the time during which at least one AWS
// call is in flight. The console makes some of a page's calls side by side; the sum
// of their waits would count the overlap twice and take our own work out with it.
type busyClock struct {
	next http.RoundTripper

	mu       sync.Mutex
	inFlight int
	since    time.Time
	busy     time.Duration
}

func (c *busyClock) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	if c.inFlight == 0 {
		c.since = time.Now()
	}
	c.inFlight++
	c.mu.Unlock()
	resp, err := c.next.RoundTrip(req) // the recorder reads the answer's body
	c.mu.Lock()
	c.inFlight--
	if c.inFlight == 0 {
		c.busy += time.Since(c.since)
	}
	c.mu.Unlock()
	return resp, err
}

// take returns the busy time so far and starts afresh.
func (c *busyClock) take() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.busy
	c.busy = 0
	return d
}

// consoleRig is the console as cmd/console wires it, on the emulator's table, SES,
// SNS and STS (the local one), every AWS call recorded; an organisation as an admin
// finds it after a few weeks: connected, five people, two open invitations (and their
// audit lines), an Echo linked to the admin; and the admin's session cookie.
type consoleRig struct {
	srv    *console.Server
	rec    *recorder
	busy   *busyClock
	tenant tenants.Tenant
	admin  tenants.User
	member string // a member's address, shown on the people page
	cookie string // the admin's session, as the browser sends it
}

func newConsoleRig(tb testing.TB) *consoleRig {
	tb.Helper()
	ctx := context.Background()
	r := &consoleRig{rec: newRecorder()}
	r.busy = &busyClock{next: r.rec}
	cfg := awstest.Config(tb)
	cfg.HTTPClient = &http.Client{Transport: r.busy, Timeout: time.Minute}
	db, keys := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	tbl, secretsKey := table.New(db, awstest.Table(tb)), awstest.SecretsKey(tb)
	store := dynamo.NewStore(tbl, keys, secretsKey)
	store.Password = tenants.PasswordParams{Memory: 1024, Time: 1, Threads: 1}
	keyring := dynamo.NewKeyring(tbl, keys, secretsKey)
	ses := sesv2.NewFromConfig(cfg)
	if _, err := ses.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(consoleDomain)}); err != nil {
		tb.Fatalf("verify the SES domain: %v", err)
	}
	// A clock that stands still: the session is never due for its once-a-minute
	// touch, so every op of a page makes the same calls.
	now := time.Now()
	var err error
	r.srv, err = console.NewServer(console.Config{
		BaseURL: consoleBase, Table: tbl, Keyring: keyring, Store: store,
		Roles:        account.NewAccess(localsts.New(cfg)),
		Tokens:       consoleapp.Tokens{T: oauth.NewTokens(tbl, keyring)},
		Elevations:   mfa.NewService(store, keyring, tbl, sns.NewFromConfig(cfg), mfa.NewSTSFactory(cfg)),
		Mail:         consoleapp.SES{Client: ses},
		From:         "easytocloud <no-reply@" + consoleDomain + ">",
		SMS:          consoleapp.SNS{Client: sns.NewFromConfig(cfg)},
		SignUp:       console.SignUpOpen,
		SkillRoleARN: "arn:aws:iam::" + awstest.DefaultAccountID + ":role/easytocloud-skill",
		TemplateURL:  "https://easytocloud-templates.s3.eu-west-1.amazonaws.com/tenant.json",
		Logger:       discardLogger(),
		Now:          func() time.Time { return now },
	})
	if err != nil {
		tb.Fatalf("new console: %v", err)
	}

	hash, err := store.HashPassword(perfPassword)
	if err != nil {
		tb.Fatal(err)
	}
	r.tenant, r.admin, err = store.CreateOrganisation(ctx, tenants.Tenant{Name: "Perf Console",
		RoleARN: "arn:aws:iam::" + awstest.NewAccountID(tb) + ":role/easytocloud", MFA: tenants.MFAPolicy{Kind: tenants.MFASMS}},
		tenants.User{Email: "admin@perf-console.example.com", Phone: "+31612345670"}, hash)
	if err != nil {
		tb.Fatalf("create organisation: %v", err)
	}
	for i, name := range []string{"ada", "grace", "edsger", "barbara"} {
		u := tenants.User{TenantID: r.tenant.ID, Email: name + "-" + r.tenant.ID + "@example.com", Role: tenants.RoleMember,
			Phone: "+3161234567" + string(rune('1'+i))}
		if _, err := store.CreateUser(ctx, u, perfPassword); err != nil {
			tb.Fatalf("create member: %v", err)
		}
		r.member = u.Email
	}
	if _, err := store.TouchAlexaLink(ctx, r.tenant.ID, r.admin.ID, "amzn1.ask.account.perf", "g-perf"); err != nil {
		tb.Fatal(err)
	}
	r.cookie = r.signIn(tb)
	for _, name := range []string{"alan", "margaret"} {
		r.post(tb, "/console/people/invite", url.Values{"email": {name + "-" + r.tenant.ID + "@example.com"}, "role": {"member"}},
			"/console/people?done=invited")
	}
	return r
}

// request is a browser's GET of p (a path under /console), with cookie ("" for none).
func (r *consoleRig) request(p, cookie string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, strings.TrimSuffix(consoleBase, "/console")+p, nil)
	req.RemoteAddr = consoleSource
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	return req
}

// cookies returns the cookies a response set, as a browser sends them back.
func cookies(resp *http.Response) string {
	var s []string
	for _, c := range resp.Cookies() {
		s = append(s, c.Name+"="+c.Value)
	}
	return strings.Join(s, "; ")
}

// postForm takes the POST form of the page whose action is action, fills in values
// over its own fields and returns them.
func postForm(tb testing.TB, page *httptest.ResponseRecorder, action string, values url.Values) url.Values {
	tb.Helper()
	p, err := htmlform.Parse(page.Body.String())
	if err != nil {
		tb.Fatal(err)
	}
	for _, f := range p.PostForms() {
		if f.Action != action {
			continue
		}
		fields := f.Fields()
		for k, v := range values {
			fields[k] = v
		}
		return fields
	}
	tb.Fatalf("no form with action %s on the page:\n%s", action, page.Body)
	return nil
}

func (r *consoleRig) serve(req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r.srv.ServeHTTP(w, req)
	return w
}

// signIn signs the admin in through the sign-in page and returns the session cookie.
func (r *consoleRig) signIn(tb testing.TB) string {
	tb.Helper()
	page := r.serve(r.request("/console/signin", ""))
	if page.Code != http.StatusOK {
		tb.Fatalf("sign-in page: %d\n%s", page.Code, page.Body)
	}
	fields := postForm(tb, page, "/console/signin", url.Values{"email": {r.admin.Email}, "password": {perfPassword}})
	req := httptest.NewRequest(http.MethodPost, consoleBase+"/signin", strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", cookies(page.Result()))
	req.RemoteAddr = consoleSource
	resp := r.serve(req)
	session := cookies(resp.Result())
	if resp.Code != http.StatusSeeOther || !strings.Contains(session, "__Host-easytocloud-session=") {
		tb.Fatalf("sign-in: %d, cookies %q\n%s", resp.Code, session, resp.Body)
	}
	return session
}

// post sends the form of action (on the page at action's parent) as the admin,
// expecting a redirect to want.
func (r *consoleRig) post(tb testing.TB, action string, values url.Values, want string) {
	tb.Helper()
	page := r.serve(r.request(action[:strings.LastIndex(action, "/")], r.cookie))
	fields := postForm(tb, page, action, values)
	req := httptest.NewRequest(http.MethodPost, strings.TrimSuffix(consoleBase, "/console")+action, strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", r.cookie)
	req.RemoteAddr = consoleSource
	if resp := r.serve(req); resp.Code != http.StatusSeeOther || resp.Header().Get("Location") != want {
		tb.Fatalf("POST %s: %d to %q, want a redirect to %s\n%s", action, resp.Code, resp.Header().Get("Location"), want, resp.Body)
	}
}

// BenchmarkConsole is the console's own work for the pages a signed-in admin opens
// most, and the anonymous sign-in page: each op one GET served in process (no
// network) with the admin's session cookie, as cmd/console wires the console, on the
// emulator's table. Its MAC key is fetched and cached by a first request outside the
// timer, as in a warm function. own-ms/op is ns/op minus the time during which an AWS
// call was in flight; ddb-calls/op counts the DynamoDB calls of a page (the session,
// the user and the tenant, and what the page itself reads). A page answering other
// than 200 with its content, or one making any other AWS call, fails the benchmark.
func BenchmarkConsole(b *testing.B) {
	for _, page := range []struct {
		name, path string
		signedIn   bool
		shows      func(*consoleRig) string // a text the page must show
	}{
		{"Overview", "/console/", true, func(r *consoleRig) string { return r.tenant.Name }},
		{"People", "/console/people", true, func(r *consoleRig) string { return "margaret-" + r.tenant.ID }},
		{"Account", "/console/account", true, func(r *consoleRig) string { return r.admin.Email }},
		{"Connect", "/console/connect", true, func(r *consoleRig) string { return r.tenant.ExternalID }},
		{"Settings", "/console/settings", true, func(r *consoleRig) string { return `name="regions"` }},
		{"SignIn", "/console/signin", false, func(*consoleRig) string { return `name="password"` }},
	} {
		b.Run(page.name, func(b *testing.B) {
			r := newConsoleRig(b)
			cookie := ""
			if page.signedIn {
				cookie = r.cookie
			}
			req := r.request(page.path, cookie)
			want := []byte(page.shows(r))
			w := &responseSink{header: http.Header{}}
			check := func() {
				if w.status != http.StatusOK || !bytes.Contains(w.body.Bytes(), want) {
					b.Fatalf("GET %s: %d without %q\n%s", page.path, w.status, want, w.body.Bytes())
				}
			}
			w.reset()
			r.srv.ServeHTTP(w, req) // the MAC key fetched and cached
			check()
			r.rec.snapshot()
			r.busy.take()
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				r.srv.ServeHTTP(w, req)
				check()
			}
			busy := r.busy.take()
			calls, _ := r.rec.snapshot()
			if other := count(calls, "") - count(calls, "dynamodb"); other != 0 {
				b.Fatalf("GET %s made %d calls other than DynamoDB: %v", page.path, other, calls)
			}
			n := float64(b.N)
			b.ReportMetric((float64(b.Elapsed())-float64(busy))/n/1e6, "own-ms/op")
			b.ReportMetric(float64(count(calls, "dynamodb"))/n, "ddb-calls/op")
		})
	}
}
