package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// Environment variables the tenant, user and table commands read.
const (
	envTable      = app.EnvTable
	envSecretsKey = app.EnvSecretsKeyID
)

// awsConfig loads the SDK's standard configuration: AWS_REGION (or
// AWS_DEFAULT_REGION), AWS_ENDPOINT_URL, AWS_PROFILE, static keys in
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, and otherwise the
// rest of the SDK's credential chain. It returns a usage error when no region is set.
func awsConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
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
	if _, err := app.FromEnv(env.getenv, name); err != nil {
		return "", usagef("%v: set it to %s", err, what)
	}
	return env.getenv(name), nil
}

// configureStore lets tests set a Store's clock and password parameters.
var configureStore = func(*dynamo.Store) {}

// openConfig reads $EASYTOCLOUD_TABLE (and, when needKey, the KMS key
// $EASYTOCLOUD_SECRETS_KEY_ID, which sealing a verifier secret needs; otherwise it is
// read when set) and loads the AWS configuration.
func openConfig(ctx context.Context, env *cliEnv, needKey bool) (app.Config, aws.Config, error) {
	table, err := requireEnv(env, envTable, "the DynamoDB table's name")
	if err != nil {
		return app.Config{}, aws.Config{}, err
	}
	key := env.getenv(envSecretsKey)
	if needKey && key == "" {
		return app.Config{}, aws.Config{}, usagef("%s is not set: set it to the KMS key that encrypts secrets", envSecretsKey)
	}
	cfg, err := awsConfig(ctx)
	if err != nil {
		return app.Config{}, aws.Config{}, err
	}
	return app.Config{Table: table, SecretsKeyID: key}, cfg, nil
}

// openStore returns the tenants Store of openConfig's table and key, and the AWS
// configuration it uses.
func openStore(ctx context.Context, env *cliEnv, needKey bool) (*dynamo.Store, aws.Config, error) {
	c, cfg, err := openConfig(ctx, env, needKey)
	if err != nil {
		return nil, aws.Config{}, err
	}
	s := app.NewStore(c, app.NewAWS(cfg))
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
