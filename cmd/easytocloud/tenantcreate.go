package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/easytocloud/easytocloud/tenants"
)

func newTenantCreateCmd(env *cliEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Add a tenant: an AWS account easytocloud acts in through a role",
		Long: "Add a tenant and print the ExternalId to put in the trust policy of its role; then run\n" +
			"easytocloud tenant verify-role. A tenant with --mfa token needs the MFA device's serial and\n" +
			"a zero-permission verifier IAM user, whose secret is read from stdin and sealed with KMS.",
		Example: "  easytocloud tenant create --name Acme --role-arn arn:aws:iam::123456789012:role/easytocloud --mfa sms\n" +
			"  easytocloud tenant create --name Globex --role-arn arn:aws:iam::222222222222:role/easytocloud \\\n" +
			"    --regions eu-west-1 --control-tag easytocloud=voice --mfa token --mfa-serial GAHT12345678 \\\n" +
			"    --verifier-key-id AKIA... --verifier-secret-stdin < verifier-secret.txt",
		Args: noArgs("tenant create"),
	}
	var f tenantFlags
	f.register(cmd.Flags())
	asJSON := cmd.Flags().Bool("json", false, "print the tenant as JSON")
	completeMFA(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return runTenantCreate(cmd.Context(), env, &f, *asJSON) }
	return cmd
}

func runTenantCreate(ctx context.Context, env *cliEnv, f *tenantFlags, asJSON bool) error {
	switch {
	case f.name == "" || f.roleARN == "" || f.mfa == "":
		return usagef("tenant create needs --name, --role-arn and --mfa (sms or token)")
	case f.mfa == string(tenants.MFAToken) && !f.secretStdin:
		return usagef("--mfa token needs --mfa-serial, --verifier-key-id and --verifier-secret-stdin (the secret is read from stdin)")
	}
	var t tenants.Tenant
	if err := f.apply(&t, nil); err != nil {
		return err
	}
	secret, err := f.secret(env)
	if err != nil {
		return err
	}
	s, _, err := openStore(ctx, env, secret != "")
	if err != nil {
		return err
	}
	t, err = s.CreateTenant(ctx, t, secret)
	if err != nil {
		return cliError(err)
	}
	if asJSON {
		return writeJSON(env.stdout, tenantView(t))
	}
	fmt.Fprintf(env.stdout, "Created tenant %s (%s).\n", t.ID, t.Name)
	fmt.Fprintf(env.stdout, "ExternalId: %s\n\n", t.ExternalID)
	fmt.Fprintf(env.stdout, "Put the ExternalId in the trust policy of %s\n(Condition StringEquals sts:ExternalId), then run: easytocloud tenant verify-role %s\n", t.RoleARN, t.ID)
	return nil
}
