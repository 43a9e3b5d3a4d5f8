package dynamo_test

import (
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/tenants"
)

func TestUserRoundTrip(t *testing.T) {
	e := newEnv(t)
	tn := mustCreateTenant(t, e.store, tokenTenant(), testSecret)
	alice := mustCreateUser(t, e.store, tn.ID, " Alice@Example.com ", testPhone)
	bob := mustCreateUser(t, e.store, tn.ID, "bob@example.com", "") // token tenant: phone optional

	want := tenants.User{ID: alice.ID, TenantID: tn.ID, Email: "Alice@Example.com", Phone: testPhone,
		PasswordHash: alice.PasswordHash, Version: 1, CreatedAt: fixedNow, UpdatedAt: fixedNow}
	if diff := cmp.Diff(want, alice); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(string(alice.PasswordHash), "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("password hash is not argon2id in PHC form with the store's parameters")
	}
	got, err := e.store.GetUser(ctx(t), tn.ID, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(alice, got); diff != "" {
		t.Errorf("GetUser (-created +read):\n%s", diff)
	}
	for _, email := range []string{"alice@example.com", "ALICE@EXAMPLE.COM", " Alice@Example.com"} {
		if got, err := e.store.UserByEmail(ctx(t), email); err != nil || got.ID != alice.ID {
			t.Errorf("UserByEmail(%q) = %s, %v; want alice", email, got.ID, err)
		}
	}
	list, err := e.store.ListUsers(ctx(t), tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantList := []tenants.User{alice, bob}
	sort.Slice(wantList, func(i, j int) bool { return wantList[i].ID < wantList[j].ID })
	if diff := cmp.Diff(wantList, list); diff != "" {
		t.Errorf("ListUsers (-want +got):\n%s", diff)
	}

	later := fixedNow.Add(time.Minute)
	e.store.Now = func() time.Time { return later }
	upd := alice
	upd.Email, upd.Phone = "alice@new.example.org", "+4915112345678"
	updated, err := e.store.ReplaceUser(ctx(t), upd)
	if err != nil {
		t.Fatal(err)
	}
	wantUpd := upd
	wantUpd.Version, wantUpd.UpdatedAt = 2, later
	if diff := cmp.Diff(wantUpd, updated); diff != "" {
		t.Errorf("UpdateUser (-want +got):\n%s", diff)
	}
	if _, err := e.store.UserByEmail(ctx(t), "alice@example.com"); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("old address still finds the user: %v", err)
	}
	if got, err := e.store.UserByEmail(ctx(t), "alice@new.example.org"); err != nil || got.ID != alice.ID {
		t.Errorf("new address: %s, %v", got.ID, err)
	}
	// The old address is free, the new one taken.
	mustCreateUser(t, e.store, tn.ID, "alice@example.com", "")
	if _, err := e.store.CreateUser(ctx(t), tenants.User{TenantID: tn.ID, Email: "Alice@New.Example.org"}, testPassword); !errors.Is(err, tenants.ErrEmailTaken) {
		t.Errorf("create with the moved address: %v, want ErrEmailTaken", err)
	}
	// Taking someone else's address is refused and changes nothing.
	steal := bob
	steal.Email = "ALICE@new.example.org"
	if _, err := e.store.ReplaceUser(ctx(t), steal); !errors.Is(err, tenants.ErrEmailTaken) {
		t.Errorf("update to a taken address: %v, want ErrEmailTaken", err)
	}
	if got, _ := e.store.GetUser(ctx(t), tn.ID, bob.ID); got.Email != "bob@example.com" || got.Version != 1 {
		t.Errorf("refused update changed bob: %+v", got)
	}
	// Case-only change keeps the reservation.
	caseOnly := bob
	caseOnly.Email = "Bob@Example.com"
	if _, err := e.store.ReplaceUser(ctx(t), caseOnly); err != nil {
		t.Errorf("case-only email change: %v", err)
	}

	if err := e.store.DeleteUser(ctx(t), tn.ID, alice.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.GetUser(ctx(t), tn.ID, alice.ID); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("deleted user: %v, want ErrNotFound", err)
	}
	if n := countItems(t, e, "EMAIL#alice@new.example.org"); n != 0 {
		t.Error("deleted user's email reservation is left")
	}
	if err := e.store.DeleteUser(ctx(t), tn.ID, alice.ID); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("delete again: %v, want ErrNotFound", err)
	}
}

