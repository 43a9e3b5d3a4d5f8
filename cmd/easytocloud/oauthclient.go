package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
)

func init() {
	register(command{
		name:    "oauth-client",
		summary: "OAuth clients (the Alexa skill): create, list, rotate-secret, delete",
		run: func(ctx context.Context, env *cliEnv, args []string) error {
			return dispatch(ctx, env, "oauth-client", oauthClientCommands, args)
		},
	})
}

var oauthClientCommands = map[string]subcommand{
	"create":        {"--name NAME [--vendor-id V] [--redirect-uri U …] [--require-pkce] [--json]", runOAuthClientCreate},
	"list":          {"[--json]", runOAuthClientList},
	"rotate-secret": {"CLIENT_ID", runOAuthClientRotate},
	"delete":        {"CLIENT_ID", runOAuthClientDelete},
}

// stringsFlag is a repeatable string flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

// openClients returns the OAuth client registry on $EASYTOCLOUD_TABLE.
func openClients(ctx context.Context, env *cliEnv) (*oauth.Clients, error) {
	tableName, err := requireEnv(env, envTable, "the DynamoDB table's name")
	if err != nil {
		return nil, err
	}
	cfg, err := awsConfig(ctx, env)
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

// oauthClientJSON is a client as --json prints it: never a secret or its hash.
type oauthClientJSON struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	VendorID     string    `json:"vendor_id,omitempty"`
	RedirectURIs []string  `json:"redirect_uris"`
	RequirePKCE  bool      `json:"require_pkce"`
	Version      int64     `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Secret       string    `json:"client_secret,omitempty"` // only on create
}

func oauthClientView(c oauth.Client) oauthClientJSON {
	return oauthClientJSON{ID: c.ID, Name: c.Name, VendorID: c.VendorID, RedirectURIs: c.RedirectURIs,
		RequirePKCE: c.RequirePKCE, Version: c.Version, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

func runOAuthClientCreate(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("oauth-client create", flag.ContinueOnError)
	name := fs.String("name", "", "a name for the client, such as alexa")
	vendorID := fs.String("vendor-id", "", "your Alexa vendor ID: registers the three Alexa account-linking redirect URIs for it")
	var uris stringsFlag
	fs.Var(&uris, "redirect-uri", "another redirect URI (https, or http on a loopback address such as http://127.0.0.1/callback); repeatable")
	requirePKCE := fs.Bool("require-pkce", false, "refuse authorization requests without a PKCE S256 code_challenge")
	asJSON := fs.Bool("json", false, "print the client and its secret as JSON")
	pos, err := parseFlags(env, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *name == "" || (*vendorID == "" && len(uris) == 0) {
		return usagef("usage: easytocloud oauth-client create --name NAME [--vendor-id V] [--redirect-uri U …] [--require-pkce] (a vendor ID or a redirect URI is needed)")
	}
	clients, err := openClients(ctx, env)
	if err != nil {
		return err
	}
	c, secret, err := clients.Create(ctx, oauth.Client{Name: *name, VendorID: *vendorID, RedirectURIs: uris, RequirePKCE: *requirePKCE})
	if err != nil {
		return oauthClientError(err)
	}
	if *asJSON {
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

func runOAuthClientList(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("oauth-client list", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the clients as JSON")
	pos, err := parseFlags(env, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("usage: easytocloud oauth-client list [--json]")
	}
	clients, err := openClients(ctx, env)
	if err != nil {
		return err
	}
	list, err := clients.List(ctx)
	if err != nil {
		return oauthClientError(err)
	}
	if *asJSON {
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

// clientIDArg parses a subcommand that takes one client ID.
func clientIDArg(env *cliEnv, fs *flag.FlagSet, args []string) (string, error) {
	pos, err := parseFlags(env, fs, args)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 {
		return "", usagef("easytocloud %s needs one client ID (see easytocloud oauth-client list)", fs.Name())
	}
	return pos[0], nil
}

func runOAuthClientRotate(ctx context.Context, env *cliEnv, args []string) error {
	id, err := clientIDArg(env, flag.NewFlagSet("oauth-client rotate-secret", flag.ContinueOnError), args)
	if err != nil {
		return err
	}
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

func runOAuthClientDelete(ctx context.Context, env *cliEnv, args []string) error {
	id, err := clientIDArg(env, flag.NewFlagSet("oauth-client delete", flag.ContinueOnError), args)
	if err != nil {
		return err
	}
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
