package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/spf13/cobra"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
)

func newOAuthClientCmd(env *cliEnv) *cobra.Command {
	return newGroupCmd("oauth-client", "OAuth clients (the Alexa skill): create, list, rotate-secret, delete",
		"  easytocloud oauth-client create --name alexa --vendor-id M2VENDOR\n"+
			"  easytocloud oauth-client list",
		newOAuthClientCreateCmd(env),
		newOAuthClientListCmd(env),
		newOAuthClientRotateCmd(env),
		newOAuthClientDeleteCmd(env),
	)
}

// oneClientID is the argument check of a command that takes one client ID.
var oneClientID = oneID("client ID", "oauth-client list")

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
