package terraform_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/zclconf/go-cty/cty"
)

func ptr[T any](v T) *T { return &v }

// tenantCases are the choices a tenant can make, each to be made the same by the
// module and the template.
var tenantCases = []struct {
	name string
	in   tenantInputs
}{
	{"Defaults", tenantInputs{}},
	{"ControlTagKeyOnly", tenantInputs{ControlTag: &controlTag{Key: "easytocloud"}}},
	{"ControlTagKeyAndValue", tenantInputs{ControlTag: &controlTag{Key: "voice control", Value: ptr("yes: by voice")}}},
	{"NoMFAVerifier", tenantInputs{Verifier: ptr(false)}},
	{"MFAVerifier", tenantInputs{Verifier: ptr(true)}},
	{"EverythingChosen", tenantInputs{RoleName: ptr("voice-ops"), Verifier: ptr(true), VerifierName: ptr("voice-verifier"), ControlTag: &controlTag{Key: "team", Value: ptr("ops")}}},
}

const (
	testOperatorRoleARN = "arn:aws:iam::210987654321:role/easytocloud-skill"
	testExternalID      = "easytocloud-0123456789abcdefghijklmnopqrstuvwxyzABCDEF_-"
)

// compareTenant lists where the module (its files passed through editModule) and the
// template src make something different for any of tenantCases.
func compareTenant(editModule func(name string, src []byte) []byte, src []byte) []string {
	m, err := loadModule(tenantDir, editModule)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	for _, c := range tenantCases {
		in := c.in
		in.OperatorRoleARN, in.ExternalID = testOperatorRoleARN, testExternalID
		if p := compareTenantWith(m, src, in.variables(), in.parameters()); p != "" {
			problems = append(problems, c.name+": "+p)
		}
	}
	return problems
}

// compareTenantWith compares the module with vars and the template with params.
func compareTenantWith(m *module, src []byte, vars map[string]cty.Value, params map[string]string) string {
	want, err := moduleTenantSetup(m, vars)
	if err != nil {
		return "module: " + err.Error()
	}
	got, err := templateTenantSetup(src, params)
	if err != nil {
		return "template: " + err.Error()
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		return fmt.Sprintf("the template makes other resources than the module (-module +template):\n%s", diff)
	}
	return ""
}

// The CloudFormation template of the quick-create link creates what the tenant module
// does, for every choice a tenant makes: the role (name, trust policy principal and
// ExternalId condition, session length), each permission statement (actions,
// resources, conditions: the control tag's), the MFA-verifier user with its
// deny-everything boundary and access key, and the outputs.
func TestTenantTemplateIsTheModule(t *testing.T) {
	src := mustTenantTemplate(t)
	if problems := compareTenant(nil, src); len(problems) > 0 {
		t.Errorf("%s differs from the module %s:\n%s", tenantTemplateFile, tenantDir, strings.Join(problems, "\n"))
	}
	// The comparison reads what matters: the role's trust and permissions as IAM will.
	m := mustLoadModule(t, tenantDir)
	in := tenantInputs{OperatorRoleARN: testOperatorRoleARN, ExternalID: testExternalID, ControlTag: &controlTag{Key: "team"}}
	setup, err := templateTenantSetup(src, in.parameters())
	if err != nil {
		t.Fatal(err)
	}
	role := setup.Roles["role"]
	trust := policyStatement{Effect: "Allow", Principals: map[string][]string{"AWS": {testOperatorRoleARN}}, Actions: []string{"sts:AssumeRole"},
		Conditions: map[string]map[string][]string{"StringEquals": {"sts:ExternalId": {testExternalID}}}}
	if diff := cmp.Diff(policyDoc{Version: "2012-10-17", Statements: []policyStatement{trust}}, role.Trust, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the template's trust policy (-want +got):\n%s", diff)
	}
	var startStop *policyStatement
	for i, s := range role.Policies["easytocloud"].Statements {
		if s.Sid == "StartStopInstances" {
			startStop = &role.Policies["easytocloud"].Statements[i]
		}
	}
	if startStop == nil || !cmp.Equal(startStop.Conditions, map[string]map[string][]string{"Null": {"aws:ResourceTag/team": {"false"}}}) {
		t.Errorf("the template's start/stop statement is %+v, want it conditioned on the tag team", startStop)
	}
	if _, err := moduleTenantSetup(m, in.variables()); err != nil {
		t.Fatal(err)
	}
}

