package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/console"
	"github.com/easytocloud/easytocloud/internal/app/consoleapp"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/htmlform"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
	"github.com/easytocloud/easytocloud/internal/localsts"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/internal/testclock"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// mailDomain is the SES domain identity the harness verifies in the emulator; the
// console sends from an address of it.
const mailDomain = "mail.easytocloud.test"

// harness is one console on a fresh table, served over HTTP on a loopback port, with
// the real store, keyring, role check (the local STS on the emulator's IAM), SES and
// SNS of the emulator, and the mfa service in process.
type harness struct {
	t     testing.TB
	srv   *console.Server
	ts    *httptest.Server
	base  string // http://127.0.0.1:port/console
	clock *testclock.Clock
	cfg   aws.Config
	tbl   *table.Table
	store *dynamo.Store
	// keyring is the console's (and the tokens'); tokens are the account links'
	// refresh tokens and revocation marks, as oauth keeps them.
	keyring *dynamo.Keyring
	tokens  *oauth.Tokens
	logs    *leakcheck.Log
	mail    *recordingMail
	sms     *recordingSMS
}

type harnessOption func(*console.Config)

func withSignUp(m console.SignUpMode) harnessOption {
	return func(c *console.Config) { c.SignUp = m }
}

func newHarness(tb testing.TB, opts ...harnessOption) *harness {
	tb.Helper()
	ctx := context.Background()
	cfg := awstest.Config(tb)
	db, kmsc := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	tableName, secretsKey := awstest.Table(tb), awstest.SecretsKey(tb)
	h := &harness{t: tb, cfg: cfg, clock: testclock.New(time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)),
		tbl: table.New(db, tableName), logs: leakcheck.New(tb)}
	h.store = dynamo.NewStore(h.tbl, kmsc, secretsKey)
	h.store.Password = tenants.PasswordParams{Memory: 64, Time: 1, Threads: 1}
	keyring := dynamo.NewKeyring(h.tbl, kmsc, secretsKey)
	h.keyring = keyring
	h.tokens = oauth.NewTokens(h.tbl, keyring)

	ses := sesv2.NewFromConfig(cfg)
	if _, err := ses.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(mailDomain)}); err != nil {
		tb.Fatalf("verify the SES domain: %v", err)
	}
	h.mail = &recordingMail{ses: ses}
	h.sms = &recordingSMS{sns: sns.NewFromConfig(cfg)}
	second := mfa.NewService(h.store, keyring, h.tbl, sns.NewFromConfig(cfg), mfa.NewSTSFactory(cfg))

	h.ts = httptest.NewUnstartedServer(nil)
	h.base = "http://" + h.ts.Listener.Addr().String() + "/console"
	conf := console.Config{
		BaseURL: h.base, Table: h.tbl, Keyring: keyring, Store: h.store,
		Roles: account.NewAccess(localsts.New(cfg)), Tokens: consoleapp.Tokens{T: h.tokens}, Elevations: second,
		Mail: h.mail, From: "easytocloud <no-reply@" + mailDomain + ">", SMS: h.sms,
		SignUp:       console.SignUpOpen,
		SkillRoleARN: "arn:aws:iam::" + awstest.DefaultAccountID + ":role/easytocloud-skill",
		TemplateURL:  "https://easytocloud-templates.s3.eu-west-1.amazonaws.com/tenant.json",
		Logger:       slog.New(slog.NewJSONHandler(io.MultiWriter(h.logs), &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:          h.clock.Now,
	}
	for _, o := range opts {
		o(&conf)
	}
	var err error
	h.srv, err = console.NewServer(conf)
	if err != nil {
		tb.Fatalf("new console: %v", err)
	}
	h.ts.Config.Handler = h.srv
	h.ts.Start()
	tb.Cleanup(h.ts.Close)
	return h
}

// fakeTokens stands in for oauth.Tokens where a test makes revoking fail or watches it.
type fakeTokens struct {
	GrantsFn      func(tenants.Principal) ([]console.Grant, error)
	RevokeGrantFn func(tenants.Principal, string) error
	revokedUsers  []tenants.Principal
}

func (f *fakeTokens) Grants(_ context.Context, p tenants.Principal) ([]console.Grant, error) {
	if f.GrantsFn == nil {
		return nil, nil
	}
	return f.GrantsFn(p)
}

func (f *fakeTokens) RevokeGrant(_ context.Context, p tenants.Principal, id string) error {
	if f.RevokeGrantFn == nil {
		return nil
	}
	return f.RevokeGrantFn(p, id)
}

func (f *fakeTokens) RevokeUser(_ context.Context, p tenants.Principal) error {
	f.revokedUsers = append(f.revokedUsers, p)
	return nil
}

// recordingMail sends through the emulator's SES (which checks the sender identity
// and the addresses as SES does) and keeps each sent mail for the test to read.
type recordingMail struct {
	ses  *sesv2.Client
	mu   sync.Mutex
	sent []console.Mail
}

func (m *recordingMail) Send(ctx context.Context, mail console.Mail) error {
	_, err := m.ses.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(mail.From),
		Destination:      &sestypes.Destination{ToAddresses: []string{mail.To}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String(mail.Subject)},
			Body:    &sestypes.Body{Text: &sestypes.Content{Data: aws.String(mail.Text)}},
		}},
	})
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.sent = append(m.sent, mail)
	m.mu.Unlock()
	return nil
}

