package console_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/console"
	"github.com/easytocloud/easytocloud/internal/localsts"
	"github.com/easytocloud/easytocloud/tenants"
)

// verifierSecret is a well-formed secret access key of a verifier user.
const verifierSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"

// mustConnect connects tn's account through the connect page, as b's admin.
func mustConnect(t *testing.T, h *harness, b *browser, tn tenants.Tenant) string {
	t.Helper()
	arn := newRoleARN(t)
	mustRole(t, arn, localsts.TenantTrustPolicy(operatorPrincipal, tn.ExternalID))
	if r := b.submit("/connect", "/connect", url.Values{"role_arn": {arn}}); r.Status != http.StatusSeeOther {
		t.Fatalf("connect: %d\n%s", r.Status, r.Body)
	}
	return arn
}

// settingsValues is the settings form as posted: the given fields over the SMS
// policy, no regions, no tag and a 10-minute window. It always names the
// checkboxes and radios (htmlform reads every box of a page as ticked).
func settingsValues(kv ...string) url.Values {
	v := url.Values{"regions": nil, "mfa": {"sms"}, "elevation": {"10"}, "tag_key": {""}, "tag_value": {""}}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i] == "regions" {
			v.Add("regions", kv[i+1])
			continue
		}
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// TestSettingsSave: regions, the control tag and the elevation window are saved
// without a recent password, with an audit line of what changed.
func TestSettingsSave(t *testing.T) {
	h := newHarness(t)
	tn, admin := newOrganisation(h)
	b := h.mustSignIn(admin.Email, testPassword)
	h.clock.Advance(console.ReauthWindow + time.Minute) // these need no password
	page := b.get("/settings")
	if page.Status != http.StatusOK {
		t.Fatalf("GET /settings: %d\n%s", page.Status, page.Body)
	}
	form, _ := page.Page(t).PostFormWith("elevation")
	if got := form.Fields().Get("elevation"); got != "10" {
		t.Errorf("elevation shown %q, want 10", got)
	}
	r := b.submitOn(page, "/settings", settingsValues("regions", "us-east-1", "regions", "eu-west-1",
		"tag_key", "easytocloud", "tag_value", "voice", "elevation", "15"))
	if r.Status != http.StatusSeeOther || r.Location != "/console/settings?done=saved" {
		t.Fatalf("POST /settings: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	got := mustTenant(t, h, tn.ID)
	if !slices.Equal(got.Regions, []string{"eu-west-1", "us-east-1"}) || got.ControlTag == nil ||
		*got.ControlTag != (tenants.Tag{Key: "easytocloud", Value: "voice"}) || got.MFA.Elevation != 15*time.Minute || got.Version != tn.Version+1 {
		t.Errorf("tenant after saving: %+v", got)
	}
	if !strings.Contains(h.logs.String(), `"action":"settings","detail":"regions: eu-west-1, us-east-1; control tag: easytocloud=voice; elevation window: 15 minutes"`) {
		t.Errorf("no audit line of the changes:\n%s", h.logs.String())
	}
	shown := b.get(r.Location)
	for _, w := range []string{"Settings saved", `id="regions-eu-west-1" name="regions" value="eu-west-1" checked`, `value="easytocloud"`} {
		if !strings.Contains(shown.Body, w) {
			t.Errorf("the page after saving lacks %s", w)
		}
	}
	if strings.Contains(shown.Body, `value="eu-west-2" checked`) {
		t.Error("a region that was not ticked shows ticked")
	}

	// None ticked: every enabled region; an empty tag: none.
	if r := b.submit("/settings", "/settings", settingsValues()); r.Status != http.StatusSeeOther {
		t.Fatalf("clear: %d\n%s", r.Status, r.Body)
	}
	if got := mustTenant(t, h, tn.ID); got.Regions != nil || got.ControlTag != nil {
		t.Errorf("after clearing: regions %v, tag %v", got.Regions, got.ControlTag)
	}
}

// TestSettingsRefused: each wrong field is refused with a message next to it, keeps
// what was typed, and changes nothing.
func TestSettingsRefused(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		name, field, want string
		values            url.Values
	}{
		{"ElevationZero", "elevation", "Enter the elevation window in whole minutes, from 1 to 60", settingsValues("elevation", "0")},
		{"ElevationTooLong", "elevation", "from 1 to 60", settingsValues("elevation", "61")},
		{"ElevationWords", "elevation", "from 1 to 60", settingsValues("elevation", "ten")},
		{"TagKeyOnly", "tag_value", "Enter the tag's value too", settingsValues("tag_key", "team")},
		{"TagValueOnly", "tag_key", "Enter the tag's key too", settingsValues("tag_value", "ops")},
		{"TagKeyReserved", "tag_key", "keys starting with aws: are reserved by AWS", settingsValues("tag_key", "aws:team", "tag_value", "ops")},
		{"UnknownRegion", "regions", "Choose regions from the list", settingsValues("regions", "eu-west-1", "regions", "mars-north-1")},
		{"UnknownPolicy", "mfa", "Choose how people prove a second factor", settingsValues("mfa", "carrier-pigeon")},
		{"TokenNotConnected", "mfa", "Connect the AWS account first", settingsValues("mfa", "token",
			"mfa_serial", "GAHT12345678", "verifier_key_id", "AKIAIOSFODNN7EXAMPLE", "verifier_secret", verifierSecret)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tn, admin := newOrganisation(h)
			h.logs.Secret("verifier", verifierSecret)
			r := h.mustSignIn(admin.Email, testPassword).submit("/settings", "/settings", tc.values)
			if r.Status != http.StatusBadRequest {
				t.Fatalf("POST /settings: %d\n%s", r.Status, r.Body)
			}
			if msg := fieldError(t, r.Body, tc.field); !strings.Contains(msg, tc.want) {
				t.Errorf("message by %s: %q, want %q", tc.field, msg, tc.want)
			}
			if !strings.Contains(r.Body, `<a href="#`+tc.field+`">`) {
				t.Errorf("the error summary does not link to #%s", tc.field)
			}
			if strings.Contains(r.Body, verifierSecret) {
				t.Error("the page shows the verifier secret")
			}
			form, _ := r.Page(t).PostFormWith("elevation")
			fields := form.Fields()
			for _, k := range []string{"elevation", "tag_key", "tag_value"} {
				if got := fields.Get(k); got != tc.values.Get(k) {
					t.Errorf("%s shown %q, typed %q", k, got, tc.values.Get(k))
				}
			}
			if got := mustTenant(t, h, tn.ID); got.Version != tn.Version {
				t.Errorf("tenant changed: version %d, was %d", got.Version, tn.Version)
			}
		})
	}
}

