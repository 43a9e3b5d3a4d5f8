package main

import (
	"context"

	"github.com/spf13/cobra"
)

func newUserShowCmd(env *cliEnv) *cobra.Command {
	var ref userRef
	cmd := ref.userCmd("show", "Show a user", "  easytocloud user show ann@example.com\n  easytocloud user show --tenant t-6dqbkpz4rxm2wj7a u-3hq7zcwkd2mv5tna --json")
	asJSON := cmd.Flags().Bool("json", false, "print the user as JSON")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return runUserShow(cmd.Context(), env, ref, args, *asJSON)
	}
	return cmd
}

func runUserShow(ctx context.Context, env *cliEnv, ref userRef, args []string, asJSON bool) error {
	_, u, _, err := findUser(ctx, env, ref, args)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(env.stdout, userView(u))
	}
	printUser(env.stdout, u)
	return nil
}