// Each change to either side that changes what a tenant gets must make the
// comparison fail.
func TestTenantTemplateComparisonCatchesChanges(t *testing.T) {
	src := mustTenantTemplate(t)
	type edit struct {
		name     string
		file     string // a file of the module, or "" for the template
		old, new string
		json     func(doc map[string]any) // the template's edit, instead of old and new
	}
	role := func(doc map[string]any) map[string]any { return jsonAt(doc, "Resources", "Role", "Properties") }
	trust := func(doc map[string]any) map[string]any {
		return role(doc)["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)[0].(map[string]any)
	}
	edits := []edit{
		// The template.
		{name: "TemplateTrustsAnyone", json: func(doc map[string]any) { trust(doc)["Principal"] = map[string]any{"AWS": "*"} }},
		{name: "TemplateTrustsWithoutExternalId", json: func(doc map[string]any) { delete(trust(doc), "Condition") }},
		{name: "TemplateExternalIdLike", json: func(doc map[string]any) {
			trust(doc)["Condition"] = map[string]any{"StringLike": map[string]any{"sts:ExternalId": map[string]any{"Ref": "ExternalId"}}}
		}},
		{name: "TemplateExtraAction", old: `\"ec2:StopInstances\"]`, new: `\"ec2:StopInstances\",\"ec2:RebootInstances\"]`},
		{name: "TemplateWiderResource", old: `:instance/*`, new: `:*`},
		{name: "TemplateTagKeyOnlyTest", old: `{\"Null\":`, new: `{\"StringLike\":`},
		{name: "TemplateTagValueTest", old: `{\"StringEquals\":{\"aws:ResourceTag`, new: `{\"StringLike\":{\"aws:ResourceTag`},
		{name: "TemplateTagValueIgnored", old: `:\"${ControlTagValue}\"`, new: `:\"*\"`},
		{name: "TemplateLongerSessions", json: func(doc map[string]any) { role(doc)["MaxSessionDuration"] = 43200 }},
		{name: "TemplateManagedPolicy", json: func(doc map[string]any) {
			role(doc)["ManagedPolicyArns"] = []any{"arn:aws:iam::aws:policy/AdministratorAccess"}
		}},
		{name: "TemplatePolicyRenamed", json: func(doc map[string]any) {
			role(doc)["Policies"].([]any)[0].(map[string]any)["PolicyName"] = "other"
		}},
		{name: "TemplateRoleNameDefault", json: func(doc map[string]any) { jsonAt(doc, "Parameters", "RoleName")["Default"] = "easytocloud-role" }},
		{name: "TemplateVerifierByDefault", json: func(doc map[string]any) { jsonAt(doc, "Parameters", "CreateMFAVerifier")["Default"] = "true" }},
		{name: "TemplateVerifierWithoutBoundary", json: func(doc map[string]any) {
			delete(jsonAt(doc, "Resources", "MFAVerifier", "Properties"), "PermissionsBoundary")
		}},
		{name: "TemplateBoundaryAllows", json: func(doc map[string]any) {
			jsonAt(doc, "Resources", "MFAVerifierBoundary", "Properties", "PolicyDocument")["Statement"].([]any)[0].(map[string]any)["Effect"] = "Allow"
		}},
		{name: "TemplateOutputsTheRoleID", json: func(doc map[string]any) {
			jsonAt(doc, "Outputs", "RoleArn")["Value"] = map[string]any{"Fn::GetAtt": []any{"Role", "RoleId"}}
		}},
		{name: "TemplateExtraOutput", json: func(doc map[string]any) {
			jsonAt(doc, "Outputs")["RoleName"] = map[string]any{"Description": "name", "Value": map[string]any{"Ref": "Role"}}
		}},
		{name: "TemplateExtraResource", json: func(doc map[string]any) {
			jsonAt(doc, "Resources")["Extra"] = map[string]any{"Type": "AWS::IAM::User", "Properties": map[string]any{}}
		}},
		// The module.
		{name: "ModuleExtraAction", file: "main.tf", old: `actions = ["ec2:StartInstances", "ec2:StopInstances"]`, new: `actions = ["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"]`},
		{name: "ModuleExternalIdLike", file: "main.tf", old: "test     = \"StringEquals\"\n      variable = \"sts:ExternalId\"", new: "test     = \"StringLike\"\n      variable = \"sts:ExternalId\""},
		{name: "ModuleTrustsAnyone", file: "main.tf", old: `identifiers = [var.operator_role_arn]`, new: `identifiers = ["*"]`},
		{name: "ModuleLongerSessions", file: "main.tf", old: `max_session_duration = 3600`, new: `max_session_duration = 7200`},
		{name: "ModuleManagedPolicy", file: "main.tf", old: "  max_session_duration = 3600\n", new: "  max_session_duration = 3600\n  managed_policy_arns  = [\"arn:aws:iam::aws:policy/ReadOnlyAccess\"]\n"},
		{name: "ModuleTagKeyOnlyTest", file: "main.tf", old: `"Null" : "StringEquals"`, new: `"Null" : "StringLike"`},
		{name: "ModuleNarrowerStreams", file: "main.tf", old: `stream/*`, new: `stream/clickstream`},
		{name: "ModuleVerifierWithoutBoundary", file: "verifier.tf", old: "  permissions_boundary = aws_iam_policy.deny_all[0].arn\n", new: ""},
		{name: "ModuleBoundaryAllows", file: "verifier.tf", old: `effect    = "Deny"`, new: `effect    = "Allow"`},
		{name: "ModuleVerifierNameDefault", file: "variables.tf", old: `default     = "easytocloud-mfa-verifier"`, new: `default     = "mfa-verifier"`},
		{name: "ModuleExtraVariable", file: "variables.tf", old: `variable "role_name" {`, new: "variable \"path\" {\n  type    = string\n  default = \"/\"\n}\n\nvariable \"role_name\" {"},
		{name: "ModuleExtraOutput", file: "outputs.tf", old: `output "role_arn" {`, new: "output \"role_name\" {\n  value = aws_iam_role.easytocloud.name\n}\n\noutput \"role_arn\" {"},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			tmpl, editModule := src, func(_ string, b []byte) []byte { return b }
			switch {
			case e.json != nil:
				tmpl = editJSON(t, src, e.json)
			case e.file == "":
				tmpl = []byte(mustReplaceOnce(t, string(src), e.old, e.new))
			default:
				editModule = func(name string, b []byte) []byte {
					if filepath.Base(name) != e.file {
						return b
					}
					return []byte(mustReplaceOnce(t, string(b), e.old, e.new))
				}
			}
			if problems := compareTenant(editModule, tmpl); len(problems) == 0 {
				t.Error("the comparison finds the changed side the same as the other")
			}
		})
	}
}

