package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

func init() {
	register(command{
		name:    "user",
		summary: "users of a tenant: add, list, show, set-phone, set-password, delete, unlock-mfa",
		run: func(ctx context.Context, env *cliEnv, args []string) error {
			return dispatch(ctx, env, "user", userCommands, args)
		},
	})
}

var userCommands = map[string]subcommand{
	"add":          {"--tenant ID --email E [--phone +E164] [--password-stdin]", runUserAdd},
	"list":         {"--tenant ID [--json]", runUserList},
	"show":         {"EMAIL | --tenant ID USER_ID  [--json]", runUserShow},
	"set-phone":    {"EMAIL | --tenant ID USER_ID  PHONE (+E164, or none)", runUserSetPhone},
	"set-password": {"EMAIL | --tenant ID USER_ID  [--password-stdin]", runUserSetPassword},
	"delete":       {"EMAIL | --tenant ID USER_ID", runUserDelete},
	"unlock-mfa":   {"--tenant ID --user ID", runUserUnlockMFA},
}

// readPassword reads a new password: from stdin with --password-stdin, otherwise
// prompted twice without echo when stdin is a terminal.
func readPassword(env *cliEnv, fromStdin bool) (string, error) {
	if !fromStdin && !isTerminal(env) {
		return "", usagef("stdin is not a terminal: pipe the password in and add --password-stdin")
	}
	return readSecret(env, "Password", !fromStdin)
}