// TestSettingsTokenPolicy: a token policy takes the device and the verifier's keys;
// the secret is sealed by the store, never shown back nor logged, and kept when the
// field is left empty. Changing the policy needs a recent password; the elevation
// window alone does not.
func TestSettingsTokenPolicy(t *testing.T) {
	h := newHarness(t)
	h.logs.Secret("verifier", verifierSecret)
	tn, admin := newOrganisation(h)
	b := h.mustSignIn(admin.Email, testPassword)
	arn := mustConnect(t, h, b, tn)
	account := tenants.Tenant{RoleARN: arn}.AccountID()
	serial := "arn:aws:iam::" + account + ":mfa/easytocloud"
	token := settingsValues("mfa", "token", "mfa_serial", serial, "verifier_key_id", "AKIAIOSFODNN7EXAMPLE", "verifier_secret", verifierSecret)

	// A bad device: refused by the field, the secret not shown back.
	bad := settingsValues("mfa", "token", "mfa_serial", "arn:aws:iam::123456789012:mfa/elsewhere",
		"verifier_key_id", "AKIAIOSFODNN7EXAMPLE", "verifier_secret", verifierSecret)
	r := b.submit("/settings", "/settings", bad)
	if r.Status != http.StatusBadRequest || !strings.Contains(fieldError(t, r.Body, "mfa_serial"), "the device must be in the role's account "+account) {
		t.Fatalf("a device in another account: %d\n%s", r.Status, r.Body)
	}
	if strings.Contains(r.Body, verifierSecret) {
		t.Error("the page shows the verifier secret")
	}

	before := mustTenant(t, h, tn.ID)
	if r := b.submit("/settings", "/settings", token); r.Status != http.StatusSeeOther {
		t.Fatalf("token policy: %d\n%s", r.Status, r.Body)
	}
	got := mustTenant(t, h, tn.ID)
	if got.MFA.Kind != tenants.MFAToken || got.MFA.Serial != serial || got.MFA.VerifierKeyID != "AKIAIOSFODNN7EXAMPLE" || got.Version != before.Version+1 {
		t.Fatalf("tenant: %+v", got.MFA)
	}
	if secret, err := h.store.VerifierSecret(context.Background(), got); err != nil || secret != verifierSecret {
		t.Errorf("stored secret: %v (same: %v)", err, secret == verifierSecret)
	}
	if !strings.Contains(h.logs.String(), `second factor: token (MFA device `+serial+`, verifier key AKIAIOSFODNN7EXAMPLE); new verifier secret`) {
		t.Errorf("no audit line of the new policy:\n%s", h.logs.String())
	}
	page := b.get("/settings")
	if strings.Contains(page.Body, verifierSecret) || !strings.Contains(page.Body, "Leave it empty to keep the one stored") {
		t.Errorf("the page shows the secret, or not that one is stored:\n%s", page.Body)
	}

	// Past the window: the elevation alone saves (the secret kept), the policy does not.
	h.clock.Advance(console.ReauthWindow + time.Second)
	keep := settingsValues("mfa", "token", "mfa_serial", serial, "verifier_key_id", "AKIAIOSFODNN7EXAMPLE", "elevation", "20")
	if r := b.submit("/settings", "/settings", keep); r.Status != http.StatusSeeOther {
		t.Fatalf("elevation only: %d\n%s", r.Status, r.Body)
	}
	got = mustTenant(t, h, tn.ID)
	if secret, err := h.store.VerifierSecret(context.Background(), got); err != nil || secret != verifierSecret || got.MFA.Elevation != 20*time.Minute {
		t.Errorf("after the elevation change: %v, window %s", err, got.MFA.Elevation)
	}
	reauth := ""
	for name, v := range map[string]url.Values{
		"ToSMS":     settingsValues("mfa", "sms", "elevation", "20"),
		"NewSerial": settingsValues("mfa", "token", "mfa_serial", serial+"2", "verifier_key_id", "AKIAIOSFODNN7EXAMPLE", "elevation", "20"),
		"NewSecret": settingsValues("mfa", "token", "mfa_serial", serial, "verifier_key_id", "AKIAIOSFODNN7EXAMPLE", "verifier_secret", verifierSecret, "elevation", "20"),
	} {
		r := b.submit("/settings", "/settings", v)
		if r.Status != http.StatusSeeOther || r.Location != "/console/reauth?next=%2Fsettings" {
			t.Errorf("%s without a recent password: %d %s", name, r.Status, r.Location)
		}
		reauth = r.Location
	}
	if now := mustTenant(t, h, tn.ID); now.Version != got.Version || now.MFA.Kind != tenants.MFAToken {
		t.Errorf("the policy changed without a password: %+v", now.MFA)
	}

	// The password confirmed: back to SMS, the device and the secret gone.
	if r := b.submit(reauth, "/reauth", url.Values{"password": {testPassword}}); r.Status != http.StatusSeeOther || r.Location != "/console/settings" {
		t.Fatalf("confirm the password: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	if r := b.submit("/settings", "/settings", settingsValues("mfa", "sms")); r.Status != http.StatusSeeOther {
		t.Fatalf("back to SMS: %d\n%s", r.Status, r.Body)
	}
	got = mustTenant(t, h, tn.ID)
	if got.MFA.Kind != tenants.MFASMS || got.MFA.Serial != "" || got.MFA.VerifierKeyID != "" || len(got.MFA.VerifierSecret) != 0 {
		t.Errorf("after SMS: %+v", got.MFA)
	}
}
