package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func newOAuthClientRotateCmd(env *cliEnv) *cobra.Command {
	return &cobra.Command{
		Use:     "rotate-secret CLIENT_ID",
		Short:   "Give an OAuth client a new secret; the old one stops working",
		Example: "  easytocloud oauth-client rotate-secret n4vq2xk7dmc3wbzt5e6hpfja",
		Args:    oneClientID,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runOAuthClientRotate(cmd.Context(), env, args[0])
		},
	}
}

func runOAuthClientRotate(ctx context.Context, env *cliEnv, id string) error {
	clients, err := openClients(ctx, env)
	if err != nil {
		return err
	}
	secret, err := clients.RotateSecret(ctx, id)
	if err != nil {
		return oauthClientError(err)
	}
	fmt.Fprintf(env.stdout, "New secret for OAuth client %s (the old one no longer works):\n", id)
	fmt.Fprintf(env.stdout, "Client secret: %s\n", secret)
	fmt.Fprintln(env.stdout, "The secret is shown only now: update the Alexa developer console's account linking with it.")
	return nil
}
