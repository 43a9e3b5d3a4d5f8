package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/tenants"
)

// team is an organisation with its owner, who invited an admin and a member; these
// two joined by invitation and are signed in.
type team struct {
	tn                   tenants.Tenant
	owner, admin, member tenants.User
	adminB, memberB      *browser
}

func newTeam(t *testing.T, h *harness, memberPhone string) team {
	t.Helper()
	var tm team
	var ownerB *browser
	tm.tn, tm.owner, ownerB = h.mustAcme()
	tm.adminB, tm.admin = mustJoin(t, ownerB, "ada@acme.example", tenants.RoleAdmin, "+31611110001")
	tm.memberB, tm.member = mustJoin(t, ownerB, "max@acme.example", tenants.RoleMember, memberPhone)
	return tm
}

// TestPeoplePage: an admin sees the organisation's people (phones masked), invites
// someone through the form, and sees the invitation pending and the admin actions.
func TestPeoplePage(t *testing.T) {
	h := newHarness(t)
	tm := newTeam(t, h, "+31611110002")
	r := tm.adminB.get("/people")
	if r.Status != http.StatusOK {
		t.Fatalf("GET /people: %d\n%s", r.Status, r.Body)
	}
	for _, want := range []string{"owner@acme.example", "ada@acme.example", "max@acme.example", "ending 002", "1 Jun 2030",
		`<span class="tag">You</span>`, "Joined: max@acme.example as member"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the people page lacks %q", want)
		}
	}
	if strings.Contains(r.Body, "+31611110002") {
		t.Error("the people page shows a whole phone number")
	}

	r = tm.adminB.submit("/people", "/people/invite", url.Values{"email": {"nina@acme.example"}, "role": {"member"}})
	if r.Status != http.StatusSeeOther || r.Location != "/console/people?done=invited" {
		t.Fatalf("invite: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	r = tm.adminB.get(r.Location)
	for _, want := range []string{"Invitation sent", "Invited nina@acme.example as member", "4 Jun 2030 12:00"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("after the invitation the page lacks %q\n%s", want, r.Body)
		}
	}
	nina := h.linkTo("nina@acme.example", "/invite")
	if got := h.browser().get(nina); got.Status != http.StatusOK || !strings.Contains(got.Body, "Join Acme Clouds") {
		t.Errorf("nina's link: %d", got.Status)
	}

	// Accepted, the invitation leaves the list.
	b := h.browser()
	step2 := acceptStep1(t, b, nina, otherPassword, "+31611110003")
	if r := b.submitOn(step2, "/invite/phone", url.Values{"code": {h.code("+31611110003")}}); r.Status != http.StatusSeeOther {
		t.Fatalf("nina accepts: %d", r.Status)
	}
	r = tm.adminB.get("/people")
	if _, pending, _ := strings.Cut(r.Body, "Invitations not accepted yet"); !strings.Contains(pending, "<p>None.</p>") {
		t.Errorf("the accepted invitation is still pending:\n%s", pending)
	}
}

// TestPeopleIsForAdmins: a member can neither open the people page nor invite.
func TestPeopleIsForAdmins(t *testing.T) {
	h := newHarness(t)
	tm := newTeam(t, h, "+31611120002")
	if r := tm.memberB.get("/people"); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "Only admins") {
		t.Errorf("member GET /people: %d\n%s", r.Status, r.Body)
	}
	csrf := fieldValue(t, tm.memberB.get("/account"), "/account/password", "csrf_token")
	for _, p := range []string{"/people/invite", "/people/" + tm.owner.ID + "/role", "/people/" + tm.owner.ID + "/remove"} {
		r := tm.memberB.post(p, url.Values{"csrf_token": {csrf}, "email": {"x@acme.example"}, "role": {"admin"}, "confirm": {"yes"}})
		if r.Status != http.StatusForbidden {
			t.Errorf("member POST %s: %d", p, r.Status)
		}
	}
	if len(h.mail.to("x@acme.example")) != 0 {
		t.Error("a member's invitation went out")
	}
	if u, _ := h.store.GetUser(context.Background(), tm.tn.ID, tm.owner.ID); !u.IsAdmin() {
		t.Error("a member changed the owner's role")
	}
}

