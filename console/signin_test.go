package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/easytocloud/easytocloud/console"
	"github.com/easytocloud/easytocloud/tenants"
)

const msgBadCredentials = "The email address or password is not right. Check them and try again."

func TestSignIn(t *testing.T) {
	h := newHarness(t)
	_, _ = h.mustOrganisation("Acme", "ada@acme.example", testPassword)

	t.Run("OK", func(t *testing.T) {
		b := h.browser()
		r := b.signInAs("/signin?next=/account", "ADA@acme.example ", testPassword)
		if r.Status != http.StatusSeeOther || r.Location != "/console/account" {
			t.Fatalf("sign in: %d %q\n%s", r.Status, r.Location, r.Body)
		}
		if !setsSession(r) {
			t.Errorf("no session cookie: %v", r.Header.Values("Set-Cookie"))
		}
		o := b.get("/")
		for _, want := range []string{"<h1>Acme</h1>", `href="/console/connect">Connect your AWS account`, "Admin:", "A code sent by text message", "for 10 minutes", "ada@acme.example"} {
			if !strings.Contains(o.Body, want) {
				t.Errorf("the overview lacks %q:\n%s", want, o.Body)
			}
		}
	})

	t.Run("NextOutside", func(t *testing.T) {
		for _, next := range []string{"//evil.example", "https://evil.example/", "/\\evil.example", "/no-such-page", "/people/u-x/remove"} {
			b := h.browser()
			r := b.signInAs("/signin?next="+url.QueryEscape(next), "ada@acme.example", testPassword)
			if r.Status != http.StatusSeeOther || r.Location != "/console/" {
				t.Errorf("next=%s: %d %q", next, r.Status, r.Location)
			}
		}
	})

	t.Run("WrongCredentials", func(t *testing.T) {
		// The answers to a wrong password and to an unknown address are the same
		// page, the address typed kept, the password not.
		wrong := h.browser().signInAs("/signin", "ada@acme.example", "not the password at all")
		unknown := h.browser().signInAs("/signin", "bob@acme.example", "not the password at all")
		for _, r := range []response{wrong, unknown} {
			if r.Status != http.StatusOK || !strings.Contains(r.Body, msgBadCredentials) || setsSession(r) {
				t.Fatalf("wrong sign-in: %d\n%s", r.Status, r.Body)
			}
			mustNotShow(t, r, "not the password at all")
		}
		if got := fieldValue(t, wrong, "/signin", "email"); got != "ada@acme.example" {
			t.Errorf("email kept as %q", got)
		}
		norm := func(r response) string {
			body := strings.ReplaceAll(r.Body, "bob@acme.example", "ada@acme.example")
			return strings.ReplaceAll(body, fieldValue(t, r, "/signin", "csrf_token"), "TOKEN")
		}
		if norm(wrong) != norm(unknown) {
			t.Errorf("the answers differ:\n%s\n---\n%s", wrong.Body, unknown.Body)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		before := h.countItems("")
		r := h.browser().signInAs("/signin", "", "")
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "There is a problem") ||
			!strings.Contains(r.Body, "Enter your email address") || !strings.Contains(r.Body, "Enter your password") {
			t.Fatalf("empty sign-in: %d\n%s", r.Status, r.Body)
		}
		if !strings.Contains(r.Body, `aria-describedby="password-error"`) {
			t.Errorf("the password's error is not tied to it:\n%s", r.Body)
		}
		if after := h.countItems(""); after != before {
			t.Errorf("an empty form wrote %d items", after-before)
		}
	})

	t.Run("CSRF", func(t *testing.T) {
		for name, token := range map[string]string{"Missing": "", "Forged": strconv.FormatInt(h.clock.Now().Add(time.Hour).Unix(), 10) + ".AAAA"} {
			b := h.browser()
			b.get("/signin")
			r := b.post("/signin", url.Values{"email": {"ada@acme.example"}, "password": {testPassword}, "csrf_token": {token}})
			if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "This page had expired") || setsSession(r) {
				t.Errorf("%s: %d\n%s", name, r.Status, r.Body)
			}
			mustNotShow(t, r, testPassword)
		}
	})

	t.Run("Suspended", func(t *testing.T) {
		h := newHarness(t)
		tn, _ := h.mustOrganisation("Paused", "pat@paused.example", testPassword)
		if _, err := h.store.UpdateTenant(t.Context(), tn.ID, "", func(t *tenants.Tenant) error { t.Suspended = true; return nil }); err != nil {
			t.Fatal(err)
		}
		b := h.mustSignIn("pat@paused.example", testPassword)
		if o := b.get("/"); !strings.Contains(o.Body, "This organisation is suspended") {
			t.Errorf("no suspension banner:\n%s", o.Body)
		}
	})
}

