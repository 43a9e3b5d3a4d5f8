package console

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/easytocloud/easytocloud/tenants"
)

// The settings form's fields. The verifier secret is read on its own: it never goes
// into a Form, so it is never shown back.
var settingsFields = []string{"tag_key", "tag_value", "mfa", "mfa_serial", "verifier_key_id", "elevation"}

const fieldSecret = "verifier_secret"

// settingsData is what the settings page shows besides the form's values.
type settingsData struct {
	Areas     []regionArea
	Connected bool
	// SecretStored reports whether a token policy's verifier secret is stored (an
	// empty secret field keeps it).
	SecretStored bool
	Reauthed     bool
}

// regionArea is a group of regions on the page ("Europe").
type regionArea struct {
	Name    string
	Regions []regionChoice
}

type regionChoice struct {
	ID, Code string
	Checked  bool
}

// areaNames names the areas of the region codes' prefixes.
var areaNames = []struct{ prefix, name string }{
	{"af-", "Africa"}, {"ap-", "Asia Pacific"}, {"ca-", "Canada"}, {"eu-", "Europe"},
	{"il-", "Israel"}, {"me-", "Middle East"}, {"mx-", "Mexico"}, {"sa-", "South America"},
	{"us-", "United States"},
}

func areaOf(code string) string {
	for _, a := range areaNames {
		if strings.HasPrefix(code, a.prefix) {
			return a.name
		}
	}
	return "Other"
}

// regionAreas lists every region, grouped by area in the order of
// tenants.RegionCodes, with the ticked ones checked. The first box's id is
// "regions", the error summary's target.
func regionAreas(ticked []string) []regionArea {
	var out []regionArea
	for i, code := range tenants.RegionCodes() {
		name := areaOf(code)
		if len(out) == 0 || out[len(out)-1].Name != name {
			out = append(out, regionArea{Name: name})
		}
		id := "regions-" + code
		if i == 0 {
			id = "regions"
		}
		a := &out[len(out)-1]
		a.Regions = append(a.Regions, regionChoice{ID: id, Code: code, Checked: slices.Contains(ticked, code)})
	}
	return out
}

// handleSettings serves the settings page: regions, the control tag, the second
// factor and the elevation window. Changing the second factor needs a recent
// password; the verifier secret is never shown back.
func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request, v *visit) {
	if r.Method != http.MethodPost {
		f := settingsForm(v.Tenant)
		s.showSettings(w, r, v, http.StatusOK, f, v.Tenant.Regions)
		return
	}
	f := newForm(r, settingsFields...)
	secret := strings.TrimSpace(r.PostForm.Get(fieldSecret))
	ticked := r.PostForm["regions"]
	cur := v.Tenant
	next, ok := readSettings(f, cur, ticked, secret)
	if next.MFA.Kind != tenants.MFAToken {
		secret = "" // only a token policy has one
	}
	if mfaChanged(cur.MFA, next.MFA, secret) && !s.reauthed(v) {
		s.needReauth(w, r, "/settings")
		return
	}
	if ok {
		if err := tenants.CheckTenant(tenants.Normalize(next), secret, len(cur.MFA.VerifierSecret) > 0); err != nil {
			if !placeCheck(f, err) {
				s.failed(w, r, "settings", err)
				return
			}
			ok = false
		}
	}
	if !ok {
		s.showSettings(w, r, v, http.StatusBadRequest, f, ticked)
		return
	}
	changes := describeChanges(cur, next, secret)
	if len(changes) == 0 {
		s.redirectDone(w, r, "/settings", doneUnchanged)
		return
	}
	ctx := r.Context()
	_, err := s.cfg.Store.UpdateTenant(ctx, cur.ID, secret, func(t *tenants.Tenant) error {
		t.Regions, t.ControlTag, t.MFA.Elevation = next.Regions, next.ControlTag, next.MFA.Elevation
		t.MFA.Kind, t.MFA.Serial, t.MFA.VerifierKeyID = next.MFA.Kind, next.MFA.Serial, next.MFA.VerifierKeyID
		// The stored tenant may have changed since the page was read (its role, by
		// another admin): check again on what is about to be written.
		if err := tenants.CheckTenant(tenants.Normalize(*t), secret, len(t.MFA.VerifierSecret) > 0); err != nil {
			return settingsInvalid{err}
		}
		return nil
	})
	var invalid settingsInvalid
	switch {
	case errors.As(err, &invalid):
		if !placeCheck(f, invalid.err) {
			s.failed(w, r, "settings", err)
			return
		}
		s.showSettings(w, r, v, http.StatusBadRequest, f, ticked)
		return
	case err != nil:
		s.failed(w, r, "settings", err)
		return
	}
	if err := s.audit(ctx, v, "settings", strings.Join(changes, "; ")); err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "audit", slog.String("detail", err.Error()))
	}
	s.redirectDone(w, r, "/settings", doneSaved)
}

