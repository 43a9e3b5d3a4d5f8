package layers_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/easytocloud/easytocloud/"

// imports returns, for every package of the module, the project packages its
// non-test files import, by path relative to the module root ("tenants", "internal/ddb").
func imports(t *testing.T) map[string][]string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	graph := map[string][]string{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "build") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		if _, ok := graph[rel]; !ok {
			graph[rel] = nil
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if dep, ok := strings.CutPrefix(p, module); ok && !slices.Contains(graph[rel], dep) {
				graph[rel] = append(graph[rel], dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "tenants")); err != nil || len(graph) < 5 {
		t.Fatalf("did not find the module's packages under %s (%d found)", root, len(graph))
	}
	return graph
}

// reach returns every project package pkg imports, directly or not.
func reach(graph map[string][]string, pkg string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		for _, d := range graph[p] {
			if !seen[d] {
				seen[d] = true
				walk(d)
			}
		}
	}
	walk(pkg)
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

func within(pkg, tree string) bool { return pkg == tree || strings.HasPrefix(pkg, tree+"/") }

// TestPackageDirection: tenants and the Alexa wire protocol (alexa, alexa/sigverify)
// reach no project package; account reaches only tenants and internal/table; mfa,
// internal/accesstoken and internal/ddb reach only tenants (and ddb); skill reaches
// only alexa, account, tenants, mfa and what they reach (and internal/accesstoken,
// whose error says the token keys are unavailable); oauth never reaches skill, nor
// skill oauth or interactionmodel; no library package reaches a command.
func TestPackageDirection(t *testing.T) {
	graph := imports(t)
	allowedOnly := map[string][]string{
		"tenants":              {},
		"alexa":                {},
		"alexa/sigverify":      {},
		"account":              {"tenants", "internal/table"},
		"skill":                {"alexa", "account", "tenants", "mfa", "internal/table", "internal/ddb", "internal/accesstoken"},
		"internal/ddb":         {"tenants"},
		"internal/accesstoken": {"tenants"},
		"mfa":                  {"tenants", "internal/ddb"},
	}
	for pkg, allowed := range allowedOnly {
		for _, dep := range reach(graph, pkg) {
			if !slices.Contains(allowed, dep) {
				t.Errorf("%s imports %s; it may import only %v", pkg, dep, allowed)
			}
		}
	}
	forbidden := map[string][]string{
		"oauth": {"skill"},
		"skill": {"oauth", "interactionmodel"},
	}
	for pkg := range graph {
		for tree, banned := range forbidden {
			if !within(pkg, tree) {
				continue
			}
			for _, dep := range reach(graph, pkg) {
				for _, b := range banned {
					if within(dep, b) {
						t.Errorf("%s imports %s (DESIGN.md: %s and %s never import each other)", pkg, dep, tree, b)
					}
				}
			}
		}
		if !within(pkg, "cmd") {
			for _, dep := range graph[pkg] {
				if within(dep, "cmd") {
					t.Errorf("%s imports the command %s", pkg, dep)
				}
			}
		}
	}
}
