package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// isolatedDB gives the emulator's writes the isolation DynamoDB has and moto lacks:
// moto evaluates a transaction's conditions without a lock and rolls a cancelled
// transaction back by restoring a copy of the whole table taken when it began, which
// erases what other transactions committed meanwhile. Only writes are serialised;
// reads still interleave freely, so a store that read before writing would still let
// several creates through, and these tests would catch it.
type isolatedDB struct {
	table.DB
	mu *sync.Mutex
}

func (d isolatedDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.DB.TransactWriteItems(ctx, in, opts...)
}

func (d isolatedDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.DB.PutItem(ctx, in, opts...)
}

// isolatedStore is e's store on an isolatedDB.
func isolatedStore(e *env) *dynamo.Store {
	s := dynamo.NewStore(table.New(isolatedDB{e.db, new(sync.Mutex)}, e.table), e.kms, e.key)
	s.Now, s.Password = e.store.Now, e.store.Password
	return s
}

// TestConcurrentCreatesSameEmail: the uniqueness item lets exactly one of 20
// concurrent creates of the same address win, across tenants and letter case.
func TestConcurrentCreatesSameEmail(t *testing.T) {
	e := newEnv(t)
	e.store = isolatedStore(e)
	a := mustCreateTenant(t, e.store, smsTenant(), "")
	b := mustCreateTenant(t, e.store, inNewAccount(t, smsTenant()), "")
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
	e.store = isolatedStore(e)
	tn := smsTenant()
	tn.Name = "0"
	tn = mustCreateTenant(t, e.store, tn, "")
	const n = 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	conflicts := 0
	for range n {
		wg.Go(func() {
			for attempt := 0; ; attempt++ {
				cur, err := e.store.GetTenant(ctx(t), tn.ID)
				if err != nil {
					t.Error(err)
					return
				}
				c, _ := strconv.Atoi(cur.Name)
				cur.Name = strconv.Itoa(c + 1)
				_, err = e.store.ReplaceTenant(ctx(t), cur, "")
				if errors.Is(err, tenants.ErrConflict) {
					mu.Lock()
					conflicts++
					mu.Unlock()
					// Back off exponentially with jitter, as a real caller would.
					time.Sleep(rand.N(time.Duration(5<<min(attempt, 6)) * time.Millisecond))
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
