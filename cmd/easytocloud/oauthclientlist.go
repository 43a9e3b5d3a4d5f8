package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func newOAuthClientListCmd(env *cliEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the OAuth clients (never their secrets)",
		Example: "  easytocloud oauth-client list\n  easytocloud oauth-client list --json",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("usage: easytocloud oauth-client list [--json]")
			}
			return nil
		},
	}
	asJSON := cmd.Flags().Bool("json", false, "print the clients as JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return runOAuthClientList(cmd.Context(), env, *asJSON) }
	return cmd
}

func runOAuthClientList(ctx context.Context, env *cliEnv, asJSON bool) error {
	clients, err := openClients(ctx, env)
	if err != nil {
		return err
	}
	list, err := clients.List(ctx)
	if err != nil {
		return oauthClientError(err)
	}
	if asJSON {
		views := make([]oauthClientJSON, len(list))
		for i, c := range list {
			views[i] = oauthClientView(c)
		}
		return writeJSON(env.stdout, views)
	}
	if len(list) == 0 {
		fmt.Fprintln(env.stdout, "No OAuth clients; create one with: easytocloud oauth-client create --name alexa --vendor-id V")
		return nil
	}
	w := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tVENDOR\tPKCE\tCREATED\tREDIRECT URIS")
	for _, c := range list {
		pkce := "optional"
		if c.RequirePKCE {
			pkce = "required"
		}
		vendor := c.VendorID
		if vendor == "" {
			vendor = "-"
		}
		for i, u := range c.RedirectURIs {
			if i == 0 {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, vendor, pkce, c.CreatedAt.UTC().Format(time.RFC3339), u)
			} else {
				fmt.Fprintf(w, "\t\t\t\t\t%s\n", u)
			}
		}
	}
	return w.Flush()
}