func TestUserNotFound(t *testing.T) {
	e := newEnv(t)
	tn := mustCreateTenant(t, e.store, smsTenant(), "")
	missing := "u-aaaaaaaaaaaaaaaa"
	checks := map[string]error{
		"GetUser":         errOnly(e.store.GetUser(ctx(t), tn.ID, missing)),
		"GetUserBadID":    errOnly(e.store.GetUser(ctx(t), tn.ID, "x#y")),
		"UserByEmail":     errOnly(e.store.UserByEmail(ctx(t), "nobody@example.com")),
		"ListUsers":       errOnly(e.store.ListUsers(ctx(t), "t-aaaaaaaaaaaaaaaa")),
		"CreateUser":      errOnly(e.store.CreateUser(ctx(t), tenants.User{TenantID: "t-aaaaaaaaaaaaaaaa", Email: "x@example.com", Phone: testPhone}, testPassword)),
		"UpdateUser":      errOnly(e.store.ReplaceUser(ctx(t), tenants.User{ID: missing, TenantID: tn.ID, Email: "x@example.com", Phone: testPhone})),
		"SetPassword":     e.store.SetPassword(ctx(t), tn.ID, missing, testPassword),
		"DeleteUser":      e.store.DeleteUser(ctx(t), tn.ID, missing),
		"DeleteTenantBad": e.store.DeleteTenant(ctx(t), "t-aaaaaaaaaaaaaaaa", true),
	}
	for name, err := range checks {
		if !errors.Is(err, tenants.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
	if n := len(scan(t, e)); n != 3 {
		t.Errorf("%d items in the table, want only the tenant and its two claims", n)
	}
	if users, err := e.store.ListUsers(ctx(t), tn.ID); err != nil || users == nil || len(users) != 0 {
		t.Errorf("ListUsers of a tenant without users = %#v, %v; want an empty list", users, err)
	}
}

func errOnly[T any](_ T, err error) error { return err }

func TestUpdateUserConflict(t *testing.T) {
	e := newEnv(t)
	tn := mustCreateTenant(t, e.store, smsTenant(), "")
	u := mustCreateUser(t, e.store, tn.ID, "carol@example.com", testPhone)
	first := u
	first.Phone = "+4915112345678"
	if _, err := e.store.ReplaceUser(ctx(t), first); err != nil {
		t.Fatal(err)
	}
	second := u
	second.Email = "carol2@example.com"
	if _, err := e.store.ReplaceUser(ctx(t), second); !errors.Is(err, tenants.ErrConflict) {
		t.Fatalf("stale update: %v, want ErrConflict", err)
	}
	if n := countItems(t, e, "EMAIL#carol2@example.com"); n != 0 {
		t.Error("stale update reserved its address")
	}
	// SetPassword bumps the version, so an update read before it conflicts too.
	cur, _ := e.store.GetUser(ctx(t), tn.ID, u.ID)
	if err := e.store.SetPassword(ctx(t), tn.ID, u.ID, otherPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.ReplaceUser(ctx(t), cur); !errors.Is(err, tenants.ErrConflict) {
		t.Errorf("update read before SetPassword: %v, want ErrConflict", err)
	}
}

func TestAuthenticate(t *testing.T) {
	e := newEnv(t)
	tn := mustCreateTenant(t, e.store, smsTenant(), "")
	u := mustCreateUser(t, e.store, tn.ID, "dave@example.com", testPhone)

	got, err := e.store.Authenticate(ctx(t), "DAVE@example.com", testPassword)
	if err != nil || got.ID != u.ID {
		t.Fatalf("Authenticate = %s, %v; want dave", got.ID, err)
	}
	for _, c := range []struct{ name, email, password string }{
		{"WrongPassword", "dave@example.com", otherPassword},
		{"PasswordCase", "dave@example.com", strings.ToUpper(testPassword)},
		{"EmptyPassword", "dave@example.com", ""},
		{"UnknownEmail", "nobody@example.com", testPassword},
		{"MalformedEmail", "not an email", testPassword},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.store.Authenticate(ctx(t), c.email, c.password)
			if !errors.Is(err, tenants.ErrInvalidCredentials) {
				t.Errorf("Authenticate: %v, want ErrInvalidCredentials", err)
			}
		})
	}

	if err := e.store.SetPassword(ctx(t), tn.ID, u.ID, otherPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Authenticate(ctx(t), "dave@example.com", testPassword); !errors.Is(err, tenants.ErrInvalidCredentials) {
		t.Errorf("old password after SetPassword: %v", err)
	}
	after, err := e.store.Authenticate(ctx(t), "dave@example.com", otherPassword)
	if err != nil {
		t.Fatalf("new password: %v", err)
	}
	if after.Version != 2 || !after.UpdatedAt.Equal(fixedNow) {
		t.Errorf("after SetPassword: version %d updated %s; want 2 at %s", after.Version, after.UpdatedAt, fixedNow)
	}
	// Parameters are read from the stored hash: a store with other parameters still
	// checks old hashes.
	e.store.Password = tenants.PasswordParams{Memory: 2048, Time: 2, Threads: 1}
	if _, err := e.store.Authenticate(ctx(t), "dave@example.com", otherPassword); err != nil {
		t.Errorf("after changing the parameters: %v", err)
	}
}

// TestAuthenticateTiming: an unknown address costs a password hash too, so that
// the time does not tell which addresses exist. With a hash of a few tens of
// milliseconds dominating, the medians must be close.
func TestAuthenticateTiming(t *testing.T) {
	e := newEnv(t)
	e.store.Password = tenants.PasswordParams{Memory: 16 * 1024, Time: 2, Threads: 1}
	tn := mustCreateTenant(t, e.store, smsTenant(), "")
	mustCreateUser(t, e.store, tn.ID, "erin@example.com", testPhone)
	// Known and unknown addresses alternate, so that load from other tests slows
	// both alike.
	var known, unknown []time.Duration
	for i := range 19 {
		email, into := "nobody@example.com", &unknown
		if i%2 == 1 {
			email, into = "erin@example.com", &known
		}
		start := time.Now()
		if _, err := e.store.Authenticate(ctx(t), email, otherPassword); !errors.Is(err, tenants.ErrInvalidCredentials) {
			t.Fatalf("Authenticate(%s): %v", email, err)
		}
		if i > 0 { // the first builds the dummy hash
			*into = append(*into, time.Since(start))
		}
	}
	median := func(ds []time.Duration) time.Duration { slices.Sort(ds); return ds[len(ds)/2] }
	k, u := median(known), median(unknown)
	t.Logf("median Authenticate: known user %s, unknown user %s", k, u)
	// Without the dummy hash an unknown address costs two reads, a tenth of a hash.
	if u < k/2 || u > k*2 {
		t.Errorf("unknown user takes %s, known %s: the difference tells which addresses exist", u, k)
	}
}
