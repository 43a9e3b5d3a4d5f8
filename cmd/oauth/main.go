// Command oauth is the easytocloud authorization server as an AWS Lambda function
// behind API Gateway HTTP API (payload format 2.0, public routes): the login page and
// authorization endpoint, the token endpoint, revocation, discovery and JWKS, by which
// Alexa links a person's Alexa account to their easytocloud user.
//
// It reads the variables app.OAuth lists: EASYTOCLOUD_TABLE (the DynamoDB table),
// EASYTOCLOUD_SECRETS_KEY_ID (the symmetric KMS key of the MAC keys),
// EASYTOCLOUD_SIGNING_KEY_ID (the ECC_NIST_P256 KMS key that signs access tokens),
// EASYTOCLOUD_ISSUER (its https base URL, the tokens' iss) and EASYTOCLOUD_SKILL_ID
// (the tokens' aud). AWS endpoints and credentials come from the SDK's standard
// configuration. Logs are JSON lines on stdout.
package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/app/oauthapp"
	"github.com/easytocloud/easytocloud/internal/lambdahttp"
	"github.com/easytocloud/easytocloud/oauth"
)

func main() {
	c, cfg, logger := app.Boot(app.OAuth)
	srv, err := newServer(c, cfg, logger)
	if err != nil {
		fmt.Fprintf(os.Stderr, "oauth: %v\n", err)
		os.Exit(2)
	}
	lambda.Start(lambdahttp.Handler(srv))
}

// newServer wires the authorization server as the Lambda function runs it, its
// clients held as func values (see clients.go), access tokens signed by KMS.
func newServer(c app.Config, cfg aws.Config, logger *slog.Logger) (*oauth.Server, error) {
	a := app.AWS{Config: cfg, DB: newDynamoDB(dynamodb.NewFromConfig(cfg)), KMS: newKMS(kms.NewFromConfig(cfg))}
	return oauthapp.NewServer(c, a, app.KMSSigner(c, a), logger)
}
