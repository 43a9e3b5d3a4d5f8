package terraform_test

import (
	"testing"

	"github.com/easytocloud/easytocloud/internal/app"
)

// The outputs others consume: easytocloud skill-package reads some of them from
// `terraform output -json` (app.SkillPackageOutputs names them), the operator CLI needs
// the table and the secrets key, and a tenant needs the role to trust and its name.
func TestStackOutputsWhatItsConsumersRead(t *testing.T) {
	m := mustLoadModule(t, stackDir)
	outputs := map[string]*block{}
	for _, o := range m.find("output") {
		outputs[o.Labels[0]] = o
	}
	skillPackage := app.SkillPackageOutputs
	if len(skillPackage) == 0 {
		t.Fatal("app.SkillPackageOutputs is empty")
	}
	for _, name := range skillPackage {
		if outputs[name] == nil {
			t.Errorf("easytocloud skill-package reads output %q, which the stack does not have", name)
		}
	}
	want := map[string]string{
		"skill_function_arn": `aws_lambda_function.function["skill"].arn`,
		"skill_role_arn":     `aws_iam_role.function["skill"].arn`,
		"tenant_role_name":   "var.tenant_role_name",
		"authorize_url":      `"${local.api_url}/oauth/authorize"`,
		"token_url":          `"${local.api_url}/oauth/token"`,
		"issuer":             "local.api_url",
		"mfa_api_url":        "local.api_url",
		"table_name":         "aws_dynamodb_table.main.name",
		"secrets_key_arn":    "aws_kms_key.secrets.arn",
		"signing_key_arn":    "aws_kms_key.signing.arn",
		// The console's: where it is, and what its function's environment holds.
		"console_url":            `"${local.api_url}/console/"`,
		"tenant_template_url":    "local.tenant_template_url",
		"mail_from":              "local.mail_from",
		"mail_configuration_set": "aws_sesv2_configuration_set.mail.configuration_set_name",
		"mail_dkim_records":      "local.mail_dkim_records",
	}
	for name, value := range want {
		o := outputs[name]
		if o == nil {
			t.Errorf("no output %q", name)
			continue
		}
		if got := o.text("value"); got != value {
			t.Errorf("output %s = %s, want %s", name, got, value)
		}
	}
}

// The tenant module's inputs are the operator's outputs by the same meaning.
func TestTenantModuleTakesTheStackOutputs(t *testing.T) {
	tenant := mustLoadModule(t, tenantDir)
	for _, v := range []string{"operator_role_arn", "external_id", "role_name"} {
		tenant.mustFind(t, "variable", v)
	}
	stack := mustLoadModule(t, stackDir)
	if a, b := tenant.mustFind(t, "variable", "role_name").text("default"), stack.mustFind(t, "variable", "tenant_role_name").text("default"); a != b {
		t.Errorf("tenant role_name default %s differs from the stack's tenant_role_name default %s", a, b)
	}
	outputs := map[string]string{}
	for _, o := range tenant.find("output") {
		outputs[o.Labels[0]] = o.text("value")
	}
	if got := outputs["role_arn"]; got != "aws_iam_role.easytocloud.arn" {
		t.Errorf("tenant output role_arn = %q, want aws_iam_role.easytocloud.arn", got)
	}
	for _, name := range []string{"mfa_verifier_user_name", "mfa_verifier_access_key_id", "mfa_verifier_secret_access_key"} {
		if _, ok := outputs[name]; !ok {
			t.Errorf("tenant module has no output %s", name)
		}
	}
	if got := tenant.mustFind(t, "output", "mfa_verifier_secret_access_key").text("sensitive"); got != "true" {
		t.Errorf("output mfa_verifier_secret_access_key sensitive = %q, want true", got)
	}
}
