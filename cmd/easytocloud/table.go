package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/easytocloud/easytocloud/internal/table"
)

func init() {
	register(command{
		name:    "table",
		summary: "table create: create the DynamoDB table from the schema (local stack, sandboxes)",
		run:     runTable,
	})
}

func runTable(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		if len(args) > 0 && isHelp(args[0]) {
			fmt.Fprintln(env.stdout, "usage: easytocloud table create [--table NAME]")
			return nil
		}
		return usagef("usage: easytocloud table create [--table NAME]")
	}
	fs := flag.NewFlagSet("table create", flag.ContinueOnError)
	name := fs.String("table", env.getenv(envTable), "table name (default $"+envTable+")")
	pos, err := parseFlags(env, fs, args[1:])
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("table create takes no arguments, got %q", pos)
	}
	if *name == "" {
		return usagef("no table name: give --table or set %s", envTable)
	}
	cfg, err := awsConfig(ctx, env)
	if err != nil {
		return err
	}
	if err := table.Create(ctx, dynamodb.NewFromConfig(cfg), *name); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Table %s is ready (keys %s/%s, index %s, TTL on %s).\n",
		*name, table.PartitionKey, table.SortKey, table.GSIName, table.TTLAttribute)
	return nil
}
