package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/easytocloud/easytocloud/mfa"
)

// unlockMFAUsage is the call of user unlock-mfa, for its usage errors.
const unlockMFAUsage = "usage: easytocloud user unlock-mfa --tenant ID --user ID"

func newUserUnlockMFACmd(env *cliEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "unlock-mfa",
		Short: "Lift the locks on a user's second factor after too many wrong codes",
		Long: "Forget a user's failed second-factor attempts and lift the lockout they caused, which nothing\n" +
			"else ends; their codes are checked again within a minute on every running instance.",
		Example: "  easytocloud user unlock-mfa --tenant t-6dqbkpz4rxm2wj7a --user u-3hq7zcwkd2mv5tna",
		Args:    cobra.ArbitraryArgs,
	}
	tenantID := cmd.Flags().String("tenant", "", "the user's tenant ID")
	userID := cmd.Flags().String("user", "", "the user's ID (see: easytocloud user list --tenant ID)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 || *tenantID == "" || *userID == "" {
			return usagef(unlockMFAUsage)
		}
		return runUserUnlockMFA(cmd.Context(), env, *tenantID, *userID)
	}
	return cmd
}

// runUserUnlockMFA lifts the locks on a user's second factor (mfa.Service.Unlock):
// the lockout after mfa.MaxConsecutiveFailures failures, which nothing else ends, and
// a current 15-minute one. The HTTP API the skill calls cannot do this; only an
// operator, with access to the table, can.
func runUserUnlockMFA(ctx context.Context, env *cliEnv, tenantID, userID string) error {
	const usage = unlockMFAUsage
	svc, err := openMFA(ctx, env)
	if err != nil {
		return err
	}
	switch err := svc.Unlock(ctx, tenantID, userID); {
	case errors.Is(err, mfa.ErrInvalidID):
		return usagef("%v; %s", err, usage)
	case err != nil:
		return notFoundHint(err, "user list --tenant ID")
	}
	fmt.Fprintf(env.stdout, "Unlocked the second factor of user %s of tenant %s: their failed attempts are forgotten, and their codes are checked again (within a minute on every running instance).\n", userID, tenantID)
	return nil
}
