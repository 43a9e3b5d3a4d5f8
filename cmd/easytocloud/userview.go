package main

import (
	"fmt"
	"io"
	"time"

	"github.com/easytocloud/easytocloud/tenants"
)

// userJSON is how the CLI prints a user as JSON; the password hash is left out.
type userJSON struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	Email    string `json:"email"`
	Role     string `json:"role"`
	Phone    string `json:"phone"`
	stampsJSON
}

func userView(u tenants.User) userJSON {
	return userJSON{ID: u.ID, TenantID: u.TenantID, Email: u.Email, Role: roleText(u.Role), Phone: u.Phone,
		stampsJSON: stampsJSON{Version: u.Version, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}}
}

// userListing is how user list prints the users of a tenant.
var userListing = listing[tenants.User, userJSON]{
	view:   userView,
	header: "ID\tEMAIL\tROLE\tPHONE\tVERSION\tCREATED",
	row: func(w io.Writer, u tenants.User) {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", u.ID, u.Email, roleText(u.Role), phoneText(u.Phone), u.Version, u.CreatedAt.UTC().Format(time.RFC3339))
	},
}

func printUser(w io.Writer, u tenants.User) {
	writeFields(w, [][2]string{
		{"ID", u.ID}, {"Tenant", u.TenantID}, {"Email", u.Email}, {"Role", roleText(u.Role)}, {"Phone", phoneText(u.Phone)}, {"Password", "set (argon2id)"},
		{"Version", fmt.Sprint(u.Version)}, {"Created", u.CreatedAt.UTC().Format(time.RFC3339)}, {"Updated", u.UpdatedAt.UTC().Format(time.RFC3339)},
	})
}

// roleText names a user's role; a user stored without one is a member.
func roleText(r tenants.Role) string {
	if r == "" {
		return string(tenants.RoleMember)
	}
	return string(r)
}

func phoneText(p string) string {
	if p == "" {
		return "none"
	}
	return p
}
