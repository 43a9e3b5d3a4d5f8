package console_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/console"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/tenants"
)

// The console tests' helpers, one of each: the people and organisations they
// store, the journeys they walk through the pages, and what they read back from
// pages, mails and the table.

// Passwords the tests choose: strong enough for the estimator, and unlike each
// other.
const (
	testPassword  = "correct horse battery staple"
	otherPassword = "violet anchor quietly marmalade"
)

// withTokens puts f in place of the harness's token stand-in, for a test to drive.
func withTokens(f *fakeTokens) harnessOption { return func(c *console.Config) { c.Tokens = f } }

// withMFA hands the test the harness's mfa service.
func withMFA(out **mfa.Service) harnessOption {
	return func(c *console.Config) { *out = c.Elevations.(*mfa.Service) }
}

// mustOrganisation stores an organisation with its first admin, as a verified
// sign-up leaves it (not connected, SMS codes for its second factor, no session),
// and registers the password with the log check.
func (h *harness) mustOrganisation(name, email, password string) (tenants.Tenant, tenants.User) {
	h.t.Helper()
	h.logs.Secret("password", password)
	hash, err := h.store.HashPassword(password)
	if err != nil {
		h.t.Fatal(err)
	}
	t, u, err := h.store.CreateOrganisation(h.t.Context(), tenants.Tenant{Name: name, MFA: tenants.MFAPolicy{Kind: tenants.MFASMS}}, tenants.User{Email: email}, hash)
	if err != nil {
		h.t.Fatalf("create organisation: %v", err)
	}
	return t, u
}

var orgCounter atomic.Int64

// newOrganisation is mustOrganisation under a name and address of its own, with
// testPassword, for tests that make many.
func newOrganisation(h *harness) (tenants.Tenant, tenants.User) {
	h.t.Helper()
	n := orgCounter.Add(1)
	return h.mustOrganisation(fmt.Sprintf("Acme %d", n), fmt.Sprintf("admin-%d@example.com", n), testPassword)
}

// mustMember adds a member to tenant t, stored directly (mustJoin walks the
// invitation instead), and registers the password with the log check.
func (h *harness) mustMember(t tenants.Tenant, email, password string) tenants.User {
	h.t.Helper()
	h.logs.Secret("password", password)
	u, err := h.store.CreateUser(h.t.Context(), tenants.User{TenantID: t.ID, Email: email, Role: tenants.RoleMember, Phone: "+31612345678"}, password)
	if err != nil {
		h.t.Fatalf("create member: %v", err)
	}
	return u
}

