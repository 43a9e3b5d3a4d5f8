// Package oauthapp wires the authorization server for the Lambda function and the
// local stack, from internal/app's configuration and clients. It is a package of its
// own so that only the binaries that serve sign-in link the server (see app).
package oauthapp

import (
	"log/slog"

	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/oauth"
)

// NewServer returns the authorization server on c.Table for c.Issuer and the
// audience c.SkillID: users, clients, codes, tokens and MAC keys in the table
// (a.DB, a.KMS with c.SecretsKeyID), access tokens signed by signer. Its error is
// oauth.NewServer's, for a configuration it refuses (an http issuer on a public
// host, for one).
func NewServer(c app.Config, a app.AWS, signer accesstoken.Signer, logger *slog.Logger) (*oauth.Server, error) {
	return oauth.NewServer(oauth.Config{
		Issuer:   c.Issuer,
		Audience: c.SkillID,
		Table:    app.NewTable(c, a),
		Keyring:  app.NewKeyring(c, a),
		Users:    app.NewStore(c, a),
		Signer:   signer,
		Logger:   logger,
	})
}
