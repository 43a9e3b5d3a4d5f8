package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/pflag"

	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// userCommand is the user commands.
var userCommand = command{
	use: "user", short: "Users of a tenant",
	example: "  easytocloud user add --tenant t-6dqbkpz4rxm2wj7a --email ann@example.com --phone +31612345678\n" +
		"  easytocloud user list --tenant t-6dqbkpz4rxm2wj7a\n" +
		"  easytocloud user set-phone ann@example.com +31687654321",
	subs: []command{userAddCommand, userListCommand, userShowCommand, userSetPhoneCommand, userSetPasswordCommand, userDeleteCommand, userUnlockMFACommand},
}

// userAddCommand adds a user to a tenant.
var userAddCommand = command{
	use:   "add",
	short: "Add a user to a tenant (the password is prompted for, or read from stdin)",
	example: "  easytocloud user add --tenant t-6dqbkpz4rxm2wj7a --email ann@example.com --phone +31612345678\n" +
		"  easytocloud user add --tenant t-6dqbkpz4rxm2wj7a --email ben@example.com --phone +31687654321 --role admin\n" +
		"  pass show easytocloud/ann | easytocloud user add --tenant t-6dqbkpz4rxm2wj7a --email ann@example.com --password-stdin",
	usage:    "usage: easytocloud user add --tenant ID --email E [--phone +E164] [--role admin|member] [--password-stdin]",
	required: []string{"tenant", "email"},
	complete: map[string][]string{"role": {string(tenants.RoleAdmin), string(tenants.RoleMember)}},
	setup: func(env *cliEnv, fs *pflag.FlagSet) action {
		var u tenants.User
		fs.StringVar(&u.TenantID, "tenant", "", "the user's tenant ID")
		fs.StringVar(&u.Email, "email", "", "the user's email address (they sign in with it)")
		fs.StringVar(&u.Phone, "phone", "", "the user's phone number in E.164 form, such as +31612345678 (needed for SMS codes)")
		role := fs.String("role", string(tenants.RoleMember), "what the user may do in the console: admin (connect the AWS account, set the policy, manage people) or member (their own account only)")
		fromStdin := passwordStdinFlag(fs)
		return func(ctx context.Context, _ []string) error {
			u.Role = tenants.Role(*role)
			if !tenants.ValidRole(u.Role) {
				return usagef("--role %q: use admin or member", *role)
			}
			return runUserAdd(ctx, env, u, *fromStdin)
		}
	},
}

// userListCommand lists the users of a tenant.
var userListCommand = command{
	use: "list", short: "List the users of a tenant",
	example: "  easytocloud user list --tenant t-6dqbkpz4rxm2wj7a\n  easytocloud user list --tenant t-6dqbkpz4rxm2wj7a --json",
	usage:   "usage: easytocloud user list --tenant ID [--json]", required: []string{"tenant"},
	setup: func(env *cliEnv, fs *pflag.FlagSet) action {
		tenantID := fs.String("tenant", "", "the tenant ID")
		out := jsonFlag(fs, "the users")
		return func(ctx context.Context, _ []string) error { return runUserList(ctx, env, *tenantID, out) }
	},
}

// userShowCommand shows a user.
var userShowCommand = onUser("show", "Show a user",
	"  easytocloud user show ann@example.com\n  easytocloud user show --tenant t-6dqbkpz4rxm2wj7a u-3hq7zcwkd2mv5tna --json", nil,
	func(env *cliEnv, fs *pflag.FlagSet) userAction {
		out := jsonFlag(fs, "the user")
		return func(_ context.Context, _ *dynamo.Store, u tenants.User, _ []string) error {
			return out.print(env.stdout, userView(u), func(w io.Writer) error { printUser(w, u); return nil })
		}
	})

// userSetPhoneCommand sets the phone number SMS codes go to.
var userSetPhoneCommand = onUser("set-phone", "Set the phone number SMS codes go to (+E164, or none)",
	"  easytocloud user set-phone ann@example.com +31612345678\n"+
		"  easytocloud user set-phone --tenant t-6dqbkpz4rxm2wj7a u-3hq7zcwkd2mv5tna none", []string{"PHONE"},
	func(env *cliEnv, _ *pflag.FlagSet) userAction {
		return func(ctx context.Context, s *dynamo.Store, u tenants.User, rest []string) error {
			return runUserSetPhone(ctx, env, s, u, rest[0])
		}
	})

// userSetPasswordCommand sets a user's password.
var userSetPasswordCommand = onUser("set-password", "Set a user's password and revoke their account links",
	"  easytocloud user set-password ann@example.com\n"+
		"  pass show easytocloud/ann | easytocloud user set-password ann@example.com --password-stdin", nil,
	func(env *cliEnv, fs *pflag.FlagSet) userAction {
		fromStdin := passwordStdinFlag(fs)
		return func(ctx context.Context, s *dynamo.Store, u tenants.User, _ []string) error {
			return runUserSetPassword(ctx, env, s, u, *fromStdin)
		}
	})

// userDeleteCommand deletes a user.
var userDeleteCommand = onUser("delete", "Delete a user and revoke their account links",
	"  easytocloud user delete ann@example.com\n  easytocloud user delete --tenant t-6dqbkpz4rxm2wj7a u-3hq7zcwkd2mv5tna", nil,
	func(env *cliEnv, _ *pflag.FlagSet) userAction {
		return func(ctx context.Context, s *dynamo.Store, u tenants.User, _ []string) error {
			return runUserDelete(ctx, env, s, u)
		}
	})

