package terraform_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The Terraform must match the code, so these read the code's own lists from source
// (not by importing the packages, which keeps this test independent of them compiling).

// envVarName matches an environment variable the functions read.
var envVarName = regexp.MustCompile(`^EASYTOCLOUD_[A-Z0-9_]+$`)

// parseGoDir parses the non-test .go files in dir. It fails when dir holds none.
func parseGoDir(dir string) ([]*ast.File, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s holds no Go source (yet): the Terraform cannot be checked against it", dir)
	}
	return files, nil
}

// envVars returns the sorted set of "EASYTOCLOUD_..." string literals in the package in dir.
func envVars(dir string) ([]string, error) {
	files, err := parseGoDir(dir)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if s, err := strconv.Unquote(lit.Value); err == nil && envVarName.MatchString(s) {
				set[s] = true
			}
			return true
		})
	}
	if len(set) == 0 {
		return nil, fmt.Errorf("%s names no EASYTOCLOUD_ environment variable", dir)
	}
	return sortedKeys(set), nil
}

// stringSliceVar returns the elements of the package-level variable name, declared in the
// package in dir as a []string composite literal of string literals, sorted.
func stringSliceVar(dir, name string) ([]string, error) {
	files, err := parseGoDir(dir)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.VAR {
				continue
			}
			for _, spec := range gen.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if id.Name != name || i >= len(vs.Values) {
						continue
					}
					return stringLiterals(dir, name, vs.Values[i])
				}
			}
		}
	}
	return nil, fmt.Errorf("%s declares no variable %s", dir, name)
}

func stringLiterals(dir, name string, expr ast.Expr) ([]string, error) {
	lit, ok := expr.(*ast.CompositeLit)
	if !ok {
		return nil, fmt.Errorf("%s: %s is not a composite literal", dir, name)
	}
	if arr, ok := lit.Type.(*ast.ArrayType); !ok || arr.Len != nil || fmt.Sprint(arr.Elt) != "string" {
		return nil, fmt.Errorf("%s: %s is not a []string literal", dir, name)
	}
	set := map[string]bool{}
	for _, e := range lit.Elts {
		bl, ok := e.(*ast.BasicLit)
		if !ok || bl.Kind != token.STRING {
			return nil, fmt.Errorf("%s: an element of %s is not a string literal", dir, name)
		}
		s, err := strconv.Unquote(bl.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", dir, name, err)
		}
		set[s] = true
	}
	if len(set) == 0 {
		return nil, fmt.Errorf("%s: %s is empty", dir, name)
	}
	return sortedKeys(set), nil
}

func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
