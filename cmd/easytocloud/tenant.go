package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/pflag"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/internal/localsts"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// tenantCommand is the tenant commands.
var tenantCommand = command{
	use: "tenant", short: "Tenants",
	example: "  easytocloud tenant create --name Acme --role-arn arn:aws:iam::123456789012:role/easytocloud --mfa sms\n" +
		"  easytocloud tenant list\n" +
		"  easytocloud tenant verify-role t-6dqbkpz4rxm2wj7a\n" +
		"  easytocloud tenant suspend t-6dqbkpz4rxm2wj7a",
	subs: []command{tenantCreateCommand, tenantListCommand, tenantShowCommand, tenantUpdateCommand, tenantVerifyRoleCommand,
		tenantSuspendCommand, tenantResumeCommand, tenantDeleteCommand},
}

// tenantCreateCommand adds a tenant.
var tenantCreateCommand = command{
	use:   "create",
	short: "Add a tenant: an AWS account easytocloud acts in through a role",
	long: "Add a tenant and print the ExternalId to put in the trust policy of its role; then run\n" +
		"easytocloud tenant verify-role. A tenant with --mfa token needs the MFA device's serial and\n" +
		"a zero-permission verifier IAM user, whose secret is read from stdin and sealed with KMS.",
	example: "  easytocloud tenant create --name Acme --role-arn arn:aws:iam::123456789012:role/easytocloud --mfa sms\n" +
		"  easytocloud tenant create --name Globex --role-arn arn:aws:iam::222222222222:role/easytocloud \\\n" +
		"    --regions eu-west-1 --control-tag easytocloud=voice --mfa token --mfa-serial GAHT12345678 \\\n" +
		"    --verifier-key-id AKIA... --verifier-secret-stdin < verifier-secret.txt",
	args: noArgs("tenant create"), complete: mfaCompletion,
	setup: func(env *cliEnv, fs *pflag.FlagSet) action {
		var f tenantFlags
		f.register(fs)
		out := jsonFlag(fs, "the tenant")
		return func(ctx context.Context, _ []string) error { return runTenantCreate(ctx, env, &f, out) }
	},
}

// tenantListCommand lists the tenants.
var tenantListCommand = command{
	use: "list", short: "List the tenants", args: noArgs("tenant list"),
	example: "  easytocloud tenant list\n  easytocloud tenant list --json | jq -r '.[].id'",
	setup: func(env *cliEnv, fs *pflag.FlagSet) action {
		out := jsonFlag(fs, "the tenants")
		return func(ctx context.Context, _ []string) error { return runTenantList(ctx, env, out) }
	},
}

// tenantShowCommand shows a tenant.
var tenantShowCommand = command{
	use: "show ID", short: "Show a tenant", args: oneTenantID,
	example: "  easytocloud tenant show t-6dqbkpz4rxm2wj7a\n  easytocloud tenant show t-6dqbkpz4rxm2wj7a --json",
	setup: func(env *cliEnv, fs *pflag.FlagSet) action {
		out := jsonFlag(fs, "the tenant")
		return func(ctx context.Context, args []string) error {
			_, _, t, err := findTenant(ctx, env, args[0])
			if err != nil {
				return err
			}
			return out.print(env.stdout, tenantView(t), func(w io.Writer) error { printTenant(w, t); return nil })
		}
	},
}

// tenantVerifyRoleCommand checks the tenant's role.
var tenantVerifyRoleCommand = command{
	use:   "verify-role ID",
	short: "Check that easytocloud can assume the tenant's role, and only with the ExternalId",
	long: "Assume the tenant's role with a wrong ExternalId, which must be refused (else its trust policy lacks\n" +
		"the sts:ExternalId condition), then with the tenant's own, which must work in the role's account.\n" +
		"Against a local emulator (AWS_ENDPOINT_URL on this machine) the roles' trust policies are read from\n" +
		"the emulator's IAM and played by easytocloud.",
	example: "  easytocloud tenant verify-role t-6dqbkpz4rxm2wj7a",
	args:    oneTenantID,
	setup: func(env *cliEnv, _ *pflag.FlagSet) action {
		return func(ctx context.Context, args []string) error { return runTenantVerifyRole(ctx, env, args[0]) }
	},
}

