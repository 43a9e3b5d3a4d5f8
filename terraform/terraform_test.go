package terraform_test

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

func TestFilesParseAndAreFormatted(t *testing.T) {
	files := tfFiles(t, stackDir)
	if len(files) < 10 {
		t.Fatalf("found only %d Terraform files: %q", len(files), files)
	}
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if _, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos); diags.HasErrors() {
				t.Fatalf("does not parse: %s", diags.Error())
			}
			if got := hclwrite.Format(src); !bytes.Equal(got, src) {
				t.Errorf("not formatted as terraform fmt would (run terraform fmt -recursive terraform)")
			}
		})
	}
}

func TestVariablesAndOutputsAreTypedAndDescribed(t *testing.T) {
	for _, dir := range []string{stackDir, tenantDir} {
		m := mustLoadModule(t, dir)
		for _, v := range m.find("variable") {
			t.Run(dir+"/variable/"+v.Labels[0], func(t *testing.T) {
				if v.attr("type") == nil {
					t.Error("has no type")
				}
				if v.text("type") == "any" {
					t.Error("has type any")
				}
				if v.attr("description") == nil || v.mustString(t, "description") == "" {
					t.Error("has no description")
				}
			})
		}
		for _, o := range m.find("output") {
			t.Run(dir+"/output/"+o.Labels[0], func(t *testing.T) {
				if o.attr("value") == nil {
					t.Error("has no value")
				}
				if o.attr("description") == nil || o.mustString(t, "description") == "" {
					t.Error("has no description")
				}
			})
		}
	}
}

func TestProviderIsPinned(t *testing.T) {
	for _, dir := range []string{stackDir, tenantDir} {
		t.Run(dir, func(t *testing.T) {
			m := mustLoadModule(t, dir)
			tf := m.mustFind(t, "terraform")
			if tf.attr("required_version") == nil {
				t.Error("terraform block has no required_version")
			}
			providers := tf.nested("required_providers")
			if len(providers) != 1 {
				t.Fatalf("want one required_providers block, got %d", len(providers))
			}
			aws := providers[0].mustValue(t, "aws", nil)
			if got := aws.GetAttr("source").AsString(); got != "hashicorp/aws" {
				t.Errorf("aws provider source = %q, want hashicorp/aws", got)
			}
			if got := aws.GetAttr("version").AsString(); got == "" {
				t.Error("aws provider has no version constraint")
			}
		})
	}
}

// Terraform's regex functions use Go's RE2, which refuses some patterns other engines
// accept (a repetition count over 1000, look-arounds); a bad one makes can(regex(…))
// false for every input. Every literal pattern must compile.
func TestRegexPatternsCompile(t *testing.T) {
	for _, name := range tfFiles(t, stackDir) {
		if !strings.HasSuffix(name, ".tf") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", name, diags.Error())
		}
		hclsyntax.VisitAll(f.Body.(*hclsyntax.Body), func(n hclsyntax.Node) hcl.Diagnostics {
			call, ok := n.(*hclsyntax.FunctionCallExpr)
			if !ok {
				return nil
			}
			var pattern string
			switch {
			case (call.Name == "regex" || call.Name == "regexall") && len(call.Args) == 2:
				pattern = literalString(call.Args[0])
			case call.Name == "replace" && len(call.Args) == 3:
				// replace treats its second argument as a pattern when it is /…/.
				if s := literalString(call.Args[1]); len(s) > 2 && strings.HasPrefix(s, "/") && strings.HasSuffix(s, "/") {
					pattern = s[1 : len(s)-1]
				}
			}
			if pattern == "" {
				return nil
			}
			if _, err := regexp.Compile(pattern); err != nil {
				t.Errorf("%s: %s(%q) does not compile in Terraform: %v", call.Range(), call.Name, pattern, err)
			}
			return nil
		})
	}
}

// literalString returns the value of a literal string expression, or "".
func literalString(e hclsyntax.Expression) string {
	v, diags := e.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}
