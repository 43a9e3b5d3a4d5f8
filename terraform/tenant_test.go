package terraform_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/tenants"
)

func TestTenantRoleRequiresExternalID(t *testing.T) {
	m := mustLoadModule(t, tenantDir)
	role := m.mustFind(t, "resource", "aws_iam_role", "easytocloud")
	expect(t, "", []check{
		{"assume_role_policy", role.text("assume_role_policy"), "data.aws_iam_policy_document.trust.json"},
		{"max_session_duration", role.text("max_session_duration"), "3600"},
	})
	for i, s := range m.mustStatements(t, "trust") {
		if s.effect != "Allow" {
			continue
		}
		if diff := cmp.Diff([]string{"sts:AssumeRole"}, s.actions); diff != "" {
			t.Errorf("trust statement %d actions (-want +got):\n%s", i, diff)
		}
		p := mustOne(t, s.nested("principals"), "principals")
		if got := p.text("identifiers"); got != "[var.operator_role_arn]" {
			t.Errorf("trust statement %d trusts %s, want [var.operator_role_arn]", i, got)
		}
		found := false
		for _, c := range s.nested("condition") {
			if c.text("test") == `"StringEquals"` && c.text("variable") == `"sts:ExternalId"` && c.text("values") == "[var.external_id]" {
				found = true
			}
		}
		if !found {
			t.Errorf("trust statement %d has no StringEquals sts:ExternalId = [var.external_id] condition", i)
		}
	}
	ext := m.mustFind(t, "variable", "external_id")
	if ext.attr("default") != nil {
		t.Error("variable external_id has a default; it must be required")
	}
}

func TestTenantPermissionsAreWhatTheSkillCalls(t *testing.T) {
	want := sorted(account.TenantIAMActions)
	if len(want) == 0 {
		t.Fatal("account.TenantIAMActions is empty")
	}
	m := mustLoadModule(t, tenantDir)
	policy := m.mustFind(t, "resource", "aws_iam_role_policy", "easytocloud")
	if got := policy.text("policy"); got != "data.aws_iam_policy_document.permissions.json" {
		t.Fatalf("aws_iam_role_policy.easytocloud policy = %s, want data.aws_iam_policy_document.permissions.json", got)
	}
	if got := m.find("resource", "aws_iam_role_policy"); len(got) != 1 {
		t.Errorf("want one aws_iam_role_policy, got %d", len(got))
	}
	if got := m.find("resource", "aws_iam_role_policy_attachment"); len(got) != 0 {
		t.Errorf("want no aws_iam_role_policy_attachment, got %d", len(got))
	}
	if diff := cmp.Diff(want, allowedActions(m.mustStatements(t, "permissions"))); diff != "" {
		t.Errorf("tenant role permissions differ from account.TenantIAMActions (-account +terraform):\n%s", diff)
	}
}

// condition is an evaluated condition block.
type condition struct {
	Test, Variable string
	Values         []string
}

func TestTenantStartStopIsTagConditioned(t *testing.T) {
	tagType := cty.Object(map[string]cty.Type{"key": cty.String, "value": cty.String})
	tests := []struct {
		name string
		tag  cty.Value
		want []condition
	}{
		{"NoControlTag", cty.NullVal(tagType), nil},
		{"TagKeyOnly", cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal("voice"), "value": cty.NullVal(cty.String)}),
			[]condition{{"Null", "aws:ResourceTag/voice", []string{"false"}}}},
		{"TagKeyAndValue", cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal("voice"), "value": cty.StringVal("yes")}),
			[]condition{{"StringEquals", "aws:ResourceTag/voice", []string{"yes"}}}},
	}
	m := mustLoadModule(t, tenantDir)
	var startStop []statement
	for _, s := range m.mustStatements(t, "permissions") {
		for _, a := range s.actions {
			if a == "ec2:StartInstances" || a == "ec2:StopInstances" {
				startStop = append(startStop, s)
				break
			}
		}
	}
	if len(startStop) == 0 {
		t.Fatal("no statement grants ec2:StartInstances or ec2:StopInstances")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, s := range startStop {
				if got := evalConditions(t, s.block, tt.tag); !cmp.Equal(tt.want, got) {
					t.Errorf("start/stop statement %d conditions (-want +got):\n%s", i, cmp.Diff(tt.want, got))
				}
			}
		})
	}
}