// mustTenant reads the stored tenant id.
func mustTenant(t *testing.T, h *harness, id string) tenants.Tenant {
	t.Helper()
	tn, err := h.store.GetTenant(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

// signInAs fills in the sign-in page (opened at p, "/signin" or "/signin?next=…").
func (b *browser) signInAs(p, email, password string) response {
	b.h.t.Helper()
	return b.submit(p, "/signin", url.Values{"email": {email}, "password": {password}})
}

// mustSignIn signs in through the sign-in page on a new browser and returns it,
// failing the test unless the sign-in succeeds.
func (h *harness) mustSignIn(email, password string) *browser {
	h.t.Helper()
	b := h.browser()
	if r := b.signInAs("/signin", email, password); r.Status != http.StatusSeeOther {
		h.t.Fatalf("sign in as %s: %d\n%s", email, r.Status, r.Body)
	}
	return b
}

// mustAcme stores the organisation Acme Clouds, with its owner (owner@acme.example,
// testPassword) signed in on the browser it returns, to invite people.
func (h *harness) mustAcme() (tenants.Tenant, tenants.User, *browser) {
	h.t.Helper()
	tn, owner := h.mustOrganisation("Acme Clouds", "owner@acme.example", testPassword)
	return tn, owner, h.mustSignIn(owner.Email, testPassword)
}

// mustInvite invites email as role through the people page of admin, a signed-in
// admin's browser, and returns the invitation's link from the mail.
func mustInvite(t *testing.T, admin *browser, email string, role tenants.Role) string {
	t.Helper()
	r := admin.submit("/people", "/people/invite", url.Values{"email": {email}, "role": {string(role)}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("invite %s: %d\n%s", email, r.Status, r.Body)
	}
	return admin.h.linkTo(email, "/invite")
}

// acceptStep1 opens the invitation link and sends its first form.
func acceptStep1(t *testing.T, b *browser, link, password, phone string) response {
	t.Helper()
	return b.submit(link, "/invite", url.Values{"password": {password}, "phone": {phone}})
}

// mustJoin walks an invitation from admin's browser to the end: link, password
// (otherPassword) and phone, SMS code. It returns the new person's signed-in
// browser and the stored user.
func mustJoin(t *testing.T, admin *browser, email string, role tenants.Role, phone string) (*browser, tenants.User) {
	t.Helper()
	h := admin.h
	link := mustInvite(t, admin, email, role)
	b := h.browser()
	r := acceptStep1(t, b, link, otherPassword, phone)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Check your phone") {
		t.Fatalf("step 1: %d\n%s", r.Status, r.Body)
	}
	r = b.submitOn(r, "/invite/phone", url.Values{"code": {h.code(phone)}})
	if r.Status != http.StatusSeeOther || r.Location != "/console/account?done=joined" {
		t.Fatalf("step 2: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	u, err := h.store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("the new user: %v", err)
	}
	return b, u
}

// linkTo returns the link of the newest mail to address, failing the test unless
// it opens the console's path p ("/signup/verify").
func (h *harness) linkTo(address, p string) string {
	h.t.Helper()
	l := h.link(address)
	if !strings.HasPrefix(l, h.base+p+"?") {
		h.t.Fatalf("the newest mail to %s has no link to %s: %s", address, p, l)
	}
	return l
}

// smsCount is how many texts went to phone.
func smsCount(h *harness, phone string) int {
	h.sms.mu.Lock()
	defer h.sms.mu.Unlock()
	return len(h.sms.sent[phone])
}

// scan returns every item of the table.
func (h *harness) scan() []map[string]types.AttributeValue {
	h.t.Helper()
	db := dynamodb.NewFromConfig(h.cfg)
	var items []map[string]types.AttributeValue
	in := &dynamodb.ScanInput{TableName: aws.String(h.tbl.Name()), ConsistentRead: aws.Bool(true)}
	for {
		out, err := db.Scan(h.t.Context(), in)
		if err != nil {
			h.t.Fatalf("scan: %v", err)
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return items
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// items returns the items of the table whose partition key starts with prefix ("" for
// all of them).
func (h *harness) items(prefix string) []map[string]types.AttributeValue {
	h.t.Helper()
	var out []map[string]types.AttributeValue
	for _, it := range h.scan() {
		if pk, ok := it["pk"].(*types.AttributeValueMemberS); ok && strings.HasPrefix(pk.Value, prefix) {
			out = append(out, it)
		}
	}
	return out
}

// countItems returns how many items of the table have a partition key starting
// with prefix ("" for all of them).
func (h *harness) countItems(prefix string) int {
	h.t.Helper()
	return len(h.items(prefix))
}

// mustNotShow fails the test when the page holds password.
func mustNotShow(tb testing.TB, r response, password string) {
	tb.Helper()
	if password != "" && strings.Contains(r.Body, password) {
		tb.Errorf("the page shows the password:\n%s", r.Body)
	}
}

// fieldValue returns the value of input name in the page's first POST form with
// action (a console path) that has it, failing the test when there is none.
func fieldValue(tb testing.TB, r response, action, name string) string {
	tb.Helper()
	for _, f := range r.Page(tb).PostForms() {
		if f.Action == "/console"+action && f.Has(name) {
			return f.Fields().Get(name)
		}
	}
	tb.Fatalf("no form %s with an input %s on the page:\n%s", action, name, r.Body)
	return ""
}

// fieldError returns the text of the error paragraph of field on the page ("" when
// none).
func fieldError(t *testing.T, body, field string) string {
	t.Helper()
	start := strings.Index(body, `id="`+field+`-error"`)
	if start < 0 {
		return ""
	}
	end := strings.Index(body[start:], "</p>")
	text := body[start : start+end]
	text = text[strings.Index(text, "</span>")+len("</span>"):]
	return html.UnescapeString(strings.TrimSpace(text))
}

// sameAnswer fails the test unless a and b, the answers to the same form for two
// addresses, are alike in status, page (a's aWord and b's bWord taken out) and
// headers (but Date): so that the answer does not tell which address has an account.
func sameAnswer(t *testing.T, a, b response, aWord, bWord string) {
	t.Helper()
	if a.Status != b.Status {
		t.Errorf("status %d for one address, %d for the other", a.Status, b.Status)
	}
	if ab, bb := strings.ReplaceAll(a.Body, aWord, "X"), strings.ReplaceAll(b.Body, bWord, "X"); ab != bb {
		t.Errorf("the pages differ:\n%s", cmp.Diff(ab, bb))
	}
	ah, bh := a.Header.Clone(), b.Header.Clone()
	ah.Del("Date")
	bh.Del("Date")
	if diff := cmp.Diff(ah, bh); diff != "" {
		t.Errorf("the headers differ (-one +other):\n%s", diff)
	}
}

// setsSession reports whether r sets a session cookie.
func setsSession(r response) bool {
	for _, c := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "easytocloud-session=") && !strings.Contains(c, "Max-Age=0") {
			return true
		}
	}
	return false
}

func mustURL(tb testing.TB, s string) *url.URL {
	tb.Helper()
	u, err := url.Parse(s)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}
