// Command oauth is the easytocloud authorization server as an AWS Lambda function
// behind API Gateway HTTP API (payload format 2.0, public routes): the login page and
// authorization endpoint, the token endpoint, revocation, discovery and JWKS, by which
// Alexa links a person's Alexa account to their easytocloud user.
//
// It reads EASYTOCLOUD_TABLE (the DynamoDB table), EASYTOCLOUD_SECRETS_KEY_ID (the
// symmetric KMS key of the MAC keys), EASYTOCLOUD_SIGNING_KEY_ID (the ECC_NIST_P256 KMS
// key that signs access tokens), EASYTOCLOUD_ISSUER (its https base URL, the tokens'
// iss) and EASYTOCLOUD_SKILL_ID (the tokens' aud). AWS endpoints and credentials come
// from the SDK's standard configuration. Logs are JSON lines on stdout.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/lambdahttp"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// envVars are the variables main reads, all required.
var envVars = []string{
	"EASYTOCLOUD_TABLE",
	"EASYTOCLOUD_SECRETS_KEY_ID",
	"EASYTOCLOUD_SIGNING_KEY_ID",
	"EASYTOCLOUD_ISSUER",
	"EASYTOCLOUD_SKILL_ID",
}

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	slog.SetDefault(logger)
	env := map[string]string{}
	for _, name := range envVars {
		if env[name] = os.Getenv(name); env[name] == "" {
			fmt.Fprintf(os.Stderr, "oauth: %s is not set\n", name)
			os.Exit(2)
		}
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "oauth: load AWS config: %v\n", err)
		os.Exit(1)
	}
	srv, err := newServer(cfg, env, logger)
	if err != nil {
		fmt.Fprintf(os.Stderr, "oauth: %v\n", err)
		os.Exit(2)
	}
	lambda.Start(lambdahttp.Handler(srv))
}

// newServer wires the authorization server to AWS through cfg: users, clients, codes,
// tokens and MAC keys in the table, access tokens signed by the KMS key.
func newServer(cfg aws.Config, env map[string]string, logger *slog.Logger) (*oauth.Server, error) {
	db, keys := newDynamoDB(dynamodb.NewFromConfig(cfg)), newKMS(kms.NewFromConfig(cfg)) // see clients.go
	tbl, secretsKey := table.New(db, env["EASYTOCLOUD_TABLE"]), env["EASYTOCLOUD_SECRETS_KEY_ID"]
	return oauth.NewServer(oauth.Config{
		Issuer:   env["EASYTOCLOUD_ISSUER"],
		Audience: env["EASYTOCLOUD_SKILL_ID"],
		Table:    tbl,
		Keyring:  dynamo.NewKeyring(tbl, keys, secretsKey),
		Users:    dynamo.NewStore(tbl, keys, secretsKey),
		Signer:   accesstoken.NewKMSSigner(keys, env["EASYTOCLOUD_SIGNING_KEY_ID"]),
		Logger:   logger,
	})
}
