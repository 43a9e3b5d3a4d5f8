package oauth_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/tenants"
)

const suspendedText = "Your organisation&#39;s easytocloud account is suspended, so it cannot be linked. Contact your administrator."

func (e *env) setSuspended(tb testing.TB, suspended bool) {
	tb.Helper()
	if _, err := e.store.UpdateTenant(context.Background(), e.tenant.ID, "", func(t *tenants.Tenant) error {
		t.Suspended = suspended
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
}

// pendingConsents counts the consent tickets in the table.
func (e *env) pendingConsents(tb testing.TB) int {
	tb.Helper()
	out, err := e.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(e.table)})
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, it := range out.Items {
		if pk, ok := it["pk"].(*dbtypes.AttributeValueMemberS); ok && strings.HasPrefix(pk.Value, "OAUTHCONSENT#") {
			n++
		}
	}
	return n
}

// TestSuspendedTenantCannotLink: with the right password a suspended tenant's user
// gets the login page again, saying the organisation is suspended (the address kept,
// no consent stored); a wrong password says only that it is wrong. Resumed, the user
// links again.
func TestSuspendedTenantCannotLink(t *testing.T) {
	e := newEnv(t)
	e.setSuspended(t, true)
	r := e.signIn(t, authorizeURL(e, validQuery(e)), e.user.Email, password)
	if r.status != http.StatusForbidden || !strings.Contains(r.body, `<p class="error" role="alert" id="form-message">`+suspendedText+`</p>`) {
		t.Fatalf("sign-in of a suspended tenant's user: %d\n%s", r.status, r.body)
	}
	page := mustParsePage(t, r.body)
	if _, ok := page.PostFormWith("consent"); ok {
		t.Error("the page offers a consent form")
	}
	if f, ok := page.PostFormWith("password"); !ok || f.Fields().Get("email") != e.user.Email {
		t.Errorf("the login form does not keep the address (%v)", ok)
	}
	if n := e.pendingConsents(t); n != 0 {
		t.Errorf("%d consents stored for a suspended tenant", n)
	}
	if r := e.signIn(t, authorizeURL(e, validQuery(e)), e.user.Email, "a wrong password"); r.status != http.StatusOK ||
		strings.Contains(r.body, "suspended") || !strings.Contains(r.body, "not right") {
		t.Errorf("a wrong password for a suspended tenant: %d\n%s", r.status, r.body)
	}
	if strings.Count(e.logs.String(), `"msg":"sign-in refused: the tenant is suspended"`) != 1 {
		t.Error("no log line says the sign-in was refused for the suspension")
	}
	e.setSuspended(t, false)
	e.link(t)
}

// TestSuspendedBetweenSignInAndLink: a tenant suspended while its user looks at the
// consent page gets no code for Link.
func TestSuspendedBetweenSignInAndLink(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	consent := e.signInWith(t, b, authorizeURL(e, validQuery(e)), e.user.Email, password)
	if consent.status != http.StatusOK {
		t.Fatalf("sign-in: %d", consent.status)
	}
	e.setSuspended(t, true)
	r := e.decide(t, b, consent, "allow")
	if r.status != http.StatusForbidden || r.header.Get("Location") != "" || !strings.Contains(r.body, suspendedText) {
		t.Errorf("Link after the suspension: %d, Location %q\n%s", r.status, r.header.Get("Location"), r.body)
	}
}

// TestUnconnectedTenantLinks: the user of a tenant with no AWS account connected yet
// may link; the consent page says the account is not connected, and names none.
func TestUnconnectedTenantLinks(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tn, err := e.store.CreateTenant(ctx, tenants.Tenant{Name: "Newco", MFA: tenants.MFAPolicy{Kind: tenants.MFASMS}}, "")
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.store.CreateUser(ctx, tenants.User{TenantID: tn.ID, Email: "nina@example.com", Phone: "+15550100102"}, password)
	if err != nil {
		t.Fatal(err)
	}
	e.remember(u.Email)
	cfg := e.config(alexaRedirect())
	v := oauth2.GenerateVerifier()
	b := e.browser()
	consent := e.signInWith(t, b, cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(v)), u.Email, password)
	if consent.status != http.StatusOK {
		t.Fatalf("sign-in: %d\n%s", consent.status, consent.body)
	}
	for _, want := range []string{"<dd>Newco</dd>", "<dt>AWS account</dt>\n<dd>Not connected yet</dd>",
		"Your organisation has not connected its AWS account to easytocloud yet.", "until an admin connects the account in the easytocloud console"} {
		if !strings.Contains(consent.body, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	if strings.Contains(consent.body, "••••") || strings.Contains(consent.body, "number ending in") {
		t.Error("consent page names an AWS account")
	}
	r := e.decide(t, b, consent, "allow")
	loc, _ := url.Parse(r.header.Get("Location"))
	if r.status != http.StatusSeeOther || loc.Query().Get("code") == "" {
		t.Fatalf("Link: %d, Location %q", r.status, r.header.Get("Location"))
	}
	e.remember(loc.Query().Get("code"))
	if _, err := e.exchange(cfg, loc.Query().Get("code"), v); err != nil {
		t.Errorf("exchange: %v", err)
	}
	// The connected tenant's page names its account, and says nothing of connecting.
	if r := e.signIn(t, authorizeURL(e, validQuery(e)), e.user.Email, password); strings.Contains(r.body, "Not connected") {
		t.Error("a connected tenant's consent page says it is not connected")
	}
}