// to returns the mails sent to address, oldest first.
func (m *recordingMail) to(address string) []console.Mail {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []console.Mail
	for _, x := range m.sent {
		if strings.EqualFold(x.To, address) {
			out = append(out, x)
		}
	}
	return out
}

// recordingSMS texts through the emulator's SNS and keeps each message.
type recordingSMS struct {
	sns  *sns.Client
	mu   sync.Mutex
	sent map[string][]string
}

func (s *recordingSMS) Text(ctx context.Context, phone, message string) error {
	_, err := s.sns.Publish(ctx, &sns.PublishInput{PhoneNumber: aws.String(phone), Message: aws.String(message),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"AWS.SNS.SMS.SMSType": {DataType: aws.String("String"), StringValue: aws.String("Transactional")}}})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sent == nil {
		s.sent = map[string][]string{}
	}
	s.sent[phone] = append(s.sent[phone], message)
	return nil
}

var codeRE = regexp.MustCompile(`\b\d{6}\b`)

// code returns the code of the newest SMS to phone, failing the test when none came.
func (h *harness) code(phone string) string {
	h.t.Helper()
	h.sms.mu.Lock()
	defer h.sms.mu.Unlock()
	msgs := h.sms.sent[phone]
	if len(msgs) == 0 {
		h.t.Fatalf("no SMS to %s", phone)
	}
	return codeRE.FindString(msgs[len(msgs)-1])
}

var linkRE = regexp.MustCompile(`https?://\S+`)

// link returns the first link of the newest mail to address, failing the test when
// none came.
func (h *harness) link(address string) string {
	h.t.Helper()
	mails := h.mail.to(address)
	if len(mails) == 0 {
		h.t.Fatalf("no mail to %s", address)
	}
	l := linkRE.FindString(mails[len(mails)-1].Text)
	if l == "" {
		h.t.Fatalf("the mail to %s has no link:\n%s", address, mails[len(mails)-1].Text)
	}
	return l
}

// browser is one person's browser: it keeps cookies and does not follow redirects.
type browser struct {
	h      *harness
	client *http.Client
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{h: h, client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// response is a page as the browser got it.
type response struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
}

// Page parses the body as HTML.
func (r response) Page(tb testing.TB) *htmlform.Page {
	tb.Helper()
	p, err := htmlform.Parse(r.Body)
	if err != nil {
		tb.Fatalf("parse page: %v", err)
	}
	return p
}

func (b *browser) do(req *http.Request) response {
	b.h.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.h.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(body), Header: resp.Header}
}

// url returns the absolute URL of p: a console path ("/signup") or a full URL.
func (b *browser) url(p string) string {
	if strings.HasPrefix(p, "http") {
		return p
	}
	if strings.HasPrefix(p, "/console") {
		return strings.TrimSuffix(b.h.base, "/console") + p
	}
	return b.h.base + p
}

// get fetches p.
func (b *browser) get(p string) response {
	b.h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.url(p), nil)
	return b.do(req)
}

// post sends the form values to p as they are.
func (b *browser) post(p string, values url.Values) response {
	b.h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.url(p), strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// submit opens page p, takes its POST form whose action is action (a console path,
// "" for the page's only form), fills in values over its own fields (hidden ones such
// as csrf_token included) and sends it.
func (b *browser) submit(p, action string, values url.Values) response {
	b.h.t.Helper()
	got := b.get(p)
	if got.Status != http.StatusOK {
		b.h.t.Fatalf("GET %s: %d\n%s", p, got.Status, got.Body)
	}
	return b.submitOn(got, action, values)
}

// submitOn fills in and sends a form of the page r (see submit).
func (b *browser) submitOn(r response, action string, values url.Values) response {
	b.h.t.Helper()
	forms := r.Page(b.h.t).PostForms()
	for _, f := range forms {
		if action != "" && f.Action != b.h.srvPath(action) {
			continue
		}
		fields := f.Fields()
		for k, v := range values {
			fields[k] = v
		}
		return b.post(f.Action, fields)
	}
	b.h.t.Fatalf("no POST form with action %q on the page:\n%s", action, r.Body)
	return response{}
}

// srvPath returns the path a form's action names for a console path.
func (h *harness) srvPath(p string) string {
	if strings.HasPrefix(p, "/console") {
		return p
	}
	return "/console" + p
}
