package terraform_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
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
	value, err := packageVar(dir, name)
	if err != nil {
		return nil, err
	}
	return stringLiterals(dir, name, value)
}

// packageVar returns the value expression of the package-level variable name in the
// package in dir.
func packageVar(dir, name string) (ast.Expr, error) {
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
					if id.Name == name && i < len(vs.Values) {
						return vs.Values[i], nil
					}
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

// muxPattern matches a net/http ServeMux pattern: an optional method, then a path.
var muxPattern = regexp.MustCompile(`^([A-Z]+ )?/[^ ]*$`)

// muxPatterns returns the sorted patterns the package in dir registers: the first
// argument of every Handle or HandleFunc call that is a string literal pattern.
func muxPatterns(dir string) ([]string, error) {
	args, err := literalArgs(dir, 0, func(sel *ast.SelectorExpr) bool {
		return sel.Sel.Name == "Handle" || sel.Sel.Name == "HandleFunc"
	})
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for s := range args {
		if muxPattern.MatchString(s) {
			set[s] = true
		}
	}
	if len(set) == 0 {
		return nil, fmt.Errorf("%s registers no HTTP route (no Handle or HandleFunc with a literal pattern)", dir)
	}
	return sortedKeys(set), nil
}

// slogAttrs are the log/slog functions that make an attribute from a key and a value.
var slogAttrs = map[string]bool{"Any": true, "Bool": true, "Duration": true, "Float64": true, "Group": true,
	"Int": true, "Int64": true, "String": true, "Time": true, "Uint64": true}

// slogKeys returns the attribute keys the package in dir logs with log/slog: the first
// argument of every slog.String, slog.Int, … call that is a string literal.
func slogKeys(dir string) (map[string]bool, error) {
	return literalArgs(dir, 0, func(sel *ast.SelectorExpr) bool {
		x, ok := sel.X.(*ast.Ident)
		return ok && x.Name == "slog" && slogAttrs[sel.Sel.Name]
	})
}

// literalArgs returns the string-literal arguments at index arg of the calls in the
// package in dir whose function is a selector for which match is true.
func literalArgs(dir string, arg int, match func(*ast.SelectorExpr) bool) (map[string]bool, error) {
	files, err := parseGoDir(dir)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) <= arg {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !match(sel) {
				return true
			}
			if lit, ok := call.Args[arg].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					set[s] = true
				}
			}
			return true
		})
	}
	return set, nil
}

// constStrings returns the string constants declared in the package in dir whose name
// contains part (case-insensitively): name → value.
func constStrings(dir, part string) (map[string]string, error) {
	files, err := parseGoDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range files {
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.CONST {
				continue
			}
			for _, spec := range gen.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if i >= len(vs.Values) || !strings.Contains(strings.ToLower(id.Name), strings.ToLower(part)) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					if s, err := strconv.Unquote(lit.Value); err == nil {
						out[id.Name] = s
					}
				}
			}
		}
	}
	return out, nil
}

// mentions reports whether the non-test Go source in dir contains s.
func mentions(dir, s string) (bool, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return false, err
	}
	if len(names) == 0 {
		return false, fmt.Errorf("%s holds no Go source (yet)", dir)
	}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			return false, err
		}
		if strings.Contains(string(b), s) {
			return true, nil
		}
	}
	return false, nil
}

// mapLiteralKeys returns the string keys of the package-level map variable name,
// declared in the package in dir as a composite literal, sorted.
func mapLiteralKeys(dir, name string) ([]string, error) {
	value, err := packageVar(dir, name)
	if err != nil {
		return nil, err
	}
	lit, ok := value.(*ast.CompositeLit)
	if !ok {
		return nil, fmt.Errorf("%s: %s is not a composite literal", dir, name)
	}
	set := map[string]bool{}
	for _, e := range lit.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			return nil, fmt.Errorf("%s: %s is not a map literal", dir, name)
		}
		bl, ok := kv.Key.(*ast.BasicLit)
		if !ok || bl.Kind != token.STRING {
			return nil, fmt.Errorf("%s: a key of %s is not a string literal", dir, name)
		}
		s, err := strconv.Unquote(bl.Value)
		if err != nil {
			return nil, err
		}
		set[s] = true
	}
	return sortedKeys(set), nil
}
