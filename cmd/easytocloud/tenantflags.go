package main

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

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

// mfaCompletion offers the second factors as the values of --mfa.
var mfaCompletion = map[string][]string{"mfa": {string(tenants.MFASMS), string(tenants.MFAToken)}}

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

// openStore reads the verifier secret when --verifier-secret-stdin is given and opens
// the store, with the KMS key that seals the secret when there is one.
func (f *tenantFlags) openStore(ctx context.Context, env *cliEnv) (*dynamo.Store, string, error) {
	secret, err := f.secret(env)
	if err != nil {
		return nil, "", err
	}
	s, _, err := openStore(ctx, env, secret != "")
	return s, secret, err
}

func (f *tenantFlags) secret(env *cliEnv) (string, error) {
	if !f.secretStdin {
		return "", nil
	}
	return readSecret(env, "Verifier secret access key", false)
}
