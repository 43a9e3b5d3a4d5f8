package awstest

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/easytocloud/easytocloud/internal/table"
)

// Table creates a fresh table with the project's schema (table.Create) in the
// default account and returns its name. No other test shares it.
func Table(tb testing.TB) string {
	tb.Helper()
	name := TableName(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := table.Create(ctx, dynamodb.NewFromConfig(Config(tb)), name); err != nil {
		tb.Fatalf("awstest: %v", err)
	}
	return name
}

// SecretsKey creates a symmetric KMS key (as EASYTOCLOUD_SECRETS_KEY_ID names in
// production) in the default account and returns its key ID.
func SecretsKey(tb testing.TB) string {
	tb.Helper()
	return createKey(tb, &kms.CreateKeyInput{
		Description: aws.String("awstest secrets " + tb.Name()),
		KeySpec:     kmstypes.KeySpecSymmetricDefault,
		KeyUsage:    kmstypes.KeyUsageTypeEncryptDecrypt,
	})
}

// SigningKey creates an asymmetric ECC_NIST_P256 SIGN_VERIFY KMS key (as
// EASYTOCLOUD_SIGNING_KEY_ID names in production) in the default account and returns
// its key ID.
func SigningKey(tb testing.TB) string {
	tb.Helper()
	return createKey(tb, &kms.CreateKeyInput{
		Description: aws.String("awstest signing " + tb.Name()),
		KeySpec:     kmstypes.KeySpecEccNistP256,
		KeyUsage:    kmstypes.KeyUsageTypeSignVerify,
	})
}

func createKey(tb testing.TB, in *kms.CreateKeyInput) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := kms.NewFromConfig(Config(tb)).CreateKey(ctx, in)
	if err != nil {
		tb.Fatalf("awstest: create KMS key: %v", err)
	}
	return aws.ToString(out.KeyMetadata.KeyId)
}
