package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/spf13/cobra"

	"github.com/easytocloud/easytocloud/internal/table"
)

func newTableCmd(env *cliEnv) *cobra.Command {
	create := &cobra.Command{
		Use:   "create",
		Short: "Create the DynamoDB table from the schema (local stack, sandboxes)",
		Long: "Create the single DynamoDB table easytocloud keeps its state in, with its keys, index and TTL.\n" +
			"Production creates it with Terraform; this is for the local stack and sandboxes.",
		Example: "  easytocloud table create --table easytocloud-dev",
		Args:    noArgs("table create"),
	}
	name := create.Flags().String("table", env.getenv(envTable), "table name (default $"+envTable+")")
	create.RunE = func(cmd *cobra.Command, _ []string) error { return runTableCreate(cmd.Context(), env, *name) }
	return newGroupCmd("table", "The DynamoDB table: create", create.Example, create)
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
