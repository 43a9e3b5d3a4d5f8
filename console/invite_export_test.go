package console

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"

	"github.com/easytocloud/easytocloud/tenants"
)

// NewInvitation invites email to tenant tenantID as role from the tenant's first
// admin, as the people page's form does, for tests that have no signed-in admin:
// the link goes out by e-mail.
func (s *Server) NewInvitation(ctx context.Context, tenantID, email string, role tenants.Role) error {
	t, err := s.cfg.Store.GetTenant(ctx, tenantID)
	if err != nil {
		return err
	}
	users, err := s.cfg.Store.ListUsers(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.IsAdmin() {
			return s.invite(ctx, t, u, email, role)
		}
	}
	return errors.New("no admin to invite from")
}

// NewSessionCookie signs u in as the sign-in page does and returns the session's
// cookie, for tests that need a second session of one person.
func (s *Server) NewSessionCookie(ctx context.Context, u tenants.User) (*http.Cookie, error) {
	rec := httptest.NewRecorder()
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, s.path("/signin"), nil)
	if err := s.startSession(rec, r, u); err != nil {
		return nil, err
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == s.sessionCookieName() {
			return c, nil
		}
	}
	return nil, errors.New("no session cookie")
}
