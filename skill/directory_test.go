package skill

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/tenants"
)

// countingDirectory counts the reads that reach a fakeDirectory.
type countingDirectory struct {
	*fakeDirectory
	mu                     sync.Mutex
	tenantReads, userReads int
}

func (c *countingDirectory) GetTenant(ctx context.Context, id string) (tenants.Tenant, error) {
	c.mu.Lock()
	c.tenantReads++
	c.mu.Unlock()
	return c.fakeDirectory.GetTenant(ctx, id)
}

func (c *countingDirectory) GetUser(ctx context.Context, tenantID, userID string) (tenants.User, error) {
	c.mu.Lock()
	c.userReads++
	c.mu.Unlock()
	return c.fakeDirectory.GetUser(ctx, tenantID, userID)
}

func (c *countingDirectory) reads() (tenant, user int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tenantReads, c.userReads
}

// TestTenantCached: a warm request reads the table once (the user); the tenant's
// record is reused for TenantTTL, a removed user is refused at once, and a negative
// TenantTTL reads the tenant on every request.
func TestTenantCached(t *testing.T) {
	h, _, _ := newFakeHandler(t)
	dir := &countingDirectory{fakeDirectory: h.Directory.(*fakeDirectory)}
	h.Directory = dir
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h.Now = func() time.Time { return now }
	d := newDevice(t, h, "good")
	welcome := func() {
		t.Helper()
		if got := speech(d.launch()); !strings.HasPrefix(got, "Welcome") {
			t.Fatalf("speech = %q, want the welcome", got)
		}
	}
	steps := []struct {
		name                   string
		do                     func()
		tenantReads, userReads int
	}{
		{"ColdReadsBoth", welcome, 1, 1},
		{"WarmReadsUserOnly", welcome, 1, 2},
		{"AfterTTLReadsTenantAgain", func() { now = now.Add(DefaultTenantTTL); welcome() }, 2, 3},
		{"RemovedUserRefusedAtOnce", func() {
			delete(dir.users, alice.TenantID+"/"+alice.UserID)
			if got := speech(d.launch()); !strings.Contains(got, "link") {
				t.Errorf("removed user: speech = %q, want the link-account prompt", got)
			}
			dir.users[alice.TenantID+"/"+alice.UserID] = true
		}, 2, 4},
		{"NegativeTTLReadsBoth", func() { h.TenantTTL = -1; welcome() }, 3, 5},
	}
	for _, s := range steps {
		s.do()
		if tr, ur := dir.reads(); tr != s.tenantReads || ur != s.userReads {
			t.Errorf("%s: %d tenant and %d user reads in all, want %d and %d", s.name, tr, ur, s.tenantReads, s.userReads)
		}
	}
}
