package oauth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants"
)

// TestConsentPage: a successful sign-in shows which client links which easytocloud
// account (tenant name, AWS account ID masked but for its last four digits), with
// Link and Cancel in a CSRF-protected form, self-contained and with the headers.
func TestConsentPage(t *testing.T) {
	e := newEnv(t)
	r := e.signIn(t, authorizeURL(e, validQuery(e)), e.user.Email, password)
	if r.status != http.StatusOK || r.header.Get("Location") != "" {
		t.Fatalf("sign-in: %d, Location %q; want 200 and the consent page", r.status, r.header.Get("Location"))
	}
	checkHeaders(t, "ConsentPage", r.header)
	csp := r.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "form-action 'self' https://layla.amazon.com;") {
		t.Errorf("consent CSP %q does not allow the form and its redirect", csp)
	}
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no inline style")
	}
	sum := sha256.Sum256([]byte(m[1]))
	if hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, "style-src "+hash) {
		t.Errorf("CSP %q does not allow the inline style", csp)
	}
	account := e.tenant.AccountID()
	last4 := account[len(account)-4:]
	for _, want := range []string{
		`<html lang="en">`, "<h1>Link your easytocloud account</h1>", "Alexa", "Acme Corp",
		`<span aria-hidden="true">••••••••` + last4 + `</span>`, `<span class="sr-only">number ending in ` + last4 + `</span>`,
		e.user.Email, `<form method="post" action="authorize">`, `name="csrf_token"`, `<input type="hidden" name="consent"`,
		`<button type="submit" name="decision" value="allow">Link</button>`,
		`<button type="submit" name="decision" value="deny" class="secondary">Cancel</button>`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("consent page lacks %s", want)
		}
	}
	for _, banned := range []string{account, "<script", "src=", "href=", `style="`, `name="password"`, "code="} {
		if strings.Contains(r.body, banned) {
			t.Errorf("consent page contains %q", banned)
		}
	}
	e.remember(formFields(t, r.body).Get("consent"))
	cookies := r.header.Values("Set-Cookie")
	if len(cookies) != 1 || !strings.Contains(cookies[0], "HttpOnly") || !strings.Contains(cookies[0], "SameSite=Strict") {
		t.Errorf("consent page cookies %q, want one fresh CSRF cookie", cookies)
	}
}

// TestConsentDecision: Link redirects with code and state; Cancel with
// error=access_denied and the state, and issues no code. Both end the CSRF cookie.
func TestConsentDecision(t *testing.T) {
	e := newEnv(t)
	q := validQuery(e)
	q.Set("state", "the state")
	for _, tc := range []struct {
		name, decision, wantError string
	}{
		{"Link", "allow", ""},
		{"Cancel", "deny", "access_denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := e.browser()
			consent := e.signInWith(t, b, authorizeURL(e, q), e.user.Email, password)
			e.remember(formFields(t, consent.body).Get("consent"))
			r := e.decide(t, b, consent, tc.decision)
			loc, err := url.Parse(r.header.Get("Location"))
			if r.status != http.StatusSeeOther || err != nil {
				t.Fatalf("%s: %d, Location %q; want 303", tc.name, r.status, r.header.Get("Location"))
			}
			if got := loc.Scheme + "://" + loc.Host + loc.Path; got != alexaRedirect() {
				t.Errorf("redirected to %s, want %s", got, alexaRedirect())
			}
			got := loc.Query()
			e.remember(got.Get("code"))
			if got.Get("state") != "the state" || got.Get("error") != tc.wantError || (got.Get("code") != "") != (tc.wantError == "") {
				t.Errorf("redirect query %v: want state, and error %q or a code", got, tc.wantError)
			}
			if c := r.header.Get("Set-Cookie"); !strings.Contains(c, "Max-Age=0") {
				t.Errorf("the CSRF cookie is not cleared: %q", c)
			}
		})
	}
}

