package main

import (
	"fmt"
	"io"
	"text/tabwriter"
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
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s:\t%s\n", k, v) }
	row("ID", u.ID)
	row("Tenant", u.TenantID)
	row("Email", u.Email)
	row("Phone", phoneText(u.Phone))
	row("Password", "set (argon2id)")
	row("Version", fmt.Sprint(u.Version))
	row("Created", u.CreatedAt.UTC().Format(time.RFC3339))
	row("Updated", u.UpdatedAt.UTC().Format(time.RFC3339))
	_ = tw.Flush()
}

func phoneText(p string) string {
	if p == "" {
		return "none"
	}
	return p
}
