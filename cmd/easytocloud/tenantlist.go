package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newTenantListCmd(env *cliEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the tenants",
		Example: "  easytocloud tenant list\n  easytocloud tenant list --json | jq -r '.[].id'",
		Args:    noArgs("tenant list"),
	}
	asJSON := cmd.Flags().Bool("json", false, "print the tenants as JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return runTenantList(cmd.Context(), env, *asJSON) }
	return cmd
}

func runTenantList(ctx context.Context, env *cliEnv, asJSON bool) error {
	s, _, err := openStore(ctx, env, false)
	if err != nil {
		return err
	}
	list, err := s.ListTenants(ctx)
	if err != nil {
		return cliError(err)
	}
	if asJSON {
		views := make([]tenantJSON, len(list))
		for i, t := range list {
			views[i] = tenantView(t)
		}
		return writeJSON(env.stdout, views)
	}
	if len(list) == 0 {
		fmt.Fprintln(env.stdout, "No tenants yet; add one with: easytocloud tenant create")
		return nil
	}
	w := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tACCOUNT\tMFA\tREGIONS")
	for _, t := range list {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.AccountID(), t.MFA.Kind, regionsText(t.Regions))
	}
	return w.Flush()
}
