package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/app/mfaapp"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// userAction runs a command on the user s holds and its first argument names;
// rest are the arguments after it.
type userAction func(ctx context.Context, s *dynamo.Store, u tenants.User, rest []string) error

// onUser is a command on the user named by its first argument (by email, or by user
// ID with --tenant), followed by the arguments more names. setup defines the
// command's other flags and returns what it does with the user.
func onUser(use, short, example string, more []string, setup func(env *cliEnv, fs *pflag.FlagSet) userAction) command {
	return command{
		use: strings.Join(append([]string{use, "EMAIL|USER_ID"}, more...), " "), short: short, example: example,
		args: func(_ *cobra.Command, args []string) error {
			if len(args) != len(more)+1 {
				return usagef("usage: easytocloud user %s EMAIL|USER_ID [--tenant ID] %s", use, strings.Join(more, " "))
			}
			return nil
		},
		setup: func(env *cliEnv, fs *pflag.FlagSet) action {
			var ref userRef
			fs.StringVar(&ref.tenantID, "tenant", "", "the tenant ID, when the user is named by ID")
			act := setup(env, fs)
			return func(ctx context.Context, args []string) error {
				s, u, rest, err := findUser(ctx, env, ref, args)
				if err != nil {
					return err
				}
				return act(ctx, s, u, rest)
			}
		},
	}
}

// userRef is how a command names one user: by email, or by user ID with --tenant.
type userRef struct{ tenantID string }

// readPassword reads a new password: from stdin with --password-stdin, otherwise
// prompted twice without echo when stdin is a terminal.
func readPassword(env *cliEnv, fromStdin bool) (string, error) {
	if !fromStdin && !isTerminal(env) {
		return "", usagef("stdin is not a terminal: pipe the password in and add --password-stdin")
	}
	return readSecret(env, "Password", !fromStdin)
}

// findUser reads the user named by pos[0] (an email, or a user ID of the tenant
// ref names) and returns the positional arguments after it.
func findUser(ctx context.Context, env *cliEnv, ref userRef, pos []string) (*dynamo.Store, tenants.User, []string, error) {
	who := pos[0]
	if !strings.Contains(who, "@") && ref.tenantID == "" {
		return nil, tenants.User{}, nil, usagef("name the user by email, or give --tenant with a user ID")
	}
	s, _, err := openStore(ctx, env, false)
	if err != nil {
		return nil, tenants.User{}, nil, err
	}
	var u tenants.User
	if ref.tenantID != "" {
		u, err = s.GetUser(ctx, ref.tenantID, who)
	} else {
		u, err = s.UserByEmail(ctx, who)
	}
	if err != nil {
		return nil, tenants.User{}, nil, notFoundHint(err, "user list --tenant ID")
	}
	return s, u, pos[1:], nil
}

// openMFA returns the second factor's Service on $EASYTOCLOUD_TABLE, wired as
// cmd/mfa wires it. Its audit lines go nowhere: they belong in the mfa function's log
// group, which the operator's machine does not write to. The line the command prints
// says what was done; CloudTrail (DynamoDB data events, where enabled) says who.
func openMFA(ctx context.Context, env *cliEnv) (*mfa.Service, error) {
	c, cfg, err := openConfig(ctx, env, false)
	if err != nil {
		return nil, err
	}
	return mfaapp.NewService(c, app.NewAWS(cfg), slog.New(slog.DiscardHandler)), nil
}

// revokeTokens revokes every OAuth refresh token and pending code of users, as
// docs/ARCHITECTURE.md asks on a password change and when a user goes, and ends their
// elevations: Alexa then stops acting for them, and the skill refuses their access
// tokens from now on (it reads the revocation mark on every request). It tries every
// user and returns the failures joined.
func revokeTokens(ctx context.Context, env *cliEnv, users ...tenants.User) error {
	if len(users) == 0 {
		return nil
	}
	c, cfg, err := openConfig(ctx, env, false)
	if err != nil {
		return err
	}
	clients := app.NewAWS(cfg)
	tokens := oauth.NewTokens(app.NewTable(c, clients), nil)
	second := mfaapp.NewService(c, clients, slog.New(slog.DiscardHandler))
	var errs []error
	for _, u := range users {
		err := tokens.RevokeUser(ctx, tenants.Principal{TenantID: u.TenantID, UserID: u.ID})
		if err == nil {
			err = second.Lock(ctx, u.TenantID, u.ID)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("could not revoke the account links (OAuth tokens) and end the elevations of %d of %d users: %w", len(errs), len(users), err)
	}
	return nil
}
