// Command skill is the easytocloud Alexa skill as an AWS Lambda function (Alexa
// Skills Kit trigger). It answers request envelopes for the configured skill ID only.
// It reads EASYTOCLOUD_TABLE (the DynamoDB table), EASYTOCLOUD_SKILL_ID (the only
// application ID accepted, and the aud access tokens must carry),
// EASYTOCLOUD_ISSUER (the iss they must carry), EASYTOCLOUD_SIGNING_KEY_ID (the KMS
// key whose public key checks them) and EASYTOCLOUD_MFA_URL (the base URL of the
// mfa API, called with SigV4). AWS endpoints and credentials come from the SDK's
// standard configuration.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/skill"
	"github.com/easytocloud/easytocloud/tenants"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	slog.SetDefault(logger)
	s, err := settingsFrom(os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "skill: %v\n", err)
		os.Exit(2)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "skill: load AWS config: %v\n", err)
		os.Exit(1)
	}
	h := newHandler(cfg, s, &http.Client{Timeout: mfaTimeout})
	h.Log = logger
	lambda.Start(h.Handle)
}

// mfaTimeout bounds one call to the mfa API; the skill's own budget is shorter
// still for most requests.
const mfaTimeout = 3 * time.Second

// settings are the function's configuration.
type settings struct {
	table, skillID, issuer, signingKeyID, mfaURL string
}

// settingsFrom reads the configuration, naming the first variable that is unset.
func settingsFrom(getenv func(string) string) (settings, error) {
	var s settings
	for _, v := range []struct {
		name string
		dst  *string
	}{
		{"EASYTOCLOUD_TABLE", &s.table},
		{"EASYTOCLOUD_SKILL_ID", &s.skillID},
		{"EASYTOCLOUD_ISSUER", &s.issuer},
		{"EASYTOCLOUD_SIGNING_KEY_ID", &s.signingKeyID},
		{"EASYTOCLOUD_MFA_URL", &s.mfaURL},
	} {
		if *v.dst = getenv(v.name); *v.dst == "" {
			return settings{}, fmt.Errorf("%s is not set", v.name)
		}
	}
	return s, nil
}

// newHandler wires the skill to AWS through cfg: tenants and users from the table,
// access tokens checked with the signing key's public key, tenants' accounts
// through their roles, the second factor through the mfa API (requests sent with
// mfaHTTP), and token revocation on SkillDisabled.
func newHandler(cfg aws.Config, s settings, mfaHTTP *http.Client) *skill.Handler {
	db, keys := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	return &skill.Handler{
		SkillID: s.skillID,
		Tokens: &accesstoken.Verifier{
			Issuer: s.issuer, Audience: s.skillID, Keys: accesstoken.KMSKeys(keys, s.signingKeyID),
		},
		// The skill only reads tenants and users; it never decrypts their secrets.
		Directory: tenants.NewStore(db, keys, s.table, ""),
		Access:    account.NewAccess(sts.NewFromConfig(cfg)),
		MFA:       mfa.NewClient(s.mfaURL, mfaHTTP, cfg.Credentials, cfg.Region),
		Revoker:   oauth.NewTokens(db, nil, s.table),
		Progress:  &alexa.ProgressClient{},
		AWS:       cfg,
	}
}
