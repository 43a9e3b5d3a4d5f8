package main

import (
	"context"

	"github.com/spf13/cobra"
)

func newTenantShowCmd(env *cliEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "show ID",
		Short:   "Show a tenant",
		Example: "  easytocloud tenant show t-6dqbkpz4rxm2wj7a\n  easytocloud tenant show t-6dqbkpz4rxm2wj7a --json",
		Args:    oneTenantID,
	}
	asJSON := cmd.Flags().Bool("json", false, "print the tenant as JSON")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return runTenantShow(cmd.Context(), env, args[0], *asJSON)
	}
	return cmd
}

func runTenantShow(ctx context.Context, env *cliEnv, id string, asJSON bool) error {
	s, _, err := openStore(ctx, env, false)
	if err != nil {
		return err
	}
	t, err := s.GetTenant(ctx, id)
	if err != nil {
		return notFoundHint(err, "tenant list")
	}
	if asJSON {
		return writeJSON(env.stdout, tenantView(t))
	}
	printTenant(env.stdout, t)
	return nil
}
