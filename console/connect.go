package console

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/easytocloud/easytocloud/tenants"
)

// defaultRoleName is the name terraform/tenant (variable role_name) and the
// CloudFormation template give the role, at the path "/": what a bare account ID
// typed on the connect page stands for.
const defaultRoleName = "easytocloud"

// moduleSource is where Terraform fetches the tenant module from.
const moduleSource = "github.com/easytocloud/easytocloud//terraform/tenant"

// quickCreateURL is the CloudFormation console's quick-create page; the fragment
// carries the template, the stack name and the parameters.
const quickCreateURL = "https://console.aws.amazon.com/cloudformation/home#/stacks/quickcreate"

// The CloudFormation template's parameters (terraform/tenant/cloudformation.json).
const (
	paramExternalID      = "ExternalId"
	paramSkillRoleARN    = "OperatorRoleArn"
	paramControlTagKey   = "ControlTagKey"
	paramControlTagValue = "ControlTagValue"
)

var accountIDPattern = regexp.MustCompile(`^\d{12}$`)

// connectData is what the connect page shows besides its form.
type connectData struct {
	ExternalID   string
	SkillRoleARN string
	// QuickCreate is the CloudFormation quick-create link ("" without a template).
	QuickCreate string
	// Terraform is the module block for terraform/tenant.
	Terraform string
	// RoleARN and AccountID are the current role, when connected.
	RoleARN, AccountID string
	// Reauthed reports whether a role change needs no password first.
	Reauthed bool
}

// handleConnect serves the connect page: how to create the role (CloudFormation or
// Terraform) and the form that takes its ARN, checks it with the role check, and
// stores it. Changing the role of a connected tenant needs a recent password.
func (s *Server) handleConnect(w http.ResponseWriter, r *http.Request, v *visit) {
	if r.Method != http.MethodPost {
		s.showConnect(w, r, v, http.StatusOK, nil)
		return
	}
	f := newForm(r, "role_arn")
	arn, ok := roleFromInput(f.Get("role_arn"))
	if !ok {
		f.Fail("role_arn", "Enter the role ARN, like arn:aws:iam::123456789012:role/easytocloud, or the 12-digit AWS account ID")
		s.showConnect(w, r, v, http.StatusBadRequest, f)
		return
	}
	if v.Tenant.Connected() && !s.reauthed(v) {
		s.needReauth(w, r, "/connect")
		return
	}
	ctx := r.Context()
	candidate := v.Tenant
	candidate.RoleARN = arn
	if err := s.cfg.Roles.VerifyRole(ctx, candidate); err != nil {
		s.log.LogAttrs(ctx, slog.LevelInfo, "role check refused", slog.String("tenant", v.Tenant.ID),
			slog.String("role", arn), slog.String("detail", err.Error()))
		status, msg := s.roleCheckMessage(v.Tenant, arn, err)
		f.Fail("role_arn", msg)
		s.showConnect(w, r, v, status, f)
		return
	}
	_, err := s.cfg.Store.UpdateTenant(ctx, v.Tenant.ID, "", func(t *tenants.Tenant) error {
		t.RoleARN = arn
		return nil
	})
	switch {
	case errors.Is(err, tenants.ErrAccountTaken):
		f.Fail("role_arn", "That AWS account is already connected to another easytocloud organisation. "+
			"Each AWS account can belong to one organisation only: use a role in another account, or ask whoever connected it to disconnect it first.")
		s.showConnect(w, r, v, http.StatusConflict, f)
		return
	case errors.Is(err, tenants.ErrInvalid):
		// The role is fine but the rest of the settings do not fit it, such as a
		// token policy whose MFA device is in the old account.
		s.log.LogAttrs(ctx, slog.LevelInfo, "connect refused", slog.String("tenant", v.Tenant.ID), slog.String("detail", err.Error()))
		f.Fail("role_arn", "That role is in another AWS account than your MFA device. Switch the second factor to SMS in Settings first, then change the role.")
		s.showConnect(w, r, v, http.StatusBadRequest, f)
		return
	case err != nil:
		s.failed(w, r, "connect", err)
		return
	}
	if err := s.audit(ctx, v, "connect", "role "+arn); err != nil {
		// The role is stored and the audit line logged; only its copy in the table
		// is missing.
		s.log.LogAttrs(ctx, slog.LevelError, "audit", slog.String("detail", err.Error()))
	}
	s.redirectDone(w, r, "/settings", doneConnected)
}

