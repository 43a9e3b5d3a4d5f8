package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/spf13/pflag"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
)

// oauthClientCommand is the OAuth client commands.
var oauthClientCommand = command{
	use: "oauth-client", short: "OAuth clients (the Alexa skill)",
	example: "  easytocloud oauth-client create --name alexa --vendor-id M2VENDOR\n" +
		"  easytocloud oauth-client list",
	subs: []command{oauthClientCreateCommand, oauthClientListCommand, oauthClientShowCommand, oauthClientRotateCommand, oauthClientDeleteCommand},
}

// oauthClientCreateUsage is the call of oauth-client create, for its usage errors.
const oauthClientCreateUsage = "usage: easytocloud oauth-client create --name NAME [--vendor-id V] [--redirect-uri U …] [--require-pkce=false] (a vendor ID or a redirect URI is needed)"

// oauthClientCreateCommand registers a client.
var oauthClientCreateCommand = command{
	use:   "create",
	short: "Register an OAuth client and print its secret, once",
	long: "Register an OAuth client, such as the Alexa skill's account linking, and print its ID and\n" +
		"secret; the secret is shown only now. A vendor ID registers Alexa's three redirect URIs for it.\n" +
		"The client must send a PKCE S256 code_challenge (turn PKCE on in the Alexa developer console's\n" +
		"account linking); --require-pkce=false registers one that may leave it out, which is weaker.",
	example: "  easytocloud oauth-client create --name alexa --vendor-id M2VENDOR\n" +
		"  easytocloud oauth-client create --name dialog --redirect-uri http://127.0.0.1/callback --json",
	usage: oauthClientCreateUsage,
	setup: func(env *cliEnv, fs *pflag.FlagSet) action {
		var c oauth.Client
		fs.StringVar(&c.Name, "name", "", "a name for the client, such as alexa")
		fs.StringVar(&c.VendorID, "vendor-id", "", "your Alexa vendor ID: registers the three Alexa account-linking redirect URIs for it")
		fs.StringArrayVar(&c.RedirectURIs, "redirect-uri", nil, "another redirect URI (https, or http on a loopback address such as http://127.0.0.1/callback); repeatable")
		fs.BoolVar(&c.RequirePKCE, "require-pkce", true, "refuse authorization requests without a PKCE S256 code_challenge; =false only for a client that cannot send one")
		out := jsonFlag(fs, "the client and its secret")
		return func(ctx context.Context, _ []string) error {
			if c.Name == "" || (c.VendorID == "" && len(c.RedirectURIs) == 0) {
				return usagef("%s", oauthClientCreateUsage)
			}
			return withClients(ctx, env, func(clients *oauth.Clients) error { return runOAuthClientCreate(ctx, env, clients, c, out) })
		}
	},
}

// oauthClientListCommand lists the clients.
var oauthClientListCommand = command{
	use: "list", short: "List the OAuth clients (never their secrets)",
	example: "  easytocloud oauth-client list\n  easytocloud oauth-client list --json",
	usage:   "usage: easytocloud oauth-client list [--json]",
	setup: func(env *cliEnv, fs *pflag.FlagSet) action {
		out := jsonFlag(fs, "the clients")
		return func(ctx context.Context, _ []string) error {
			return withClients(ctx, env, func(clients *oauth.Clients) error {
				list, err := clients.List(ctx)
				if err != nil {
					return err
				}
				return oauthClientListing.print(env.stdout, out, list)
			})
		}
	},
}

// oauthClientShowCommand shows one client.
var oauthClientShowCommand = command{
	use: "show CLIENT_ID", short: "Show an OAuth client (never its secret), and whether it must use PKCE",
	example: "  easytocloud oauth-client show n4vq2xk7dmc3wbzt5e6hpfja\n  easytocloud oauth-client show n4vq2xk7dmc3wbzt5e6hpfja --json",
	args:    oneClientID,
	setup: func(env *cliEnv, fs *pflag.FlagSet) action {
		out := jsonFlag(fs, "the client")
		return func(ctx context.Context, args []string) error {
			return withClients(ctx, env, func(clients *oauth.Clients) error {
				c, err := clients.Get(ctx, args[0])
				if err != nil {
					return err
				}
				return out.print(env.stdout, oauthClientView(c), func(w io.Writer) error { printOAuthClient(w, c); return nil })
			})
		}
	},
}

// printOAuthClient writes a client's fields, one a line, and its redirect URIs.
func printOAuthClient(w io.Writer, c oauth.Client) {
	vendor := c.VendorID
	if vendor == "" {
		vendor = "none"
	}
	writeFields(w, [][2]string{{"ID", c.ID}, {"Name", c.Name}, {"Vendor ID", vendor}, {"PKCE", pkceText(c)},
		{"Version", fmt.Sprint(c.Version)}, {"Created", c.CreatedAt.UTC().Format(time.RFC3339)}, {"Updated", c.UpdatedAt.UTC().Format(time.RFC3339)}})
	fmt.Fprintln(w, "Redirect URIs:")
	for _, u := range c.RedirectURIs {
		fmt.Fprintf(w, "  %s\n", u)
	}
}

// pkceText says whether c must send a PKCE S256 code_challenge.
func pkceText(c oauth.Client) string {
	if c.RequirePKCE {
		return "S256 required"
	}
	return "not required (S256 recommended)"
}

