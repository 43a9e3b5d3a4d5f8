package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/spf13/pflag"

	"github.com/easytocloud/easytocloud/internal/table"
)

// tableCommand is the table commands.
var tableCommand = command{
	use: "table", short: "The DynamoDB table", example: tableCreateCommand.example,
	subs: []command{tableCreateCommand},
}

// tableCreateCommand creates the table.
var tableCreateCommand = command{
	use:   "create",
	short: "Create the DynamoDB table from the schema (local stack, sandboxes)",
	long: "Create the single DynamoDB table easytocloud keeps its state in, with its keys, index and TTL.\n" +
		"Production creates it with Terraform; this is for the local stack and sandboxes.",
	example: "  easytocloud table create --table easytocloud-dev",
	args:    noArgs("table create"),
	setup: func(env *cliEnv, fs *pflag.FlagSet) action {
		name := fs.String("table", env.getenv(envTable), "table name (default $"+envTable+")")
		return func(ctx context.Context, _ []string) error { return runTableCreate(ctx, env, *name) }
	},
}

func runTableCreate(ctx context.Context, env *cliEnv, name string) error {
	if name == "" {
		return usagef("no table name: give --table or set %s", envTable)
	}
	cfg, err := awsConfig(ctx)
	if err != nil {
		return err
	}
	if err := table.Create(ctx, dynamodb.NewFromConfig(cfg), name); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Table %s is ready (keys %s/%s, index %s, TTL on %s).\n",
		name, table.PartitionKey, table.SortKey, table.GSIName, table.TTLAttribute)
	return nil
}
