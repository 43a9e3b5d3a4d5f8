package app_test

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/table"
)

// prefixPattern is a type of item, capitals ending in # (so that "KEY#*" can never
// match another type's keys), or for MAC keys a family of purposes ("KEY#mfa-"); it
// holds no IAM wildcard.
var prefixPattern = regexp.MustCompile(`^([A-Z0-9]+#|KEY#[a-z0-9]+-)$`)

func TestTableAccessIsWellFormed(t *testing.T) {
	for _, fn := range app.Functions {
		t.Run(fn.Name, func(t *testing.T) {
			if len(fn.Table) == 0 {
				t.Fatal("no table access declared")
			}
			actions := map[string]bool{}
			seen := map[string]bool{}
			for i, a := range fn.Table {
				if !prefixPattern.MatchString(a.Prefix) {
					t.Errorf("prefix %q is not a type of item (capitals ending in #) nor a family of MAC keys", a.Prefix)
				}
				if a.Index != "" && a.Index != table.GSIName {
					t.Errorf("%s: the table has no index %q", a.Prefix, a.Index)
				}
				if seen[a.Index+" "+a.Prefix] {
					t.Errorf("%s (index %q) is declared twice", a.Prefix, a.Index)
				}
				seen[a.Index+" "+a.Prefix] = true
				if i > 0 {
					prev := fn.Table[i-1]
					if prev.Index > a.Index || prev.Index == a.Index && prev.Prefix > a.Prefix {
						t.Errorf("Table is not sorted by index, then prefix, at %s", a.Prefix)
					}
				}
				if len(a.Actions) == 0 || !slices.IsSorted(a.Actions) || len(slices.Compact(slices.Clone(a.Actions))) != len(a.Actions) {
					t.Errorf("%s: actions %q are not sorted, distinct and some", a.Prefix, a.Actions)
				}
				for _, act := range a.Actions {
					if !strings.HasPrefix(act, "dynamodb:") {
						t.Errorf("%s: %q is not a DynamoDB action", a.Prefix, act)
					}
					if a.Index != "" && act != "dynamodb:Query" {
						t.Errorf("%s: %s on index %q: an index is only queried", a.Prefix, act, a.Index)
					}
					actions[act] = true
				}
			}
			var want []string
			for _, a := range fn.IAMActions {
				if strings.HasPrefix(a, "dynamodb:") {
					want = append(want, a)
				}
			}
			if diff := cmp.Diff(want, slices.Sorted(maps.Keys(actions))); diff != "" {
				t.Errorf("the actions of Table are not the DynamoDB actions of IAMActions (-IAMActions +Table):\n%s", diff)
			}
		})
	}
}

// The records whose writer decides who may do what: tenants (their role ARN and
// ExternalId), users, e-mail claims and role and account claims are written only by
// the operator's CLI and the console (where tenants manage themselves), never by
// another function; elevations and second-factor state (MFA#) only by the mfa
// function. The internet-facing oauth function reaches neither, and the console
// reaches no elevation but through the mfa API.
func TestOnlyTheirOwnersWriteTheRecordsThatGrantAccess(t *testing.T) {
	writers := map[string][]string{"TENANT#": {"console"}, "EMAIL#": {"console"}, "ROLECLAIM#": {"console"}, "ACCOUNTCLAIM#": {"console"}, "MFA#": {"mfa"}}
	for prefix, want := range writers {
		var got []string
		for _, fn := range app.Functions {
			for _, a := range fn.Table {
				if a.Prefix == prefix && !a.ReadOnly() {
					got = append(got, fn.Name)
				}
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s is written by %q, want only by %q", prefix, got, want)
		}
	}
	for _, fn := range []app.Function{app.OAuth, app.Console} {
		for _, a := range fn.Table {
			if a.Prefix == "MFA#" {
				t.Errorf("the %s function reaches MFA# (%q)", fn.Name, a.Actions)
			}
		}
	}
}

// A function reads and makes its own MAC keys (tenants/dynamo's Keyring keys them
// KEY#<purpose>), and no other function's.
func TestMACKeysAreTheFunctionsOwn(t *testing.T) {
	for _, fn := range app.Functions {
		for _, purpose := range fn.KeyPurposes {
			var found bool
			for _, a := range fn.Table {
				if strings.HasPrefix(a.Prefix, "KEY#") && strings.HasPrefix("KEY#"+purpose, a.Prefix) {
					found = slices.Equal(a.Actions, []string{"dynamodb:GetItem", "dynamodb:PutItem"})
				}
			}
			if !found {
				t.Errorf("%s may not read and make its MAC key KEY#%s", fn.Name, purpose)
			}
		}
		for _, a := range fn.Table {
			if a.Prefix == "KEY#" {
				t.Errorf("%s reaches every function's MAC keys (KEY#)", fn.Name)
			}
		}
	}
}

func TestReadOnly(t *testing.T) {
	if !(app.TableAccess{Actions: []string{"dynamodb:GetItem", "dynamodb:Query"}}).ReadOnly() ||
		(app.TableAccess{Actions: []string{"dynamodb:GetItem", "dynamodb:PutItem"}}).ReadOnly() {
		t.Error("ReadOnly does not tell reads from writes")
	}
}
