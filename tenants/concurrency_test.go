package tenants_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/tenants"
)

// TestConcurrentCreatesSameEmail: the uniqueness item lets exactly one of 20
// concurrent creates of the same address win, across tenants and letter case.
func TestConcurrentCreatesSameEmail(t *testing.T) {
	e := newEnv(t)
	a := mustCreateTenant(t, e.store, smsTenant(), "")
	b := mustCreateTenant(t, e.store, smsTenant(), "")
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			tenant, email := a.ID, "dup@example.com"
			if i%2 == 1 {
				tenant, email = b.ID, "Dup@Example.com"
			}
			_, errs[i] = e.store.CreateUser(ctx(t), tenants.User{TenantID: tenant, Email: email, Phone: testPhone}, testPassword)
		})
	}
	close(start)
	wg.Wait()
	ok, taken := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, tenants.ErrEmailTaken):
			taken++
		default:
			t.Errorf("create %d: %v", i, err)
		}
	}
	t.Logf("%d creates of one address: %d ok, %d ErrEmailTaken", n, ok, taken)
	if ok != 1 || taken != n-1 {
		t.Fatalf("%d succeeded and %d got ErrEmailTaken; want 1 and %d", ok, taken, n-1)
	}
	var users int
	for _, id := range []string{a.ID, b.ID} {
		us, err := e.store.ListUsers(ctx(t), id)
		if err != nil {
			t.Fatal(err)
		}
		users += len(us)
	}
	if users != 1 {
		t.Errorf("%d users stored, want 1", users)
	}
}

// TestConcurrentUpdatesLoseNothing: 50 read-modify-write updates of one tenant,
// each retried on ErrConflict, all land.
func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	e := newEnv(t)
	tn := smsTenant()
	tn.Name = "0"
	tn = mustCreateTenant(t, e.store, tn, "")
	const n = 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	conflicts := 0
	for range n {
		wg.Go(func() {
			for {
				cur, err := e.store.GetTenant(ctx(t), tn.ID)
				if err != nil {
					t.Error(err)
					return
				}
				c, _ := strconv.Atoi(cur.Name)
				cur.Name = strconv.Itoa(c + 1)
				_, err = e.store.UpdateTenant(ctx(t), cur, "")
				if errors.Is(err, tenants.ErrConflict) {
					mu.Lock()
					conflicts++
					mu.Unlock()
					time.Sleep(rand.N(20 * time.Millisecond)) // back off, as a real caller would
					continue
				}
				if err != nil {
					t.Error(err)
				}
				return
			}
		})
	}
	wg.Wait()
	got, err := e.store.GetTenant(ctx(t), tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d concurrent updates: counter %s, version %d, %d conflicts retried", n, got.Name, got.Version, conflicts)
	if got.Name != fmt.Sprint(n) || got.Version != n+1 {
		t.Fatalf("counter = %s at version %d, want %d at version %d", got.Name, got.Version, n, n+1)
	}
}
