package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/easytocloud/easytocloud/tenants"
)

func newTenantCmd(env *cliEnv) *cobra.Command {
	return newGroupCmd("tenant", "Tenants: create, list, show, update, verify-role, delete",
		"  easytocloud tenant create --name Acme --role-arn arn:aws:iam::123456789012:role/easytocloud --mfa sms\n"+
			"  easytocloud tenant list\n"+
			"  easytocloud tenant verify-role t-6dqbkpz4rxm2wj7a",
		newTenantCreateCmd(env),
		newTenantListCmd(env),
		newTenantShowCmd(env),
		newTenantUpdateCmd(env),
		newTenantVerifyRoleCmd(env),
		newTenantDeleteCmd(env),
	)
}

// oneTenantID is the argument check of a command that takes one tenant ID.
var oneTenantID = oneID("tenant ID", "tenant list")

// tenantFlags are the operator's fields of a tenant, shared by create and update.
type tenantFlags struct {
	name, roleARN, regions, controlTag, mfa, serial, keyID string
	elevation                                              time.Duration
	secretStdin                                            bool
}

func (f *tenantFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.name, "name", "", "the tenant's name")
	fs.StringVar(&f.roleARN, "role-arn", "", "ARN of the role easytocloud assumes in the tenant's account")
	fs.StringVar(&f.regions, "regions", "", "comma-separated region codes to look in (default: all enabled in the account; \"all\" on update)")
	fs.StringVar(&f.controlTag, "control-tag", "", "key=value tag marking the instances that may be changed by voice (\"none\" on update)")
	fs.StringVar(&f.mfa, "mfa", "", "second factor: sms or token")
	fs.DurationVar(&f.elevation, "elevation", tenants.DefaultElevation, "how long a second factor allows changes (1m to 60m)")
	fs.StringVar(&f.serial, "mfa-serial", "", "token: the MFA device's serial number or ARN")
	fs.StringVar(&f.keyID, "verifier-key-id", "", "token: access key ID of the zero-permission verifier IAM user")
	fs.BoolVar(&f.secretStdin, "verifier-secret-stdin", false, "token: read the verifier's secret access key from stdin (prompted without echo on a terminal)")
}

// completeMFA offers the second factors as the values of cmd's --mfa.
func completeMFA(cmd *cobra.Command) {
	_ = cmd.RegisterFlagCompletionFunc("mfa", cobra.FixedCompletions(
		[]string{string(tenants.MFASMS), string(tenants.MFAToken)}, cobra.ShellCompDirectiveNoFileComp))
}

// apply sets on t the fields whose flags were given (all of them when set is nil).
func (f *tenantFlags) apply(t *tenants.Tenant, set map[string]bool) error {
	given := func(name string) bool { return set == nil || set[name] }
	if given("name") {
		t.Name = f.name
	}
	if given("role-arn") {
		t.RoleARN = f.roleARN
	}
	if given("regions") {
		t.Regions = nil
		if r := strings.TrimSpace(f.regions); r != "" && r != "all" {
			for _, code := range strings.Split(r, ",") {
				t.Regions = append(t.Regions, strings.TrimSpace(code))
			}
		}
	}
	if given("control-tag") {
		t.ControlTag = nil
		if f.controlTag != "" && f.controlTag != "none" {
			k, v, ok := strings.Cut(f.controlTag, "=")
			if !ok {
				return usagef("--control-tag %q: give it as key=value", f.controlTag)
			}
			t.ControlTag = &tenants.Tag{Key: k, Value: v}
		}
	}
	if given("mfa") {
		t.MFA.Kind = tenants.MFAKind(f.mfa)
		if t.MFA.Kind == tenants.MFASMS {
			t.MFA.Serial, t.MFA.VerifierKeyID = "", ""
		}
	}
	if given("elevation") {
		t.MFA.Elevation = f.elevation
	}
	if given("mfa-serial") {
		t.MFA.Serial = f.serial
	}
	if given("verifier-key-id") {
		t.MFA.VerifierKeyID = f.keyID
	}
	return nil
}

func (f *tenantFlags) secret(env *cliEnv) (string, error) {
	if !f.secretStdin {
		return "", nil
	}
	return readSecret(env, "Verifier secret access key", false)
}

// notFoundHint adds where to look up IDs to a not-found error.
func notFoundHint(err error, list string) error {
	if errors.Is(err, tenants.ErrNotFound) {
		return fmt.Errorf("%w; see: easytocloud %s", err, list)
	}
	return cliError(err)
}

func newTenantUpdateCmd(env *cliEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "update ID",
		Short: "Change a tenant's fields: only the flags given change",
		Long: "Change the fields of a tenant that its flags name; the others keep their values.\n" +
			"--regions all looks in every region enabled in the account again, --control-tag none lets\n" +
			"any instance be changed by voice, and --mfa sms drops the token's serial and verifier.",
		Example: "  easytocloud tenant update t-6dqbkpz4rxm2wj7a --regions eu-west-1,eu-central-1\n" +
			"  easytocloud tenant update t-6dqbkpz4rxm2wj7a --mfa token --mfa-serial GAHT12345678 \\\n" +
			"    --verifier-key-id AKIA... --verifier-secret-stdin < verifier-secret.txt",
		Args: oneTenantID,
	}
	var f tenantFlags
	f.register(cmd.Flags())
	completeMFA(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		set := map[string]bool{}
		cmd.Flags().Visit(func(fl *pflag.Flag) { set[fl.Name] = true })
		return runTenantUpdate(cmd.Context(), env, args[0], &f, set)
	}
	return cmd
}

func runTenantUpdate(ctx context.Context, env *cliEnv, id string, f *tenantFlags, set map[string]bool) error {
	if len(set) == 0 {
		return usagef("tenant update: nothing to change; give at least one flag (see easytocloud tenant update --help)")
	}
	secret, err := f.secret(env)
	if err != nil {
		return err
	}
	s, _, err := openStore(ctx, env, secret != "")
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
