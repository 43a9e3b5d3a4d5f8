package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/easytocloud/easytocloud/tenants"
)

// tenantJSON is how the CLI prints a tenant as JSON: durations as text, and of the
// verifier secret only whether one is stored.
type tenantJSON struct {
	ID                string       `json:"id"`
	Name              string       `json:"name"`
	RoleARN           string       `json:"role_arn"`
	AccountID         string       `json:"account_id"`
	ExternalID        string       `json:"external_id"`
	Regions           []string     `json:"regions"`
	ControlTag        *tenants.Tag `json:"control_tag"`
	MFA               string       `json:"mfa"`
	Elevation         string       `json:"elevation"`
	MFASerial         string       `json:"mfa_serial,omitempty"`
	VerifierKeyID     string       `json:"verifier_key_id,omitempty"`
	VerifierSecretSet bool         `json:"verifier_secret_set"`
	Suspended         bool         `json:"suspended"`
	stampsJSON
}

func tenantView(t tenants.Tenant) tenantJSON {
	regions := t.Regions
	if regions == nil {
		regions = []string{}
	}
	return tenantJSON{
		ID: t.ID, Name: t.Name, RoleARN: t.RoleARN, AccountID: t.AccountID(), ExternalID: t.ExternalID,
		Regions: regions, ControlTag: t.ControlTag, MFA: string(t.MFA.Kind), Elevation: durationText(t.MFA.ElevationWindow()),
		MFASerial: t.MFA.Serial, VerifierKeyID: t.MFA.VerifierKeyID, VerifierSecretSet: len(t.MFA.VerifierSecret) > 0,
		Suspended:  t.Suspended,
		stampsJSON: stampsJSON{Version: t.Version, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt},
	}
}

// tenantListing is how tenant list prints the tenants.
var tenantListing = listing[tenants.Tenant, tenantJSON]{
	view:   tenantView,
	empty:  "No tenants yet; add one with: easytocloud tenant create",
	header: "ID\tNAME\tACCOUNT\tMFA\tREGIONS",
	row: func(w io.Writer, t tenants.Tenant) {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.AccountID(), t.MFA.Kind, regionsText(t.Regions))
	},
}

func printTenant(w io.Writer, t tenants.Tenant) {
	tag := "none (any instance may be changed by voice)"
	if t.ControlTag != nil {
		tag = t.ControlTag.String()
	}
	fields := [][2]string{
		{"ID", t.ID}, {"Name", t.Name}, {"Role ARN", t.RoleARN}, {"Account", t.AccountID()}, {"ExternalId", t.ExternalID},
		{"Regions", regionsText(t.Regions)}, {"Control tag", tag}, {"MFA", string(t.MFA.Kind)},
		{"Elevation", durationText(t.MFA.ElevationWindow())},
	}
	if t.MFA.Kind == tenants.MFAToken {
		secret := "missing"
		if len(t.MFA.VerifierSecret) > 0 {
			secret = "stored, encrypted with KMS"
		}
		fields = append(fields, [2]string{"MFA serial", t.MFA.Serial}, [2]string{"Verifier key ID", t.MFA.VerifierKeyID}, [2]string{"Verifier secret", secret})
	}
	status := "active"
	if t.Suspended {
		status = "suspended (easytocloud tenant resume " + t.ID + ")"
	}
	writeFields(w, append(fields, [2]string{"Status", status}, [2]string{"Version", fmt.Sprint(t.Version)},
		[2]string{"Created", t.CreatedAt.UTC().Format(time.RFC3339)}, [2]string{"Updated", t.UpdatedAt.UTC().Format(time.RFC3339)}))
}

func regionsText(regions []string) string {
	if len(regions) == 0 {
		return "all enabled in the account"
	}
	return strings.Join(regions, ", ")
}

// durationText writes whole minutes as "10m" and anything else as Go does.
func durationText(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
