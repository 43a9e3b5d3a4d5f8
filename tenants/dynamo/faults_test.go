package dynamo_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/faults"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// TestWritesUnderFaults sends the Store's conditional writes through the SDK with
// answers lost after the write landed (the SDK then retries a write that already
// happened, whose condition now fails) and with server errors before it landed
// (the retry is the first write): every write is reported as done, applied once,
// and no record is lost — also with 20 concurrent read-modify-write updates.
// TestRetriedWritesSucceed covers the same with a wrapper that sends each write
// twice; this goes through the SDK's real retry path.
func TestWritesUnderFaults(t *testing.T) {
	e := newEnv(t)
	ft := faults.New(nil)
	cfg := ft.Config(awstest.Config(t))
	s := dynamo.NewStore(table.New(isolatedDB{dynamodb.NewFromConfig(cfg), new(sync.Mutex)}, e.table), e.kms, e.key)
	s.Now, s.Password = e.store.Now, e.store.Password
	writes := []string{"PutItem", "UpdateItem", "TransactWriteItems", "DeleteItem"}
	fault := func(k faults.Kind) {
		ft.Clear()
		for _, op := range writes {
			ft.Add(faults.Rule{Service: "dynamodb", Action: op, Kind: k, Times: 1})
		}
	}
	for _, k := range []faults.Kind{faults.LostResponse, faults.ServerError} {
		t.Run(k.String(), func(t *testing.T) {
			before := ft.Injected("dynamodb", "")
			fault(k)
			tn, err := s.CreateTenant(ctx(t), inNewAccount(t, smsTenant()), "")
			if err != nil {
				t.Fatalf("create tenant: %v", err)
			}
			for i := range 5 {
				fault(k)
				tn.Name = fmt.Sprintf("name %d", i)
				if tn, err = s.ReplaceTenant(ctx(t), tn, ""); err != nil || tn.Version != int64(i+2) {
					t.Fatalf("update %d: version %d, %v; want %d", i, tn.Version, err, i+2)
				}
			}
			fault(k)
			email := fmt.Sprintf("faults-%d@example.com", k)
			u, err := s.CreateUser(ctx(t), tenants.User{TenantID: tn.ID, Email: email, Phone: testPhone}, testPassword)
			if err != nil {
				t.Fatalf("create user: %v", err)
			}
			fault(k)
			u.Email = "moved-" + email
			if u, err = s.ReplaceUser(ctx(t), u); err != nil || u.Version != 2 {
				t.Fatalf("update user: version %d, %v", u.Version, err)
			}
			// Nothing lost, nothing doubled: the records read back as written.
			ft.Clear()
			got, err := e.store.GetTenant(ctx(t), tn.ID)
			if err != nil || got.Name != "name 4" || got.Version != 6 {
				t.Errorf("tenant = %q version %d, %v", got.Name, got.Version, err)
			}
			if byMail, err := e.store.UserByEmail(ctx(t), "moved-"+email); err != nil || byMail.ID != u.ID {
				t.Errorf("user by new email: %+v, %v", byMail, err)
			}
			if _, err := e.store.UserByEmail(ctx(t), email); !errors.Is(err, tenants.ErrNotFound) {
				t.Errorf("the old email still finds a user: %v", err)
			}
			users, err := e.store.ListUsers(ctx(t), tn.ID)
			if err != nil || len(users) != 1 {
				t.Errorf("%d users, %v; want 1", len(users), err)
			}
			t.Logf("%s: %d faults injected", k, ft.Injected("dynamodb", "")-before)
		})
	}

	t.Run("ConcurrentUpdates", func(t *testing.T) {
		ft.Clear()
		tn := inNewAccount(t, smsTenant())
		tn.Name = "0"
		tn, err := s.CreateTenant(ctx(t), tn, "")
		if err != nil {
			t.Fatal(err)
		}
		// The first writes lose their answers.
		before := ft.Injected("dynamodb", "")
		ft.Add(faults.Rule{Service: "dynamodb", Action: "PutItem", Kind: faults.LostResponse, Times: 6})
		ft.Add(faults.Rule{Service: "dynamodb", Action: "TransactWriteItems", Kind: faults.LostResponse, Times: 6})
		const n = 20
		var (
			wg               sync.WaitGroup
			mu               sync.Mutex
			reported, failed int // updates reported done; failed with an error other than a conflict
		)
		for range n {
			wg.Go(func() {
				for attempt := 0; ; attempt++ {
					cur, err := s.GetTenant(ctx(t), tn.ID)
					if err != nil {
						t.Error(err)
						return
					}
					c, _ := strconv.Atoi(cur.Name)
					cur.Name = strconv.Itoa(c + 1)
					_, err = s.ReplaceTenant(ctx(t), cur, "")
					if errors.Is(err, tenants.ErrConflict) {
						time.Sleep(rand.N(time.Duration(5<<min(attempt, 6)) * time.Millisecond))
						continue
					}
					mu.Lock()
					if err == nil {
						reported++
					} else {
						// Every attempt of the SDK lost its answer: the outcome is
						// unknown, and the caller was told so.
						failed++
					}
					mu.Unlock()
					return
				}
			})
		}
		wg.Wait()
		got, err := e.store.GetTenant(ctx(t), tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := strconv.Atoi(got.Name)
		t.Logf("%d concurrent updates with %d lost answers: %d reported done, %d failed with the outcome unknown; counter %d, version %d",
			n, ft.Injected("dynamodb", "")-before, reported, failed, c, got.Version)
		// Every update reported done is there, once; one that failed may or may not be.
		if c < reported || c > reported+failed || got.Version != int64(c+1) {
			t.Errorf("counter %d at version %d after %d updates reported done and %d failed: an update was lost or applied twice",
				c, got.Version, reported, failed)
		}
	})
	t.Logf("faults injected: %v", ft.InjectedByService())
}