// roleFromInput returns the role ARN typed, or the default role of a typed account ID.
func roleFromInput(in string) (string, bool) {
	if accountIDPattern.MatchString(in) {
		return "arn:aws:iam::" + in + ":role/" + defaultRoleName, true
	}
	if _, err := tenants.ValidateRoleARN(in); err != nil {
		return "", false
	}
	return in, true
}

// roleCheckMessage says in plain words why the role check refused arn for t, and
// how to fix it, with the status to answer.
func (s *Server) roleCheckMessage(t tenants.Tenant, arn string, err error) (int, string) {
	switch {
	case errors.Is(err, tenants.ErrExternalIDNotRequired):
		return http.StatusBadRequest, "The role's trust policy lets easytocloud in without your ExternalId, so any easytocloud customer who knew the role could act in your account. " +
			"Add the condition StringEquals sts:ExternalId " + t.ExternalID + " to its trust policy (the CloudFormation template and the Terraform module below do), then try again."
	case errors.Is(err, tenants.ErrRoleNotAssumable):
		return http.StatusBadRequest, "easytocloud cannot assume " + arn + ". Check the ARN, and that the role's trust policy names " + s.cfg.SkillRoleARN +
			" as principal and requires the ExternalId " + t.ExternalID + ", then try again."
	case errors.Is(err, tenants.ErrInvalid):
		return http.StatusBadRequest, "Enter the role ARN, like arn:aws:iam::123456789012:role/easytocloud, or the 12-digit AWS account ID"
	default:
		// No verdict: AWS was not reached, throttled, or timed out.
		return http.StatusServiceUnavailable, "easytocloud could not reach AWS to check the role. Nothing was changed; try again in a moment."
	}
}

// showConnect renders the connect page with f (nil: empty).
func (s *Server) showConnect(w http.ResponseWriter, r *http.Request, v *visit, status int, f *Form) {
	t := v.Tenant
	d := connectData{ExternalID: t.ExternalID, SkillRoleARN: s.cfg.SkillRoleARN,
		Terraform: terraformSnippet(t, s.cfg.SkillRoleARN), Reauthed: s.reauthed(v)}
	if s.cfg.TemplateURL != "" {
		d.QuickCreate = quickCreateLink(s.cfg.TemplateURL, t, s.cfg.SkillRoleARN)
	}
	title := "Connect your AWS account"
	if t.Connected() {
		d.RoleARN, d.AccountID = t.RoleARN, t.AccountID()
		title = "Your AWS account"
	}
	if f == nil {
		f = &Form{Values: map[string]string{}}
	}
	s.render(w, r, status, "connect", Page{Title: title, Form: f, Data: d})
}

// quickCreateLink is the CloudFormation console's page that creates the stack of
// template with t's parameters filled in.
func quickCreateLink(template string, t tenants.Tenant, skillRole string) string {
	q := url.Values{}
	q.Set("templateURL", template)
	q.Set("stackName", "easytocloud")
	q.Set("param_"+paramExternalID, t.ExternalID)
	q.Set("param_"+paramSkillRoleARN, skillRole)
	if t.ControlTag != nil {
		q.Set("param_"+paramControlTagKey, t.ControlTag.Key)
		q.Set("param_"+paramControlTagValue, t.ControlTag.Value)
	}
	return quickCreateURL + "?" + q.Encode()
}

// terraformSnippet is the module block that applies terraform/tenant for t, and an
// output with the role's ARN.
func terraformSnippet(t tenants.Tenant, skillRole string) string {
	var b strings.Builder
	b.WriteString("module \"easytocloud\" {\n")
	b.WriteString("  source = " + hclString(moduleSource) + "\n\n")
	b.WriteString("  operator_role_arn = " + hclString(skillRole) + "\n")
	b.WriteString("  external_id       = " + hclString(t.ExternalID) + "\n")
	if t.ControlTag != nil {
		b.WriteString("  control_tag       = { key = " + hclString(t.ControlTag.Key) + ", value = " + hclString(t.ControlTag.Value) + " }\n")
	}
	b.WriteString("  # create_mfa_verifier = true # for a token second factor: the verifier user\n")
	b.WriteString("}\n\noutput \"easytocloud_role_arn\" {\n  value = module.easytocloud.role_arn\n}\n")
	return b.String()
}

// hclString quotes s as an HCL string literal, its template sequences escaped.
func hclString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "${", "$${", "%{", "%%{")
	return `"` + r.Replace(s) + `"`
}
