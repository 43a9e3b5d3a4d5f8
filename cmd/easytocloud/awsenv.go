package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// Environment variables the tenant, user and table commands read.
const (
	envTable      = "EASYTOCLOUD_TABLE"
	envSecretsKey = "EASYTOCLOUD_SECRETS_KEY_ID"
)

// awsConfig loads the SDK's standard configuration as env sees the environment:
// AWS_REGION (or AWS_DEFAULT_REGION), AWS_ENDPOINT_URL, AWS_PROFILE, static keys in
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, and otherwise the
// SDK's credential chain. It returns a usage error when no region is set.
func awsConfig(ctx context.Context, env *cliEnv) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if r := firstNonEmpty(env.getenv("AWS_REGION"), env.getenv("AWS_DEFAULT_REGION")); r != "" {
		opts = append(opts, config.WithRegion(r))
	}
	if ep := env.getenv("AWS_ENDPOINT_URL"); ep != "" {
		opts = append(opts, config.WithBaseEndpoint(ep))
	}
	if p := env.getenv("AWS_PROFILE"); p != "" {
		opts = append(opts, config.WithSharedConfigProfile(p))
	}
	if id := env.getenv("AWS_ACCESS_KEY_ID"); id != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(
			id, env.getenv("AWS_SECRET_ACCESS_KEY"), env.getenv("AWS_SESSION_TOKEN"))))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, usagef("no AWS region: set AWS_REGION (for example eu-west-1)")
	}
	return cfg, nil
}

// requireEnv returns the variable's value, or a usage error naming it.
func requireEnv(env *cliEnv, name, what string) (string, error) {
	v := env.getenv(name)
	if v == "" {
		return "", usagef("%s is not set: set it to %s", name, what)
	}
	return v, nil
}

// configureStore lets tests set a Store's clock and password parameters.
var configureStore = func(*dynamo.Store) {}

// openStore returns the tenants Store on $EASYTOCLOUD_TABLE (and, when needKey, the
// KMS key $EASYTOCLOUD_SECRETS_KEY_ID, which sealing a verifier secret needs), and the
// AWS configuration it uses.
func openStore(ctx context.Context, env *cliEnv, needKey bool) (*dynamo.Store, aws.Config, error) {
	tableName, err := requireEnv(env, envTable, "the DynamoDB table's name")
	if err != nil {
		return nil, aws.Config{}, err
	}
	key := env.getenv(envSecretsKey)
	if needKey && key == "" {
		return nil, aws.Config{}, usagef("%s is not set: set it to the KMS key that encrypts secrets", envSecretsKey)
	}
	cfg, err := awsConfig(ctx, env)
	if err != nil {
		return nil, aws.Config{}, err
	}
	s := dynamo.NewStore(table.New(dynamodb.NewFromConfig(cfg), tableName), kms.NewFromConfig(cfg), key)
	configureStore(s)
	return s, cfg, nil
}

// cliError turns an error from the tenants package into what the command returns:
// invalid input is a usage error (exit status 2), a missing table says how to create
// it, anything else is returned as it is (exit status 1).
func cliError(err error) error {
	var missing *dbtypes.ResourceNotFoundException
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tenants.ErrInvalid):
		return &usageError{msg: err.Error()}
	case errors.As(err, &missing):
		return fmt.Errorf("%w (does the table exist? create it with: easytocloud table create)", err)
	}
	return err
}
