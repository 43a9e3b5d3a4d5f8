package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/spf13/pflag"

	"github.com/easytocloud/easytocloud/internal/localsts"
	"github.com/easytocloud/easytocloud/tenants"
)

// localRoleName is the role local-role create makes: the name terraform/tenant and
// the CloudFormation template give it, which the console's connect page takes a bare
// account ID for.
const localRoleName = "easytocloud"

// localRoleCommand is the commands for tenants' roles in the local emulator.
var localRoleCommand = command{
	use: "local-role", short: "Tenants' roles in the local AWS emulator's accounts (never in AWS)",
	example: localRoleCreateCommand.example,
	subs:    []command{localRoleCreateCommand},
}

// localRoleOptions are the flags of local-role create.
type localRoleOptions struct {
	account, externalID        string
	withoutExternalID, replace bool
}

// localRoleCreateCommand makes a tenant's role in an emulated account, as
// terraform/tenant makes it in a real one.
var localRoleCreateCommand = command{
	use:   "create",
	short: "Create the role easytocloud in an account of the local AWS emulator, as terraform/tenant would",
	long: "Create the role " + localRoleName + " in an account of the AWS emulator that AWS_ENDPOINT_URL points at, or give\n" +
		"the existing one a new trust policy: the one terraform/tenant writes, which lets easytocloud (the\n" +
		"account of these credentials, as in the local stack) assume it only with the ExternalId. Paste the\n" +
		"ARN it prints into the console's connect page. The emulator runs no CloudFormation or Terraform;\n" +
		"this stands in for them. It refuses unless AWS_ENDPOINT_URL is on this machine: it never touches AWS.\n" +
		"make demo prints the whole command for its spare account.",
	example: "  AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo \\\n" +
		"    easytocloud local-role create --account 444444444444 --external-id easytocloud-Xq3…\n" +
		"  easytocloud local-role create --account 444444444444 --without-external-id   # one the console refuses",
	args: noArgs("local-role create"),
	setup: func(env *cliEnv, fs *pflag.FlagSet) action {
		var opt localRoleOptions
		fs.StringVar(&opt.account, "account", "", "the emulated AWS account (12 digits) to create the role in")
		fs.StringVar(&opt.externalID, "external-id", "", "the ExternalId the console's connect page shows (easytocloud-…)")
		fs.BoolVar(&opt.withoutExternalID, "without-external-id", false, "leave the sts:ExternalId condition out: a role the console refuses, to see it do so")
		fs.BoolVar(&opt.replace, "replace", false, "replace the trust policy of a role that requires another ExternalId (another tenant's)")
		return func(ctx context.Context, _ []string) error { return runLocalRoleCreate(ctx, env, opt) }
	},
}

// localRoleUsage is the call local-role create refuses others with.
const localRoleUsage = "usage: easytocloud local-role create --account ACCOUNT_ID (--external-id EXTERNAL_ID | --without-external-id) [--replace]"

var (
	localAccountPattern = regexp.MustCompile(`^\d{12}$`)
	// externalIDPattern is the characters AWS allows in an ExternalId (2 to 1224 of them).
	externalIDPattern = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
)

