package tenants_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/easytocloud/easytocloud/tenants"
)

// TestDomainHelpers: what tenants/dynamo relies on from the domain, without a table.
func TestDomainHelpers(t *testing.T) {
	if id := tenants.NewTenantID(); !strings.HasPrefix(id, "t-") || !tenants.ValidID(id) {
		t.Errorf("tenant ID %q", id)
	}
	if id := tenants.NewUserID(); !strings.HasPrefix(id, "u-") || !tenants.ValidID(id) || id == tenants.NewUserID() {
		t.Errorf("user ID %q malformed or repeated", id)
	}
	if x := tenants.NewExternalID(); !strings.HasPrefix(x, "easytocloud-") || x == tenants.NewExternalID() {
		t.Errorf("ExternalId %q malformed or repeated", x)
	}
	for _, bad := range []string{"", "a#b", strings.Repeat("a", 65), "t-x/y"} {
		if tenants.ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
	if got := tenants.NormalEmail("  Ada@Example.COM "); got != "ada@example.com" {
		t.Errorf("NormalEmail = %q", got)
	}
	n := tenants.Normalize(tenants.Tenant{Regions: []string{}})
	if n.MFA.Elevation != tenants.DefaultElevation || n.Regions != nil {
		t.Errorf("Normalize: elevation %v, regions %#v", n.MFA.Elevation, n.Regions)
	}
	sms := tenants.Normalize(tenants.Tenant{Name: "Acme", RoleARN: "arn:aws:iam::222222222222:role/easytocloud", MFA: tenants.MFAPolicy{Kind: tenants.MFASMS}})
	if err := tenants.CheckTenant(sms, "", false); err != nil {
		t.Errorf("CheckTenant of a valid SMS tenant: %v", err)
	}
	if err := tenants.CheckTenant(sms, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", false); !errors.Is(err, tenants.ErrInvalid) {
		t.Errorf("CheckTenant of an SMS tenant with a verifier secret: %v, want ErrInvalid", err)
	}
	if err := tenants.Invalidf("name %q: too long", "x"); !errors.Is(err, tenants.ErrInvalid) || !strings.Contains(err.Error(), `name "x": too long`) {
		t.Errorf("Invalidf = %v", err)
	}
}