// TestInviteRefusesBadInput: a malformed address, an address with an account in
// any organisation and an unknown role are refused beside their field, with what
// was typed kept and nothing sent.
func TestInviteRefusesBadInput(t *testing.T) {
	h := newHarness(t)
	tm := newTeam(t, h, "+31611130002")
	h.mustOrganisation("Elsewhere", "gina@else.example", testPassword)
	for _, c := range []struct {
		name, email, role, field, want string
	}{
		{"NoAddress", "", "member", "email", "Enter the email address"},
		{"Malformed", "nina at acme", "member", "email", "Enter an email address in the correct format"},
		{"NoDomainDot", "nina@acme", "member", "email", "Enter an email address in the correct format"},
		{"Duplicate", "Max@Acme.example", "member", "email", "Max@Acme.example already has an easytocloud account"},
		{"DuplicateElsewhere", "gina@else.example", "admin", "email", "already has an easytocloud account"},
		{"UnknownRole", "nina@acme.example", "owner", "role", "Choose member or admin"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sent := len(h.mail.to(c.email))
			r := tm.adminB.submit("/people", "/people/invite", url.Values{"email": {c.email}, "role": {c.role}})
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d\n%s", r.Status, r.Body)
			}
			if msg := fieldError(t, r.Body, c.field); !strings.Contains(msg, c.want) {
				t.Errorf("beside %s: %q, want %q", c.field, msg, c.want)
			}
			if !strings.Contains(r.Body, `href="#`+c.field+`"`) {
				t.Error("no error summary entry")
			}
			if got := fieldValue(t, r, "/people/invite", "email"); got != c.email {
				t.Errorf("address shown as %q, want %q kept", got, c.email)
			}
			if len(h.mail.to(c.email)) != sent {
				t.Error("an invitation went out")
			}
		})
	}
}

