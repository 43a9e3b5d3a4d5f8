package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/console"
	"github.com/easytocloud/easytocloud/tenants"
)

// askReset fills in the reset page.
func (b *browser) askReset(email string) response {
	b.h.t.Helper()
	return b.submit("/reset", "/reset", url.Values{"email": {email}})
}

func TestReset(t *testing.T) {
	tokens := &fakeTokens{}
	h := newHarness(t, withTokens(tokens))
	_, u := h.mustOrganisation("Acme", "ada@acme.example", otherPassword)
	h.logs.Secret("password", testPassword, "a third password nobody guesses")
	elsewhere := h.mustSignIn("ada@acme.example", otherPassword)

	b := h.browser()
	r := b.askReset("ADA@acme.example")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "If <strong>ADA@acme.example</strong> has an easytocloud account") {
		t.Fatalf("ask: %d\n%s", r.Status, r.Body)
	}
	link := h.linkTo("ada@acme.example", "/reset/confirm")
	page := b.get(link)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Choose a new password") || !strings.Contains(page.Body, "ada@acme.example") {
		t.Fatalf("GET the link: %d\n%s", page.Status, page.Body)
	}
	r = b.submitOn(page, "/reset/confirm", url.Values{"password": {testPassword}})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Your password has been changed") || !strings.Contains(r.Body, `href="/console/signin"`) {
		t.Fatalf("confirm: %d\n%s", r.Status, r.Body)
	}
	mustNotShow(t, r, testPassword)
	if _, err := h.store.Authenticate(t.Context(), "ada@acme.example", testPassword); err != nil {
		t.Errorf("the new password: %v", err)
	}
	if _, err := h.store.Authenticate(t.Context(), "ada@acme.example", otherPassword); !errors.Is(err, tenants.ErrInvalidCredentials) {
		t.Errorf("the old password: %v", err)
	}
	if r := elsewhere.get("/"); r.Status != http.StatusSeeOther {
		t.Errorf("the other session: %d", r.Status)
	}
	if n := h.countItems("CONSOLESESSION#"); n != 0 {
		t.Errorf("%d sessions left", n)
	}
	if diff := cmp.Diff([]tenants.Principal{{TenantID: u.TenantID, UserID: u.ID}}, tokens.revokedUsers); diff != "" {
		t.Errorf("revoked (-want +got):\n%s", diff)
	}

	t.Run("Replay", func(t *testing.T) {
		r := h.browser().submitOn(page, "/reset/confirm", url.Values{"password": {"a third password nobody guesses"}})
		if r.Status != http.StatusGone || !strings.Contains(r.Body, "This link has expired or has already been used") || !strings.Contains(r.Body, `href="/console/reset"`) {
			t.Fatalf("replay: %d\n%s", r.Status, r.Body)
		}
		if _, err := h.store.Authenticate(t.Context(), "ada@acme.example", testPassword); err != nil {
			t.Errorf("the replay changed the password: %v", err)
		}
		if r := h.browser().get(link); r.Status != http.StatusGone {
			t.Errorf("GET after use: %d", r.Status)
		}
	})
}

// TestResetNoEnumeration: an address with an account and one without get the same
// answer; the one without gets a mail saying so.
func TestResetNoEnumeration(t *testing.T) {
	h := newHarness(t)
	h.mustOrganisation("Acme", "ada@acme.example", testPassword)
	known := h.browser().askReset("ada@acme.example")
	unknown := h.browser().askReset("bob@acme.example")
	if known.Status != http.StatusOK {
		t.Errorf("status %d for a known address", known.Status)
	}
	sameAnswer(t, known, unknown, "ada@", "bob@")
	h.linkTo("ada@acme.example", "/reset/confirm")
	mails := h.mail.to("bob@acme.example")
	if len(mails) != 1 || !strings.Contains(mails[0].Text, "no easytocloud account uses this address") || strings.Contains(mails[0].Text, "token=") {
		t.Errorf("the mail to the unknown address: %+v", mails)
	}
}

func TestResetBadInput(t *testing.T) {
	h := newHarness(t)
	h.mustOrganisation("Acme", "ada@acme.example", testPassword)
	h.browser().get("/reset") // makes the console's key
	for name, c := range map[string]struct{ email, want string }{
		"Empty":     {"", "Enter your email address"},
		"Malformed": {"ada.acme.example", "Enter an email address in the correct format"},
	} {
		t.Run(name, func(t *testing.T) {
			before := h.countItems("")
			r := h.browser().askReset(c.email)
			if r.Status != http.StatusOK || !strings.Contains(r.Body, c.want) || !strings.Contains(r.Body, "There is a problem") {
				t.Fatalf("%d\n%s", r.Status, r.Body)
			}
			if got := fieldValue(t, r, "/reset", "email"); got != c.email {
				t.Errorf("email kept as %q", got)
			}
			if after := h.countItems(""); after != before {
				t.Errorf("wrote %d items", after-before)
			}
		})
	}
	t.Run("CSRF", func(t *testing.T) {
		b := h.browser()
		b.get("/reset")
		r := b.post("/reset", url.Values{"email": {"ada@acme.example"}})
		if r.Status != http.StatusForbidden || len(h.mail.to("ada@acme.example")) != 0 {
			t.Errorf("%d, %d mails\n%s", r.Status, len(h.mail.to("ada@acme.example")), r.Body)
		}
	})
}

