package layers_test

import (
	"fmt"
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
// non-test files import, by path relative to the module root ("tenants", "internal/table").
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

// TestPackageDirection: the module's own import graph breaks none of the rules of
// directionErrors.
func TestPackageDirection(t *testing.T) {
	for _, e := range directionErrors(imports(t)) {
		t.Error(e)
	}
}

// TestDirectionErrorsCatchWrongImports: each rule of directionErrors fails a graph
// that breaks it, directly or through another package, and passes one that keeps it.
func TestDirectionErrorsCatchWrongImports(t *testing.T) {
	cases := []struct {
		name  string
		graph map[string][]string
	}{
		{"TableImportsDomain", map[string][]string{"internal/table": {"tenants"}}},
		{"TenantsImportsStore", map[string][]string{"tenants": {"tenants/dynamo"}}},
		{"StoreImportsOAuth", map[string][]string{"tenants/dynamo": {"internal/table", "oauth"}}},
		{"MFAReachesStore", map[string][]string{"mfa": {"internal/table"}, "internal/table": {"tenants/dynamo"}}},
		{"OAuthImportsStore", map[string][]string{"oauth": {"tenants/dynamo"}}},
		{"SkillImportsOAuth", map[string][]string{"skill": {"oauth"}}},
		{"LibraryImportsCommand", map[string][]string{"internal/table": {"cmd/oauth"}}},
		{"AlexaImportsDomain", map[string][]string{"alexa": {"tenants"}}},
		{"AccountImportsSkill", map[string][]string{"account": {"skill"}}},
		{"ReplayImportsAlexa", map[string][]string{"internal/replay": {"internal/table", "alexa"}}},
		{"SkillImportsWiring", map[string][]string{"skill": {"internal/app"}}},
		{"DomainReachesWiring", map[string][]string{"mfa": {"internal/app/mfaapp"}}},
		{"WiringImportsCommand", map[string][]string{"internal/app": {"cmd/easytocloud"}}},
		{"InteractionModelImportsSkill", map[string][]string{"interactionmodel": {"skill"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if errs := directionErrors(c.graph); len(errs) == 0 {
				t.Errorf("no error for %v", c.graph)
			}
		})
	}
	good := map[string][]string{
		"tenants/dynamo": {"tenants", "internal/table"}, "mfa": {"tenants", "internal/table"},
		"oauth": {"tenants", "mfa", "internal/table"}, "cmd/oauth": {"oauth", "tenants/dynamo", "internal/table"},
		"internal/app/skillapp": {"internal/app", "skill", "account", "alexa"}, "interactionmodel": {"alexa"},
	}
	if errs := directionErrors(good); len(errs) != 0 {
		t.Errorf("errors for a graph that keeps the rules: %q", errs)
	}
}

// layers are the product's packages by layer, lowest first, as docs/ARCHITECTURE.md
// lists them: a package may import only packages of lower layers (and, inside one
// tree, its own parent, as internal/app/skillapp imports internal/app). A package
// of no layer is test support (internal/awstest, internal/e2e, …) or a tool.
var layers = [][]string{
	{"internal/table", "alexa", "internal/lambdahttp", "internal/webui", "tenants"},
	{"tenants/dynamo", "account", "internal/accesstoken", "internal/replay", "internal/ratelimit"},
	{"mfa"},
	{"oauth", "skill", "interactionmodel", "console"},
	{"internal/app"},
	{"cmd"},
}

// layerOf returns the layer of pkg (its own, or that of the tree it is in), or -1.
func layerOf(pkg string) int {
	best, bestLen := -1, 0
	for i, names := range layers {
		for _, n := range names {
			if within(pkg, n) && len(n) > bestLen {
				best, bestLen = i, len(n)
			}
		}
	}
	return best
}

// directionErrors checks graph against the package direction: each package imports
// only packages of lower layers; internal/table, alexa and tenants reach no project
// package; tenants/dynamo and account only the domain and the table; mfa and
// internal/accesstoken only the domain and the table; internal/replay only the
// table; oauth and skill never reach each other, nor the store (they take
// interfaces; internal/app wires tenants/dynamo in), and skill never
// interactionmodel; no library package imports a command.
func directionErrors(graph map[string][]string) []string {
	var errs []string
	for pkg, deps := range graph {
		l := layerOf(pkg)
		if l < 0 {
			continue
		}
		for _, dep := range deps {
			if d := layerOf(dep); d >= l && !(within(pkg, dep) && pkg != dep) {
				errs = append(errs, fmt.Sprintf("%s (layer %d) imports %s (layer %d); it may import only lower layers", pkg, l, dep, d))
			}
		}
	}
	allowedOnly := map[string][]string{
		"internal/table":       {},
		"tenants":              {},
		"tenants/dynamo":       {"tenants", "internal/table"},
		"alexa":                {},
		"alexa/sigverify":      {},
		"account":              {"tenants", "internal/table"},
		"skill":                {"alexa", "account", "tenants", "mfa", "internal/table", "internal/accesstoken"},
		"internal/accesstoken": {"tenants"},
		"internal/replay":      {"internal/table"},
		"mfa":                  {"tenants", "internal/table"},
	}
	for pkg, allowed := range allowedOnly {
		for _, dep := range reach(graph, pkg) {
			if !slices.Contains(allowed, dep) {
				errs = append(errs, fmt.Sprintf("%s imports %s; it may import only %v", pkg, dep, allowed))
			}
		}
	}
	forbidden := map[string][]string{
		"oauth":   {"skill", "tenants/dynamo", "console"},
		"skill":   {"oauth", "interactionmodel", "tenants/dynamo", "console"},
		"console": {"oauth", "skill", "tenants/dynamo"},
	}
	for pkg := range graph {
		for tree, banned := range forbidden {
			if !within(pkg, tree) {
				continue
			}
			for _, dep := range reach(graph, pkg) {
				for _, b := range banned {
					if within(dep, b) {
						errs = append(errs, fmt.Sprintf("%s imports %s (the package direction: %s never imports %s)", pkg, dep, tree, b))
					}
				}
			}
		}
		if !within(pkg, "cmd") {
			for _, dep := range graph[pkg] {
				if within(dep, "cmd") {
					errs = append(errs, fmt.Sprintf("%s imports the command %s", pkg, dep))
				}
			}
		}
	}
	slices.Sort(errs)
	return errs
}