// TestSignInLimits: wrong sign-ins are counted per address and refused, unchecked,
// at the limit; a right password gives its attempt back; the window lapses.
func TestSignInLimits(t *testing.T) {
	h := newHarness(t)
	h.mustOrganisation("Acme", "ada@acme.example", testPassword)
	b := h.browser()
	try := func(password string, want int) {
		t.Helper()
		r := b.signInAs("/signin", "ada@acme.example", password)
		if r.Status != want {
			t.Fatalf("sign-in with %q: %d, want %d\n%s", password, r.Status, want, r.Body)
		}
		mustNotShow(t, r, password)
		if want == http.StatusTooManyRequests && !strings.Contains(r.Body, "Too many sign-in attempts") {
			t.Errorf("refused without saying why:\n%s", r.Body)
		}
	}
	for range 4 {
		try("wrong password number one", http.StatusOK)
	}
	try(testPassword, http.StatusSeeOther) // given back: four counted
	try("wrong password number one", http.StatusOK)
	try(testPassword, http.StatusTooManyRequests) // the sixth: refused, right or not
	h.clock.Advance(15*time.Minute + time.Second)
	try(testPassword, http.StatusSeeOther)

	t.Run("Source", func(t *testing.T) {
		h := newHarness(t)
		b := h.browser()
		for i := range 20 {
			if r := b.signInAs("/signin", "person"+strconv.Itoa(i)+"@acme.example", "wrong password"); r.Status != http.StatusOK {
				t.Fatalf("attempt %d: %d", i, r.Status)
			}
		}
		if r := b.signInAs("/signin", "another@acme.example", "wrong password"); r.Status != http.StatusTooManyRequests {
			t.Fatalf("the 21st attempt from one source: %d", r.Status)
		}
	})
}

func TestSignOut(t *testing.T) {
	h := newHarness(t)
	_, u := h.mustOrganisation("Acme", "ada@acme.example", testPassword)
	b := h.mustSignIn("ada@acme.example", testPassword)
	o := b.get("/")
	cookies := b.client.Jar.Cookies(mustURL(t, h.base))
	r := b.submitOn(o, "/signout", nil)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "You have signed out") || strings.Contains(r.Body, "Sign out") {
		t.Fatalf("sign out: %d\n%s", r.Status, r.Body)
	}
	if n := h.countItems("CONSOLESESSION#" + u.TenantID + "#" + u.ID); n != 0 {
		t.Errorf("%d sessions left", n)
	}
	if r := b.get("/"); r.Status != http.StatusSeeOther || r.Location != "/console/signin?next=%2F" {
		t.Errorf("after sign-out: %d %q", r.Status, r.Location)
	}
	// The old cookie, kept by someone, opens nothing.
	thief := h.browser()
	thief.client.Jar.SetCookies(mustURL(t, h.base), cookies)
	if r := thief.get("/"); r.Status != http.StatusSeeOther {
		t.Errorf("the old cookie: %d", r.Status)
	}
}

func TestReauth(t *testing.T) {
	h := newHarness(t)
	_, u := h.mustOrganisation("Acme", "ada@acme.example", testPassword)
	b := h.mustSignIn("ada@acme.example", testPassword)
	h.clock.Advance(console.ReauthWindow + time.Minute)

	page := b.get("/reauth?next=/settings")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Confirm your password") {
		t.Fatalf("GET /reauth: %d\n%s", page.Status, page.Body)
	}
	r := b.submitOn(page, "/reauth", url.Values{"password": {"not my password"}})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "The password is not right") {
		t.Fatalf("wrong password: %d\n%s", r.Status, r.Body)
	}
	mustNotShow(t, r, "not my password")
	r = b.submitOn(r, "/reauth", url.Values{"password": {testPassword}})
	if r.Status != http.StatusSeeOther || r.Location != "/console/settings" {
		t.Fatalf("right password: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	var sess struct {
		ReauthNS int64 `dynamodbav:"reauth_ns"`
	}
	for _, it := range h.items("CONSOLESESSION#" + u.TenantID + "#" + u.ID) {
		if err := attributevalue.UnmarshalMap(it, &sess); err != nil {
			t.Fatal(err)
		}
	}
	if sess.ReauthNS != h.clock.Now().UnixNano() {
		t.Errorf("re-authenticated at %d, want now", sess.ReauthNS)
	}
	if r := b.submit("/reauth?next="+url.QueryEscape("//evil.example"), "/reauth", url.Values{"password": {testPassword}}); r.Location != "/console/" {
		t.Errorf("next=//evil.example: %d %q", r.Status, r.Location)
	}

	t.Run("Limited", func(t *testing.T) {
		// Wrong passwords here count against the address's sign-ins as well: with
		// the one above, five.
		for range 4 {
			if r := b.submit("/reauth", "/reauth", url.Values{"password": {"not my password"}}); r.Status != http.StatusOK {
				t.Fatalf("wrong password: %d", r.Status)
			}
		}
		if r := b.submit("/reauth", "/reauth", url.Values{"password": {testPassword}}); r.Status != http.StatusTooManyRequests {
			t.Errorf("the sixth: %d", r.Status)
		}
		if r := h.browser().signInAs("/signin", "ada@acme.example", testPassword); r.Status != http.StatusTooManyRequests {
			t.Errorf("a sign-in after five wrong confirmations: %d", r.Status)
		}
	})
}

// TestOverviewMember: a member sees their role and that an admin connects the
// account, without the admins' links.
func TestOverviewMember(t *testing.T) {
	h := newHarness(t)
	tn, _ := h.mustOrganisation("Acme", "ada@acme.example", testPassword)
	h.mustMember(tn, "bob@acme.example", otherPassword)
	b := h.mustSignIn("bob@acme.example", otherPassword)
	o := b.get("/")
	if o.Status != http.StatusOK || !strings.Contains(o.Body, "Member:") || !strings.Contains(o.Body, "an admin of your organisation connects it") {
		t.Fatalf("overview: %d\n%s", o.Status, o.Body)
	}
	for _, not := range []string{"/console/connect", "/console/people", "/console/settings"} {
		if strings.Contains(o.Body, not) {
			t.Errorf("a member's overview links to %s", not)
		}
	}
}