// settingsInvalid is the check's refusal from inside UpdateTenant's apply.
type settingsInvalid struct{ err error }

func (e settingsInvalid) Error() string { return e.err.Error() }

// settingsForm is the form as the tenant's settings fill it in.
func settingsForm(t tenants.Tenant) *Form {
	f := &Form{Values: map[string]string{
		"mfa": string(t.MFA.Kind), "mfa_serial": t.MFA.Serial, "verifier_key_id": t.MFA.VerifierKeyID,
		"elevation": strconv.Itoa(int(t.MFA.ElevationWindow() / time.Minute)),
	}}
	if t.ControlTag != nil {
		f.Values["tag_key"], f.Values["tag_value"] = t.ControlTag.Key, t.ControlTag.Value
	}
	return f
}

// readSettings returns cur with the settings of f, ticked and secret, failing the
// fields of f that are wrong in ways the page can say better than the domain's check.
func readSettings(f *Form, cur tenants.Tenant, ticked []string, secret string) (tenants.Tenant, bool) {
	next := cur
	next.Regions = nil
	for _, code := range tenants.RegionCodes() { // in order, each once
		if slices.Contains(ticked, code) {
			next.Regions = append(next.Regions, code)
		}
	}
	for _, code := range ticked {
		if !tenants.KnownRegion(code) {
			f.Fail("regions", "Choose regions from the list")
		}
	}

	key, value := f.Get("tag_key"), f.Get("tag_value")
	switch {
	case key == "" && value == "":
		next.ControlTag = nil
	case key == "":
		f.Fail("tag_key", "Enter the tag's key too, or leave both key and value empty")
	case value == "":
		f.Fail("tag_value", "Enter the tag's value too, or leave both key and value empty")
	default:
		next.ControlTag = &tenants.Tag{Key: key, Value: value}
	}

	next.MFA.Kind = tenants.MFAKind(f.Get("mfa"))
	switch next.MFA.Kind {
	case tenants.MFASMS:
		next.MFA.Serial, next.MFA.VerifierKeyID = "", ""
	case tenants.MFAToken:
		next.MFA.Serial, next.MFA.VerifierKeyID = f.Get("mfa_serial"), f.Get("verifier_key_id")
		if !cur.Connected() {
			f.Fail("mfa", "Connect the AWS account first: the MFA device and its verifier user are in it")
			break
		}
		if next.MFA.Serial == "" {
			f.Fail("mfa_serial", "Enter the MFA device's serial number or ARN")
		}
		if next.MFA.VerifierKeyID == "" {
			f.Fail("verifier_key_id", "Enter the verifier user's access key ID (it starts with AKIA)")
		}
		if secret == "" && !(cur.MFA.Kind == tenants.MFAToken && len(cur.MFA.VerifierSecret) > 0) {
			f.Fail(fieldSecret, "Enter the verifier user's secret access key")
		}
	default:
		f.Fail("mfa", "Choose how people prove a second factor")
	}
	minutes, err := strconv.Atoi(f.Get("elevation"))
	if err != nil || minutes < int(tenants.MinElevation/time.Minute) || minutes > int(tenants.MaxElevation/time.Minute) {
		f.Fail("elevation", "Enter the elevation window in whole minutes, from 1 to 60")
	} else {
		next.MFA.Elevation = time.Duration(minutes) * time.Minute
	}
	return next, f.OK()
}

