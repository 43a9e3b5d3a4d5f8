// Command mfa is the easytocloud MFA service as an AWS Lambda function behind API
// Gateway HTTP API (payload format 2.0, IAM authorization): SMS codes, token codes and
// elevations under /mfa/v1/. It reads EASYTOCLOUD_TABLE (the DynamoDB table) and
// EASYTOCLOUD_SECRETS_KEY_ID (the symmetric KMS key of the verifier secrets and MAC
// keys); AWS endpoints and credentials come from the SDK's standard configuration.
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
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/easytocloud/easytocloud/internal/lambdahttp"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	slog.SetDefault(logger)
	table, keyID := mustEnv("EASYTOCLOUD_TABLE"), mustEnv("EASYTOCLOUD_SECRETS_KEY_ID")

	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "mfa: load AWS config: %v\n", err)
		os.Exit(1)
	}
	svc := newService(cfg, table, keyID)
	svc.Log = logger
	lambda.Start(lambdahttp.Handler(mfa.NewHandler(svc)))
}

// newService wires the Service to AWS through cfg: tenants and the MAC key from the
// table, SMS through SNS, token checks through STS.
func newService(cfg aws.Config, tableName, keyID string) *mfa.Service {
	tbl, keys := table.New(dynamodb.NewFromConfig(cfg), tableName), kms.NewFromConfig(cfg)
	return mfa.NewService(dynamo.NewStore(tbl, keys, keyID), dynamo.NewKeyring(tbl, keys, keyID), tbl, sns.NewFromConfig(cfg), mfa.NewSTSFactory(cfg))
}

// mustEnv returns the variable's value, or names it and exits when it is unset.
func mustEnv(name string) string {
	v := os.Getenv(name)
	if v == "" {
		fmt.Fprintf(os.Stderr, "mfa: %s is not set\n", name)
		os.Exit(2)
	}
	return v
}
