package mfa

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/easytocloud/easytocloud/tenants"
)

// SessionTokenAPI is the part of the STS client that checks a token code.
type SessionTokenAPI interface {
	GetSessionToken(ctx context.Context, in *sts.GetSessionTokenInput, opts ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error)
}

// STSFactory returns an STS client that signs its requests with creds, the keys of a
// tenant's verifier IAM user. The Service builds one per check, so the decrypted
// secret lives only as long as that call.
type STSFactory func(creds aws.Credentials) SessionTokenAPI

// NewSTSFactory returns an STSFactory making clients from base (its endpoint, region,
// HTTP client and retryer) with the given static credentials in place of base's.
func NewSTSFactory(base aws.Config) STSFactory {
	return func(creds aws.Credentials) SessionTokenAPI {
		cfg := base.Copy()
		cfg.Credentials = credentials.StaticCredentialsProvider{Value: creds}
		return sts.NewFromConfig(cfg)
	}
}

// sessionSeconds is the shortest session STS grants; the session is never used.
const sessionSeconds = 900

// checkToken asks STS whether code is the current code of the tenant's MFA device:
// sts:GetSessionToken with the device's serial, signed with the verifier user's keys.
// AccessDenied means a wrong or reused code (errWrongCode); throttling is ErrThrottled.
// Any other answer of STS wraps errSTSAnswer, which counts as a failure: were STS ever
// to refuse a wrong code in other words, guesses must not go uncounted. An error with
// no answer from STS (the request did not get through) wraps neither.
func (s *Service) checkToken(ctx context.Context, t tenants.Tenant, code string) error {
	if t.MFA.Serial == "" || t.MFA.VerifierKeyID == "" {
		return fmt.Errorf("tenant %s: token MFA without a device serial or verifier key", t.ID)
	}
	secret, err := s.dir.VerifierSecret(ctx, t)
	if err != nil {
		return fmt.Errorf("verifier secret of tenant %s: %w", t.ID, err)
	}
	client := s.newSTS(aws.Credentials{
		AccessKeyID:     t.MFA.VerifierKeyID,
		SecretAccessKey: secret,
		Source:          "easytocloud MFA verifier",
	})
	_, err = client.GetSessionToken(ctx, &sts.GetSessionTokenInput{
		SerialNumber:    aws.String(t.MFA.Serial),
		TokenCode:       aws.String(code),
		DurationSeconds: aws.Int32(sessionSeconds),
	})
	var apiErr smithy.APIError
	if err == nil {
		return nil
	}
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("check token of tenant %s: %w", t.ID, err)
	}
	_, throttled := retry.DefaultThrottleErrorCodes[apiErr.ErrorCode()]
	switch {
	case apiErr.ErrorCode() == "AccessDenied":
		return errWrongCode
	case throttled:
		return fmt.Errorf("check token of tenant %s: %w", t.ID, ErrThrottled)
	default:
		return fmt.Errorf("check token of tenant %s: %w: %w", t.ID, errSTSAnswer, err)
	}
}
