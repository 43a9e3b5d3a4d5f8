package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func newOAuthClientDeleteCmd(env *cliEnv) *cobra.Command {
	return &cobra.Command{
		Use:     "delete CLIENT_ID",
		Short:   "Delete an OAuth client; its refresh tokens stop working",
		Example: "  easytocloud oauth-client delete n4vq2xk7dmc3wbzt5e6hpfja",
		Args:    oneClientID,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runOAuthClientDelete(cmd.Context(), env, args[0])
		},
	}
}

func runOAuthClientDelete(ctx context.Context, env *cliEnv, id string) error {
	clients, err := openClients(ctx, env)
	if err != nil {
		return err
	}
	if err := clients.Delete(ctx, id); err != nil {
		return oauthClientError(err)
	}
	fmt.Fprintf(env.stdout, "Deleted OAuth client %s; its refresh tokens no longer work (the client cannot authenticate).\n", id)
	return nil
}
