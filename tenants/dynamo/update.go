package dynamo

import (
	"context"
	"errors"

	"github.com/easytocloud/easytocloud/tenants"
)

// updateAttempts bounds the read-apply-write rounds of UpdateTenant and UpdateUser
// when others keep changing the same record.
const updateAttempts = 3

// UpdateTenant reads the tenant id, lets apply change the operator's fields of it,
// and stores the result as ReplaceTenant does (verifierSecret replaces the stored
// secret; "" keeps it). When someone else changed the tenant in between, it reads it
// again and applies again, up to three rounds in all, so apply must set fields rather
// than build on what it set before. apply cannot change the ID or the Version. It
// returns the stored tenant; apply's error as it is; or an error wrapping
// tenants.ErrNotFound, tenants.ErrConflict (still contended after the last round),
// tenants.ErrInvalid (nothing is written) or the AWS error.
func (s *Store) UpdateTenant(ctx context.Context, id, verifierSecret string, apply func(*tenants.Tenant) error) (tenants.Tenant, error) {
	for round := 1; ; round++ {
		cur, err := s.GetTenant(ctx, id)
		if err != nil {
			return tenants.Tenant{}, err
		}
		t := cur
		if err := apply(&t); err != nil {
			return tenants.Tenant{}, err
		}
		t.ID, t.Version = cur.ID, cur.Version
		next, err := s.ReplaceTenant(ctx, t, verifierSecret)
		if errors.Is(err, tenants.ErrConflict) && round < updateAttempts {
			continue
		}
		return next, err
	}
}

// UpdateUser reads user userID of tenant tenantID, lets apply change its email, phone
// and role, and stores the result as ReplaceUser does. When someone else changed the user
// in between, it reads it again and applies again, up to three rounds in all. apply
// cannot change the IDs or the Version. It returns the stored user; apply's error as
// it is; or an error wrapping tenants.ErrNotFound, tenants.ErrConflict (still
// contended after the last round), tenants.ErrInvalid, tenants.ErrEmailTaken or the
// AWS error.
func (s *Store) UpdateUser(ctx context.Context, tenantID, userID string, apply func(*tenants.User) error) (tenants.User, error) {
	for round := 1; ; round++ {
		cur, err := s.GetUser(ctx, tenantID, userID)
		if err != nil {
			return tenants.User{}, err
		}
		u := cur
		if err := apply(&u); err != nil {
			return tenants.User{}, err
		}
		u.ID, u.TenantID, u.Version = cur.ID, cur.TenantID, cur.Version
		next, err := s.ReplaceUser(ctx, u)
		if errors.Is(err, tenants.ErrConflict) && round < updateAttempts {
			continue
		}
		return next, err
	}
}
