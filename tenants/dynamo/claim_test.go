package dynamo_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
)

func roleIn(account, name string) string { return "arn:aws:iam::" + account + ":role/" + name }

// claimHolder returns the tenant ID the claim item pk names, or "" when there is none.
func claimHolder(t *testing.T, e *env, pk string) string {
	t.Helper()
	out, err := e.db.GetItem(ctx(t), &dynamodb.GetItemInput{TableName: aws.String(e.table), Key: table.Key(pk, "#CLAIM"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := out.Item["tenant_id"].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// checkTaken checks that err is ErrAccountTaken in words that do not name the tenant
// holding the account.
func checkTaken(t *testing.T, err error, holder tenants.Tenant) {
	t.Helper()
	if !errors.Is(err, tenants.ErrAccountTaken) {
		t.Fatalf("err = %v, want ErrAccountTaken", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "that AWS account is already connected to another easytocloud tenant") ||
		strings.Contains(msg, holder.ID) || strings.Contains(msg, holder.Name) || strings.Contains(msg, holder.ExternalID) {
		t.Errorf("err = %q; want the plain sentence, naming neither the other tenant nor its ExternalId", msg)
	}
}

// TestClaimsOneTenantPerRoleAndAccount: a second tenant naming a held role, or
// another role in a held account, is refused and nothing of it is written; a tenant
// moving to a held role is refused and unchanged; moving and deleting release claims.
func TestClaimsOneTenantPerRoleAndAccount(t *testing.T) {
	e := newEnv(t)
	acct, other := awstest.NewAccountID(t), awstest.NewAccountID(t)
	holder := smsTenant()
	holder.Name, holder.RoleARN = "Holder Inc", roleIn(acct, "easytocloud")
	holder = mustCreateTenant(t, e.store, holder, "")
	if got := claimHolder(t, e, "ROLECLAIM#"+holder.RoleARN); got != holder.ID {
		t.Errorf("role claim held by %q, want %s", got, holder.ID)
	}
	if got := claimHolder(t, e, "ACCOUNTCLAIM#"+acct); got != holder.ID {
		t.Errorf("account claim held by %q, want %s", got, holder.ID)
	}
	items := len(scan(t, e))

	for name, role := range map[string]string{"SameRole": holder.RoleARN, "SameAccountOtherRole": roleIn(acct, "other")} {
		t.Run(name, func(t *testing.T) {
			tn := smsTenant()
			tn.RoleARN = role
			_, err := e.store.CreateTenant(ctx(t), tn, "")
			checkTaken(t, err, holder)
			if n := len(scan(t, e)); n != items {
				t.Errorf("a refused create wrote: %d items, want %d", n, items)
			}
		})
	}

	mover := smsTenant()
	mover.RoleARN = roleIn(other, "easytocloud")
	mover = mustCreateTenant(t, e.store, mover, "")
	items = len(scan(t, e))
	t.Run("UpdateToHeldRole", func(t *testing.T) {
		in := mover
		in.RoleARN = holder.RoleARN
		_, err := e.store.ReplaceTenant(ctx(t), in, "")
		checkTaken(t, err, holder)
		if got, _ := e.store.GetTenant(ctx(t), mover.ID); got.Version != 1 || got.RoleARN != mover.RoleARN || len(scan(t, e)) != items {
			t.Errorf("a refused update wrote: %+v", got)
		}
		if claimHolder(t, e, "ACCOUNTCLAIM#"+other) != mover.ID {
			t.Error("a refused update released the tenant's own claim")
		}
	})

	t.Run("RoleRenamedInSameAccount", func(t *testing.T) {
		in := holder
		in.RoleARN = roleIn(acct, "renamed")
		moved, err := e.store.ReplaceTenant(ctx(t), in, "")
		if err != nil {
			t.Fatal(err)
		}
		holder = moved
		if claimHolder(t, e, "ROLECLAIM#"+roleIn(acct, "easytocloud")) != "" || claimHolder(t, e, "ROLECLAIM#"+holder.RoleARN) != holder.ID ||
			claimHolder(t, e, "ACCOUNTCLAIM#"+acct) != holder.ID {
			t.Error("renaming the role did not move the role claim and keep the account claim")
		}
	})

	t.Run("MovedAway", func(t *testing.T) {
		third := awstest.NewAccountID(t)
		in := holder
		in.RoleARN = roleIn(third, "easytocloud")
		moved, err := e.store.ReplaceTenant(ctx(t), in, "")
		if err != nil {
			t.Fatal(err)
		}
		holder = moved
		if claimHolder(t, e, "ACCOUNTCLAIM#"+acct) != "" || claimHolder(t, e, "ROLECLAIM#"+roleIn(acct, "renamed")) != "" {
			t.Error("the old account's claims were not released")
		}
		// The released account can be connected again.
		tn := smsTenant()
		tn.RoleARN = roleIn(acct, "easytocloud")
		mustCreateTenant(t, e.store, tn, "")
	})

	t.Run("DeleteReleases", func(t *testing.T) {
		mustCreateUser(t, e.store, holder.ID, "holder@example.com", testPhone)
		if err := e.store.DeleteTenant(ctx(t), holder.ID, true); err != nil {
			t.Fatal(err)
		}
		if claimHolder(t, e, "ACCOUNTCLAIM#"+holder.AccountID()) != "" || claimHolder(t, e, "ROLECLAIM#"+holder.RoleARN) != "" {
			t.Error("delete left the tenant's claims")
		}
		tn := smsTenant()
		tn.RoleARN = holder.RoleARN
		mustCreateTenant(t, e.store, tn, "")
	})
}

// TestClaimsConcurrentCreates: of 20 concurrent creates naming one role (and of 20
// naming different roles in one account) exactly one wins.
func TestClaimsConcurrentCreates(t *testing.T) {
	e := newEnv(t)
	e.store = isolatedStore(e)
	for name, sameRole := range map[string]bool{"SameRole": true, "SameAccount": false} {
		t.Run(name, func(t *testing.T) {
			acct := awstest.NewAccountID(t)
			const n = 20
			created := make([]tenants.Tenant, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					tn := smsTenant()
					tn.RoleARN = roleIn(acct, "easytocloud")
					if !sameRole {
						tn.RoleARN = roleIn(acct, "easytocloud-"+string(rune('a'+i)))
					}
					<-start
					created[i], errs[i] = e.store.CreateTenant(ctx(t), tn, "")
				})
			}
			close(start)
			wg.Wait()
			var winner tenants.Tenant
			ok, taken := 0, 0
			for i, err := range errs {
				switch {
				case err == nil:
					ok++
					winner = created[i]
				case errors.Is(err, tenants.ErrAccountTaken):
					taken++
				default:
					t.Errorf("create %d: %v", i, err)
				}
			}
			t.Logf("%d concurrent creates in one account: %d ok, %d ErrAccountTaken", n, ok, taken)
			if ok != 1 || taken != n-1 {
				t.Fatalf("%d succeeded and %d got ErrAccountTaken; want 1 and %d", ok, taken, n-1)
			}
			if claimHolder(t, e, "ACCOUNTCLAIM#"+acct) != winner.ID || claimHolder(t, e, "ROLECLAIM#"+winner.RoleARN) != winner.ID {
				t.Error("the claims do not name the one tenant created")
			}
			stored := 0
			for _, it := range scan(t, e) {
				if v, _ := it["role_arn"].(*types.AttributeValueMemberS); v != nil && strings.Contains(v.Value, "::"+acct+":") {
					stored++
				}
			}
			if stored != 1 {
				t.Errorf("%d tenants stored in account %s, want 1", stored, acct)
			}
		})
	}
}

// dropClaims deletes tn's claims, as for a tenant stored before claims existed.
func dropClaims(t *testing.T, e *env, tn tenants.Tenant) {
	t.Helper()
	for _, pk := range []string{"ROLECLAIM#" + tn.RoleARN, "ACCOUNTCLAIM#" + tn.AccountID()} {
		if _, err := e.db.DeleteItem(ctx(t), &dynamodb.DeleteItemInput{TableName: aws.String(e.table), Key: table.Key(pk, "#CLAIM")}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestClaimsOfTenantsStoredBefore: a tenant stored without claims gets them from its
// next update; one whose account another tenant took meanwhile is refused there, and
// moving it away leaves the other tenant's claims alone.
func TestClaimsOfTenantsStoredBefore(t *testing.T) {
	e := newEnv(t)
	acct := awstest.NewAccountID(t)
	tn := smsTenant()
	tn.RoleARN = roleIn(acct, "easytocloud")
	old := mustCreateTenant(t, e.store, tn, "")
	dropClaims(t, e, old)

	t.Run("UpdateClaims", func(t *testing.T) {
		in := old
		in.Name = "Renamed"
		updated, err := e.store.ReplaceTenant(ctx(t), in, "")
		if err != nil {
			t.Fatal(err)
		}
		old = updated
		if claimHolder(t, e, "ACCOUNTCLAIM#"+acct) != old.ID || claimHolder(t, e, "ROLECLAIM#"+old.RoleARN) != old.ID {
			t.Error("an update did not claim the role and account")
		}
	})

	t.Run("TakenMeanwhile", func(t *testing.T) {
		dropClaims(t, e, old)
		// With the account unclaimed, another tenant connects it.
		tn := smsTenant()
		tn.RoleARN = old.RoleARN
		newer := mustCreateTenant(t, e.store, tn, "")
		in := old
		in.Name = "Renamed again"
		_, err := e.store.ReplaceTenant(ctx(t), in, "")
		checkTaken(t, err, newer)
		// Moving the older tenant elsewhere releases nothing of the newer one's.
		in.RoleARN = roleIn(awstest.NewAccountID(t), "easytocloud")
		if _, err := e.store.ReplaceTenant(ctx(t), in, ""); err != nil {
			t.Fatal(err)
		}
		if claimHolder(t, e, "ACCOUNTCLAIM#"+acct) != newer.ID || claimHolder(t, e, "ROLECLAIM#"+newer.RoleARN) != newer.ID {
			t.Error("moving a tenant released another tenant's claims")
		}
	})
}