func runUserAdd(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	tenantID := fs.String("tenant", "", "the user's tenant ID")
	email := fs.String("email", "", "the user's email address (they sign in with it)")
	phone := fs.String("phone", "", "the user's phone number in E.164 form, such as +31612345678 (needed for SMS codes)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from stdin (otherwise prompted without echo)")
	pos, err := parseFlags(env, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *tenantID == "" || *email == "" {
		return usagef("usage: easytocloud user add --tenant ID --email E [--phone +E164] [--password-stdin]")
	}
	s, _, err := openStore(ctx, env, false)
	if err != nil {
		return err
	}
	// Check the tenant before asking for a password.
	if _, err := s.GetTenant(ctx, *tenantID); err != nil {
		return notFoundHint(err, "tenant list")
	}
	password, err := readPassword(env, *fromStdin)
	if err != nil {
		return err
	}
	u, err := s.CreateUser(ctx, tenants.User{TenantID: *tenantID, Email: *email, Phone: *phone}, password)
	if errors.Is(err, tenants.ErrEmailTaken) {
		return fmt.Errorf("%s already has an account: see easytocloud user show %s", *email, *email)
	}
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintf(env.stdout, "Added user %s (%s) to tenant %s.\n", u.ID, u.Email, u.TenantID)
	return nil
}

func runUserList(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("user list", flag.ContinueOnError)
	tenantID := fs.String("tenant", "", "the tenant ID")
	asJSON := fs.Bool("json", false, "print the users as JSON")
	pos, err := parseFlags(env, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *tenantID == "" {
		return usagef("usage: easytocloud user list --tenant ID [--json]")
	}
	s, _, err := openStore(ctx, env, false)
	if err != nil {
		return err
	}
	users, err := s.ListUsers(ctx, *tenantID)
	if err != nil {
		return notFoundHint(err, "tenant list")
	}
	sort.Slice(users, func(i, j int) bool { return strings.ToLower(users[i].Email) < strings.ToLower(users[j].Email) })
	if *asJSON {
		views := make([]userJSON, len(users))
		for i, u := range users {
			views[i] = userView(u)
		}
		return writeJSON(env.stdout, views)
	}
	if len(users) == 0 {
		fmt.Fprintf(env.stdout, "Tenant %s has no users; add one with: easytocloud user add --tenant %s --email E\n", *tenantID, *tenantID)
		return nil
	}
	w := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tEMAIL\tPHONE\tVERSION\tCREATED")
	for _, u := range users {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\n", u.ID, u.Email, phoneText(u.Phone), u.Version, u.CreatedAt.UTC().Format(time.RFC3339))
	}
	return w.Flush()
}

// findUser parses "EMAIL | --tenant ID USER_ID" followed by the positional
// arguments named in more, and reads the user.
func findUser(ctx context.Context, env *cliEnv, fs *flag.FlagSet, args []string, more ...string) (*dynamo.Store, tenants.User, []string, error) {
	tenantID := fs.String("tenant", "", "the tenant ID, when the user is named by ID")
	pos, err := parseFlags(env, fs, args)
	if err != nil {
		return nil, tenants.User{}, nil, err
	}
	if len(pos) != len(more)+1 {
		return nil, tenants.User{}, nil, usagef("usage: easytocloud %s EMAIL|USER_ID [--tenant ID] %s", fs.Name(), strings.Join(more, " "))
	}
	who := pos[0]
	if !strings.Contains(who, "@") && *tenantID == "" {
		return nil, tenants.User{}, nil, usagef("name the user by email, or give --tenant with a user ID")
	}
	s, _, err := openStore(ctx, env, false)
	if err != nil {
		return nil, tenants.User{}, nil, err
	}
	var u tenants.User
	if *tenantID != "" {
		u, err = s.GetUser(ctx, *tenantID, who)
	} else {
		u, err = s.UserByEmail(ctx, who)
	}
	if err != nil {
		return nil, tenants.User{}, nil, notFoundHint(err, "user list --tenant ID")
	}
	return s, u, pos[1:], nil
}

func runUserShow(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("user show", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the user as JSON")
	_, u, _, err := findUser(ctx, env, fs, args)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(env.stdout, userView(u))
	}
	printUser(env.stdout, u)
	return nil
}

func runUserSetPhone(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("user set-phone", flag.ContinueOnError)
	s, u, rest, err := findUser(ctx, env, fs, args, "PHONE")
	if err != nil {
		return err
	}
	phone := rest[0]
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

func runUserSetPassword(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("user set-password", flag.ContinueOnError)
	fromStdin := fs.Bool("password-stdin", false, "read the password from stdin (otherwise prompted without echo)")
	s, u, _, err := findUser(ctx, env, fs, args)
	if err != nil {
		return err
	}
	password, err := readPassword(env, *fromStdin)
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

func runUserDelete(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("user delete", flag.ContinueOnError)
	s, u, _, err := findUser(ctx, env, fs, args)
	if err != nil {
		return err
	}
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
func runUserUnlockMFA(ctx context.Context, env *cliEnv, args []string) error {
	const usage = "usage: easytocloud user unlock-mfa --tenant ID --user ID"
	fs := flag.NewFlagSet("user unlock-mfa", flag.ContinueOnError)
	tenantID := fs.String("tenant", "", "the user's tenant ID")
	userID := fs.String("user", "", "the user's ID (see: easytocloud user list --tenant ID)")
	pos, err := parseFlags(env, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *tenantID == "" || *userID == "" {
		return usagef(usage)
	}
	svc, err := openMFA(ctx, env)
	if err != nil {
		return err
	}
	switch err := svc.Unlock(ctx, *tenantID, *userID); {
	case errors.Is(err, mfa.ErrInvalidID):
		return usagef("%v; %s", err, usage)
	case err != nil:
		return notFoundHint(err, "user list --tenant ID")
	}
	fmt.Fprintf(env.stdout, "Unlocked the second factor of user %s of tenant %s: their failed attempts are forgotten, and their codes are checked again (within a minute on every running instance).\n", *userID, *tenantID)
	return nil
}

// openMFA returns the second factor's Service on $EASYTOCLOUD_TABLE, wired as
// cmd/mfa wires it. Its audit lines go nowhere: they belong in the mfa function's log
// group, which the operator's machine does not write to. The line the command prints
// says what was done; CloudTrail (DynamoDB data events, where enabled) says who.
func openMFA(ctx context.Context, env *cliEnv) (*mfa.Service, error) {
	store, cfg, err := openStore(ctx, env, false)
	if err != nil {
		return nil, err
	}
	tbl, key := table.New(dynamodb.NewFromConfig(cfg), env.getenv(envTable)), env.getenv(envSecretsKey)
	keys := kms.NewFromConfig(cfg)
	svc := mfa.NewService(store, dynamo.NewKeyring(tbl, keys, key), tbl, sns.NewFromConfig(cfg), mfa.NewSTSFactory(cfg))
	svc.Log = slog.New(slog.DiscardHandler)
	return svc, nil
}

// revokeTokens revokes every OAuth refresh token and pending code of users, as
// DESIGN.md asks on a password change and when a user goes: Alexa then stops acting
// for them (their access tokens expire within the hour). It tries every user and
// returns the failures joined.
func revokeTokens(ctx context.Context, env *cliEnv, users ...tenants.User) error {
	if len(users) == 0 {
		return nil
	}
	tableName, err := requireEnv(env, envTable, "the DynamoDB table's name")
	if err != nil {
		return err
	}
	cfg, err := awsConfig(ctx, env)
	if err != nil {
		return err
	}
	tokens := oauth.NewTokens(table.New(dynamodb.NewFromConfig(cfg), tableName), nil)
	var errs []error
	for _, u := range users {
		if err := tokens.RevokeUser(ctx, tenants.Principal{TenantID: u.TenantID, UserID: u.ID}); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("could not revoke the account links (OAuth tokens) of %d of %d users: %w", len(errs), len(users), err)
	}
	return nil
}

// userJSON is how the CLI prints a user as JSON; the password hash is left out.
type userJSON struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"tenant_id"`
	Email     string    `json:"email"`
	Phone     string    `json:"phone"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func userView(u tenants.User) userJSON {
	return userJSON{ID: u.ID, TenantID: u.TenantID, Email: u.Email, Phone: u.Phone, Version: u.Version, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

func printUser(w io.Writer, u tenants.User) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s:\t%s\n", k, v) }
	row("ID", u.ID)
	row("Tenant", u.TenantID)
	row("Email", u.Email)
	row("Phone", phoneText(u.Phone))
	row("Password", "set (argon2id)")
	row("Version", fmt.Sprint(u.Version))
	row("Created", u.CreatedAt.UTC().Format(time.RFC3339))
	row("Updated", u.UpdatedAt.UTC().Format(time.RFC3339))
	_ = tw.Flush()
}

func phoneText(p string) string {
	if p == "" {
		return "none"
	}
	return p
}
