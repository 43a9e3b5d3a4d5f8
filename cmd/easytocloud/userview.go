package main

import (
	"fmt"
	"io"
	"time"

	"github.com/easytocloud/easytocloud/tenants"
)

// userJSON is how the CLI prints a user as JSON; the password hash is left out.
type userJSON struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"tenant_id"`
	Email     string    `json:"email"`
	Phone     string    `json:"phone"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func userView(u tenants.User) userJSON {
	return userJSON{ID: u.ID, TenantID: u.TenantID, Email: u.Email, Phone: u.Phone, Version: u.Version, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

func printUser(w io.Writer, u tenants.User) {
	writeFields(w, [][2]string{
		{"ID", u.ID}, {"Tenant", u.TenantID}, {"Email", u.Email}, {"Phone", phoneText(u.Phone)}, {"Password", "set (argon2id)"},
		{"Version", fmt.Sprint(u.Version)}, {"Created", u.CreatedAt.UTC().Format(time.RFC3339)}, {"Updated", u.UpdatedAt.UTC().Format(time.RFC3339)},
	})
}

func phoneText(p string) string {
	if p == "" {
		return "none"
	}
	return p
}
