package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/easytocloud/easytocloud/tenants"
)

func newTenantDeleteCmd(env *cliEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a tenant (refused while it has users, unless --force)",
		Example: "  easytocloud tenant delete t-6dqbkpz4rxm2wj7a\n" +
			"  easytocloud tenant delete t-6dqbkpz4rxm2wj7a --force   # its users too, and their account links",
		Args: oneTenantID,
	}
	force := cmd.Flags().Bool("force", false, "also delete the tenant's users (and revoke their account links)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return runTenantDelete(cmd.Context(), env, args[0], *force)
	}
	return cmd
}

func runTenantDelete(ctx context.Context, env *cliEnv, id string, force bool) error {
	s, _, err := openStore(ctx, env, false)
	if err != nil {
		return err
	}
	users, err := s.ListUsers(ctx, id)
	if err != nil {
		return notFoundHint(err, "tenant list")
	}
	if err := s.DeleteTenant(ctx, id, force); err != nil {
		if errors.Is(err, tenants.ErrHasUsers) {
			return fmt.Errorf("tenant %s has %d users: delete them first (easytocloud user list --tenant %s) or add --force", id, len(users), id)
		}
		return notFoundHint(err, "tenant list")
	}
	if err := revokeTokens(ctx, env, users...); err != nil {
		return fmt.Errorf("deleted tenant %s, but %w", id, err)
	}
	if len(users) > 0 {
		fmt.Fprintf(env.stdout, "Deleted tenant %s and its %d users, and revoked their account links.\n", id, len(users))
	} else {
		fmt.Fprintf(env.stdout, "Deleted tenant %s.\n", id)
	}
	return nil
}
