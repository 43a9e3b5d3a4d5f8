package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/easytocloud/easytocloud/account"
)

func newTenantVerifyRoleCmd(env *cliEnv) *cobra.Command {
	return &cobra.Command{
		Use:   "verify-role ID",
		Short: "Check that easytocloud can assume the tenant's role, and only with the ExternalId",
		Long: "Assume the tenant's role with its ExternalId and check the account it acts in; then check\n" +
			"that the role refuses callers without the ExternalId (not against an emulator, which ignores it).",
		Example: "  easytocloud tenant verify-role t-6dqbkpz4rxm2wj7a",
		Args:    oneTenantID,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTenantVerifyRole(cmd.Context(), env, args[0])
		},
	}
}

func runTenantVerifyRole(ctx context.Context, env *cliEnv, id string) error {
	s, cfg, err := openStore(ctx, env, false)
	if err != nil {
		return err
	}
	t, err := s.GetTenant(ctx, id)
	if err != nil {
		return notFoundHint(err, "tenant list")
	}
	access := account.NewAccess(sts.NewFromConfig(cfg))
	// An emulator ignores ExternalId, so the probe without it would always "succeed".
	emulated := cfg.BaseEndpoint != nil
	access.SkipExternalIDProbe = emulated
	if err := access.VerifyRole(ctx, t); err != nil {
		return cliError(err)
	}
	fmt.Fprintf(env.stdout, "Verified %s: easytocloud can assume it with the ExternalId and acts in account %s.\n", t.RoleARN, t.AccountID())
	if emulated {
		fmt.Fprintln(env.stdout, "Not checked that it refuses callers without the ExternalId: AWS_ENDPOINT_URL points at an emulator, which ignores ExternalId.")
	} else {
		fmt.Fprintln(env.stdout, "It refuses callers without the ExternalId.")
	}
	return nil
}
