package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/tenants"
)

func init() {
	register(command{
		name:    "tenant",
		summary: "tenants: create, list, show, update, verify-role, delete",
		run: func(ctx context.Context, env *cliEnv, args []string) error {
			return dispatch(ctx, env, "tenant", tenantCommands, args)
		},
	})
}

var tenantCommands = map[string]subcommand{
	"create":      {"--name N --role-arn ARN --mfa sms|token [--regions r1,r2] [--control-tag k=v] [--elevation 10m] [--mfa-serial S --verifier-key-id K --verifier-secret-stdin] [--json]", runTenantCreate},
	"list":        {"[--json]", runTenantList},
	"show":        {"ID [--json]", runTenantShow},
	"update":      {"ID [--name N] [--role-arn ARN] [--regions r1,r2|all] [--control-tag k=v|none] [--mfa sms|token] [--elevation D] [--mfa-serial S] [--verifier-key-id K] [--verifier-secret-stdin]", runTenantUpdate},
	"verify-role": {"ID", runTenantVerifyRole},
	"delete":      {"ID [--force]", runTenantDelete},
}

// tenantFlags are the operator's fields of a tenant, shared by create and update.
type tenantFlags struct {
	name, roleARN, regions, controlTag, mfa, serial, keyID string
	elevation                                              time.Duration
	secretStdin                                            bool
}

