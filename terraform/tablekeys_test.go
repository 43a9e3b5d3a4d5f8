package terraform_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/internal/app"
)

// tableGrant is one action a role may call on the items whose partition key starts
// with prefix, in the table (index "") or in an index.
type tableGrant struct{ index, prefix, action string }

func (g tableGrant) String() string {
	if g.index != "" {
		return fmt.Sprintf("%s on index %s, keys %s*", g.action, g.index, g.prefix)
	}
	return fmt.Sprintf("%s on keys %s*", g.action, g.prefix)
}

// tableResource matches the resources of a table statement: the table, or one index.
var tableResource = regexp.MustCompile(`^\[(aws_dynamodb_table\.main\.arn|"\$\{aws_dynamodb_table\.main\.arn\}/index/([a-z0-9]+)")\]$`)

// mustTableGrants returns what the statements of data.aws_iam_policy_document.<name>
// grant in the table, and fails tb for a statement that reaches the table other than
// as app.Function.Table can say: every one Allows only DynamoDB actions, all reads or
// all writes, on the table or one index, under a "ForAllValues:StringLike" condition
// on dynamodb:LeadingKeys whose values are prefixes followed by one * and a Null
// condition requiring the key.
func (m *module) mustTableGrants(tb testing.TB, name string) []tableGrant {
	tb.Helper()
	var out []tableGrant
	for i, s := range m.mustStatements(tb, name) {
		var dynamo, reads int
		for _, a := range s.actions {
			if strings.HasPrefix(a, "dynamodb:") {
				dynamo++
			}
			if app.IsReadAction(a) {
				reads++
			}
		}
		if dynamo == 0 {
			continue
		}
		where := fmt.Sprintf("%s statement %d (%s)", name, i, s.text("sid"))
		if s.effect != "Allow" || dynamo != len(s.actions) {
			tb.Errorf("%s: want an Allow of DynamoDB actions only, got %s %q", where, s.effect, s.actions)
			continue
		}
		if reads != 0 && reads != len(s.actions) {
			tb.Errorf("%s grants reads and writes together (%q): keep read-only actions apart", where, s.actions)
		}
		res := tableResource.FindStringSubmatch(s.resources)
		if res == nil {
			tb.Errorf("%s: resources %s, want [aws_dynamodb_table.main.arn] or one of its indexes", where, s.resources)
			continue
		}
		var prefixes []string
		var present bool
		for _, c := range s.nested("condition") {
			test, variable := c.mustString(tb, "test"), c.mustString(tb, "variable")
			values := mustStrings(tb, c.mustValue(tb, "values", m.localsContext()))
			switch {
			case variable != "dynamodb:LeadingKeys":
				tb.Errorf("%s: a condition on %s; only dynamodb:LeadingKeys is read here", where, variable)
			case test == "ForAllValues:StringLike":
				for _, v := range values {
					p, ok := strings.CutSuffix(v, "*")
					if !ok || p == "" || strings.ContainsAny(p, "*?") {
						tb.Errorf("%s: LeadingKeys value %q is not a key prefix followed by *", where, v)
						continue
					}
					prefixes = append(prefixes, p)
				}
			case test == "Null" && len(values) == 1 && values[0] == "false":
				present = true
			default:
				tb.Errorf("%s: condition %s on dynamodb:LeadingKeys %q", where, test, values)
			}
		}
		if len(prefixes) == 0 {
			tb.Errorf("%s has no ForAllValues:StringLike condition on dynamodb:LeadingKeys: it reaches every item of the table", where)
		}
		if !present {
			tb.Errorf("%s does not require dynamodb:LeadingKeys (Null = false): ForAllValues holds for a request that names no key", where)
		}
		for _, p := range prefixes {
			for _, a := range s.actions {
				out = append(out, tableGrant{index: res[2], prefix: p, action: a})
			}
		}
	}
	return out
}

// TestFunctionsReachOnlyTheirOwnKeys: each function's policy grants, in the table,
// exactly the actions on the key prefixes that app.Functions declares for it (and which
// the tablekeys tests of oauth, mfa, skill and console hold to every key their flows
// reach).
func TestFunctionsReachOnlyTheirOwnKeys(t *testing.T) {
	m := mustLoadModule(t, stackDir)
	for _, fn := range functions {
		t.Run(fn, func(t *testing.T) {
			f := mustFunction(t, fn)
			if len(f.Table) == 0 {
				t.Fatalf("app.Functions declares no table access for cmd/%s", fn)
			}
			var want []string
			for _, a := range f.Table {
				for _, act := range a.Actions {
					want = append(want, tableGrant{index: a.Index, prefix: a.Prefix, action: act}.String())
				}
			}
			var got []string
			for _, g := range m.mustTableGrants(t, fn) {
				got = append(got, g.String())
			}
			if diff := cmp.Diff(sorted(want), sorted(got)); diff != "" {
				t.Errorf("data.aws_iam_policy_document.%s grants other table access than app.Functions declares for cmd/%s (-code +terraform):\n%s", fn, fn, diff)
			}
			if len(got) != len(sorted(got)) {
				t.Errorf("data.aws_iam_policy_document.%s grants some table access twice", fn)
			}
		})
	}
}

// A function's MAC keys (Keyring: pk KEY#<purpose>) are those of the purposes its
// KMS statements let it seal and open (local.mac_key_purposes), and no other's.
func TestMACKeyPrefixesAreTheKeyPolicyPurposes(t *testing.T) {
	m := mustLoadModule(t, stackDir)
	globs, ok := m.locals["mac_key_purposes"]
	if !ok {
		t.Fatal("local.mac_key_purposes is missing or not a literal")
	}
	for it := globs.ElementIterator(); it.Next(); {
		k, _ := it.Element()
		fn := k.AsString()
		want := "KEY#" + strings.TrimSuffix(globs.GetAttr(fn).AsString(), "*")
		var found bool
		for _, a := range mustFunction(t, fn).Table {
			if strings.HasPrefix(a.Prefix, "KEY#") {
				found = true
				if a.Prefix != want {
					t.Errorf("%s reaches MAC keys %s*, want %s* (local.mac_key_purposes)", fn, a.Prefix, want)
				}
			}
		}
		if !found {
			t.Errorf("%s reaches no MAC key", fn)
		}
	}
}
