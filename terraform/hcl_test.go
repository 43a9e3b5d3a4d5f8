package terraform_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// The two modules, relative to this package's directory.
const (
	stackDir  = "."
	tenantDir = "tenant"
	repoRoot  = ".."
)

// module is one Terraform module, parsed without Terraform: its top-level blocks and the
// source of each file, so expressions can be read back as written.
type module struct {
	dir    string
	blocks []*block
	locals map[string]cty.Value // locals whose value is a literal
}

// block is a top-level or nested block with the file it came from.
type block struct {
	*hclsyntax.Block
	src []byte
}

// mustLoadModule parses every .tf file in dir.
func mustLoadModule(tb testing.TB, dir string) *module {
	tb.Helper()
	m, err := loadModule(dir, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// loadModule parses every .tf file in dir, passing each file's source through edit
// when edit is not nil (tests that change a module to see their checks fail).
func loadModule(dir string, edit func(name string, src []byte) []byte) (*module, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no .tf files in %s (err %v)", dir, err)
	}
	m := &module{dir: dir, locals: map[string]cty.Value{}}
	p := hclparse.NewParser()
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		if edit != nil {
			src = edit(name, src)
		}
		f, diags := p.ParseHCL(src, name)
		if diags.HasErrors() {
			return nil, fmt.Errorf("parse %s: %s", name, diags.Error())
		}
		for _, b := range f.Body.(*hclsyntax.Body).Blocks {
			m.blocks = append(m.blocks, &block{Block: b, src: f.Bytes})
		}
	}
	for _, b := range m.find("locals") {
		for name, attr := range b.Body.Attributes {
			if v, diags := attr.Expr.Value(nil); !diags.HasErrors() {
				m.locals[name] = v
			}
		}
	}
	return m, nil
}

// find returns the top-level blocks of type typ whose labels start with labels.
func (m *module) find(typ string, labels ...string) []*block {
	var out []*block
	for _, b := range m.blocks {
		if b.Type == typ && hasPrefix(b.Labels, labels) {
			out = append(out, b)
		}
	}
	return out
}

// mustFind returns the one top-level block of type typ with exactly labels.
func (m *module) mustFind(tb testing.TB, typ string, labels ...string) *block {
	tb.Helper()
	var found []*block
	for _, b := range m.find(typ, labels...) {
		if len(b.Labels) == len(labels) {
			found = append(found, b)
		}
	}
	if len(found) != 1 {
		tb.Fatalf("%s: want one %s %q block, found %d", m.dir, typ, labels, len(found))
	}
	return found[0]
}

// mustLocal returns the locals block that defines name.
func (m *module) mustLocal(tb testing.TB, name string) *block {
	tb.Helper()
	for _, b := range m.find("locals") {
		if b.attr(name) != nil {
			return b
		}
	}
	tb.Fatalf("%s: no local %s", m.dir, name)
	return nil
}

func hasPrefix(labels, prefix []string) bool {
	if len(labels) < len(prefix) {
		return false
	}
	for i, l := range prefix {
		if labels[i] != l {
			return false
		}
	}
	return true
}

// nested returns b's nested blocks of type typ, including the content of
// `dynamic "typ"` blocks (with the dynamic block alongside, for its for_each).
func (b *block) nested(typ string) []*block {
	var out []*block
	for _, n := range b.Body.Blocks {
		switch {
		case n.Type == typ:
			out = append(out, &block{Block: n, src: b.src})
		case n.Type == "dynamic" && len(n.Labels) == 1 && n.Labels[0] == typ:
			for _, c := range n.Body.Blocks {
				if c.Type == "content" {
					out = append(out, &block{Block: c, src: b.src})
				}
			}
		}
	}
	return out
}

// dynamic returns b's `dynamic "typ"` blocks.
func (b *block) dynamic(typ string) []*block {
	var out []*block
	for _, n := range b.Body.Blocks {
		if n.Type == "dynamic" && len(n.Labels) == 1 && n.Labels[0] == typ {
			out = append(out, &block{Block: n, src: b.src})
		}
	}
	return out
}

