package e2e

import (
	"context"
	"crypto/rand"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/tenants"
)

// TestConsoleJourney walks the console's whole journey in headless Chromium at
// 375 px, on the real binary's local stack against the emulator: an organisation
// signs up and verifies its address by the e-mailed link; its admin connects an
// emulator account after the role check has refused a malformed ARN, a role in an
// account another tenant holds and a role that works without the ExternalId (each
// with its own message next to the field, what was typed kept, nothing written);
// invites a colleague, who accepts from the e-mail with a password and a phone
// verified by SMS code, links their Alexa account through the real sign-in and
// consent pages, sees the link on "Your account", unlinks it (the next Alexa request
// is refused, the refresh token is dead) and resets their password by e-mail. Every
// page passes axe-core, breaks no CSP rule, logs no error and does not scroll
// sideways; -update-screenshots writes each to docs/console-<step>.png.
func TestConsoleJourney(t *testing.T) {
	chromium := chromiumPath(t)
	axe := axeSource(t)
	s := newConsoleStack(t)
	ctx := awstest.Context(t)
	suffix := strings.ToLower(rand.Text()[:8])
	adminEmail, inviteeEmail := "ada-"+suffix+"@example.com", "grace-"+suffix+"@example.com"
	adminPassword := "violet harbour " + suffix + " lantern"
	inviteePassword := "quiet meadow " + suffix + " compass"
	newPassword := "amber glacier " + suffix + " trumpet"
	const phone = "+15555550142"
	s.serve.leak.Secret("password", adminPassword, inviteePassword, newPassword)
	s.serve.leak.Phone(phone)

	admin := newConsoleBrowser(t, chromium, s.serve.URL, s.redirect, axe, "the admin")

	// Sign-up: nothing exists until the address is verified.
	admin.open("/console/signup", 0)
	admin.canaries()
	admin.check("signup")
	admin.fill("Organisation name", "Initech")
	admin.fill("Email address", adminEmail)
	admin.fill("Password", adminPassword)
	admin.status(admin.submit(), 0, "sign up")
	admin.check("signup-sent")
	if _, err := s.store.UserByEmail(ctx, adminEmail); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("before the address is verified the table has its user (%v); it should hold nothing yet", err)
	}
	admin.open(s.mailLink(t, adminEmail, "/console/signup/verify"), 0)
	admin.check("signup-verify")
	admin.status(admin.submitForm(), 0, "confirm the address")
	tn := s.tenantOf(t, adminEmail)
	if tn.Name != "Initech" || tn.Connected() {
		t.Errorf("after sign-up the tenant is %+v, want Initech without a role", tn)
	}

	// Connect an emulator account: three refusals, then the role that is right.
	admin.open("/console/connect", 0)
	admin.check("connect")
	if !strings.Contains(admin.text(), tn.ExternalID) {
		t.Errorf("the connect page does not show the tenant's ExternalId %s:\n%s", tn.ExternalID, admin.text())
	}
	account := awstest.NewAccountID(t)
	refusals := []struct{ what, arn string }{
		{"a malformed ARN", "arn:aws:iam::12345:role/easytocloud"},
		{"a role in an account another tenant holds", putRole(t, s.w.acme.account, "easytocloud-"+suffix, tn.ExternalID)},
		{"a role that works without the ExternalId", putRole(t, account, "easytocloud-open", "")},
	}
	said := map[string]string{}
	for i, r := range refusals {
		admin.fill("Role ARN", r.arn)
		admin.submit()
		if i == 0 {
			admin.check("connect-error")
		}
		msg := admin.fieldError("Role ARN")
		switch {
		case msg == "":
			t.Errorf("%s (%s) is not refused with a message next to the field; the page %s shows:\n%s", r.what, r.arn, admin.where(), admin.text())
		case !strings.HasPrefix(admin.title(), "Error: "):
			t.Errorf("refusing %s, the page's title %q does not begin with Error:", r.what, admin.title())
		}
		if got := admin.value("Role ARN"); got != r.arn {
			t.Errorf("refusing %s, the field holds %q, not what was typed (%q)", r.what, got, r.arn)
		}
		for other, m := range said {
			if m == msg && msg != "" {
				t.Errorf("%s and %s get the same message %q: it should say what is wrong", r.what, other, msg)
			}
		}
		said[r.what] = msg
		t.Logf("%s: %s", r.what, msg)
		if now := s.tenantOf(t, adminEmail); now.RoleARN != "" {
			t.Fatalf("after refusing %s the tenant has the role %s", r.what, now.RoleARN)
		}
	}
	role := putRole(t, account, "easytocloud", tn.ExternalID)
	admin.fill("Role ARN", role)
	admin.status(admin.submit(), 0, "connect the right role")
	if now := s.tenantOf(t, adminEmail); now.RoleARN != role {
		t.Fatalf("connecting %s left the tenant with role %q; the page %s shows:\n%s", role, now.RoleARN, admin.where(), admin.text())
	}
	admin.check("connected")
	admin.open("/console/settings", 0)
	admin.check("settings")

	// Invite a colleague.
	admin.open("/console/people", 0)
	admin.check("people")
	admin.fill("Email address", inviteeEmail)
	admin.status(admin.submit(), 0, "invite "+inviteeEmail)
	if !strings.Contains(admin.text(), inviteeEmail) {
		t.Errorf("after inviting %s the page %s does not name them:\n%s", inviteeEmail, admin.where(), admin.text())
	}
	admin.check("people-invited")

	// The colleague accepts in their own browser: a password, then the phone by SMS code.
	invitee := newConsoleBrowser(t, chromium, s.serve.URL, s.redirect, axe, "the invitee")
	invitee.open(s.mailLink(t, inviteeEmail, "/console/invite"), 0)
	invitee.check("invite")
	invitee.fill("Password", inviteePassword)
	invitee.fill("Phone number", phone)
	seen := len(awstest.SMSTo(t, phone))
	invitee.status(invitee.submit(), 0, "accept the invitation")
	invitee.check("invite-phone")
	invitee.fill("Code", smsCode(t, phone, seen))
	invitee.status(invitee.submit(), 0, "verify the phone")
	invitee.check("welcome")
	u, err := s.store.UserByEmail(ctx, inviteeEmail)
	if err != nil || u.TenantID != tn.ID || u.Phone != phone || u.IsAdmin() {
		t.Fatalf("after accepting, the invitee is %+v (%v): want a member of %s with phone %s", u, err, tn.ID, phone)
	}

	// They link their Alexa account through the real sign-in and consent pages.
	state, verifier := rand.Text(), oauth2.GenerateVerifier()
	invitee.open(s.link.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), 0)
	invitee.check("alexa-signin")
	invitee.fill("Email address", inviteeEmail)
	invitee.fill("Password", inviteePassword)
	invitee.status(invitee.submit(), 0, "sign in to link Alexa")
	invitee.check("alexa-consent")
	invitee.press("Link")
	_, _, redirects := invitee.log.take()
	if len(redirects) == 0 {
		t.Fatalf("Link did not send the browser to %s", s.redirect)
	}
	loc, err := url.Parse(redirects[len(redirects)-1])
	if err != nil || loc.Query().Get("state") != state {
		t.Fatalf("the redirect %v carries another state (%v)", loc, err)
	}
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tok, err := s.link.Exchange(tctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Alexa cannot redeem the code: %v", err)
	}
	s.serve.leak.Secret("access token", tok.AccessToken)
	s.serve.leak.Secret("refresh token", tok.RefreshToken)
	echo := newTalk(t, httpsSender{url: s.serve.URL, signer: s.identity.Signer()}, tok.AccessToken, phone)
	echo.run(t, t, []step{{say: "open easy to cloud", want: welcome, prefix: true}})

	// "Your account" shows the link; Unlink ends it.
	invitee.open("/console/account", 0)
	invitee.check("account")
	if !strings.Contains(invitee.text(), "Alexa") {
		t.Errorf("the account page shows no Alexa link:\n%s", invitee.text())
	}
	invitee.press("Unlink")
	reauth(invitee, inviteePassword)
	invitee.check("account-unlinked")
	echo.run(t, t, []step{{say: "list instances", want: "To use easy to cloud, link your account in the Alexa app.", check: linkAccountCard}})
	if _, err := s.link.TokenSource(tctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Errorf("the unlinked Alexa account's refresh token still gives access tokens")
	}

	// A password reset by e-mail, from a signed-out browser.
	invitee.press("Sign out")
	invitee.open("/console/reset", 0)
	invitee.check("reset")
	invitee.fill("Email address", inviteeEmail)
	invitee.status(invitee.submit(), 0, "ask for a password reset")
	invitee.check("reset-sent")
	reset := s.mailLink(t, inviteeEmail, "/console/reset/confirm")
	invitee.open(reset, 0)
	invitee.check("reset-confirm")
	invitee.fill("New password", newPassword)
	invitee.status(invitee.submit(), 0, "set the new password")
	invitee.visit(reset)
	if invitee.has("New password") {
		t.Errorf("the reset link still offers a new password after it was used")
	}
	invitee.open("/console/signin", 0)
	invitee.check("signin")
	invitee.fill("Email address", inviteeEmail)
	invitee.fill("Password", newPassword)
	invitee.status(invitee.submit(), 0, "sign in with the new password")
	if p := invitee.path(); p != "/console/" {
		t.Errorf("signing in with the new password ends on %s, want the overview /console/; it shows:\n%s", invitee.where(), invitee.text())
	}
}

// reauth confirms the password when the console asks for it before a change.
func reauth(b *consoleBrowser, password string) {
	b.t.Helper()
	if b.path() != "/console/reauth" {
		return
	}
	b.check("reauth")
	b.fill("Password", password)
	b.status(b.submit(), 0, "confirm the password")
}

// linkAccountCard checks that the skill answers with the card that sends the person
// to the Alexa app to link their account: it no longer knows them.
func linkAccountCard(r reporter, resp *alexa.ResponseEnvelope) {
	r.Helper()
	if c := resp.Response.Card; c == nil || c.Type != alexa.CardLinkAccount {
		r.Errorf("the answer carries card %+v, want a LinkAccount card", c)
	}
}
