package skill

import (
	"testing"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/tenants"
)

// TestTenantStateRefusesInWords: a suspended tenant's user, and an unconnected
// tenant's (no role yet), hear why nothing can be done, in their locale, on a launch
// and on any intent, and are not asked to link again. The second factor is never
// asked.
func TestTenantStateRefusesInWords(t *testing.T) {
	const (
		suspendedEN    = "Your organisation's easy to cloud account is suspended. Contact your administrator."
		suspendedDE    = "Das einfach cloud Konto deiner Organisation ist gesperrt. Wende dich an deinen Administrator."
		notConnectedEN = "Your organisation has not connected its AWS account yet. An admin can connect it in the easy to cloud console."
		notConnectedDE = "Deine Organisation hat ihr AWS Konto noch nicht verbunden. Ein Admin kann es in der einfach cloud Konsole verbinden."
	)
	for _, tc := range []struct {
		name   string
		change func(*tenants.Tenant)
		want   map[string]string // by locale
		log    string
	}{
		{"Suspended", func(tn *tenants.Tenant) { tn.Suspended = true },
			map[string]string{"en-US": suspendedEN, "en-GB": suspendedEN, "de-DE": suspendedDE}, "request refused: the tenant is suspended"},
		{"NotConnected", func(tn *tenants.Tenant) { tn.RoleARN, tn.ExternalID = "", "" },
			map[string]string{"en-US": notConnectedEN, "en-GB": notConnectedEN, "de-DE": notConnectedDE}, "request refused: the tenant has not connected its AWS account"},
		{"SuspendedAndNotConnected", func(tn *tenants.Tenant) { tn.Suspended, tn.RoleARN = true, "" },
			map[string]string{"en-US": suspendedEN, "en-GB": suspendedEN, "de-DE": suspendedDE}, "request refused: the tenant is suspended"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, m, logs := newFakeHandler(t)
			dir := h.Directory.(*fakeDirectory)
			tn := dir.tenants[alice.TenantID]
			tc.change(&tn)
			dir.tenants[alice.TenantID] = tn
			m.elevate(alice)
			requests := 0
			for locale, want := range tc.want {
				for name, say := range map[string]func(*device) *alexa.ResponseEnvelope{
					"Launch": (*device).launch,
					"List":   func(d *device) *alexa.ResponseEnvelope { return d.intent("ListInstancesIntent", nil) },
					"Start": func(d *device) *alexa.ResponseEnvelope {
						return d.intent("StartInstanceIntent", map[string]string{"instance": "splunk"})
					},
				} {
					d := newDevice(t, h, "good")
					d.locale = locale
					r := say(d)
					requests++
					if got := speech(r); got != want {
						t.Errorf("%s %s: %q, want %q", locale, name, got, want)
					}
					if r.Response.Card != nil && r.Response.Card.Type == alexa.CardLinkAccount {
						t.Errorf("%s %s: asked to link the account again", locale, name)
					}
					if !ended(r) {
						t.Errorf("%s %s: the session stays open", locale, name)
					}
				}
			}
			if n := len(logs.lines(t, tc.log)); n != requests {
				t.Errorf("%d log lines %q, want %d", n, tc.log, requests)
			}
		})
	}
}
