package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func newUserDeleteCmd(env *cliEnv) *cobra.Command {
	var ref userRef
	cmd := ref.userCmd("delete", "Delete a user and revoke their account links",
		"  easytocloud user delete ann@example.com\n  easytocloud user delete --tenant t-6dqbkpz4rxm2wj7a u-3hq7zcwkd2mv5tna")
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return runUserDelete(cmd.Context(), env, ref, args) }
	return cmd
}

func runUserDelete(ctx context.Context, env *cliEnv, ref userRef, args []string) error {
	s, u, _, err := findUser(ctx, env, ref, args)
	if err != nil {
		return err
	}
	if err := s.DeleteUser(ctx, u.TenantID, u.ID); err != nil {
		return cliError(err)
	}
	if err := revokeTokens(ctx, env, u); err != nil {
		return fmt.Errorf("deleted user %s (%s), but %w", u.ID, u.Email, err)
	}
	fmt.Fprintf(env.stdout, "Deleted user %s (%s) of tenant %s and revoked their account links.\n", u.ID, u.Email, u.TenantID)
	return nil
}