func (f *tenantFlags) register(fs *flag.FlagSet) {
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

func runTenantCreate(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("tenant create", flag.ContinueOnError)
	var f tenantFlags
	f.register(fs)
	asJSON := fs.Bool("json", false, "print the tenant as JSON")
	pos, err := parseFlags(env, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("tenant create takes flags only, got %q", pos)
	}
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
	if *asJSON {
		return writeJSON(env.stdout, tenantView(t))
	}
	fmt.Fprintf(env.stdout, "Created tenant %s (%s).\n", t.ID, t.Name)
	fmt.Fprintf(env.stdout, "ExternalId: %s\n\n", t.ExternalID)
	fmt.Fprintf(env.stdout, "Put the ExternalId in the trust policy of %s\n(Condition StringEquals sts:ExternalId), then run: easytocloud tenant verify-role %s\n", t.RoleARN, t.ID)
	return nil
}

func runTenantList(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("tenant list", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the tenants as JSON")
	pos, err := parseFlags(env, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("tenant list takes no arguments, got %q", pos)
	}
	s, _, err := openStore(ctx, env, false)
	if err != nil {
		return err
	}
	list, err := s.ListTenants(ctx)
	if err != nil {
		return cliError(err)
	}
	if *asJSON {
		views := make([]tenantJSON, len(list))
		for i, t := range list {
			views[i] = tenantView(t)
		}
		return writeJSON(env.stdout, views)
	}
	if len(list) == 0 {
		fmt.Fprintln(env.stdout, "No tenants yet; add one with: easytocloud tenant create")
		return nil
	}
	w := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tACCOUNT\tMFA\tREGIONS")
	for _, t := range list {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.AccountID(), t.MFA.Kind, regionsText(t.Regions))
	}
	return w.Flush()
}

// tenantArg parses "ID [flags]" and returns the ID.
func tenantArg(env *cliEnv, fs *flag.FlagSet, args []string) (string, error) {
	pos, err := parseFlags(env, fs, args)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 {
		return "", usagef("easytocloud %s needs one tenant ID (see easytocloud tenant list)", fs.Name())
	}
	return pos[0], nil
}

// notFoundHint adds where to look up IDs to a not-found error.
func notFoundHint(err error, list string) error {
	if errors.Is(err, tenants.ErrNotFound) {
		return fmt.Errorf("%w; see: easytocloud %s", err, list)
	}
	return cliError(err)
}

func runTenantShow(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("tenant show", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the tenant as JSON")
	id, err := tenantArg(env, fs, args)
	if err != nil {
		return err
	}
	s, _, err := openStore(ctx, env, false)
	if err != nil {
		return err
	}
	t, err := s.GetTenant(ctx, id)
	if err != nil {
		return notFoundHint(err, "tenant list")
	}
	if *asJSON {
		return writeJSON(env.stdout, tenantView(t))
	}
	printTenant(env.stdout, t)
	return nil
}

func runTenantUpdate(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("tenant update", flag.ContinueOnError)
	var f tenantFlags
	f.register(fs)
	id, err := tenantArg(env, fs, args)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if len(set) == 0 {
		return usagef("tenant update: nothing to change; give at least one flag (see easytocloud tenant help)")
	}
	secret, err := f.secret(env)
	if err != nil {
		return err
	}
	s, _, err := openStore(ctx, env, secret != "")
	if err != nil {
		return err
	}
	// The flags say what the fields become, so a conflict is retried on a fresh read.
	for attempt := 0; ; attempt++ {
		cur, err := s.GetTenant(ctx, id)
		if err != nil {
			return notFoundHint(err, "tenant list")
		}
		t := cur
		if err := f.apply(&t, set); err != nil {
			return err
		}
		t, err = s.UpdateTenant(ctx, t, secret)
		if errors.Is(err, tenants.ErrConflict) && attempt < 2 {
			continue
		}
		if err != nil {
			return cliError(err)
		}
		fmt.Fprintf(env.stdout, "Updated tenant %s (%s), now at version %d.\n", t.ID, t.Name, t.Version)
		if cur.RoleARN != t.RoleARN || cur.ExternalID != t.ExternalID {
			fmt.Fprintf(env.stdout, "The role changed: run easytocloud tenant verify-role %s\n", t.ID)
		}
		return nil
	}
}

func runTenantVerifyRole(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("tenant verify-role", flag.ContinueOnError)
	id, err := tenantArg(env, fs, args)
	if err != nil {
		return err
	}
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
	emulated := env.getenv("AWS_ENDPOINT_URL") != ""
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

func runTenantDelete(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("tenant delete", flag.ContinueOnError)
	force := fs.Bool("force", false, "also delete the tenant's users (and revoke their account links)")
	id, err := tenantArg(env, fs, args)
	if err != nil {
		return err
	}
	s, _, err := openStore(ctx, env, false)
	if err != nil {
		return err
	}
	users, err := s.ListUsers(ctx, id)
	if err != nil {
		return notFoundHint(err, "tenant list")
	}
	if err := s.DeleteTenant(ctx, id, *force); err != nil {
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

// tenantJSON is how the CLI prints a tenant as JSON: durations as text, and of the
// verifier secret only whether one is stored.
type tenantJSON struct {
	ID                string       `json:"id"`
	Name              string       `json:"name"`
	RoleARN           string       `json:"role_arn"`
	AccountID         string       `json:"account_id"`
	ExternalID        string       `json:"external_id"`
	Regions           []string     `json:"regions"`
	ControlTag        *tenants.Tag `json:"control_tag"`
	MFA               string       `json:"mfa"`
	Elevation         string       `json:"elevation"`
	MFASerial         string       `json:"mfa_serial,omitempty"`
	VerifierKeyID     string       `json:"verifier_key_id,omitempty"`
	VerifierSecretSet bool         `json:"verifier_secret_set"`
	Version           int64        `json:"version"`
	CreatedAt         time.Time    `json:"created_at"`
	UpdatedAt         time.Time    `json:"updated_at"`
}

func tenantView(t tenants.Tenant) tenantJSON {
	regions := t.Regions
	if regions == nil {
		regions = []string{}
	}
	return tenantJSON{
		ID: t.ID, Name: t.Name, RoleARN: t.RoleARN, AccountID: t.AccountID(), ExternalID: t.ExternalID,
		Regions: regions, ControlTag: t.ControlTag, MFA: string(t.MFA.Kind), Elevation: durationText(t.MFA.ElevationWindow()),
		MFASerial: t.MFA.Serial, VerifierKeyID: t.MFA.VerifierKeyID, VerifierSecretSet: len(t.MFA.VerifierSecret) > 0,
		Version: t.Version, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
	}
}

func printTenant(w io.Writer, t tenants.Tenant) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s:\t%s\n", k, v) }
	row("ID", t.ID)
	row("Name", t.Name)
	row("Role ARN", t.RoleARN)
	row("Account", t.AccountID())
	row("ExternalId", t.ExternalID)
	row("Regions", regionsText(t.Regions))
	tag := "none (any instance may be changed by voice)"
	if t.ControlTag != nil {
		tag = t.ControlTag.String()
	}
	row("Control tag", tag)
	row("MFA", string(t.MFA.Kind))
	row("Elevation", durationText(t.MFA.ElevationWindow()))
	if t.MFA.Kind == tenants.MFAToken {
		row("MFA serial", t.MFA.Serial)
		row("Verifier key ID", t.MFA.VerifierKeyID)
		secret := "missing"
		if len(t.MFA.VerifierSecret) > 0 {
			secret = "stored, encrypted with KMS"
		}
		row("Verifier secret", secret)
	}
	row("Version", fmt.Sprint(t.Version))
	row("Created", t.CreatedAt.UTC().Format(time.RFC3339))
	row("Updated", t.UpdatedAt.UTC().Format(time.RFC3339))
	_ = tw.Flush()
}

func regionsText(regions []string) string {
	if len(regions) == 0 {
		return "all enabled in the account"
	}
	return strings.Join(regions, ", ")
}

// durationText writes whole minutes as "10m" and anything else as Go does.
func durationText(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
