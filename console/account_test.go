package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/console"
	"github.com/easytocloud/easytocloud/tenants"
)

// TestChangePassword: with the right current password and a strong new one, the
// password changes, the person's other sessions end (this one stays) and their
// tokens are revoked. Wrong input is refused beside its field, and no password is
// ever shown again.
func TestChangePassword(t *testing.T) {
	tokens := &fakeTokens{}
	h := newHarness(t, withTokens(tokens))
	tn, _, ownerB := h.mustAcme()
	b, u := mustJoin(t, ownerB, "max@acme.example", tenants.RoleMember, "+31611210001")
	other := h.mustSignIn(u.Email, otherPassword)
	const newPassword = "lantern pebble cinder walrus 58"

	for _, c := range []struct {
		name, current, next, field, want string
	}{
		{"NoCurrent", "", newPassword, "current_password", "Enter your current password"},
		{"WrongCurrent", "not my password at all", newPassword, "current_password", "Your current password is wrong"},
		{"WeakNew", otherPassword, "password1234", "new_password", "harder to guess"},
		{"ShortNew", otherPassword, "short", "new_password", "at least 12 characters"},
		{"SameAsBefore", otherPassword, otherPassword, "new_password", "not your current one"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := b.submit("/account", "/account/password", url.Values{"current_password": {c.current}, "new_password": {c.next}})
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(t, r.Body, c.field), c.want) {
				t.Fatalf("%d, beside %s: %q; want %q", r.Status, c.field, fieldError(t, r.Body, c.field), c.want)
			}
			mustNotShow(t, r, c.current)
			mustNotShow(t, r, c.next)
		})
	}
	if _, err := h.store.Authenticate(context.Background(), u.Email, otherPassword); err != nil {
		t.Fatalf("a refused change changed the password: %v", err)
	}
	if len(tokens.revokedUsers) != 0 {
		t.Fatal("a refused change revoked tokens")
	}

	r := b.submit("/account", "/account/password", url.Values{"current_password": {otherPassword}, "new_password": {newPassword}})
	if r.Status != http.StatusSeeOther || r.Location != "/console/account?done=password" {
		t.Fatalf("change: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	if _, err := h.store.Authenticate(context.Background(), u.Email, newPassword); err != nil {
		t.Errorf("the new password: %v", err)
	}
	if _, err := h.store.Authenticate(context.Background(), u.Email, otherPassword); !errors.Is(err, tenants.ErrInvalidCredentials) {
		t.Errorf("the old password: %v, want refused", err)
	}
	if r := b.get(r.Location); r.Status != http.StatusOK || !strings.Contains(r.Body, "Password changed") {
		t.Errorf("this session after the change: %d", r.Status)
	}
	if r := other.get("/account"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/console/signin") {
		t.Errorf("the other session after the change: %d %s", r.Status, r.Location)
	}
	want := tenants.Principal{TenantID: tn.ID, UserID: u.ID}
	if len(tokens.revokedUsers) != 1 || tokens.revokedUsers[0] != want {
		t.Errorf("revoked %v, want the user's tokens once", tokens.revokedUsers)
	}
}