// oauthClientRotateCommand gives a client a new secret.
var oauthClientRotateCommand = command{
	use: "rotate-secret CLIENT_ID", short: "Give an OAuth client a new secret; the old one stops working",
	example: "  easytocloud oauth-client rotate-secret n4vq2xk7dmc3wbzt5e6hpfja",
	args:    oneClientID,
	setup: onClient(func(ctx context.Context, w io.Writer, clients *oauth.Clients, id string) error {
		secret, err := clients.RotateSecret(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "New secret for OAuth client %s (the old one no longer works):\n", id)
		fmt.Fprintf(w, "Client secret: %s\n", secret)
		fmt.Fprintln(w, "The secret is shown only now: update the Alexa developer console's account linking with it.")
		return nil
	}),
}

// oauthClientDeleteCommand deletes a client.
var oauthClientDeleteCommand = command{
	use: "delete CLIENT_ID", short: "Delete an OAuth client; its refresh tokens stop working",
	example: "  easytocloud oauth-client delete n4vq2xk7dmc3wbzt5e6hpfja",
	args:    oneClientID,
	setup: onClient(func(ctx context.Context, w io.Writer, clients *oauth.Clients, id string) error {
		if err := clients.Delete(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(w, "Deleted OAuth client %s; its refresh tokens no longer work (the client cannot authenticate).\n", id)
		return nil
	}),
}

// onClient is the setup of a command on the client its argument names: do runs on
// the registry, and writes to stdout.
func onClient(do func(ctx context.Context, w io.Writer, clients *oauth.Clients, id string) error) func(*cliEnv, *pflag.FlagSet) action {
	return func(env *cliEnv, _ *pflag.FlagSet) action {
		return func(ctx context.Context, args []string) error {
			return withClients(ctx, env, func(clients *oauth.Clients) error { return do(ctx, env.stdout, clients, args[0]) })
		}
	}
}

// withClients runs op on the OAuth client registry; its error comes back as
// oauthClientError words it.
func withClients(ctx context.Context, env *cliEnv, op func(*oauth.Clients) error) error {
	clients, err := openClients(ctx, env)
	if err != nil {
		return err
	}
	return oauthClientError(op(clients))
}

func runOAuthClientCreate(ctx context.Context, env *cliEnv, clients *oauth.Clients, c oauth.Client, out *jsonOutput) error {
	c, secret, err := clients.Create(ctx, c)
	if err != nil {
		return err
	}
	v := oauthClientView(c)
	v.Secret = secret
	return out.print(env.stdout, v, func(w io.Writer) error {
		fmt.Fprintf(w, "Created OAuth client %s (%s).\n", c.ID, c.Name)
		fmt.Fprintf(w, "Client ID:     %s\n", c.ID)
		fmt.Fprintf(w, "Client secret: %s\n", secret)
		fmt.Fprintf(w, "PKCE:          %s\n", pkceText(c))
		fmt.Fprintln(w, "The secret is shown only now: put it where it is needed (the Alexa developer console's account linking) and keep no other copy. Lost it? easytocloud oauth-client rotate-secret "+c.ID)
		if c.RequirePKCE && c.VendorID != "" {
			fmt.Fprintln(w, "Turn PKCE on in the Alexa developer console's account linking too: sign-ins without it are refused.")
		}
		fmt.Fprintln(w, "Redirect URIs:")
		for _, u := range c.RedirectURIs {
			fmt.Fprintf(w, "  %s\n", u)
		}
		return nil
	})
}

// oauthClientJSON is a client as --json prints it: never a secret or its hash.
type oauthClientJSON struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	VendorID     string   `json:"vendor_id,omitempty"`
	RedirectURIs []string `json:"redirect_uris"`
	RequirePKCE  bool     `json:"require_pkce"`
	stampsJSON
	Secret string `json:"client_secret,omitempty"` // only on create
}

func oauthClientView(c oauth.Client) oauthClientJSON {
	return oauthClientJSON{ID: c.ID, Name: c.Name, VendorID: c.VendorID, RedirectURIs: c.RedirectURIs,
		RequirePKCE: c.RequirePKCE, stampsJSON: stampsJSON{Version: c.Version, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}}
}

// oauthClientListing is how oauth-client list prints the clients: one row a
// redirect URI.
var oauthClientListing = listing[oauth.Client, oauthClientJSON]{
	view:   oauthClientView,
	empty:  "No OAuth clients; create one with: easytocloud oauth-client create --name alexa --vendor-id V",
	header: "ID\tNAME\tVENDOR\tPKCE\tCREATED\tREDIRECT URIS",
	row: func(w io.Writer, c oauth.Client) {
		pkce := "not required"
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
	},
}

// openClients returns the OAuth client registry on $EASYTOCLOUD_TABLE.
func openClients(ctx context.Context, env *cliEnv) (*oauth.Clients, error) {
	tableName, err := requireEnv(env, envTable, "the DynamoDB table's name")
	if err != nil {
		return nil, err
	}
	cfg, err := awsConfig(ctx)
	if err != nil {
		return nil, err
	}
	return oauth.NewClients(table.New(dynamodb.NewFromConfig(cfg), tableName)), nil
}

// oauthClientError makes invalid input a usage error and names where IDs are listed.
func oauthClientError(err error) error {
	switch {
	case errors.Is(err, oauth.ErrInvalidClient):
		return &usageError{msg: err.Error()}
	case errors.Is(err, oauth.ErrClientNotFound):
		return fmt.Errorf("%w; see: easytocloud oauth-client list", err)
	}
	return cliError(err)
}
