package terraform_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// The stack publishes the template as it is, but for the defaults of the two
// parameters that are the operator's: the skill's role and the tenant role's name. A
// quick-create link that gives only the tenant's ExternalId (and control tag) then
// makes what the module makes with the stack's outputs.
func TestStackPublishesTheTenantTemplate(t *testing.T) {
	m := mustLoadModule(t, stackDir)
	const skillRole = "arn:aws:iam::123456789012:role/easytocloud-skill"
	const roleName = "voice"
	published := mustEvalTenantTemplate(t, m, skillRole, roleName)

	var want, got map[string]any
	if err := json.Unmarshal(mustTenantTemplate(t), &want); err != nil {
		t.Fatal(err)
	}
	jsonAt(want, "Parameters", "OperatorRoleArn")["Default"] = skillRole
	jsonAt(want, "Parameters", "RoleName")["Default"] = roleName
	if err := json.Unmarshal(published, &got); err != nil {
		t.Fatalf("local.tenant_template is not JSON: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("local.tenant_template differs from %s with the operator's defaults (-want +published):\n%s", tenantTemplateFile, diff)
	}
	if problems := templateProblems(published); len(problems) > 0 {
		t.Errorf("the published template is not valid:\n%s", strings.Join(problems, "\n"))
	}

	tenant := mustLoadModule(t, tenantDir)
	for _, c := range tenantCases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			in.OperatorRoleARN, in.ExternalID = skillRole, testExternalID
			in.RoleName = ptr(roleName)
			params := in.parameters()
			delete(params, "OperatorRoleArn")
			delete(params, "RoleName")
			if p := compareTenantWith(tenant, published, in.variables(), params); p != "" {
				t.Error(p)
			}
		})
	}

	obj := m.mustFind(t, "resource", "aws_s3_object", "tenant_template")
	expect(t, "aws_s3_object.tenant_template ", []check{
		{"bucket", obj.text("bucket"), "aws_s3_bucket.templates.id"},
		{"key", obj.text("key"), "local.tenant_template_key"},
		{"content", obj.text("content"), "local.tenant_template"},
		{"content_type", obj.text("content_type"), `"application/json"`},
		// A changed template is uploaded again: its etag (MD5, as SSE-S3 keeps it) changes.
		{"etag", obj.text("etag"), "md5(local.tenant_template)"},
	})
	url := m.mustLocal(t, "tenant_template_url").text("tenant_template_url")
	if want := `"https://${aws_s3_bucket.templates.bucket_regional_domain_name}/${local.tenant_template_key}"`; url != want {
		t.Errorf("local.tenant_template_url = %s, want %s (CloudFormation reads templates from https S3 URLs)", url, want)
	}
	if got := m.mustFind(t, "output", "tenant_template_url").text("value"); got != "local.tenant_template_url" {
		t.Errorf("output tenant_template_url = %s, want local.tenant_template_url", got)
	}
}

// mustEvalTenantTemplate evaluates local.tenant_template as Terraform would.
func mustEvalTenantTemplate(tb testing.TB, m *module, skillRole, roleName string) []byte {
	tb.Helper()
	fileFunc := function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			b, err := os.ReadFile(filepath.FromSlash(args[0].AsString()))
			return cty.StringVal(string(b)), err
		},
	})
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"path": cty.ObjectVal(map[string]cty.Value{"module": cty.StringVal(stackDir)}),
			"var":  cty.ObjectVal(map[string]cty.Value{"tenant_role_name": cty.StringVal(roleName)}),
			"aws_iam_role": cty.ObjectVal(map[string]cty.Value{"function": cty.MapVal(map[string]cty.Value{
				"skill": cty.ObjectVal(map[string]cty.Value{"arn": cty.StringVal(skillRole)}),
			})}),
		},
		Functions: map[string]function.Function{"file": fileFunc, "jsondecode": stdlib.JSONDecodeFunc, "jsonencode": stdlib.JSONEncodeFunc, "merge": stdlib.MergeFunc},
	}
	locals := map[string]cty.Value{}
	for _, name := range []string{"tenant_template_source", "tenant_template"} {
		ctx.Variables["local"] = cty.ObjectVal(locals)
		locals[name] = m.mustLocal(tb, name).mustValue(tb, name, ctx)
	}
	return []byte(locals["tenant_template"].AsString())
}

// The bucket is encrypted and versioned, takes no ACLs, refuses requests without TLS,
// and its policy makes public the template and nothing else.
func TestTemplateBucketExposesOnlyTheTemplate(t *testing.T) {
	m := mustLoadModule(t, stackDir)
	access := m.mustFind(t, "resource", "aws_s3_bucket_public_access_block", "templates")
	sse := mustOne(t, m.mustFind(t, "resource", "aws_s3_bucket_server_side_encryption_configuration", "templates").nested("rule"), "rule")
	versioning := m.mustFind(t, "resource", "aws_s3_bucket_versioning", "templates")
	ownership := m.mustFind(t, "resource", "aws_s3_bucket_ownership_controls", "templates")
	policy := m.mustFind(t, "resource", "aws_s3_bucket_policy", "templates")
	expect(t, "", []check{
		{"block_public_acls", access.text("block_public_acls"), "true"},
		{"ignore_public_acls", access.text("ignore_public_acls"), "true"},
		{"encryption", mustOne(t, sse.nested("apply_server_side_encryption_by_default"), "apply_server_side_encryption_by_default").text("sse_algorithm"), `"AES256"`},
		{"versioning", mustOne(t, versioning.nested("versioning_configuration"), "versioning_configuration").text("status"), `"Enabled"`},
		{"object ownership", mustOne(t, ownership.nested("rule"), "rule").text("object_ownership"), `"BucketOwnerEnforced"`},
		{"bucket policy", policy.text("policy"), "data.aws_iam_policy_document.templates.json"},
	})
	for _, r := range []*block{access, versioning, ownership, policy} {
		if got := r.text("bucket"); got != "aws_s3_bucket.templates.id" {
			t.Errorf("%s.%s bucket = %s, want aws_s3_bucket.templates.id", r.Labels[0], r.Labels[1], got)
		}
	}
	var public, tlsOnly int
	for i, s := range m.mustStatements(t, "templates") {
		switch s.effect {
		case "Allow":
			public++
			if !cmp.Equal(s.actions, []string{"s3:GetObject"}) || s.resources != `["${aws_s3_bucket.templates.arn}/${local.tenant_template_key}"]` {
				t.Errorf("bucket policy statement %d allows %q on %s: only s3:GetObject of the template may be public", i, s.actions, s.resources)
			}
		case "Deny":
			for _, c := range s.nested("condition") {
				if c.text("variable") == `"aws:SecureTransport"` && c.text("test") == `"Bool"` && c.text("values") == `["false"]` &&
					cmp.Equal(s.actions, []string{"s3:*"}) && s.resources == `[aws_s3_bucket.templates.arn, "${aws_s3_bucket.templates.arn}/*"]` {
					tlsOnly++
				}
			}
		}
	}
	if public != 1 || tlsOnly != 1 {
		t.Errorf("bucket policy: %d public statements and %d TLS-only denials, want one of each", public, tlsOnly)
	}
	for _, typ := range []string{"aws_s3_bucket_acl", "aws_s3_bucket_website_configuration", "aws_s3_bucket_cors_configuration"} {
		if got := m.find("resource", typ); len(got) > 0 {
			t.Errorf("found %s: the template bucket needs none", typ)
		}
	}
	if got := len(m.find("resource", "aws_s3_object")); got != 1 {
		t.Errorf("found %d aws_s3_object resources, want only the tenant template", got)
	}
}
