package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/easytocloud/easytocloud/console"
	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/app/consoleapp"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// notYetReached are grants app.Console.Table declares that these flows do not reach
// (none). CheckTableKeys fails once one is used; then it comes off this list.
var notYetReached []awstest.KeyGrant

// recordedTable puts the console's table, keyring, store and tokens on rec, wired as
// consoleapp wires the Lambda function's (app.NewTable, app.NewKeyring, app.NewStore
// and oauth's tokens on the same table), with a secrets key of their own. The
// harness's own store and keyring stay on the unrecorded client: they stand for the
// operator's CLI, the skill and the mfa function, whose keys are not the console's.
func recordedTable(tb testing.TB, rec *awstest.TableKeys) harnessOption {
	return func(c *console.Config) {
		cfg := awstest.Config(tb)
		ac := app.Config{Table: c.Table.Name(), SecretsKeyID: awstest.SecretsKey(tb)}
		a := app.AWS{Config: cfg, DB: rec, KMS: kms.NewFromConfig(cfg)}
		store := app.NewStore(ac, a)
		store.Password = tenants.PasswordParams{Memory: 64, Time: 1, Threads: 1}
		tokens := oauth.NewTokens(app.NewTable(ac, a), app.NewKeyring(ac, a))
		tokens.Now = c.Now
		c.Table, c.Keyring, c.Store, c.Tokens = app.NewTable(ac, a), app.NewKeyring(ac, a), store, consoleapp.Tokens{T: tokens}
	}
}