// attr returns b's attribute name, or nil.
func (b *block) attr(name string) *hclsyntax.Attribute {
	return b.Body.Attributes[name]
}

// text returns the source of attribute name as written ("" when absent).
func (b *block) text(name string) string {
	a := b.attr(name)
	if a == nil {
		return ""
	}
	return string(a.Expr.Range().SliceBytes(b.src))
}

// source returns the whole block as written.
func (b *block) source() string {
	return string(b.Range().SliceBytes(b.src))
}

// mustValue evaluates attribute name of b in ctx.
func (b *block) mustValue(tb testing.TB, name string, ctx *hcl.EvalContext) cty.Value {
	tb.Helper()
	a := b.attr(name)
	if a == nil {
		tb.Fatalf("%s %q: no attribute %s", b.Type, b.Labels, name)
	}
	v, diags := a.Expr.Value(ctx)
	if diags.HasErrors() {
		tb.Fatalf("%s %q: evaluate %s: %s", b.Type, b.Labels, name, diags.Error())
	}
	return v
}

// mustString evaluates attribute name as a literal string.
func (b *block) mustString(tb testing.TB, name string) string {
	tb.Helper()
	v := b.mustValue(tb, name, nil)
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		tb.Fatalf("%s %q: %s is not a literal string", b.Type, b.Labels, name)
	}
	return v.AsString()
}

// localsContext is an evaluation context holding m's literal locals.
func (m *module) localsContext() *hcl.EvalContext {
	return &hcl.EvalContext{Variables: map[string]cty.Value{"local": cty.ObjectVal(m.locals)}}
}

// strings converts a list, set or tuple of strings to a sorted Go slice.
func mustStrings(tb testing.TB, v cty.Value) []string {
	tb.Helper()
	if v.IsNull() || !v.IsKnown() || !(v.Type().IsListType() || v.Type().IsSetType() || v.Type().IsTupleType()) {
		tb.Fatalf("want a list of strings, got %#v", v)
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.Type() != cty.String || e.IsNull() || !e.IsKnown() {
			tb.Fatalf("want a list of strings, got element %#v", e)
		}
		out = append(out, e.AsString())
	}
	sort.Strings(out)
	return out
}

// objectKeys returns the keys of an object constructor expression, sorted.
func mustObjectKeys(tb testing.TB, expr hclsyntax.Expression) []string {
	tb.Helper()
	obj, ok := expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		tb.Fatalf("want an object constructor { ... }, got %T", expr)
	}
	var keys []string
	for _, item := range obj.Items {
		key := hcl.ExprAsKeyword(item.KeyExpr)
		if key == "" {
			v, diags := item.KeyExpr.Value(nil)
			if diags.HasErrors() || v.Type() != cty.String {
				tb.Fatalf("object key at %s is not a literal name", item.KeyExpr.Range())
			}
			key = v.AsString()
		}
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

// tfFiles lists every .tf, .tfvars and .hcl (linter configuration) file under dir.
func tfFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != dir {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, ".tf") || strings.HasSuffix(path, ".tfvars") || strings.HasSuffix(path, ".hcl") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return files
}

// check is one attribute as written and what it should be.
type check struct{ what, got, want string }

// expect reports each check whose attribute is not as it should be, prefixed with where.
func expect(tb testing.TB, where string, checks []check) {
	tb.Helper()
	for _, c := range checks {
		if c.got != c.want {
			tb.Errorf("%s%s = %s, want %s", where, c.what, c.got, c.want)
		}
	}
}

// mustListed returns list (what app.Functions lists of cmd/fn) sorted, and fails when
// it is empty: a check against nothing would hold whatever the Terraform says.
func mustListed(tb testing.TB, list []string, what, fn string) []string {
	tb.Helper()
	if len(list) == 0 {
		tb.Fatalf("app.Functions lists no %s of cmd/%s", what, fn)
	}
	return sorted(list)
}
