package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/console"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/localsts"
	"github.com/easytocloud/easytocloud/tenants"
)

// operatorPrincipal is who the harness's role check assumes roles as (the
// emulator's default account), as a tenant's trust policy names the skill's role.
const operatorPrincipal = "arn:aws:iam::" + awstest.DefaultAccountID + ":root"

// mustRole creates roleARN in the emulator's IAM, in the account it names, with the
// trust policy doc.
func mustRole(t *testing.T, roleARN, doc string) {
	t.Helper()
	acct := awstest.AccountConfig(t, tenants.Tenant{RoleARN: roleARN}.AccountID())
	if err := localsts.PutRole(context.Background(), iam.NewFromConfig(acct), roleARN, doc); err != nil {
		t.Fatal(err)
	}
}

// noConditionTrust lets the operator assume the role with any ExternalId or none.
const noConditionTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` +
	operatorPrincipal + `"},"Action":"sts:AssumeRole"}]}`

func newRoleARN(t *testing.T) string {
	return "arn:aws:iam::" + awstest.NewAccountID(t) + ":role/easytocloud"
}

// TestConnectPage: the page shows the ExternalId, the skill's role, the
// quick-create link with the template's parameters and the Terraform module block.
func TestConnectPage(t *testing.T) {
	h := newHarness(t)
	tn, admin := newOrganisation(h)
	r := h.mustSignIn(admin.Email, testPassword).get("/connect")
	if r.Status != http.StatusOK {
		t.Fatalf("GET /connect: %d\n%s", r.Status, r.Body)
	}
	skillRole := "arn:aws:iam::" + awstest.DefaultAccountID + ":role/easytocloud-skill"
	quick := "https://console.aws.amazon.com/cloudformation/home#/stacks/quickcreate?" + url.Values{
		"templateURL": {"https://easytocloud-templates.s3.eu-west-1.amazonaws.com/tenant.json"}, "stackName": {"easytocloud"},
		"param_ExternalId": {tn.ExternalID}, "param_OperatorRoleArn": {skillRole}}.Encode()
	for _, want := range []string{
		`<code class="value">` + tn.ExternalID + `</code>`,
		`<code class="value">` + skillRole + `</code>`,
		`href="` + strings.ReplaceAll(quick, "&", "&amp;") + `"`,
		`source = &#34;github.com/easytocloud/easytocloud//terraform/tenant&#34;`,
		`operator_role_arn = &#34;` + skillRole + `&#34;`,
		`external_id       = &#34;` + tn.ExternalID + `&#34;`,
		`<label for="role_arn">Role ARN</label>`,
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the page lacks %s\n%s", want, r.Body)
		}
	}
}

