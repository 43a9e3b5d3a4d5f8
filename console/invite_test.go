package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/console"
	"github.com/easytocloud/easytocloud/internal/htmlform"
	"github.com/easytocloud/easytocloud/tenants"
)

// TestAcceptInvitation: the invitee opens the e-mailed link, sees the organisation
// and their address, chooses a password and gives a phone number, enters the SMS
// code, and is signed in as a user of the organisation with the invited role. The
// link works once.
func TestAcceptInvitation(t *testing.T) {
	h := newHarness(t)
	tn, owner, ownerB := h.mustAcme()
	link := mustInvite(t, ownerB, "bob@acme.example", tenants.RoleMember)

	mails := h.mail.to("bob@acme.example")
	if len(mails) != 1 || !strings.Contains(mails[0].Subject, "Acme Clouds") || !strings.Contains(mails[0].Text, owner.Email) {
		t.Fatalf("invitation mail: %+v", mails)
	}
	if !strings.HasPrefix(link, h.base+"/invite?token=") {
		t.Fatalf("link %s", link)
	}
	b := h.browser()
	r := b.get(link)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Join Acme Clouds") || !strings.Contains(r.Body, "bob@acme.example") {
		t.Fatalf("GET the link: %d\n%s", r.Status, r.Body)
	}
	r = b.submitOn(r, "/invite", url.Values{"password": {otherPassword}, "phone": {"+31 6 1234 5678"}})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "ending 678") {
		t.Fatalf("step 1: %d\n%s", r.Status, r.Body)
	}
	mustNotShow(t, r, otherPassword)
	if _, err := h.store.UserByEmail(context.Background(), "bob@acme.example"); !errors.Is(err, tenants.ErrNotFound) {
		t.Fatalf("a user exists before the phone is verified: %v", err)
	}
	r = b.submitOn(r, "/invite/phone", url.Values{"code": {h.code("+31612345678")}})
	if r.Status != http.StatusSeeOther || r.Location != "/console/account?done=joined" {
		t.Fatalf("step 2: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	u, err := h.store.UserByEmail(context.Background(), "bob@acme.example")
	if err != nil || u.TenantID != tn.ID || u.Role != tenants.RoleMember || u.Phone != "+31612345678" {
		t.Fatalf("the user: %+v, %v", u, err)
	}
	if _, err := h.store.Authenticate(context.Background(), "bob@acme.example", otherPassword); err != nil {
		t.Errorf("the chosen password does not sign in: %v", err)
	}
	r = b.get(r.Location)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Welcome to easytocloud") || !strings.Contains(r.Body, "bob@acme.example") {
		t.Fatalf("signed in: GET /account: %d\n%s", r.Status, r.Body)
	}

	// Used: the link, and the step forms of the same page, are refused.
	for _, again := range []*browser{h.browser(), b} {
		r = again.get(link)
		if r.Status != http.StatusGone || !strings.Contains(r.Body, "This invitation has expired or has already been used. Ask your admin for a new one.") {
			t.Errorf("link used again: %d\n%s", r.Status, r.Body)
		}
	}
	users, _ := h.store.ListUsers(context.Background(), tn.ID)
	if len(users) != 2 {
		t.Errorf("%d users, want the owner and bob", len(users))
	}
}

