package app_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/console"
	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/oauth"
)

// The functions' routes and purposes are literals (see Function): they must be the
// packages' own.
func TestFunctionsRoutesAndPurposesAreThePackagesOwn(t *testing.T) {
	if diff := cmp.Diff(oauth.Routes, app.OAuth.Routes); diff != "" {
		t.Errorf("app.OAuth.Routes differ from oauth.Routes (-oauth +app):\n%s", diff)
	}
	if diff := cmp.Diff(mfa.Routes, app.MFA.Routes); diff != "" {
		t.Errorf("app.MFA.Routes differ from mfa.Routes (-mfa +app):\n%s", diff)
	}
	if diff := cmp.Diff(console.Routes, app.Console.Routes); diff != "" {
		t.Errorf("app.Console.Routes differ from console.Routes (-console +app):\n%s", diff)
	}
	if diff := cmp.Diff([]string{oauth.KeyPurpose}, app.OAuth.KeyPurposes); diff != "" {
		t.Errorf("app.OAuth.KeyPurposes (-oauth +app):\n%s", diff)
	}
	if diff := cmp.Diff([]string{mfa.KeyPurpose}, app.MFA.KeyPurposes); diff != "" {
		t.Errorf("app.MFA.KeyPurposes (-mfa +app):\n%s", diff)
	}
	if diff := cmp.Diff([]string{console.KeyPurpose}, app.Console.KeyPurposes); diff != "" {
		t.Errorf("app.Console.KeyPurposes (-console +app):\n%s", diff)
	}
	if len(app.Skill.Routes) != 0 || len(app.Skill.KeyPurposes) != 0 {
		t.Errorf("the skill serves no HTTP API and makes no MAC key: %+v", app.Skill)
	}
}

func TestFunctionsAreWellFormed(t *testing.T) {
	var names []string
	for _, fn := range app.Functions {
		names = append(names, fn.Name)
		if !slices.IsSorted(fn.IAMActions) || len(slices.Compact(slices.Clone(fn.IAMActions))) != len(fn.IAMActions) {
			t.Errorf("%s: IAMActions %q are not sorted and distinct", fn.Name, fn.IAMActions)
		}
		for _, a := range fn.IAMActions {
			if service, action, ok := strings.Cut(a, ":"); !ok || service == "" || action == "" || strings.Contains(a, "*") {
				t.Errorf("%s: %q is not one service:Action", fn.Name, a)
			}
		}
		if !slices.Contains(fn.Env, app.EnvTable) {
			t.Errorf("%s does not read %s", fn.Name, app.EnvTable)
		}
	}
	if diff := cmp.Diff([]string{"skill", "oauth", "mfa", "console"}, names); diff != "" {
		t.Errorf("app.Functions (-want +got):\n%s", diff)
	}
}
