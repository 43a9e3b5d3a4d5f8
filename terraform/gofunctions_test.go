package terraform_test

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/internal/app"
)

// The Terraform must match the code: these tests read the code's own lists from the
// exported values of internal/app (each function's variables, IAM actions, Keyring
// purposes and routes) and of the packages they name.

// mustFunction returns internal/app's description of the Lambda function name.
func mustFunction(tb testing.TB, name string) app.Function {
	tb.Helper()
	for _, fn := range app.Functions {
		if fn.Name == name {
			return fn
		}
	}
	tb.Fatalf("internal/app describes no function %q", name)
	return app.Function{}
}

// TestFunctionsAreTheAppFunctions: the functions these tests walk are internal/app's.
func TestFunctionsAreTheAppFunctions(t *testing.T) {
	var names []string
	for _, fn := range app.Functions {
		names = append(names, fn.Name)
	}
	if diff := cmp.Diff(functions, names); diff != "" {
		t.Errorf("app.Functions (-terraform tests +app):\n%s", diff)
	}
}

// sorted returns a sorted copy of s without repeats.
func sorted(s []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(s)))
}

func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// mentions reports whether the non-test Go source in dir contains s.
func mentions(dir, s string) (bool, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return false, err
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
