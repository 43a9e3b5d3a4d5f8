package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func newUserListCmd(env *cliEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the users of a tenant",
		Example: "  easytocloud user list --tenant t-6dqbkpz4rxm2wj7a\n  easytocloud user list --tenant t-6dqbkpz4rxm2wj7a --json",
		Args:    cobra.ArbitraryArgs,
	}
	tenantID := cmd.Flags().String("tenant", "", "the tenant ID")
	asJSON := cmd.Flags().Bool("json", false, "print the users as JSON")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 || *tenantID == "" {
			return usagef("usage: easytocloud user list --tenant ID [--json]")
		}
		return runUserList(cmd.Context(), env, *tenantID, *asJSON)
	}
	return cmd
}

func runUserList(ctx context.Context, env *cliEnv, tenantID string, asJSON bool) error {
	s, _, err := openStore(ctx, env, false)
	if err != nil {
		return err
	}
	users, err := s.ListUsers(ctx, tenantID)
	if err != nil {
		return notFoundHint(err, "tenant list")
	}
	sort.Slice(users, func(i, j int) bool { return strings.ToLower(users[i].Email) < strings.ToLower(users[j].Email) })
	if asJSON {
		views := make([]userJSON, len(users))
		for i, u := range users {
			views[i] = userView(u)
		}
		return writeJSON(env.stdout, views)
	}
	if len(users) == 0 {
		fmt.Fprintf(env.stdout, "Tenant %s has no users; add one with: easytocloud user add --tenant %s --email E\n", tenantID, tenantID)
		return nil
	}
	w := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tEMAIL\tPHONE\tVERSION\tCREATED")
	for _, u := range users {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\n", u.ID, u.Email, phoneText(u.Phone), u.Version, u.CreatedAt.UTC().Format(time.RFC3339))
	}
	return w.Flush()
}