// TestConsoleReachesOnlyItsOwnKeys runs every page of the console, on a table client
// that records every key: a sign-up with an invitation code, sign-out and sign-in,
// a refused and two accepted roles (the second moves the claims), the settings (SMS,
// then a token policy with a verifier secret behind a password confirmation, then
// SMS again), an invitation sent twice and accepted with its SMS code, a role
// change, the invitee's account page with an account link unlinked, activity, a
// password and a phone change, the removal of the invitee, the people page with its
// audit lines, a password reset, and failed sign-ins to the limit. Every key a
// request reaches must be one of the prefixes app.Console.Table declares for that
// action (which terraform/iam.tf grants, and no more); every declared grant must be
// used but those of notYetReached.
func TestConsoleReachesOnlyItsOwnKeys(t *testing.T) {
	ctx := t.Context()
	cfg := awstest.Config(t)
	db := dynamodb.NewFromConfig(cfg)
	rec := awstest.RecordTableKeys(db)
	h := newHarness(t, withSignUp(console.SignUpCode), recordedTable(t, rec))
	h.logs.Secret("password", testPassword, otherPassword, verifierSecret)
	status := func(what string, r response, want int) {
		t.Helper()
		if r.Status != want {
			t.Fatalf("%s: %d %s, want %d\n%s", what, r.Status, r.Location, want, r.Body)
		}
	}

	// Sign-up with an invitation code. The first page makes the console's MAC key
	// (its own keyring); the operator's CLI then makes the code with that key.
	b := h.browser()
	status("GET /signup", b.get("/signup"), http.StatusOK)
	code, err := console.NewSignUpCode(ctx, h.tbl, dynamo.NewKeyring(h.tbl, kms.NewFromConfig(cfg), ""), 1, time.Hour, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	h.logs.Secret("invitation code", code)
	const ownerEmail = "owner@keys.example"
	status("sign up", b.signUpAs("Keys", ownerEmail, testPassword, "code", code), http.StatusOK)
	verify := b.get(h.linkTo(ownerEmail, "/signup/verify"))
	status("GET the sign-up link", verify, http.StatusOK)
	status("confirm the sign-up", b.submitOn(verify, "/signup/verify", nil), http.StatusSeeOther)
	owner, err := h.store.UserByEmail(ctx, ownerEmail)
	if err != nil {
		t.Fatal(err)
	}
	tn := mustTenant(t, h, owner.TenantID)

	// Sign-out, and sign-in again with the password.
	status("sign out", b.submitOn(b.get("/"), "/signout", nil), http.StatusOK)
	status("sign in", b.signInAs("/signin", ownerEmail, testPassword), http.StatusSeeOther)
	status("GET /", b.get("/"), http.StatusOK)

	// Connect: a role without the ExternalId condition is refused; one with it
	// connects; another moves the role's and the account's claims.
	bad := newRoleARN(t)
	mustRole(t, bad, noConditionTrust)
	if r := b.submit("/connect", "/connect", url.Values{"role_arn": {bad}}); r.Status != http.StatusBadRequest || fieldError(t, r.Body, "role_arn") == "" {
		t.Fatalf("a role without the condition: %d\n%s", r.Status, r.Body)
	}
	mustConnect(t, h, b, tn)
	arn := mustConnect(t, h, b, tn)
	if got := mustTenant(t, h, tn.ID); got.RoleARN != arn {
		t.Fatalf("role %q, want %q", got.RoleARN, arn)
	}

	// Settings: SMS; past the window, a token policy asks for the password (a wrong
	// one first), then saves the verifier secret; then SMS again.
	status("settings", b.submit("/settings", "/settings", settingsValues("elevation", "15")), http.StatusSeeOther)
	h.clock.Advance(console.ReauthWindow + time.Second)
	serial := "arn:aws:iam::" + tenants.Tenant{RoleARN: arn}.AccountID() + ":mfa/easytocloud"
	token := settingsValues("mfa", "token", "mfa_serial", serial, "verifier_key_id", "AKIAIOSFODNN7EXAMPLE", "verifier_secret", verifierSecret)
	r := b.submit("/settings", "/settings", token)
	status("token policy without a recent password", r, http.StatusSeeOther)
	reauth := b.get(r.Location)
	status("GET /reauth", reauth, http.StatusOK)
	r = b.submitOn(reauth, "/reauth", url.Values{"password": {"not the password at all"}})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "The password is not right") {
		t.Fatalf("a wrong password: %d\n%s", r.Status, r.Body)
	}
	status("confirm the password", b.submitOn(r, "/reauth", url.Values{"password": {testPassword}}), http.StatusSeeOther)
	status("token policy", b.submit("/settings", "/settings", token), http.StatusSeeOther)
	if got := mustTenant(t, h, tn.ID); got.MFA.Kind != tenants.MFAToken || len(got.MFA.VerifierSecret) == 0 {
		t.Fatalf("after the token policy: %+v", got.MFA)
	}
	status("back to SMS", b.submit("/settings", "/settings", settingsValues("mfa", "sms")), http.StatusSeeOther)

	// Invitations: sent twice (the second retires the first link), accepted with
	// the SMS code; then the invitee is made an admin and a member again.
	const maxEmail, maxPhone, newPhone = "max@keys.example", "+31611990001", "+31611990009"
	invite := url.Values{"email": {maxEmail}, "role": {"member"}}
	status("invite", b.submit("/people", "/people/invite", invite), http.StatusSeeOther)
	status("invite again", b.submit("/people", "/people/invite", invite), http.StatusSeeOther)
	maxB := h.browser()
	r = acceptStep1(t, maxB, h.link(maxEmail), otherPassword, maxPhone)
	status("accept", r, http.StatusOK)
	status("the SMS code", maxB.submitOn(r, "/invite/phone", url.Values{"code": {h.code(maxPhone)}}), http.StatusSeeOther)
	joiner, err := h.store.UserByEmail(ctx, maxEmail)
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{"admin", "member"} {
		status("make "+role, b.submit("/people", "/people/"+joiner.ID+"/role", url.Values{"role": {role}}), http.StatusSeeOther)
	}

	// The invitee's account page: an account link (a refresh token as oauth stores
	// it, and the Alexa account the skill recorded for its grant), unlinked; the
	// activity the skill recorded.
	now := h.clock.Now()
	p := tenants.Principal{TenantID: tn.ID, UserID: joiner.ID}
	for _, gid := range []string{"g-keys-kitchen", "g-keys-office"} {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(h.tbl.Name()), Item: map[string]dbtypes.AttributeValue{
			table.PartitionKey: table.S("OAUTHREFRESH#" + gid), table.SortKey: table.S("#REFRESH"),
			table.GSIPartitionKey: table.S("OAUTHUSER#" + p.TenantID + "#" + p.UserID), table.GSISortKey: table.S(gid),
			"client_id": table.S("alexa"), "tenant_id": table.S(p.TenantID), "user_id": table.S(p.UserID), "grant_id": table.S(gid),
			"created_ns": table.N(now.UnixNano()), "last_used_ns": table.N(now.UnixNano()), "expires_at": table.N(now.Add(30 * 24 * time.Hour).Unix()),
		}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.store.TouchAlexaLink(ctx, tn.ID, joiner.ID, "amzn1.ask.account.keys", "g-keys-kitchen"); err != nil {
		t.Fatal(err)
	}
	if err := h.store.RecordActivity(ctx, tn.ID, joiner.ID, tenants.Activity{At: now, Action: "start", Target: "splunk",
		Region: "eu-west-1", Door: "alexa", Outcome: "done"}); err != nil {
		t.Fatal(err)
	}
	account := maxB.get("/account")
	if account.Status != http.StatusOK || !strings.Contains(account.Body, "/console/account/links/g-keys-kitchen/unlink") {
		t.Fatalf("the account page: %d\n%s", account.Status, account.Body)
	}
	status("unlink", maxB.submitOn(account, "/account/links/g-keys-kitchen/unlink", nil), http.StatusSeeOther)
	if got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(h.tbl.Name()),
		Key: table.Key("OAUTHREFRESH#g-keys-kitchen", "#REFRESH")}); err != nil || len(got.Item) != 0 {
		t.Errorf("the unlinked grant's refresh token is still there (%v)", err)
	}
	if r := maxB.get("/account/activity"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Started splunk") {
		t.Fatalf("the activity page: %d\n%s", r.Status, r.Body)
	}

	// The invitee changes their password (a second session ends, the other link's
	// token is revoked) and their phone (a wrong code first).
	other := h.mustSignIn(joiner.Email, otherPassword)
	status("other session", other.get("/account"), http.StatusOK)
	const maxPassword = "lantern pebble cinder walrus 58"
	h.logs.Secret("password", maxPassword)
	status("change the password", maxB.submit("/account", "/account/password",
		url.Values{"current_password": {otherPassword}, "new_password": {maxPassword}}), http.StatusSeeOther)
	r = maxB.submit("/account/phone", "/account/phone", url.Values{"phone": {newPhone}})
	status("new phone", r, http.StatusOK)
	wrong := "000000"
	if h.code(newPhone) == wrong {
		wrong = "111111"
	}
	r = maxB.submitOn(r, "/account/phone/verify", url.Values{"code": {wrong}})
	status("a wrong code", r, http.StatusUnprocessableEntity)
	status("the right code", maxB.submitOn(r, "/account/phone/verify", url.Values{"code": {h.code(newPhone)}}), http.StatusSeeOther)

	// The owner removes the invitee (a confirmation first) and sees the audit lines.
	remove := "/people/" + joiner.ID + "/remove"
	r = b.submit("/people", remove, nil)
	status("removal's confirmation", r, http.StatusOK)
	status("remove", b.submitOn(r, remove, nil), http.StatusSeeOther)
	people := b.get("/people")
	for _, want := range []string{"Removed " + maxEmail, "Invited " + maxEmail + " as member"} {
		if !strings.Contains(people.Body, want) {
			t.Errorf("the people page lacks %q", want)
		}
	}

	// A password reset of the owner (which ends the owner's sessions), then failed
	// sign-ins to the limit: with the wrong confirmation above, five.
	status("ask a reset", h.browser().askReset(ownerEmail), http.StatusOK)
	rb := h.browser()
	confirm := rb.get(h.linkTo(ownerEmail, "/reset/confirm"))
	status("GET the reset link", confirm, http.StatusOK)
	status("reset", rb.submitOn(confirm, "/reset/confirm", url.Values{"password": {otherPassword}}), http.StatusOK)
	h.logs.Secret("password", otherPassword)
	for range 4 {
		status("a wrong password", h.browser().signInAs("/signin", ownerEmail, "wrong password number one"), http.StatusOK)
	}
	status("past the limit", h.browser().signInAs("/signin", ownerEmail, otherPassword), http.StatusTooManyRequests)

	used := awstest.CheckTableKeys(t, rec, tableGrants(app.Console), notYetReached)
	t.Logf("%d table requests reached %d declared grants of %d prefixes", len(rec.Accesses()), len(used), len(app.Console.Table))
}

// tableGrants lists what fn.Table declares, one grant per action.
func tableGrants(fn app.Function) []awstest.KeyGrant {
	var out []awstest.KeyGrant
	for _, a := range fn.Table {
		for _, act := range a.Actions {
			out = append(out, awstest.KeyGrant{Action: act, Index: a.Index, Prefix: a.Prefix})
		}
	}
	return out
}