func TestResetLimits(t *testing.T) {
	h := newHarness(t)
	h.mustOrganisation("Acme", "ada@acme.example", testPassword)
	for i := range 3 {
		if r := h.browser().askReset("ada@acme.example"); r.Status != http.StatusOK {
			t.Fatalf("ask %d: %d", i, r.Status)
		}
	}
	r := h.browser().askReset("ada@acme.example")
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "Too many reset emails") {
		t.Fatalf("the fourth: %d\n%s", r.Status, r.Body)
	}
	if n := len(h.mail.to("ada@acme.example")); n != 3 {
		t.Errorf("%d mails", n)
	}
	h.clock.Advance(time.Hour + time.Second)
	if r := h.browser().askReset("ada@acme.example"); r.Status != http.StatusOK {
		t.Errorf("an hour later: %d", r.Status)
	}
}

func TestResetExpired(t *testing.T) {
	h := newHarness(t)
	h.mustOrganisation("Acme", "ada@acme.example", otherPassword)
	b := h.browser()
	b.askReset("ada@acme.example")
	link := h.linkTo("ada@acme.example", "/reset/confirm")
	page := b.get(link)
	h.clock.Advance(30*time.Minute + time.Second)
	if r := b.get(link); r.Status != http.StatusGone || !strings.Contains(r.Body, `href="/console/reset"`) {
		t.Errorf("GET: %d\n%s", r.Status, r.Body)
	}
	if r := b.submitOn(page, "/reset/confirm", url.Values{"password": {testPassword}}); r.Status != http.StatusGone {
		t.Errorf("POST: %d\n%s", r.Status, r.Body)
	}
	if _, err := h.store.Authenticate(t.Context(), "ada@acme.example", otherPassword); err != nil {
		t.Errorf("the password changed: %v", err)
	}
}

// TestResetWeakPassword: a refused password leaves the link usable.
func TestResetWeakPassword(t *testing.T) {
	h := newHarness(t)
	h.mustOrganisation("Acme", "ada@acme.example", otherPassword)
	b := h.browser()
	b.askReset("ada@acme.example")
	page := b.get(h.linkTo("ada@acme.example", "/reset/confirm"))
	for pw, want := range map[string]string{"": "Enter a new password", "short": "at least 12 characters", "acme acme acme": "harder to guess"} {
		r := b.submitOn(page, "/reset/confirm", url.Values{"password": {pw}})
		if r.Status != http.StatusOK || !strings.Contains(r.Body, want) || !strings.Contains(r.Body, `aria-describedby="password-hint password-error"`) {
			t.Fatalf("%q: %d\n%s", pw, r.Status, r.Body)
		}
		mustNotShow(t, r, pw)
		page = r
	}
	if r := b.submitOn(page, "/reset/confirm", url.Values{"password": {testPassword}}); r.Status != http.StatusOK || !strings.Contains(r.Body, "Your password has been changed") {
		t.Errorf("then a good one: %d\n%s", r.Status, r.Body)
	}
}

// failingPasswords is the store with a SetPassword that fails.
type failingPasswords struct{ console.Store }

func (failingPasswords) SetPassword(context.Context, string, string, string) error {
	return errors.New("injected failure")
}

// TestResetSetPasswordFails: the link is used before the password is stored, so a
// failure says so, offers a new link, and the link does not work twice.
func TestResetSetPasswordFails(t *testing.T) {
	h := newHarness(t, func(c *console.Config) { c.Store = failingPasswords{c.Store} })
	h.mustOrganisation("Acme", "ada@acme.example", otherPassword)
	b := h.browser()
	b.askReset("ada@acme.example")
	page := b.get(h.linkTo("ada@acme.example", "/reset/confirm"))
	r := b.submitOn(page, "/reset/confirm", url.Values{"password": {testPassword}})
	if r.Status != http.StatusInternalServerError || !strings.Contains(r.Body, "Your password was not changed") || !strings.Contains(r.Body, `href="/console/reset"`) {
		t.Fatalf("%d\n%s", r.Status, r.Body)
	}
	if r := b.submitOn(page, "/reset/confirm", url.Values{"password": {testPassword}}); r.Status != http.StatusGone {
		t.Errorf("the used link again: %d", r.Status)
	}
	if _, err := h.store.Authenticate(t.Context(), "ada@acme.example", otherPassword); err != nil {
		t.Errorf("the old password: %v", err)
	}
}
