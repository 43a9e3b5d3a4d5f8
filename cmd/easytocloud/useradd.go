package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/easytocloud/easytocloud/tenants"
)

// userAddOptions are the flags of user add.
type userAddOptions struct {
	tenantID, email, phone string
	fromStdin              bool
}

func newUserAddCmd(env *cliEnv) *cobra.Command {
	var o userAddOptions
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Add a user to a tenant (the password is prompted for, or read from stdin)",
		Example: "  easytocloud user add --tenant t-6dqbkpz4rxm2wj7a --email ann@example.com --phone +31612345678\n" +
			"  pass show easytocloud/ann | easytocloud user add --tenant t-6dqbkpz4rxm2wj7a --email ann@example.com --password-stdin",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 || o.tenantID == "" || o.email == "" {
				return usagef("usage: easytocloud user add --tenant ID --email E [--phone +E164] [--password-stdin]")
			}
			return runUserAdd(cmd.Context(), env, o)
		},
	}
	cmd.Flags().StringVar(&o.tenantID, "tenant", "", "the user's tenant ID")
	cmd.Flags().StringVar(&o.email, "email", "", "the user's email address (they sign in with it)")
	cmd.Flags().StringVar(&o.phone, "phone", "", "the user's phone number in E.164 form, such as +31612345678 (needed for SMS codes)")
	cmd.Flags().BoolVar(&o.fromStdin, "password-stdin", false, "read the password from stdin (otherwise prompted without echo)")
	return cmd
}

func runUserAdd(ctx context.Context, env *cliEnv, o userAddOptions) error {
	s, _, err := openStore(ctx, env, false)
	if err != nil {
		return err
	}
	// Check the tenant before asking for a password.
	if _, err := s.GetTenant(ctx, o.tenantID); err != nil {
		return notFoundHint(err, "tenant list")
	}
	password, err := readPassword(env, o.fromStdin)
	if err != nil {
		return err
	}
	u, err := s.CreateUser(ctx, tenants.User{TenantID: o.tenantID, Email: o.email, Phone: o.phone}, password)
	if errors.Is(err, tenants.ErrEmailTaken) {
		return fmt.Errorf("%s already has an account: see easytocloud user show %s", o.email, o.email)
	}
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintf(env.stdout, "Added user %s (%s) to tenant %s.\n", u.ID, u.Email, u.TenantID)
	return nil
}