// TestConnectPageTagAndNoTemplate: a control tag set before connecting goes into
// the Terraform block; without a template there is no quick-create link.
func TestConnectPageTagAndNoTemplate(t *testing.T) {
	h := newHarness(t, func(c *console.Config) { c.TemplateURL = "" })
	tn, admin := newOrganisation(h)
	if _, err := h.store.UpdateTenant(context.Background(), tn.ID, "", func(t *tenants.Tenant) error {
		t.ControlTag = &tenants.Tag{Key: "easytocloud", Value: `say "${yes}"`}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r := h.mustSignIn(admin.Email, testPassword).get("/connect")
	if want := `control_tag       = { key = &#34;easytocloud&#34;, value = &#34;say \&#34;$${yes}\&#34;&#34; }`; !strings.Contains(r.Body, want) {
		t.Errorf("the Terraform block lacks %s\n%s", want, r.Body)
	}
	if strings.Contains(r.Body, "cloudformation") || !strings.Contains(r.Body, "Create the role with Terraform") {
		t.Errorf("without a template the page still offers CloudFormation:\n%s", r.Body)
	}
}

// TestConnectRefused: each way the role check or the claims refuse a role is said
// in plain words next to the field, keeps what was typed, and changes nothing.
func TestConnectRefused(t *testing.T) {
	h := newHarness(t)
	otherAccount := awstest.NewAccountID(t)
	if _, err := h.store.CreateTenant(context.Background(), tenants.Tenant{Name: "Globex",
		RoleARN: "arn:aws:iam::" + otherAccount + ":role/globex", MFA: tenants.MFAPolicy{Kind: tenants.MFASMS}}, ""); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, ext string) string // returns what the admin types
		want  []string
		not   []string
	}{
		{"MalformedARN", func(_ *testing.T, _ string) string { return "arn:aws:iam::1234:role/easytocloud" },
			[]string{"Enter the role ARN, like arn:aws:iam::123456789012:role/easytocloud"}, nil},
		{"NoExternalIDCondition", func(t *testing.T, _ string) string {
			arn := newRoleARN(t)
			mustRole(t, arn, noConditionTrust)
			return arn
		}, []string{"lets easytocloud in without your ExternalId", "Add the condition StringEquals sts:ExternalId"}, nil},
		{"WrongExternalID", func(t *testing.T, _ string) string {
			arn := newRoleARN(t)
			mustRole(t, arn, localsts.TenantTrustPolicy(operatorPrincipal, tenants.NewExternalID()))
			return arn
		}, []string{"easytocloud cannot assume", "requires the ExternalId"}, nil},
		{"MissingRole", func(t *testing.T, _ string) string { return newRoleARN(t) },
			[]string{"easytocloud cannot assume", "names arn:aws:iam::" + awstest.DefaultAccountID + ":role/easytocloud-skill as principal"}, nil},
		{"WrongPrincipal", func(t *testing.T, ext string) string {
			arn := newRoleARN(t)
			mustRole(t, arn, localsts.TenantTrustPolicy("arn:aws:iam::111122223333:root", ext))
			return arn
		}, []string{"easytocloud cannot assume"}, nil},
		{"AccountTaken", func(t *testing.T, ext string) string {
			arn := "arn:aws:iam::" + otherAccount + ":role/easytocloud"
			mustRole(t, arn, localsts.TenantTrustPolicy(operatorPrincipal, ext))
			return arn
		}, []string{"That AWS account is already connected to another easytocloud organisation"}, []string{"Globex", "globex"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tn, admin := newOrganisation(h)
			typed := tc.setup(t, tn.ExternalID)
			r := h.mustSignIn(admin.Email, testPassword).submit("/connect", "/connect", url.Values{"role_arn": {typed}})
			if r.Status < 400 {
				t.Fatalf("POST /connect: %d, want a refusal\n%s", r.Status, r.Body)
			}
			msg := fieldError(t, r.Body, "role_arn")
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			if tc.name == "NoExternalIDCondition" || tc.name == "WrongExternalID" {
				if !strings.Contains(msg, tn.ExternalID) {
					t.Errorf("message %q does not give the ExternalId", msg)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(r.Body, n) {
					t.Errorf("the page names %q", n)
				}
			}
			for _, w := range []string{`class="error-summary"`, `value="` + typed + `"`, `aria-invalid="true"`, `aria-describedby="role_arn-hint role_arn-error"`} {
				if !strings.Contains(r.Body, w) {
					t.Errorf("the page lacks %s", w)
				}
			}
			if got := mustTenant(t, h, tn.ID); got.Version != tn.Version || got.RoleARN != "" {
				t.Errorf("tenant after the refusal: version %d (was %d), role %q", got.Version, tn.Version, got.RoleARN)
			}
			if strings.Contains(h.logs.String(), `"action":"connect","detail":"role `+typed) {
				t.Errorf("an audit line for a refused role")
			}
		})
	}
}

// TestConnectUnreachable: when AWS gives no answer the admin is told to try again,
// and nothing changes.
func TestConnectUnreachable(t *testing.T) {
	dead := awstest.Config(t)
	dead.BaseEndpoint = aws.String("http://127.0.0.1:1")
	dead.RetryMaxAttempts = 1
	h := newHarness(t, func(c *console.Config) { c.Roles = account.NewAccess(localsts.New(dead)) })
	tn, admin := newOrganisation(h)
	r := h.mustSignIn(admin.Email, testPassword).submit("/connect", "/connect", url.Values{"role_arn": {newRoleARN(t)}})
	if r.Status != http.StatusServiceUnavailable {
		t.Fatalf("POST /connect: %d\n%s", r.Status, r.Body)
	}
	if msg := fieldError(t, r.Body, "role_arn"); !strings.Contains(msg, "could not reach AWS") || !strings.Contains(msg, "Nothing was changed") {
		t.Errorf("message %q", msg)
	}
	if got := mustTenant(t, h, tn.ID); got.Version != tn.Version {
		t.Errorf("version %d, was %d", got.Version, tn.Version)
	}
}

// TestConnect: a role that requires the tenant's ExternalId connects the account,
// given as its ARN or as the bare account ID (the module's default role name).
func TestConnect(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		name  string
		typed func(arn string) string
	}{
		{"RoleARN", func(arn string) string { return arn }},
		{"AccountID", func(arn string) string { return tenants.Tenant{RoleARN: arn}.AccountID() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tn, admin := newOrganisation(h)
			arn := newRoleARN(t)
			mustRole(t, arn, localsts.TenantTrustPolicy(operatorPrincipal, tn.ExternalID))
			b := h.mustSignIn(admin.Email, testPassword)
			r := b.submit("/connect", "/connect", url.Values{"role_arn": {tc.typed(arn)}})
			if r.Status != http.StatusSeeOther || r.Location != "/console/settings?done=connected" {
				t.Fatalf("POST /connect: %d %s\n%s", r.Status, r.Location, r.Body)
			}
			got := mustTenant(t, h, tn.ID)
			if got.RoleARN != arn || got.Version != tn.Version+1 {
				t.Errorf("tenant: role %q version %d, want %q version %d", got.RoleARN, got.Version, arn, tn.Version+1)
			}
			if !strings.Contains(h.logs.String(), `"action":"connect","detail":"role `+arn+`"`) {
				t.Errorf("no audit line for the connection:\n%s", h.logs.String())
			}
			if s := b.get(r.Location); !strings.Contains(s.Body, "Your AWS account is connected") {
				t.Errorf("the settings page does not confirm:\n%s", s.Body)
			}
			page := b.get("/connect")
			for _, w := range []string{`<code class="value">` + arn + `</code>`, "Change the role"} {
				if !strings.Contains(page.Body, w) {
					t.Errorf("the connected page lacks %s", w)
				}
			}
		})
	}
}

