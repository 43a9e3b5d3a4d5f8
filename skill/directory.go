package skill

import (
	"context"
	"sync"
	"time"

	"github.com/easytocloud/easytocloud/tenants"
)

// DefaultTenantTTL is how long a tenant's record, once read, serves later requests
// without being read again.
const DefaultTenantTTL = time.Minute

// tenantEntry is a tenant's record as last read.
type tenantEntry struct {
	tenant tenants.Tenant
	until  time.Time
}

func (h *Handler) tenantTTL() time.Duration {
	if h.TenantTTL < 0 {
		return 0
	}
	return orDefault(h.TenantTTL, DefaultTenantTTL)
}

// lookup reads who is speaking: the user's record on every request, so that a
// removed user loses access at once, and the tenant's record from the cache when it
// was read less than TenantTTL ago, so that a warm request makes one table read.
// When the tenant is not cached both are read at once. The error is the tenant's
// lookup's, else the user's (wrapping tenants.ErrNotFound for a missing record).
func (h *Handler) lookup(ctx context.Context, who tenants.Principal) (tenants.Tenant, error) {
	timeout := h.callTimeout()
	getUser := func() error {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		_, err := h.Directory.GetUser(ctx, who.TenantID, who.UserID)
		return err
	}
	now, ttl := h.now(), h.tenantTTL()
	if ttl > 0 {
		h.mu.Lock()
		e, cached := h.tenantCache[who.TenantID]
		h.mu.Unlock()
		if cached && now.Before(e.until) {
			return e.tenant, getUser()
		}
	}
	var (
		userErr error
		wg      sync.WaitGroup
	)
	wg.Go(func() { userErr = getUser() })
	tctx, cancel := context.WithTimeout(ctx, timeout)
	tenant, err := h.Directory.GetTenant(tctx, who.TenantID)
	cancel()
	wg.Wait()
	if err != nil {
		return tenants.Tenant{}, err
	}
	if ttl > 0 {
		h.mu.Lock()
		if h.tenantCache == nil {
			h.tenantCache = map[string]tenantEntry{}
		}
		for id, old := range h.tenantCache {
			if !now.Before(old.until) {
				delete(h.tenantCache, id)
			}
		}
		h.tenantCache[who.TenantID] = tenantEntry{tenant: tenant, until: now.Add(ttl)}
		h.mu.Unlock()
	}
	return tenant, userErr
}