// mustReplaceOnce replaces old, which s must hold exactly once, by new.
func mustReplaceOnce(tb testing.TB, s, old, new string) string {
	tb.Helper()
	if n := strings.Count(s, old); n != 1 {
		tb.Fatalf("want %q once, found it %d times: update this case", old, n)
	}
	return strings.Replace(s, old, new, 1)
}

// The template accepts exactly the ExternalIds the module's validation does.
func TestTenantTemplateExternalIDConstraints(t *testing.T) {
	tmpl, err := parseTemplate(mustTenantTemplate(t))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := tmpl.Parameters["ExternalId"]
	if !ok {
		t.Fatal("the template has no ExternalId parameter")
	}
	if p.Default != nil {
		t.Error("the ExternalId parameter has a default; it must be given")
	}
	for _, tt := range externalIDCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			if err := checkParameter(p, tt.id); (err == nil) != tt.want {
				t.Errorf("the template's ExternalId constraints on %q: %v, want accepted = %v", tt.id, err, tt.want)
			}
		})
	}
}

// The control tag's key and value go into the permissions' JSON text (see the role's
// Metadata): their patterns must keep out what could end a JSON string or start a
// Fn::Sub variable, and let in every character AWS allows in a tag.
func TestTenantTemplateTagParametersCannotBreakThePolicy(t *testing.T) {
	tmpl, err := parseTemplate(mustTenantTemplate(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ControlTagKey", "ControlTagValue"} {
		p := tmpl.Parameters[name]
		for _, ok := range []string{"", "team", "voice control", "a.b:c/d=e+f-g@h_i", "équipe", "チーム"} {
			if err := checkParameter(p, ok); err != nil {
				t.Errorf("%s refuses the tag text %q: %v", name, ok, err)
			}
		}
		for _, bad := range []string{`a"b`, `a\b`, "${AWS::AccountId}", `"},"Effect":"Allow`, "a\nb"} {
			if err := checkParameter(p, bad); err == nil {
				t.Errorf("%s accepts %q, which could change the permissions' JSON", name, bad)
			}
		}
	}
}