// evalConditions evaluates the condition blocks of s (static and dynamic) as Terraform
// would with var.control_tag = tag.
func evalConditions(tb testing.TB, s *block, tag cty.Value) []condition {
	tb.Helper()
	vars := map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{"control_tag": tag})}
	eval := func(b *block, ctx *hcl.EvalContext) condition {
		return condition{
			Test:     b.mustValue(tb, "test", ctx).AsString(),
			Variable: b.mustValue(tb, "variable", ctx).AsString(),
			Values:   mustStrings(tb, b.mustValue(tb, "values", ctx)),
		}
	}
	var out []condition
	for _, c := range s.Body.Blocks {
		if c.Type == "condition" {
			out = append(out, eval(&block{Block: c, src: s.src}, &hcl.EvalContext{Variables: vars}))
		}
	}
	for _, d := range s.dynamic("condition") {
		each := d.mustValue(tb, "for_each", &hcl.EvalContext{Variables: vars})
		content := mustOne(tb, d.nested("content"), "content")
		for it := each.ElementIterator(); it.Next(); {
			k, v := it.Element()
			ctx := &hcl.EvalContext{Variables: map[string]cty.Value{
				"var":       vars["var"],
				"condition": cty.ObjectVal(map[string]cty.Value{"key": k, "value": v}),
			}}
			out = append(out, eval(content, ctx))
		}
	}
	return out
}

func TestMFAVerifierHasNoPermissions(t *testing.T) {
	m := mustLoadModule(t, tenantDir)
	expect(t, "", []check{
		{"permissions_boundary", m.mustFind(t, "resource", "aws_iam_user", "mfa_verifier").text("permissions_boundary"), "aws_iam_policy.deny_all[0].arn"},
		{"boundary policy", m.mustFind(t, "resource", "aws_iam_policy", "deny_all").text("policy"), "data.aws_iam_policy_document.deny_all.json"},
	})
	for i, s := range m.mustStatements(t, "deny_all") {
		if s.effect != "Deny" || !cmp.Equal(s.actions, []string{"*"}) || s.resources != `["*"]` {
			t.Errorf("deny_all statement %d is %s %q on %s, want Deny [*] on [*]", i, s.effect, s.actions, s.resources)
		}
	}
	for _, typ := range []string{"aws_iam_user_policy", "aws_iam_user_policy_attachment", "aws_iam_policy_attachment", "aws_iam_user_group_membership", "aws_iam_group_membership"} {
		if got := m.find("resource", typ); len(got) != 0 {
			t.Errorf("found %d %s: the verifier user must get no permissions", len(got), typ)
		}
	}
}

// externalIDCases are ExternalIds the tenant module's validation (and the template's
// constraints) must accept or refuse: every one easytocloud generates
// (tenants.ExternalIDPrefix and base64url, so "-" and "_" too), and no junk.
func externalIDCases(tb testing.TB) []struct {
	name string
	id   string
	want bool
} {
	tb.Helper()
	prefix := tenants.ExternalIDPrefix
	if prefix == "" {
		tb.Fatal("tenants.ExternalIDPrefix is empty")
	}
	generated := func(b byte) string {
		return prefix + base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32))
	}
	return []struct {
		name string
		id   string
		want bool
	}{
		{"Generated", generated(0x00), true},
		{"GeneratedWithDashAndUnderscore", generated(0xfb) + "-_", true},
		{"AWSCharacters", "Ab1+=,.@:/-_Ab1+=,.@:/-_", true},
		{"TooShort", "short", false},
		{"Space", prefix + "has a space in it", false},
		{"Quote", prefix + `has"a"quote"in"it`, false},
		{"NonASCIILetters", strings.Repeat("é", 16), false},
		{"Empty", "", false},
		{"Longest", strings.Repeat("a", 1224), true},
		{"TooLong", strings.Repeat("a", 1225), false},
	}
}

func TestTenantExternalIDValidation(t *testing.T) {
	tests := externalIDCases(t)
	m := mustLoadModule(t, tenantDir)
	v := mustOne(t, m.mustFind(t, "variable", "external_id").nested("validation"), "validation")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := &hcl.EvalContext{
				Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{"external_id": cty.StringVal(tt.id)})},
				// Terraform's length of a string is its length in characters, as strlen's.
				Functions: map[string]function.Function{"can": tryfunc.CanFunc, "regex": stdlib.RegexFunc, "length": stdlib.StrlenFunc},
			}
			if got := v.mustValue(t, "condition", ctx); got.True() != tt.want {
				t.Errorf("validation of %q = %v, want %v", tt.id, got.True(), tt.want)
			}
		})
	}
}