// TestAcceptRefusesBadInput: each wrong answer of the first step is refused beside
// its field, with what was typed kept (never the password), no code sent and no
// user created; the invitation stays usable.
func TestAcceptRefusesBadInput(t *testing.T) {
	h := newHarness(t)
	_, _, ownerB := h.mustAcme()
	link := mustInvite(t, ownerB, "carol@acme.example", tenants.RoleMember)
	for _, c := range []struct {
		name, password, phone, field, want string
	}{
		{"ShortPassword", "short pw 1", "+31612345670", "password", "at least 12 characters"},
		{"WeakPassword", "password1234", "+31612345670", "password", "harder to guess"},
		{"PersonalPassword", "carolcarolcarol", "+31612345670", "password", "harder to guess"},
		{"LocalPhone", otherPassword, "0612345670", "phone", "international format"},
		{"NotAPhone", otherPassword, "+31 six one two", "phone", "international format"},
		{"NoPhone", otherPassword, "", "phone", "Enter your mobile phone number"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := acceptStep1(t, h.browser(), link, c.password, c.phone)
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d\n%s", r.Status, r.Body)
			}
			if msg := fieldError(t, r.Body, c.field); !strings.Contains(msg, c.want) {
				t.Errorf("message beside %s: %q, want %q\n%s", c.field, msg, c.want, r.Body)
			}
			if !strings.Contains(r.Body, `class="error-summary"`) || !strings.Contains(r.Body, `href="#`+c.field+`"`) {
				t.Error("no error summary linking to the field")
			}
			if !strings.Contains(r.Body, `aria-invalid="true"`) || !strings.Contains(r.Body, c.field+`-error"`) {
				t.Error("the field is not marked invalid")
			}
			if got := fieldValue(t, r, "/invite", "phone"); got != c.phone {
				t.Errorf("phone shown as %q, want %q kept", got, c.phone)
			}
			if fieldValue(t, r, "/invite", "password") != "" || strings.Contains(r.Body, `value="`+c.password+`"`) {
				t.Error("the password is shown again")
			}
		})
	}
	if n := smsCount(h, "+31612345670"); n != 0 {
		t.Errorf("%d codes sent for refused forms", n)
	}
	if _, err := h.store.UserByEmail(context.Background(), "carol@acme.example"); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("a user was created: %v", err)
	}
	if r := h.browser().get(link); r.Status != http.StatusOK {
		t.Errorf("the invitation after refused forms: %d", r.Status)
	}
}

