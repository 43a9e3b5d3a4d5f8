package tenants_test

import (
	"errors"
	"testing"

	"github.com/easytocloud/easytocloud/tenants"
)

func TestSmoke(t *testing.T) {
	e := newEnv(t)
	tn := mustCreateTenant(t, e.store, tokenTenant(), testSecret)
	got, err := e.store.GetTenant(ctx(t), tn.ID)
	t.Logf("%+v %v", got, err)
	sec, err := e.store.VerifierSecret(ctx(t), got)
	t.Logf("%q %v", sec, err)
	u := mustCreateUser(t, e.store, tn.ID, "Alice@Example.com", testPhone)
	t.Logf("%+v", u)
	a, err := e.store.Authenticate(ctx(t), "alice@example.com", testPassword)
	t.Logf("%+v %v", a, err)
	l, err := e.store.ListUsers(ctx(t), tn.ID)
	t.Logf("%+v %v", l, err)
	ts, err := e.store.ListTenants(ctx(t))
	t.Logf("%+v %v", ts, err)
	err = e.store.DeleteTenant(ctx(t), tn.ID, false)
	t.Logf("%v", err)
	err = e.store.DeleteTenant(ctx(t), tn.ID, true)
	t.Logf("%v", err)
}

func TestSMSTenantNeedsPhone(t *testing.T) {
	e := newEnv(t)
	tn := mustCreateTenant(t, e.store, smsTenant(), "")
	if _, err := e.store.CreateUser(ctx(t), tenants.User{TenantID: tn.ID, Email: "bob@example.com"}, testPassword); !errors.Is(err, tenants.ErrInvalid) {
		t.Fatalf("create user without phone for an SMS tenant: %v, want ErrInvalid", err)
	}
}
