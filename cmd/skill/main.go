// Command skill is the easytocloud Alexa skill as an AWS Lambda function (Alexa
// Skills Kit trigger). It answers request envelopes for the configured skill ID only.
// It reads the variables app.Skill lists: EASYTOCLOUD_TABLE (the DynamoDB table),
// EASYTOCLOUD_SKILL_ID (the only application ID accepted, and the aud access tokens
// must carry), EASYTOCLOUD_ISSUER (the iss they must carry),
// EASYTOCLOUD_SIGNING_KEY_ID (the KMS key whose public key checks them) and
// EASYTOCLOUD_MFA_URL (the base URL of the mfa API, called with SigV4). AWS endpoints
// and credentials come from the SDK's standard configuration.
package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/app/skillapp"
	"github.com/easytocloud/easytocloud/skill"
)

func main() {
	c, cfg, logger := app.Boot(app.Skill)
	lambda.Start(newHandler(c, cfg, &http.Client{Timeout: mfaTimeout}, logger).Handle)
}

// mfaTimeout bounds one call to the mfa API; the skill's own budget is shorter
// still for most requests.
const mfaTimeout = 3 * time.Second

// newHandler wires the skill as the Lambda function runs it, with the clients it
// calls (SNS only to tell a user of a new Alexa account: SMS codes are the mfa
// API's), calling the mfa API through mfaHTTP.
func newHandler(c app.Config, cfg aws.Config, mfaHTTP *http.Client, logger *slog.Logger) *skill.Handler {
	a := app.AWS{Config: cfg, DB: dynamodb.NewFromConfig(cfg), KMS: kms.NewFromConfig(cfg), SNS: sns.NewFromConfig(cfg), STS: sts.NewFromConfig(cfg)}
	return skillapp.NewHandler(c, a, skillapp.LambdaParts(c, a, mfaHTTP), logger)
}