func runLocalRoleCreate(ctx context.Context, env *cliEnv, opt localRoleOptions) error {
	oneOf := (opt.externalID != "") != opt.withoutExternalID // exactly one of the two
	switch {
	case opt.account == "" || !oneOf:
		return usagef("%s", localRoleUsage)
	case !localAccountPattern.MatchString(opt.account):
		return usagef("--account %q: give the 12-digit ID of an account of the emulator, such as 444444444444", opt.account)
	case !opt.withoutExternalID && (!strings.HasPrefix(opt.externalID, tenants.ExternalIDPrefix) || !externalIDPattern.MatchString(opt.externalID) || len(opt.externalID) > 1224):
		return usagef("--external-id %q: give the ExternalId the console's connect page shows (it begins with %s)", opt.externalID, tenants.ExternalIDPrefix)
	}
	cfg, err := awsConfig(ctx)
	if err != nil {
		return err
	}
	if !localsts.IsLoopbackEndpoint(cfg) {
		where := "not set"
		if cfg.BaseEndpoint != nil {
			where = *cfg.BaseEndpoint + ", not on this machine"
		}
		return usagef("AWS_ENDPOINT_URL is %s: local-role creates roles in the local AWS emulator only, never in AWS "+
			"(in AWS, create the role with the CloudFormation template or the terraform/tenant module the console offers)", where)
	}
	// Only the one endpoint counts: no service's own endpoint setting
	// (AWS_ENDPOINT_URL_IAM and the like) may send a request elsewhere.
	cfg.ConfigSources = nil

	operator, err := localSkillRole(ctx, "", cfg)
	if err != nil {
		return err
	}
	roleARN := "arn:aws:iam::" + opt.account + ":role/" + localRoleName
	doc := localsts.TenantTrustPolicy(operator, opt.externalID)
	if opt.withoutExternalID {
		doc = openTrustPolicy(operator)
	}
	acct, err := demoAccountConfig(ctx, cfg, opt.account)
	if err != nil {
		return err
	}
	client := iam.NewFromConfig(acct)
	old, exists, err := localRoleTrustPolicy(ctx, client)
	if err != nil {
		return err
	}
	if others := otherExternalIDs(old, opt.externalID); exists && len(others) > 0 && !opt.replace {
		return fmt.Errorf("%s exists and requires the ExternalId %s, another tenant's (a demo tenant's?): "+
			"give --replace to make it yours, or use another account", roleARN, strings.Join(others, ", "))
	}
	if err := localsts.PutRole(ctx, client, roleARN, doc); err != nil {
		return err
	}
	did := "Created"
	if exists {
		did = "Updated"
	}
	out := env.stdout
	if opt.withoutExternalID {
		fmt.Fprintf(out, "%s the role %s in the emulator WITHOUT the sts:ExternalId condition: any easytocloud customer who knew it\n"+
			"could act in account %s, so the console refuses it. Run again with --external-id to fix it.\n", did, roleARN, opt.account)
	} else {
		fmt.Fprintf(out, "%s the role %s in the emulator: %s may assume it only with the ExternalId %s.\n", did, roleARN, operator, opt.externalID)
	}
	fmt.Fprintf(out, "Paste its ARN into the console's \"Connect your AWS account\":\n%s\n", roleARN)
	return nil
}

// openTrustPolicy lets operator assume the role with any ExternalId or none: what
// the console's role check refuses.
func openTrustPolicy(operator string) string {
	doc, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Effect": "Allow", "Principal": map[string]any{"AWS": operator}, "Action": "sts:AssumeRole",
		}},
	})
	return string(doc)
}

// localRoleTrustPolicy returns the trust policy of the role localRoleName in the
// account client acts in, and whether the role exists.
func localRoleTrustPolicy(ctx context.Context, client *iam.Client) (doc string, exists bool, err error) {
	out, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(localRoleName)})
	var missing *iamtypes.NoSuchEntityException
	switch {
	case errors.As(err, &missing):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("read the role %s: %w", localRoleName, err)
	}
	doc = aws.ToString(out.Role.AssumeRolePolicyDocument)
	if decoded, err := url.QueryUnescape(doc); err == nil { // IAM returns it URL-encoded
		doc = decoded
	}
	return doc, true, nil
}

// otherExternalIDs returns the ExternalIds other than mine that the trust policy
// doc requires with StringEquals (none for a document it cannot read).
func otherExternalIDs(doc, mine string) []string {
	var p struct {
		Statement []struct {
			Condition struct {
				StringEquals map[string]json.RawMessage
			}
		}
	}
	if json.Unmarshal([]byte(doc), &p) != nil {
		return nil
	}
	var others []string
	for _, st := range p.Statement {
		for key, raw := range st.Condition.StringEquals {
			if !strings.EqualFold(key, "sts:ExternalId") {
				continue
			}
			var values []string
			if json.Unmarshal(raw, &values) != nil {
				var one string
				_ = json.Unmarshal(raw, &one)
				values = []string{one}
			}
			for _, v := range values {
				if v != mine {
					others = append(others, v)
				}
			}
		}
	}
	return others
}