// TestInviteIsRateLimited: an admin can send twenty invitations an hour.
func TestInviteIsRateLimited(t *testing.T) {
	h := newHarness(t)
	tm := newTeam(t, h, "+31611140002")
	for i := range 20 {
		r := tm.adminB.submit("/people", "/people/invite", url.Values{"email": {"p" + string(rune('a'+i)) + "@acme.example"}, "role": {"member"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("invitation %d: %d", i+1, r.Status)
		}
	}
	r := tm.adminB.submit("/people", "/people/invite", url.Values{"email": {"late@acme.example"}, "role": {"member"}})
	if r.Status != http.StatusTooManyRequests || !strings.Contains(fieldError(t, r.Body, "email"), "many invitations") {
		t.Fatalf("the 21st: %d %q", r.Status, fieldError(t, r.Body, "email"))
	}
	if len(h.mail.to("late@acme.example")) != 0 {
		t.Error("the 21st went out")
	}
}

// TestSetRole: an admin makes a member an admin, who can then manage people; it
// needs a password typed in the last five minutes.
func TestSetRole(t *testing.T) {
	h := newHarness(t)
	tm := newTeam(t, h, "+31611150002")
	rolePath := "/people/" + tm.member.ID + "/role"

	r := tm.adminB.submit("/people", rolePath, url.Values{"role": {"owner"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(t, r.Body, "role-"+tm.member.ID), "Choose member or admin") {
		t.Errorf("unknown role: %d %q", r.Status, fieldError(t, r.Body, "role-"+tm.member.ID))
	}

	h.clock.Advance(6 * time.Minute)
	r = tm.adminB.submit("/people", rolePath, url.Values{"role": {"admin"}})
	if r.Status != http.StatusSeeOther || r.Location != "/console/reauth?next=%2Fpeople" {
		t.Fatalf("without a recent password: %d %s", r.Status, r.Location)
	}
	if u, _ := h.store.GetUser(context.Background(), tm.tn.ID, tm.member.ID); u.IsAdmin() {
		t.Fatal("the role changed without a recent password")
	}

	tm.adminB = h.mustSignIn(tm.admin.Email, otherPassword) // a fresh sign-in
	r = tm.adminB.submit("/people", rolePath, url.Values{"role": {"admin"}})
	if r.Status != http.StatusSeeOther || r.Location != "/console/people?done=role" {
		t.Fatalf("make admin: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	if u, _ := h.store.GetUser(context.Background(), tm.tn.ID, tm.member.ID); !u.IsAdmin() {
		t.Fatal("max is not an admin")
	}
	if r := tm.memberB.get("/people"); r.Status != http.StatusOK {
		t.Errorf("max, now an admin, GET /people: %d", r.Status)
	}
	if r := tm.adminB.get("/people"); !strings.Contains(r.Body, "Changed the role of max@acme.example from member to admin") {
		t.Error("no audit line for the role change")
	}
}

// TestLastAdmin: the organisation's only admin can neither demote nor remove
// themselves; once someone else is an admin they can.
func TestLastAdmin(t *testing.T) {
	h := newHarness(t)
	tm := newTeam(t, h, "+31611160002")
	b := tm.adminB
	if r := b.submit("/people", "/people/"+tm.owner.ID+"/role", url.Values{"role": {"member"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("demote the owner: %d\n%s", r.Status, r.Body)
	}
	self := tm.admin.ID
	r := b.submit("/people", "/people/"+self+"/role", url.Values{"role": {"member"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(t, r.Body, "role-"+self), "You are the only admin") {
		t.Errorf("demote self: %d %q", r.Status, fieldError(t, r.Body, "role-"+self))
	}
	r = b.submit("/people", "/people/"+self+"/remove", url.Values{"confirm": {"yes"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(t, r.Body, "remove-"+self), "You are the only admin") {
		t.Errorf("remove self: %d %q", r.Status, fieldError(t, r.Body, "remove-"+self))
	}
	if u, err := h.store.GetUser(context.Background(), tm.tn.ID, self); err != nil || !u.IsAdmin() {
		t.Fatalf("ada after refusals: %+v, %v", u, err)
	}

	if r := b.submit("/people", "/people/"+tm.member.ID+"/role", url.Values{"role": {"admin"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("make max an admin: %d", r.Status)
	}
	if r := b.submit("/people", "/people/"+self+"/role", url.Values{"role": {"member"}}); r.Status != http.StatusSeeOther || r.Location != "/console/account?done=member" {
		t.Fatalf("demote self with another admin: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	if r := b.get("/people"); r.Status != http.StatusForbidden {
		t.Errorf("ada, now a member, GET /people: %d", r.Status)
	}
}

// TestRemove: removing a person, after a confirmation, deletes their account and
// at once ends their console sessions, revokes their Alexa links' tokens and ends
// their elevations.
func TestRemove(t *testing.T) {
	tokens := &fakeTokens{}
	var second *mfa.Service
	h := newHarness(t, withTokens(tokens), withMFA(&second))
	const phone = "+31611170002"
	tm := newTeam(t, h, phone)
	ctx := context.Background()

	// Max is elevated from his Echo.
	echo := mfa.NewOrigin("amzn1.ask.account.max", "amzn1.ask.device.kitchen", "")
	if _, err := second.Challenge(ctx, tm.tn.ID, tm.member.ID, echo); err != nil {
		t.Fatalf("challenge: %v", err)
	}
	texts := awstest.SMSTo(t, phone)
	code := codeRE.FindString(texts[len(texts)-1].Text)
	if _, err := second.Verify(ctx, tm.tn.ID, tm.member.ID, echo, code); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if r := tm.memberB.get("/account"); r.Status != http.StatusOK {
		t.Fatalf("max before: %d", r.Status)
	}
	otherSession := h.mustSignIn(tm.member.Email, otherPassword)

	removePath := "/people/" + tm.member.ID + "/remove"
	r := tm.adminB.submit("/people", removePath, nil)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Remove max@acme.example?") {
		t.Fatalf("confirmation: %d\n%s", r.Status, r.Body)
	}
	if _, err := h.store.GetUser(ctx, tm.tn.ID, tm.member.ID); err != nil {
		t.Fatalf("removed before the confirmation: %v", err)
	}
	r = tm.adminB.submitOn(r, removePath, nil)
	if r.Status != http.StatusSeeOther || r.Location != "/console/people?done=removed" {
		t.Fatalf("remove: %d %s\n%s", r.Status, r.Location, r.Body)
	}

	if _, err := h.store.GetUser(ctx, tm.tn.ID, tm.member.ID); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("max is still stored: %v", err)
	}
	for _, b := range []*browser{tm.memberB, otherSession} {
		if r := b.get("/account"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/console/signin") {
			t.Errorf("max's session after removal: %d %s", r.Status, r.Location)
		}
	}
	if _, err := second.Elevation(ctx, tm.tn.ID, tm.member.ID, echo); !errors.Is(err, mfa.ErrNotElevated) {
		t.Errorf("max's elevation after removal: %v, want ErrNotElevated", err)
	}
	want := tenants.Principal{TenantID: tm.tn.ID, UserID: tm.member.ID}
	if len(tokens.revokedUsers) != 1 || tokens.revokedUsers[0] != want {
		t.Errorf("revoked %v, want max's tokens", tokens.revokedUsers)
	}
	r = tm.adminB.get(r.Location)
	_, people, _ := strings.Cut(r.Body, `id="people-title"`)
	people, _, _ = strings.Cut(people, `id="pending-title"`)
	if !strings.Contains(r.Body, "Removed max@acme.example") || strings.Contains(people, "max@acme.example") {
		t.Errorf("the people page after removal:\n%s", r.Body)
	}
	// The address is free again: max can be invited anew.
	mustInvite(t, tm.adminB, "max@acme.example", tenants.RoleMember)
}

// TestRemoveUnknownPerson: a person of another organisation, or none, is not found.
func TestRemoveUnknownPerson(t *testing.T) {
	h := newHarness(t)
	tm := newTeam(t, h, "+31611180002")
	_, stranger := h.mustOrganisation("Elsewhere", "stranger@else.example", testPassword)
	for _, id := range []string{stranger.ID, "u-nobody"} {
		csrf := fieldValue(t, tm.adminB.get("/people"), "/people/invite", "csrf_token")
		r := tm.adminB.post("/people/"+id+"/remove", url.Values{"csrf_token": {csrf}, "confirm": {"yes"}})
		if r.Status != http.StatusNotFound {
			t.Errorf("remove %s: %d", id, r.Status)
		}
	}
	if _, err := h.store.GetUser(context.Background(), stranger.TenantID, stranger.ID); err != nil {
		t.Errorf("the stranger: %v", err)
	}
}

// TestRemoveSelf: an admin who is not the last one can remove themselves, and is
// signed out at once.
func TestRemoveSelf(t *testing.T) {
	h := newHarness(t)
	tm := newTeam(t, h, "+31611190002")
	self := "/people/" + tm.admin.ID + "/remove"
	r := tm.adminB.submitOn(tm.adminB.submit("/people", self, nil), self, nil)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "You left Acme Clouds") || strings.Contains(r.Body, "Sign out") {
		t.Fatalf("remove self: %d\n%s", r.Status, r.Body)
	}
	if r := tm.adminB.get("/account"); r.Status != http.StatusSeeOther {
		t.Errorf("after leaving: %d", r.Status)
	}
	if _, err := h.store.GetUser(context.Background(), tm.tn.ID, tm.admin.ID); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("ada is still stored: %v", err)
	}
}