// TestAcceptWrongCode: a wrong code is refused with the tries left in words, and
// leaves no user and the invitation usable; the right one then works. An expired
// code asks for a new one, which the page sends.
func TestAcceptWrongCode(t *testing.T) {
	h := newHarness(t)
	_, _, ownerB := h.mustAcme()
	link := mustInvite(t, ownerB, "dave@acme.example", tenants.RoleAdmin)
	b := h.browser()
	step2 := acceptStep1(t, b, link, otherPassword, "+447700900123")
	code := h.code("+447700900123")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	r := b.submitOn(step2, "/invite/phone", url.Values{"code": {wrong}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(t, r.Body, "code"), "The code is wrong; check the SMS. You have four tries left") {
		t.Fatalf("wrong code: %d %q\n%s", r.Status, fieldError(t, r.Body, "code"), r.Body)
	}
	if fieldValue(t, r, "/invite/phone", "code") != wrong {
		t.Error("the code typed is not kept")
	}
	r = b.submitOn(r, "/invite/phone", url.Values{"code": {"12345"}})
	if !strings.Contains(fieldError(t, r.Body, "code"), "Enter the 6-digit code") {
		t.Errorf("short code: %q", fieldError(t, r.Body, "code"))
	}
	if _, err := h.store.UserByEmail(context.Background(), "dave@acme.example"); !errors.Is(err, tenants.ErrNotFound) {
		t.Fatalf("a user after a wrong code: %v", err)
	}
	if got := h.browser().get(link); got.Status != http.StatusOK {
		t.Fatalf("the invitation after a wrong code: %d", got.Status)
	}

	// Eleven minutes on, the code is gone; a new one is sent from the page.
	h.clock.Advance(11 * time.Minute)
	r = b.submitOn(r, "/invite/phone", url.Values{"code": {code}})
	if !strings.Contains(fieldError(t, r.Body, "code"), "That code has expired; send a new one") {
		t.Fatalf("expired code: %q\n%s", fieldError(t, r.Body, "code"), r.Body)
	}
	var resend htmlform.Form
	for _, f := range r.Page(t).PostForms() {
		if f.Has("resend") {
			resend = f
		}
	}
	if resend.Action == "" {
		t.Fatalf("no resend form:\n%s", r.Body)
	}
	r = b.post(resend.Action, resend.Fields())
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "We sent a new code") || smsCount(h, "+447700900123") != 2 {
		t.Fatalf("resend: %d, %d texts\n%s", r.Status, smsCount(h, "+447700900123"), r.Body)
	}
	r = b.submitOn(r, "/invite/phone", url.Values{"code": {h.code("+447700900123")}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("the new code: %d\n%s", r.Status, r.Body)
	}
	if u, err := h.store.UserByEmail(context.Background(), "dave@acme.example"); err != nil || u.Role != tenants.RoleAdmin {
		t.Errorf("dave: %+v, %v; want an admin", u, err)
	}
}

// TestInvitationExpires: 72 hours after it was sent an invitation no longer opens,
// nor does a first step begun before.
func TestInvitationExpires(t *testing.T) {
	h := newHarness(t)
	_, _, ownerB := h.mustAcme()
	link := mustInvite(t, ownerB, "erin@acme.example", tenants.RoleMember)
	b := h.browser()
	h.clock.Advance(console.InviteLifetime - time.Minute)
	page := b.get(link)
	if page.Status != http.StatusOK {
		t.Fatalf("just before 72 hours: %d", page.Status)
	}
	h.clock.Advance(2 * time.Minute)
	for name, r := range map[string]response{
		"GET":  h.browser().get(link),
		"POST": b.submitOn(page, "/invite", url.Values{"password": {otherPassword}, "phone": {"+31612345671"}}),
	} {
		if r.Status != http.StatusGone || !strings.Contains(r.Body, "This invitation has expired or has already been used") {
			t.Errorf("%s after 72 hours: %d\n%s", name, r.Status, r.Body)
		}
	}
	if smsCount(h, "+31612345671") != 0 {
		t.Error("a code was sent for an expired invitation")
	}
}

// TestAcceptNeedsItsCSRFToken: the invitation's forms are refused without the
// browser's own CSRF token, and nothing happens.
func TestAcceptNeedsItsCSRFToken(t *testing.T) {
	h := newHarness(t)
	_, _, ownerB := h.mustAcme()
	link := mustInvite(t, ownerB, "frank@acme.example", tenants.RoleMember)
	page := h.browser().get(link)
	form, ok := page.Page(t).PostFormWith("password")
	if !ok {
		t.Fatalf("no form:\n%s", page.Body)
	}
	fields := form.Fields()
	fields.Set("password", otherPassword)
	fields.Set("phone", "+31612345672")
	other := h.browser() // has no CSRF cookie
	for name, vals := range map[string]url.Values{
		"OtherBrowsersToken": fields,
		"NoToken":            {"token": fields["token"], "password": {otherPassword}, "phone": {"+31612345672"}},
	} {
		r := other.post(form.Action, vals)
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "This page has expired") {
			t.Errorf("%s: %d\n%s", name, r.Status, r.Body)
		}
	}
	r := other.post("/invite/phone", url.Values{"token": fields["token"], "code": {"123456"}})
	if r.Status != http.StatusForbidden {
		t.Errorf("code without a token: %d", r.Status)
	}
	if smsCount(h, "+31612345672") != 0 {
		t.Error("a code was sent for a refused form")
	}
}

// TestAcceptAddressTaken: when the invited address got an account meanwhile, the
// invitation says so instead of asking for a password.
func TestAcceptAddressTaken(t *testing.T) {
	h := newHarness(t)
	_, _, ownerB := h.mustAcme()
	link := mustInvite(t, ownerB, "gina@acme.example", tenants.RoleMember)
	h.mustOrganisation("Gina's Own", "gina@acme.example", testPassword)
	r := h.browser().get(link)
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "already an easytocloud account for gina@acme.example") {
		t.Errorf("taken address: %d\n%s", r.Status, r.Body)
	}
}

// TestReinviteReplacesInvitation: inviting an address again (with another role)
// retires the earlier link, so only the newest invitation can be accepted.
func TestReinviteReplacesInvitation(t *testing.T) {
	h := newHarness(t)
	_, _, ownerB := h.mustAcme()
	first := mustInvite(t, ownerB, "hank@acme.example", tenants.RoleAdmin)
	second := mustInvite(t, ownerB, "hank@acme.example", tenants.RoleMember)
	if first == second {
		t.Fatal("the same link twice")
	}
	if r := h.browser().get(first); r.Status != http.StatusGone {
		t.Errorf("the replaced invitation: %d", r.Status)
	}
	if r := h.browser().get(second); r.Status != http.StatusOK {
		t.Errorf("the new invitation: %d", r.Status)
	}
}
