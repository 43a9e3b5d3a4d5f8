package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/easytocloud/easytocloud/oauth"
)

// oauthClientCreateOptions are the flags of oauth-client create.
type oauthClientCreateOptions struct {
	name, vendorID      string
	uris                []string
	requirePKCE, asJSON bool
}

func newOAuthClientCreateCmd(env *cliEnv) *cobra.Command {
	var o oauthClientCreateOptions
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Register an OAuth client and print its secret, once",
		Long: "Register an OAuth client, such as the Alexa skill's account linking, and print its ID and\n" +
			"secret; the secret is shown only now. A vendor ID registers Alexa's three redirect URIs for it.",
		Example: "  easytocloud oauth-client create --name alexa --vendor-id M2VENDOR\n" +
			"  easytocloud oauth-client create --name dialog --redirect-uri http://127.0.0.1/callback --require-pkce --json",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runOAuthClientCreate(cmd.Context(), env, o, args)
		},
	}
	cmd.Flags().StringVar(&o.name, "name", "", "a name for the client, such as alexa")
	cmd.Flags().StringVar(&o.vendorID, "vendor-id", "", "your Alexa vendor ID: registers the three Alexa account-linking redirect URIs for it")
	cmd.Flags().StringArrayVar(&o.uris, "redirect-uri", nil, "another redirect URI (https, or http on a loopback address such as http://127.0.0.1/callback); repeatable")
	cmd.Flags().BoolVar(&o.requirePKCE, "require-pkce", false, "refuse authorization requests without a PKCE S256 code_challenge")
	cmd.Flags().BoolVar(&o.asJSON, "json", false, "print the client and its secret as JSON")
	return cmd
}

func runOAuthClientCreate(ctx context.Context, env *cliEnv, o oauthClientCreateOptions, args []string) error {
	if len(args) > 0 || o.name == "" || (o.vendorID == "" && len(o.uris) == 0) {
		return usagef("usage: easytocloud oauth-client create --name NAME [--vendor-id V] [--redirect-uri U …] [--require-pkce] (a vendor ID or a redirect URI is needed)")
	}
	clients, err := openClients(ctx, env)
	if err != nil {
		return err
	}
	c, secret, err := clients.Create(ctx, oauth.Client{Name: o.name, VendorID: o.vendorID, RedirectURIs: o.uris, RequirePKCE: o.requirePKCE})
	if err != nil {
		return oauthClientError(err)
	}
	if o.asJSON {
		v := oauthClientView(c)
		v.Secret = secret
		return writeJSON(env.stdout, v)
	}
	fmt.Fprintf(env.stdout, "Created OAuth client %s (%s).\n", c.ID, c.Name)
	fmt.Fprintf(env.stdout, "Client ID:     %s\n", c.ID)
	fmt.Fprintf(env.stdout, "Client secret: %s\n", secret)
	fmt.Fprintln(env.stdout, "The secret is shown only now: put it where it is needed (the Alexa developer console's account linking) and keep no other copy. Lost it? easytocloud oauth-client rotate-secret "+c.ID)
	fmt.Fprintln(env.stdout, "Redirect URIs:")
	for _, u := range c.RedirectURIs {
		fmt.Fprintf(env.stdout, "  %s\n", u)
	}
	return nil
}
