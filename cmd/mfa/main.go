// Command mfa is the easytocloud MFA service as an AWS Lambda function behind API
// Gateway HTTP API (payload format 2.0, IAM authorization): SMS codes, token codes and
// elevations under /mfa/v1/. It reads the variables app.MFA lists: EASYTOCLOUD_TABLE
// (the DynamoDB table) and EASYTOCLOUD_SECRETS_KEY_ID (the symmetric KMS key of the
// verifier secrets and MAC keys); AWS endpoints and credentials come from the SDK's
// standard configuration.
package main

import (
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/app/mfaapp"
	"github.com/easytocloud/easytocloud/internal/lambdahttp"
	"github.com/easytocloud/easytocloud/mfa"
)

func main() {
	c, cfg, logger := app.Boot(app.MFA)
	lambda.Start(lambdahttp.Handler(mfaapp.NewHandler(newService(c, cfg, logger))))
}

// newService wires the second factor as the Lambda function runs it, with the
// clients it calls (STS clients for token codes are made per tenant).
func newService(c app.Config, cfg aws.Config, logger *slog.Logger) *mfa.Service {
	return mfaapp.NewService(c, app.AWS{Config: cfg, DB: dynamodb.NewFromConfig(cfg), KMS: kms.NewFromConfig(cfg), SNS: sns.NewFromConfig(cfg)}, logger)
}