// TestConsentRefusals: the consent form works once, within ConsentLifetime, with its
// CSRF token, from the browser that signed in, for a user whose tokens were not
// revoked since and a client that still exists. Every refusal is an error page,
// never a redirect.
func TestConsentRefusals(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		status int
		log    string // the refusal's log message
		// attack changes the Link form or the world before it is sent, and returns
		// the browser that sends it.
		attack func(t *testing.T, b *http.Client, consent response, form url.Values) *http.Client
	}{
		// The first answer clears the CSRF cookie; the replays keep a copy of it, so
		// that what refuses them is the consumed consent.
		{"Replayed", http.StatusBadRequest, "unknown, answered", func(t *testing.T, b *http.Client, consent response, form url.Values) *http.Client {
			twin := e.twin(b)
			if r := e.decide(t, b, consent, "allow"); r.status != http.StatusSeeOther {
				t.Fatalf("first Link: %d", r.status)
			} else {
				loc, _ := url.Parse(r.header.Get("Location"))
				e.remember(loc.Query().Get("code"))
			}
			return twin
		}},
		{"AfterCancel", http.StatusBadRequest, "unknown, answered", func(t *testing.T, b *http.Client, consent response, form url.Values) *http.Client {
			twin := e.twin(b)
			if r := e.decide(t, b, consent, "deny"); r.status != http.StatusSeeOther {
				t.Fatalf("Cancel: %d", r.status)
			}
			return twin
		}},
		{"OtherBrowser", http.StatusBadRequest, "unknown, answered", func(t *testing.T, b *http.Client, consent response, form url.Values) *http.Client {
			other := e.browser() // with its own valid CSRF cookie and token, and the stolen ticket
			form.Set("csrf_token", formFields(t, get(t, other, authorizeURL(e, validQuery(e))).body).Get("csrf_token"))
			return other
		}},
		{"NoCSRFToken", http.StatusForbidden, "CSRF", func(t *testing.T, b *http.Client, consent response, form url.Values) *http.Client {
			form.Del("csrf_token")
			return b
		}},
		{"ForgedTicket", http.StatusBadRequest, "unknown, answered", func(t *testing.T, b *http.Client, consent response, form url.Values) *http.Client {
			form.Set("consent", oauth2.GenerateVerifier()[:43])
			return b
		}},
		{"NoDecision", http.StatusBadRequest, "no decision", func(t *testing.T, b *http.Client, consent response, form url.Values) *http.Client {
			form.Del("decision")
			return b
		}},
		{"Expired", http.StatusBadRequest, "unknown, answered", func(t *testing.T, b *http.Client, consent response, form url.Values) *http.Client {
			e.clock.Advance(oauth.ConsentLifetime + time.Second)
			return b
		}},
		{"RevokedSinceSignIn", http.StatusBadRequest, "revoked after sign-in", func(t *testing.T, b *http.Client, consent response, form url.Values) *http.Client {
			e.clock.Advance(1)
			if err := e.srv.RevokeUser(context.Background(), tenants.Principal{TenantID: e.tenant.ID, UserID: e.user.ID}); err != nil {
				t.Fatal(err)
			}
			return b
		}},
		{"ClientDeleted", http.StatusBadRequest, "client or redirect URI gone", func(t *testing.T, b *http.Client, consent response, form url.Values) *http.Client {
			c, secret, err := e.srv.Clients().Create(context.Background(), oauth.Client{Name: "Gone", VendorID: vendorID})
			if err != nil {
				t.Fatal(err)
			}
			e.remember(secret)
			q := validQuery(e)
			q.Set("client_id", c.ID)
			gone := e.signInWith(t, b, authorizeURL(e, q), e.user.Email, password)
			for k, v := range formFields(t, gone.body) {
				form[k] = v
			}
			form.Set("decision", "allow")
			if err := e.srv.Clients().Delete(context.Background(), c.ID); err != nil {
				t.Fatal(err)
			}
			return b
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.clock.Advance(time.Hour) // past earlier cases' expiries and lockouts
			b := e.browser()
			consent := e.signInWith(t, b, authorizeURL(e, validQuery(e)), e.user.Email, password)
			form := formFields(t, consent.body)
			e.remember(form.Get("consent"))
			form.Set("decision", "allow")
			sender := tc.attack(t, b, consent, form)
			before := len(e.logs.String())
			r := postForm(t, sender, e.issuer+"/oauth/authorize", form)
			if logs := e.logs.String()[before:]; !strings.Contains(logs, "consent refused: ") || !strings.Contains(logs, tc.log) {
				t.Errorf("refused for another reason than %q:\n%s", tc.log, logs)
			}
			if r.status != tc.status || r.header.Get("Location") != "" {
				t.Fatalf("Link: %d, Location %q; want %d and no redirect", r.status, r.header.Get("Location"), tc.status)
			}
			if !strings.Contains(r.body, "Start linking your account again") {
				t.Errorf("the error page does not say what to do:\n%s", r.body)
			}
			checkHeaders(t, tc.name, r.header)
		})
	}
}

// twin returns a browser with a copy of b's cookies for the server.
func (e *env) twin(b *http.Client) *http.Client {
	u, _ := url.Parse(e.issuer)
	t := e.browser()
	t.Jar.SetCookies(u, b.Jar.Cookies(u))
	return t
}
