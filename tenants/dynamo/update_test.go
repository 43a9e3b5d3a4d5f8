package dynamo_test

import (
	"errors"
	"testing"

	"github.com/easytocloud/easytocloud/tenants"
)

// TestUpdateTenantRetries: a tenant changed by someone else between the read and the
// write is read and applied again, keeping the other change; one that keeps changing
// gives ErrConflict after three rounds; apply's error comes back as it is.
func TestUpdateTenantRetries(t *testing.T) {
	e := newEnv(t)
	tn := mustCreateTenant(t, e.store, smsTenant(), "")
	rounds := 0
	got, err := e.store.UpdateTenant(ctx(t), tn.ID, "", func(cur *tenants.Tenant) error {
		rounds++
		if rounds == 1 {
			other := *cur
			other.Regions = []string{"eu-west-1"}
			if _, err := e.store.ReplaceTenant(ctx(t), other, ""); err != nil {
				t.Fatalf("interloper: %v", err)
			}
		}
		cur.Name = "Renamed"
		return nil
	})
	if err != nil || rounds != 2 {
		t.Fatalf("update: %v after %d rounds; want success after 2", err, rounds)
	}
	if got.Name != "Renamed" || len(got.Regions) != 1 || got.Version != 3 {
		t.Errorf("stored %q regions %v version %d; want Renamed, the other change kept, version 3", got.Name, got.Regions, got.Version)
	}
	if stored, _ := e.store.GetTenant(ctx(t), tn.ID); stored.Name != "Renamed" || stored.Version != 3 {
		t.Errorf("read back %q at version %d", stored.Name, stored.Version)
	}

	rounds = 0
	_, err = e.store.UpdateTenant(ctx(t), tn.ID, "", func(cur *tenants.Tenant) error {
		rounds++
		other := *cur
		if _, err := e.store.ReplaceTenant(ctx(t), other, ""); err != nil {
			t.Fatalf("interloper: %v", err)
		}
		cur.Name = "Never"
		return nil
	})
	if !errors.Is(err, tenants.ErrConflict) || rounds != 3 {
		t.Errorf("always contended: %v after %d rounds; want ErrConflict after 3", err, rounds)
	}

	mine := errors.New("bad flag")
	if _, err := e.store.UpdateTenant(ctx(t), tn.ID, "", func(*tenants.Tenant) error { return mine }); err != mine {
		t.Errorf("apply's error came back as %v", err)
	}
	if _, err := e.store.UpdateTenant(ctx(t), "t-missing", "", func(*tenants.Tenant) error { return nil }); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("missing tenant: %v, want ErrNotFound", err)
	}
}

// TestUpdateUserRetries: as for tenants, for a user's phone and email.
func TestUpdateUserRetries(t *testing.T) {
	e := newEnv(t)
	tn := mustCreateTenant(t, e.store, smsTenant(), "")
	u := mustCreateUser(t, e.store, tn.ID, "alice@example.com", testPhone)
	rounds := 0
	got, err := e.store.UpdateUser(ctx(t), tn.ID, u.ID, func(cur *tenants.User) error {
		rounds++
		if rounds == 1 {
			other := *cur
			other.Email = "alice@example.org"
			if _, err := e.store.ReplaceUser(ctx(t), other); err != nil {
				t.Fatalf("interloper: %v", err)
			}
		}
		cur.Phone = "+31687654321"
		return nil
	})
	if err != nil || rounds != 2 {
		t.Fatalf("update: %v after %d rounds; want success after 2", err, rounds)
	}
	if got.Phone != "+31687654321" || got.Email != "alice@example.org" || got.Version != 3 {
		t.Errorf("stored %s %s version %d; want the new phone, the other change kept, version 3", got.Email, got.Phone, got.Version)
	}

	rounds = 0
	_, err = e.store.UpdateUser(ctx(t), tn.ID, u.ID, func(cur *tenants.User) error {
		rounds++
		if _, err := e.store.ReplaceUser(ctx(t), *cur); err != nil {
			t.Fatalf("interloper: %v", err)
		}
		return nil
	})
	if !errors.Is(err, tenants.ErrConflict) || rounds != 3 {
		t.Errorf("always contended: %v after %d rounds; want ErrConflict after 3", err, rounds)
	}
	if _, err := e.store.UpdateUser(ctx(t), tn.ID, "u-missing", func(*tenants.User) error { return nil }); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("missing user: %v, want ErrNotFound", err)
	}
}

// TestUpdateUserRole: a user's role changes through UpdateUser (an admin of the
// console making someone an admin or a member); an invalid one is refused.
func TestUpdateUserRole(t *testing.T) {
	e := newEnv(t)
	tn := mustCreateTenant(t, e.store, smsTenant(), "")
	u := mustCreateUser(t, e.store, tn.ID, "alice@example.com", testPhone)
	got, err := e.store.UpdateUser(ctx(t), tn.ID, u.ID, func(cur *tenants.User) error {
		cur.Role = tenants.RoleAdmin
		return nil
	})
	if err != nil || got.Role != tenants.RoleAdmin {
		t.Fatalf("make admin: %v, role %q", err, got.Role)
	}
	if read, _ := e.store.GetUser(ctx(t), tn.ID, u.ID); read.Role != tenants.RoleAdmin {
		t.Errorf("stored role %q, want admin", read.Role)
	}
	if _, err := e.store.UpdateUser(ctx(t), tn.ID, u.ID, func(cur *tenants.User) error {
		cur.Role = "owner"
		return nil
	}); !errors.Is(err, tenants.ErrInvalid) {
		t.Errorf("role owner: %v, want ErrInvalid", err)
	}
	if read, _ := e.store.GetUser(ctx(t), tn.ID, u.ID); read.Role != tenants.RoleAdmin {
		t.Errorf("after a refused change: role %q, want admin", read.Role)
	}
}
