// Package mfaapp wires the second factor's service and API for the Lambda function,
// the local stack and the CLI, from internal/app's configuration and clients. It is a
// package of its own so that only the binaries that use it link it (see app).
package mfaapp

import (
	"log/slog"
	"net/http"

	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/mfa"
)

// NewService returns the second factor on c.Table: tenants and the MAC key from the
// table (a.DB, a.KMS with c.SecretsKeyID), SMS through a.SNS, token codes checked
// with STS clients made like a.Config. Its audit lines go to logger.
func NewService(c app.Config, a app.AWS, logger *slog.Logger) *mfa.Service {
	svc := mfa.NewService(app.NewStore(c, a), app.NewKeyring(c, a), app.NewTable(c, a), a.SNS, mfa.NewSTSFactory(a.Config))
	svc.Log = logger
	return svc
}

// NewHandler returns the mfa API (/mfa/v1/) of svc.
func NewHandler(svc *mfa.Service) http.Handler { return mfa.NewHandler(svc) }