// tenantDeleteCommand deletes a tenant.
var tenantDeleteCommand = command{
	use:   "delete ID",
	short: "Delete a tenant (refused while it has users, unless --force)",
	example: "  easytocloud tenant delete t-6dqbkpz4rxm2wj7a\n" +
		"  easytocloud tenant delete t-6dqbkpz4rxm2wj7a --force   # its users too, and their account links",
	args: oneTenantID,
	setup: func(env *cliEnv, fs *pflag.FlagSet) action {
		force := fs.Bool("force", false, "also delete the tenant's users (and revoke their account links)")
		return func(ctx context.Context, args []string) error { return runTenantDelete(ctx, env, args[0], *force) }
	},
}

// tenantUpdateCommand changes the fields its flags name.
var tenantUpdateCommand = command{
	use:   "update ID",
	short: "Change a tenant's fields: only the flags given change",
	long: "Change the fields of a tenant that its flags name; the others keep their values.\n" +
		"--regions all looks in every region enabled in the account again, --control-tag none lets\n" +
		"any instance be changed by voice, and --mfa sms drops the token's serial and verifier.",
	example: "  easytocloud tenant update t-6dqbkpz4rxm2wj7a --regions eu-west-1,eu-central-1\n" +
		"  easytocloud tenant update t-6dqbkpz4rxm2wj7a --mfa token --mfa-serial GAHT12345678 \\\n" +
		"    --verifier-key-id AKIA... --verifier-secret-stdin < verifier-secret.txt",
	args: oneTenantID, complete: mfaCompletion,
	setup: func(env *cliEnv, fs *pflag.FlagSet) action {
		var f tenantFlags
		f.register(fs)
		return func(ctx context.Context, args []string) error {
			set := map[string]bool{}
			fs.Visit(func(fl *pflag.Flag) { set[fl.Name] = true })
			return runTenantUpdate(ctx, env, args[0], &f, set)
		}
	},
}

// findTenant opens the store and reads the tenant id names, and returns the AWS
// configuration the store uses.
func findTenant(ctx context.Context, env *cliEnv, id string) (*dynamo.Store, aws.Config, tenants.Tenant, error) {
	s, cfg, err := openStore(ctx, env, false)
	if err != nil {
		return nil, aws.Config{}, tenants.Tenant{}, err
	}
	t, err := s.GetTenant(ctx, id)
	if err != nil {
		return nil, aws.Config{}, tenants.Tenant{}, notFoundHint(err, "tenant list")
	}
	return s, cfg, t, nil
}

// listUsers opens the store and lists the users of the tenant id names.
func listUsers(ctx context.Context, env *cliEnv, id string) (*dynamo.Store, []tenants.User, error) {
	s, _, err := openStore(ctx, env, false)
	if err != nil {
		return nil, nil, err
	}
	users, err := s.ListUsers(ctx, id)
	if err != nil {
		return nil, nil, notFoundHint(err, "tenant list")
	}
	return s, users, nil
}

// notFoundHint adds where to look up IDs to a not-found error.
func notFoundHint(err error, list string) error {
	if errors.Is(err, tenants.ErrNotFound) {
		return fmt.Errorf("%w; see: easytocloud %s", err, list)
	}
	return cliError(err)
}

func runTenantCreate(ctx context.Context, env *cliEnv, f *tenantFlags, out *jsonOutput) error {
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
	s, secret, err := f.openStore(ctx, env)
	if err != nil {
		return err
	}
	t, err = s.CreateTenant(ctx, t, secret)
	if err != nil {
		return cliError(err)
	}
	return out.print(env.stdout, tenantView(t), func(w io.Writer) error {
		fmt.Fprintf(w, "Created tenant %s (%s).\n", t.ID, t.Name)
		fmt.Fprintf(w, "ExternalId: %s\n\n", t.ExternalID)
		fmt.Fprintf(w, "Put the ExternalId in the trust policy of %s\n(Condition StringEquals sts:ExternalId), then run: easytocloud tenant verify-role %s\n", t.RoleARN, t.ID)
		return nil
	})
}