// TestChangePasswordIsLimited: wrong current passwords count as failed sign-ins;
// after five, even the right one waits.
func TestChangePasswordIsLimited(t *testing.T) {
	h := newHarness(t)
	_, _, ownerB := h.mustAcme()
	b, _ := mustJoin(t, ownerB, "max@acme.example", tenants.RoleMember, "+31611220001")
	for i := range 5 {
		r := b.submit("/account", "/account/password", url.Values{"current_password": {"wrong guess number " + string(rune('a'+i))}, "new_password": {"lantern pebble cinder walrus 58"}})
		if !strings.Contains(fieldError(t, r.Body, "current_password"), "wrong") {
			t.Fatalf("guess %d: %q", i+1, fieldError(t, r.Body, "current_password"))
		}
	}
	r := b.submit("/account", "/account/password", url.Values{"current_password": {otherPassword}, "new_password": {"lantern pebble cinder walrus 58"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(t, r.Body, "current_password"), "Too many wrong passwords") {
		t.Fatalf("after five wrong: %d %q", r.Status, fieldError(t, r.Body, "current_password"))
	}
	// They are the sign-in's tries, whatever the case of the address typed there.
	if r := h.browser().signInAs("/signin", "MAX@acme.example", otherPassword); r.Status != http.StatusTooManyRequests {
		t.Errorf("a sign-in after five wrong current passwords: %d", r.Status)
	}
}

// TestChangePhone: the new number gets a code (the old one nothing); a wrong code
// keeps the old number; the right one changes it. The change needs a recent
// password, and a number that is not E.164 is refused beside the field.
func TestChangePhone(t *testing.T) {
	h := newHarness(t)
	tn, _, ownerB := h.mustAcme()
	const oldPhone, newPhone = "+31611230001", "+31611230009"
	b, u := mustJoin(t, ownerB, "max@acme.example", tenants.RoleMember, oldPhone)
	oldTexts := smsCount(h, oldPhone)

	for _, typed := range []string{"0611230009", "+31 6 11", "", "+31611230001"} {
		r := b.submit("/account/phone", "/account/phone", url.Values{"phone": {typed}})
		if r.Status != http.StatusUnprocessableEntity || fieldError(t, r.Body, "phone") == "" {
			t.Errorf("phone %q: %d %q", typed, r.Status, fieldError(t, r.Body, "phone"))
		}
		if got := fieldValue(t, r, "/account/phone", "phone"); got != typed {
			t.Errorf("phone %q shown as %q", typed, got)
		}
	}

	r := b.submit("/account/phone", "/account/phone", url.Values{"phone": {"+31 6 1123 0009"}})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "ending 009") {
		t.Fatalf("send the code: %d\n%s", r.Status, r.Body)
	}
	code := h.code(newPhone)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	r = b.submitOn(r, "/account/phone/verify", url.Values{"code": {wrong}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(t, r.Body, "code"), "You have four tries left") {
		t.Fatalf("wrong code: %d %q", r.Status, fieldError(t, r.Body, "code"))
	}
	if got, _ := h.store.GetUser(context.Background(), tn.ID, u.ID); got.Phone != oldPhone {
		t.Fatalf("after a wrong code the phone is %s", got.Phone)
	}
	// The code is bound to the number it went to.
	forged := r.Page(t).PostForms()[1].Fields()
	forged.Set("phone", "+447700900999")
	forged.Set("code", code)
	if r := b.post("/account/phone/verify", forged); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("the code with another number: %d", r.Status)
	}
	r = b.submitOn(r, "/account/phone/verify", url.Values{"code": {code}})
	if r.Status != http.StatusSeeOther || r.Location != "/console/account?done=phone" {
		t.Fatalf("right code: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	if got, _ := h.store.GetUser(context.Background(), tn.ID, u.ID); got.Phone != newPhone {
		t.Errorf("phone %s, want %s", got.Phone, newPhone)
	}
	if n := smsCount(h, oldPhone); n != oldTexts {
		t.Errorf("the old number got %d texts", n-oldTexts)
	}
	if r := b.get(r.Location); !strings.Contains(r.Body, "ending 009") {
		t.Error("the account page does not show the new number")
	}

	// Six minutes after the last password, changing the phone asks for it again.
	h.clock.Advance(6 * time.Minute)
	for name, r := range map[string]response{
		"GET":  b.get("/account/phone"),
		"POST": b.post("/account/phone", url.Values{"csrf_token": {fieldValue(t, b.get("/account"), "/account/password", "csrf_token")}, "phone": {"+31611230008"}}),
	} {
		if r.Status != http.StatusSeeOther || r.Location != "/console/reauth?next=%2Faccount%2Fphone" {
			t.Errorf("%s without a recent password: %d %s", name, r.Status, r.Location)
		}
	}
	if smsCount(h, "+31611230008") != 0 {
		t.Error("a code went out without a recent password")
	}
}

// TestAlexaLinks: the account page lists the person's account links and the Alexa
// accounts that spoke for them; Unlink revokes that link's grant; another's link
// is not found.
func TestAlexaLinks(t *testing.T) {
	var mu sync.Mutex
	var revoked []string
	linked := time.Date(2030, 5, 20, 8, 30, 0, 0, time.UTC)
	tokens := &fakeTokens{
		GrantsFn: func(p tenants.Principal) ([]console.Grant, error) {
			return []console.Grant{{ID: "g-kitchen", ClientID: "alexa", Created: linked, LastUsed: linked.Add(48 * time.Hour)}}, nil
		},
		RevokeGrantFn: func(p tenants.Principal, id string) error {
			mu.Lock()
			defer mu.Unlock()
			revoked = append(revoked, p.UserID+"/"+id)
			return nil
		},
	}
	h := newHarness(t, withTokens(tokens))
	tn, _, ownerB := h.mustAcme()
	b, u := mustJoin(t, ownerB, "max@acme.example", tenants.RoleMember, "+31611240001")
	if _, err := h.store.TouchAlexaLink(context.Background(), tn.ID, u.ID, "amzn1.ask.account.max", "g-kitchen"); err != nil {
		t.Fatal(err)
	}
	r := b.get("/account")
	for _, want := range []string{"20 May 2030 08:30", "22 May 2030 08:30", "Alexa accounts that spoke for you", "/console/account/links/g-kitchen/unlink"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the account page lacks %q", want)
		}
	}
	csrf := fieldValue(t, r, "/account/password", "csrf_token")
	if r := b.post("/account/links/g-other/unlink", url.Values{"csrf_token": {csrf}}); r.Status != http.StatusNotFound {
		t.Errorf("unlink an unknown link: %d", r.Status)
	}
	r = b.submitOn(r, "/account/links/g-kitchen/unlink", nil)
	if r.Status != http.StatusSeeOther || r.Location != "/console/account?done=unlinked" {
		t.Fatalf("unlink: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(revoked) != 1 || revoked[0] != u.ID+"/g-kitchen" {
		t.Errorf("revoked %v, want g-kitchen of max", revoked)
	}
	if links, err := h.store.AlexaLinks(context.Background(), tn.ID, u.ID); err != nil || len(links) != 0 {
		t.Errorf("the Alexa account of the unlinked grant is still recorded: %v, %v", links, err)
	}
}

// TestActivity: the person's changes are listed with when (UTC), what, from which
// Echo and how it went.
func TestActivity(t *testing.T) {
	at := time.Date(2030, 5, 31, 14, 5, 0, 0, time.FixedZone("CEST", 2*3600))
	h := newHarness(t)
	tn, _, ownerB := h.mustAcme()
	b, u := mustJoin(t, ownerB, "max@acme.example", tenants.RoleMember, "+31611250001")
	for _, a := range []tenants.Activity{
		{At: at.Add(-time.Hour), Action: "stop", Target: "jenkins", Region: "us-east-1", Door: "mcp", Outcome: "refused"},
		{At: at, Action: "start", Target: "splunk", Region: "eu-west-1", Device: "Kitchen Echo", Door: "alexa", Outcome: "done"},
	} {
		if err := h.store.RecordActivity(context.Background(), tn.ID, u.ID, a); err != nil {
			t.Fatal(err)
		}
	}
	r := b.get("/account/activity")
	if r.Status != http.StatusOK {
		t.Fatalf("GET /account/activity: %d", r.Status)
	}
	for _, want := range []string{"31 May 2030 12:05", "Started splunk in eu-west-1", "Kitchen Echo", "Done",
		"31 May 2030 11:05", "Stopped jenkins in us-east-1", "MCP", "Refused"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the activity page lacks %q", want)
		}
	}
}

// TestActivityEmpty: without changes the page says so.
func TestActivityEmpty(t *testing.T) {
	h := newHarness(t)
	_, _, ownerB := h.mustAcme()
	b, _ := mustJoin(t, ownerB, "max@acme.example", tenants.RoleMember, "+31611260001")
	if r := b.get("/account/activity"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Nothing yet") {
		t.Errorf("GET /account/activity: %d\n%s", r.Status, r.Body)
	}
}
