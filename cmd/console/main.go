// Command console is the tenants' console as an AWS Lambda function behind API
// Gateway HTTP API (payload format 2.0): sign-up, the AWS account's connection, the
// organisation's people and each person's own page under /console/. It reads the
// variables app.Console lists: EASYTOCLOUD_TABLE, EASYTOCLOUD_SECRETS_KEY_ID,
// EASYTOCLOUD_ISSUER (the console is at its /console), EASYTOCLOUD_MFA_URL (the mfa
// API, called with SigV4 to end a removed user's elevations), EASYTOCLOUD_MAIL_FROM
// and EASYTOCLOUD_MAIL_CONFIGURATION_SET (SES), EASYTOCLOUD_SIGNUP ("open" or
// "code"), EASYTOCLOUD_SKILL_ROLE_ARN (the role tenants' trust policies name, which
// the role check goes through) and EASYTOCLOUD_TENANT_TEMPLATE_URL (the tenant role's
// CloudFormation template). AWS endpoints and credentials come from the SDK's
// standard configuration.
package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/easytocloud/easytocloud/console"
	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/app/consoleapp"
	"github.com/easytocloud/easytocloud/internal/lambdahttp"
	"github.com/easytocloud/easytocloud/mfa"
)

func main() {
	c, cfg, logger := app.Boot(app.Console)
	srv, err := newServer(c, cfg, logger)
	if err != nil {
		fmt.Fprintf(os.Stderr, "console: %v\n", err)
		os.Exit(2)
	}
	lambda.Start(lambdahttp.Handler(srv))
}

// mfaTimeout bounds one call to the mfa API.
const mfaTimeout = 3 * time.Second

// newServer wires the console as the Lambda function runs it.
func newServer(c app.Config, cfg aws.Config, logger *slog.Logger) (*console.Server, error) {
	a := app.NewAWS(cfg)
	elevations := mfa.NewClient(c.MFAURL, &http.Client{Timeout: mfaTimeout}, cfg.Credentials, cfg.Region)
	return consoleapp.NewServer(c, a, consoleapp.Parts{
		Tokens:     consoleapp.NewTokens(c, a),
		Elevations: elevations,
		STS:        consoleapp.SkillRoleSTS(c, a),
	}, logger)
}
