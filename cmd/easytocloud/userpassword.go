package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func newUserSetPasswordCmd(env *cliEnv) *cobra.Command {
	var ref userRef
	cmd := ref.userCmd("set-password", "Set a user's password and revoke their account links",
		"  easytocloud user set-password ann@example.com\n"+
			"  pass show easytocloud/ann | easytocloud user set-password ann@example.com --password-stdin")
	fromStdin := cmd.Flags().Bool("password-stdin", false, "read the password from stdin (otherwise prompted without echo)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return runUserSetPassword(cmd.Context(), env, ref, args, *fromStdin)
	}
	return cmd
}

func runUserSetPassword(ctx context.Context, env *cliEnv, ref userRef, args []string, fromStdin bool) error {
	s, u, _, err := findUser(ctx, env, ref, args)
	if err != nil {
		return err
	}
	password, err := readPassword(env, fromStdin)
	if err != nil {
		return err
	}
	if err := s.SetPassword(ctx, u.TenantID, u.ID, password); err != nil {
		return cliError(err)
	}
	// After the change, so that nothing signed in with the old password survives it.
	if err := revokeTokens(ctx, env, u); err != nil {
		return fmt.Errorf("set the password of %s (%s), but %w; run set-password again", u.ID, u.Email, err)
	}
	fmt.Fprintf(env.stdout, "Set the password of %s (%s) and revoked their account links: they link again in the Alexa app.\n", u.ID, u.Email)
	return nil
}
