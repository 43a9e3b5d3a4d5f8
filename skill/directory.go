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

// lookupResult is who an access token names, as the table has them.
type lookupResult struct {
	tenant tenants.Tenant
	user   tenants.User
	// revoked is when the user's tokens were last revoked (zero: never, or no Revoker).
	revoked time.Time
	// revokedGrants are the user's account links revoked one by one since (none
	// when the Revoker is not a GrantRevoker).
	revokedGrants []string
}

// lookup reads who is speaking: the user's record and their revocation mark (the time
// and the revoked grants, in one read) on every request, so that a removed user, a
// revoked token or an unlinked Alexa account loses access at once, and the
// tenant's record from the cache when it was read less than TenantTTL ago, so that a
// warm request makes two table reads. They are all read at once. The error is the
// tenant's lookup's, else the user's (wrapping tenants.ErrNotFound for a missing
// record), else the mark's.
func (h *Handler) lookup(ctx context.Context, who tenants.Principal) (lookupResult, error) {
	timeout := h.callTimeout()
	var (
		sp               lookupResult
		userErr, markErr error
		wg               sync.WaitGroup
	)
	wg.Go(func() {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		sp.user, userErr = h.Directory.GetUser(ctx, who.TenantID, who.UserID)
	})
	if h.Revoker != nil {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			if g, ok := h.Revoker.(GrantRevoker); ok {
				sp.revoked, sp.revokedGrants, markErr = g.Revocations(ctx, who)
				return
			}
			sp.revoked, markErr = h.Revoker.RevokedAt(ctx, who)
		})
	}
	tenant, err := h.tenant(ctx, who.TenantID, timeout)
	wg.Wait()
	if err != nil {
		return lookupResult{}, err
	}
	if userErr != nil {
		return lookupResult{}, userErr
	}
	if markErr != nil {
		return lookupResult{}, markErr
	}
	sp.tenant = tenant
	return sp, nil
}

// tenant returns the tenant's record from the cache, or reads it (within timeout) and
// caches it for TenantTTL.
func (h *Handler) tenant(ctx context.Context, id string, timeout time.Duration) (tenants.Tenant, error) {
	now, ttl := h.now(), h.tenantTTL()
	if ttl > 0 {
		h.mu.Lock()
		e, cached := h.tenantCache[id]
		h.mu.Unlock()
		if cached && now.Before(e.until) {
			return e.tenant, nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	tenant, err := h.Directory.GetTenant(ctx, id)
	cancel()
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
		h.tenantCache[id] = tenantEntry{tenant: tenant, until: now.Add(ttl)}
		h.mu.Unlock()
	}
	return tenant, nil
}