func runTenantList(ctx context.Context, env *cliEnv, out *jsonOutput) error {
	s, _, err := openStore(ctx, env, false)
	if err != nil {
		return err
	}
	list, err := s.ListTenants(ctx)
	if err != nil {
		return cliError(err)
	}
	return tenantListing.print(env.stdout, out, list)
}

func runTenantUpdate(ctx context.Context, env *cliEnv, id string, f *tenantFlags, set map[string]bool) error {
	if len(set) == 0 {
		return usagef("tenant update: nothing to change; give at least one flag (see easytocloud tenant update --help)")
	}
	s, secret, err := f.openStore(ctx, env)
	if err != nil {
		return err
	}
	// The flags say what the fields become, so the store applies them again to a
	// fresh read when someone else changed the tenant meanwhile.
	var cur tenants.Tenant
	t, err := s.UpdateTenant(ctx, id, secret, func(t *tenants.Tenant) error {
		cur = *t
		return f.apply(t, set)
	})
	if err != nil {
		return notFoundHint(err, "tenant list")
	}
	fmt.Fprintf(env.stdout, "Updated tenant %s (%s), now at version %d.\n", t.ID, t.Name, t.Version)
	if cur.RoleARN != t.RoleARN || cur.ExternalID != t.ExternalID {
		fmt.Fprintf(env.stdout, "The role changed: run easytocloud tenant verify-role %s\n", t.ID)
	}
	return nil
}

func runTenantVerifyRole(ctx context.Context, env *cliEnv, id string) error {
	_, cfg, t, err := findTenant(ctx, env, id)
	if err != nil {
		return err
	}
	// The emulator lets anyone assume any role; on this machine the local stack's STS
	// plays the roles' trust policies from the emulator's IAM. It only adds refusals,
	// so it cannot make a role pass that AWS would fail.
	var client account.AssumeRoleAPI = sts.NewFromConfig(cfg)
	local := localsts.IsLoopbackEndpoint(cfg)
	if local {
		client = localsts.New(cfg)
	}
	if err := account.NewAccess(client).VerifyRole(ctx, t); err != nil {
		if errors.Is(err, tenants.ErrExternalIDNotRequired) || errors.Is(err, tenants.ErrRoleNotAssumable) {
			return fmt.Errorf("%w\nThe tenant's ExternalId: %s", err, t.ExternalID)
		}
		return cliError(err)
	}
	fmt.Fprintf(env.stdout, "Verified %s: easytocloud can assume it with the tenant's ExternalId and acts in account %s;\n", t.RoleARN, t.AccountID())
	fmt.Fprintln(env.stdout, "a wrong ExternalId is refused.")
	if local {
		fmt.Fprintln(env.stdout, "(Against the local emulator, which ignores trust policies: the local stack's STS played the role's trust policy from the emulator's IAM.)")
	}
	return nil
}

func runTenantDelete(ctx context.Context, env *cliEnv, id string, force bool) error {
	s, users, err := listUsers(ctx, env, id)
	if err != nil {
		return err
	}
	if err := s.DeleteTenant(ctx, id, force); err != nil {
		if errors.Is(err, tenants.ErrHasUsers) {
			return fmt.Errorf("tenant %s has %d users: delete them first (easytocloud user list --tenant %s) or add --force", id, len(users), id)
		}
		return notFoundHint(err, "tenant list")
	}
	if err := revokeTokens(ctx, env, users...); err != nil {
		return fmt.Errorf("deleted tenant %s, but %w", id, err)
	}
	if len(users) > 0 {
		fmt.Fprintf(env.stdout, "Deleted tenant %s and its %d users, and revoked their account links.\n", id, len(users))
	} else {
		fmt.Fprintf(env.stdout, "Deleted tenant %s.\n", id)
	}
	return nil
}