// mfaChanged reports whether the second factor changes: its kind, its device or
// its verifier's keys.
func mfaChanged(cur, next tenants.MFAPolicy, secret string) bool {
	if next.Kind != cur.Kind {
		return next.Kind == tenants.MFASMS || next.Kind == tenants.MFAToken
	}
	return next.Kind == tenants.MFAToken && (next.Serial != cur.Serial || next.VerifierKeyID != cur.VerifierKeyID || secret != "")
}

// checkFields maps the field the domain's check names (the start of its message)
// to the form's input, most specific first.
var checkFields = []struct{ prefix, field string }{
	{"region", "regions"},
	{"control tag value", "tag_value"},
	{"control tag", "tag_key"},
	{"MFA serial", "mfa_serial"},
	{"verifier key ID", "verifier_key_id"},
	{"verifier secret", fieldSecret},
	{"mfa", "mfa"},
	{"elevation", "elevation"},
}

// placeCheck puts the domain check's refusal err (tenants.CheckTenant's, unwrapped)
// next to the field it names, and reports whether it named one of the form's.
func placeCheck(f *Form, err error) bool {
	msg := strings.TrimPrefix(err.Error(), tenants.ErrInvalid.Error()+" ")
	for _, c := range checkFields {
		if strings.HasPrefix(msg, c.prefix) {
			f.Fail(c.field, strings.ToUpper(msg[:1])+msg[1:])
			return true
		}
	}
	return false
}

// describeChanges lists what next changes of cur, in words for the audit line
// (never the secret itself).
func describeChanges(cur, next tenants.Tenant, secret string) []string {
	var out []string
	if !slices.Equal(cur.Regions, next.Regions) {
		if len(next.Regions) == 0 {
			out = append(out, "regions: every enabled region")
		} else {
			out = append(out, "regions: "+strings.Join(next.Regions, ", "))
		}
	}
	switch {
	case cur.ControlTag == nil && next.ControlTag == nil:
	case next.ControlTag == nil:
		out = append(out, "control tag: none")
	case cur.ControlTag == nil || *cur.ControlTag != *next.ControlTag:
		out = append(out, "control tag: "+next.ControlTag.String())
	}
	if next.MFA.Kind != cur.MFA.Kind || next.MFA.Serial != cur.MFA.Serial || next.MFA.VerifierKeyID != cur.MFA.VerifierKeyID {
		if next.MFA.Kind == tenants.MFAToken {
			out = append(out, fmt.Sprintf("second factor: token (MFA device %s, verifier key %s)", next.MFA.Serial, next.MFA.VerifierKeyID))
		} else {
			out = append(out, "second factor: "+string(next.MFA.Kind))
		}
	}
	if secret != "" && next.MFA.Kind == tenants.MFAToken {
		out = append(out, "new verifier secret")
	}
	if next.MFA.ElevationWindow() != cur.MFA.ElevationWindow() {
		out = append(out, fmt.Sprintf("elevation window: %d minutes", int(next.MFA.ElevationWindow()/time.Minute)))
	}
	return out
}

// showSettings renders the settings page with f and the ticked regions.
func (s *Server) showSettings(w http.ResponseWriter, r *http.Request, v *visit, status int, f *Form, ticked []string) {
	d := settingsData{Areas: regionAreas(ticked), Connected: v.Tenant.Connected(),
		SecretStored: v.Tenant.MFA.Kind == tenants.MFAToken && len(v.Tenant.MFA.VerifierSecret) > 0,
		Reauthed:     s.reauthed(v)}
	s.render(w, r, status, "settings", Page{Title: "Settings", Form: f, Data: d})
}