// TestConnectChangeRole: changing a connected tenant's role asks for the password
// when it was typed more than ReauthWindow ago, and runs the role check again.
func TestConnectChangeRole(t *testing.T) {
	h := newHarness(t)
	tn, admin := newOrganisation(h)
	first, second := newRoleARN(t), newRoleARN(t)
	mustRole(t, first, localsts.TenantTrustPolicy(operatorPrincipal, tn.ExternalID))
	mustRole(t, second, localsts.TenantTrustPolicy(operatorPrincipal, tn.ExternalID))
	b := h.mustSignIn(admin.Email, testPassword)
	if r := b.submit("/connect", "/connect", url.Values{"role_arn": {first}}); r.Status != http.StatusSeeOther {
		t.Fatalf("connect: %d\n%s", r.Status, r.Body)
	}
	connected := mustTenant(t, h, tn.ID)

	h.clock.Advance(console.ReauthWindow + 1)
	r := b.submit("/connect", "/connect", url.Values{"role_arn": {second}})
	if r.Status != http.StatusSeeOther || r.Location != "/console/reauth?next=%2Fconnect" {
		t.Fatalf("change without a recent password: %d %s", r.Status, r.Location)
	}
	if got := mustTenant(t, h, tn.ID); got.Version != connected.Version || got.RoleARN != first {
		t.Errorf("changed without a password: %+v", got)
	}

	if r := b.submit(r.Location, "/reauth", url.Values{"password": {testPassword}}); r.Status != http.StatusSeeOther || r.Location != "/console/connect" {
		t.Fatalf("confirm the password: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	bad := newRoleARN(t)
	mustRole(t, bad, noConditionTrust)
	if r := b.submit("/connect", "/connect", url.Values{"role_arn": {bad}}); r.Status != http.StatusBadRequest ||
		!strings.Contains(fieldError(t, r.Body, "role_arn"), "without your ExternalId") {
		t.Errorf("change to a role without the condition: %d\n%s", r.Status, r.Body)
	}
	if r := b.submit("/connect", "/connect", url.Values{"role_arn": {second}}); r.Status != http.StatusSeeOther {
		t.Fatalf("change: %d\n%s", r.Status, r.Body)
	}
	if got := mustTenant(t, h, tn.ID); got.RoleARN != second {
		t.Errorf("role %q, want %q", got.RoleARN, second)
	}
}

// TestAdminPagesRefuseMembers: a member gets 403 on the connect and settings pages,
// and their POSTs change nothing.
func TestAdminPagesRefuseMembers(t *testing.T) {
	h := newHarness(t)
	tn, admin := newOrganisation(h)
	member := h.mustMember(tn, "member@example.com", testPassword)
	adminBrowser := h.mustSignIn(admin.Email, testPassword)
	csrf := fieldValue(t, adminBrowser.get("/connect"), "/connect", "csrf_token")
	b := h.mustSignIn(member.Email, testPassword)
	for _, p := range []string{"/connect", "/settings"} {
		if r := b.get(p); r.Status != http.StatusForbidden {
			t.Errorf("member GET %s: %d", p, r.Status)
		}
	}
	// The member's own token, from the sign-out form of the page that refused them.
	memberCSRF := fieldValue(t, b.get("/connect"), "/signout", "csrf_token")
	if memberCSRF == "" {
		t.Fatal("no CSRF token on the member's page")
	}
	for _, token := range []string{memberCSRF, csrf} {
		for p, v := range map[string]url.Values{
			"/connect":  {"role_arn": {newRoleARN(t)}},
			"/settings": {"mfa": {"sms"}, "elevation": {"30"}},
		} {
			v.Set("csrf_token", token)
			if r := b.post(p, v); r.Status != http.StatusForbidden {
				t.Errorf("member POST %s: %d", p, r.Status)
			}
		}
	}
	if got := mustTenant(t, h, tn.ID); got.Version != tn.Version {
		t.Errorf("a member changed the tenant: version %d", got.Version)
	}
}