// unlockMFAUsage is the call of user unlock-mfa, for its usage errors.
const unlockMFAUsage = "usage: easytocloud user unlock-mfa --tenant ID --user ID"

// userUnlockMFACommand lifts the locks on a user's second factor.
var userUnlockMFACommand = command{
	use:   "unlock-mfa",
	short: "Lift the locks on a user's second factor after too many wrong codes",
	long: "Forget a user's failed second-factor attempts and lift the lockout they caused, which nothing\n" +
		"else ends; their codes are checked again within a minute on every running instance.",
	example: "  easytocloud user unlock-mfa --tenant t-6dqbkpz4rxm2wj7a --user u-3hq7zcwkd2mv5tna",
	usage:   unlockMFAUsage, required: []string{"tenant", "user"},
	setup: func(env *cliEnv, fs *pflag.FlagSet) action {
		tenantID := fs.String("tenant", "", "the user's tenant ID")
		userID := fs.String("user", "", "the user's ID (see: easytocloud user list --tenant ID)")
		return func(ctx context.Context, _ []string) error { return runUserUnlockMFA(ctx, env, *tenantID, *userID) }
	},
}

// passwordStdinFlag defines --password-stdin on fs.
func passwordStdinFlag(fs *pflag.FlagSet) *bool {
	return fs.Bool("password-stdin", false, "read the password from stdin (otherwise prompted without echo)")
}

func runUserAdd(ctx context.Context, env *cliEnv, u tenants.User, fromStdin bool) error {
	// Check the tenant before asking for a password.
	s, _, _, err := findTenant(ctx, env, u.TenantID)
	if err != nil {
		return err
	}
	password, err := readPassword(env, fromStdin)
	if err != nil {
		return err
	}
	added, err := s.CreateUser(ctx, u, password)
	if errors.Is(err, tenants.ErrEmailTaken) {
		return fmt.Errorf("%s already has an account: see easytocloud user show %s", u.Email, u.Email)
	}
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintf(env.stdout, "Added user %s (%s) to tenant %s as %s.\n", added.ID, added.Email, added.TenantID, roleText(added.Role))
	return nil
}

func runUserList(ctx context.Context, env *cliEnv, tenantID string, out *jsonOutput) error {
	_, users, err := listUsers(ctx, env, tenantID)
	if err != nil {
		return err
	}
	sort.Slice(users, func(i, j int) bool { return strings.ToLower(users[i].Email) < strings.ToLower(users[j].Email) })
	l := userListing
	l.empty = fmt.Sprintf("Tenant %s has no users; add one with: easytocloud user add --tenant %s --email E", tenantID, tenantID)
	return l.print(env.stdout, out, users)
}

func runUserSetPhone(ctx context.Context, env *cliEnv, s *dynamo.Store, u tenants.User, phone string) error {
	if phone == "none" {
		phone = ""
	}
	next, err := s.UpdateUser(ctx, u.TenantID, u.ID, func(u *tenants.User) error {
		u.Phone = phone
		return nil
	})
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintf(env.stdout, "Set the phone of %s (%s) to %s.\n", next.ID, next.Email, phoneText(next.Phone))
	return nil
}

func runUserSetPassword(ctx context.Context, env *cliEnv, s *dynamo.Store, u tenants.User, fromStdin bool) error {
	password, err := readPassword(env, fromStdin)
	if err != nil {
		return err
	}
	if err := s.SetPassword(ctx, u.TenantID, u.ID, password); err != nil {
		return cliError(err)
	}
	// After the change, so that nothing signed in with the old password survives it.
	if err := revokeTokens(ctx, env, u); err != nil {
		return fmt.Errorf("set the password of %s (%s), but %w; run set-password again", u.ID, u.Email, err)
	}
	fmt.Fprintf(env.stdout, "Set the password of %s (%s) and revoked their account links: they link again in the Alexa app.\n", u.ID, u.Email)
	return nil
}

func runUserDelete(ctx context.Context, env *cliEnv, s *dynamo.Store, u tenants.User) error {
	if err := s.DeleteUser(ctx, u.TenantID, u.ID); err != nil {
		return cliError(err)
	}
	if err := revokeTokens(ctx, env, u); err != nil {
		return fmt.Errorf("deleted user %s (%s), but %w", u.ID, u.Email, err)
	}
	fmt.Fprintf(env.stdout, "Deleted user %s (%s) of tenant %s and revoked their account links.\n", u.ID, u.Email, u.TenantID)
	return nil
}

// runUserUnlockMFA lifts the locks on a user's second factor (mfa.Service.Unlock):
// the lockout after mfa.MaxConsecutiveFailures failures, which nothing else ends, and
// a current 15-minute one. The HTTP API the skill calls cannot do this; only an
// operator, with access to the table, can.
func runUserUnlockMFA(ctx context.Context, env *cliEnv, tenantID, userID string) error {
	svc, err := openMFA(ctx, env)
	if err != nil {
		return err
	}
	switch err := svc.Unlock(ctx, tenantID, userID); {
	case errors.Is(err, mfa.ErrInvalidID):
		return usagef("%v; %s", err, unlockMFAUsage)
	case err != nil:
		return notFoundHint(err, "user list --tenant ID")
	}
	fmt.Fprintf(env.stdout, "Unlocked the second factor of user %s of tenant %s: their failed attempts are forgotten, and their codes are checked again (within a minute on every running instance).\n", userID, tenantID)
	return nil
}
