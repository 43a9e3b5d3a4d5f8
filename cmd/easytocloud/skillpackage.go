package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/easytocloud/easytocloud/internal/app"
)

// skillPackageConfig is what the skill package needs to know about a deployment.
type skillPackageConfig struct {
	LambdaARN    string
	AuthorizeURL string
	TokenURL     string
	ClientID     string
	PrivacyURL   string
	Scopes       []string
	// SkillID is the skill the ASK CLI project deploys to; "" lets ask deploy create one.
	SkillID string
}

// terraformOutputs names the `terraform output -json` values skill-package reads:
// app.SkillPackageOutputs, which the Terraform tests check the stack has.
var terraformOutputs = map[string]func(*skillPackageConfig, string){
	app.OutputSkillFunctionARN: func(c *skillPackageConfig, v string) { c.LambdaARN = v },
	app.OutputAuthorizeURL:     func(c *skillPackageConfig, v string) { c.AuthorizeURL = v },
	app.OutputTokenURL:         func(c *skillPackageConfig, v string) { c.TokenURL = v },
}

// skillPackageFlags are the flags of skill-package.
type skillPackageFlags struct {
	out, scopes string
	fromTF      bool
	cfg         skillPackageConfig
}

// skillPackageCommand writes the skill's ASK CLI project.
var skillPackageCommand = command{
	use:   "skill-package",
	short: "Write the skill's ASK CLI project (manifest, models, account linking) for ask deploy",
	long: "Write an ASK CLI project into --out: ask-resources.json, skill-package/ (the manifest and the\n" +
		"interaction models of every locale) and account-linking.json (without the client secret, which\n" +
		"is never written to disk). With --skill-id it also writes .ask/ask-states.json, so that\n" +
		"ask deploy updates that skill; without, ask deploy creates a new one.",
	example: "  terraform -chdir=terraform output -json |\n" +
		"    easytocloud skill-package --from-terraform --client-id CLIENT_ID --skill-id \"$SKILL_ID\" --out build/alexa\n" +
		"  easytocloud skill-package --out build/alexa --lambda-arn arn:aws:lambda:eu-west-1:123456789012:function:easytocloud-skill \\\n" +
		"    --authorize-url https://alexa.example.com/oauth/authorize --token-url https://alexa.example.com/oauth/token --client-id CLIENT_ID",
	args: unexpectedArgs,
	setup: func(env *cliEnv, fs *pflag.FlagSet) action {
		var f skillPackageFlags
		fs.StringVar(&f.out, "out", "", "directory to write the ASK CLI project into (required)")
		fs.BoolVar(&f.fromTF, "from-terraform", false, "read skill_function_arn, authorize_url and token_url from `terraform output -json` on stdin; flags override")
		fs.StringVar(&f.cfg.LambdaARN, "lambda-arn", "", "ARN of the skill Lambda function")
		fs.StringVar(&f.cfg.AuthorizeURL, "authorize-url", "", "account-linking authorization URI (HTTPS)")
		fs.StringVar(&f.cfg.TokenURL, "token-url", "", "account-linking access token URI (HTTPS)")
		fs.StringVar(&f.cfg.ClientID, "client-id", "", "OAuth client ID registered for Alexa")
		fs.StringVar(&f.cfg.PrivacyURL, "privacy-url", "", "privacy policy URL (optional)")
		fs.StringVar(&f.cfg.SkillID, "skill-id", "", "ID of the skill ask deploy updates (amzn1.ask.skill.…), written to .ask/ask-states.json (optional)")
		fs.StringVar(&f.scopes, "scopes", "easytocloud", "comma-separated OAuth scopes Alexa requests")
		return func(_ context.Context, _ []string) error {
			given := map[string]bool{}
			fs.Visit(func(fl *pflag.Flag) { given[fl.Name] = true })
			return runSkillPackage(env, &f, given)
		}
	},
}

// runSkillPackage writes the project; given names the flags set on the command
// line, which override the Terraform outputs.
func runSkillPackage(env *cliEnv, f *skillPackageFlags, given map[string]bool) error {
	if f.out == "" {
		return usagef("--out is required")
	}
	var cfg skillPackageConfig
	if f.fromTF {
		if err := readTerraformOutputs(env.stdin, &cfg); err != nil {
			return err
		}
	}
	if given["lambda-arn"] {
		cfg.LambdaARN = f.cfg.LambdaARN
	}
	if given["authorize-url"] {
		cfg.AuthorizeURL = f.cfg.AuthorizeURL
	}
	if given["token-url"] {
		cfg.TokenURL = f.cfg.TokenURL
	}
	cfg.ClientID, cfg.PrivacyURL, cfg.SkillID = f.cfg.ClientID, f.cfg.PrivacyURL, f.cfg.SkillID
	for _, s := range strings.Split(f.scopes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			cfg.Scopes = append(cfg.Scopes, s)
		}
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	files, err := renderSkillPackage(cfg)
	if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		path := filepath.Join(f.out, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("write skill package: %w", err)
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return fmt.Errorf("write skill package: %w", err)
		}
		fmt.Fprintf(env.stdout, "wrote %s\n", path)
	}
	if cfg.SkillID == "" {
		fmt.Fprintln(env.stdout, "no --skill-id: ask deploy creates a new skill (and writes .ask/ask-states.json)")
	}
	fmt.Fprintln(env.stdout, "next: ask deploy from", f.out, "then add \"clientSecret\" to account-linking.json and run")
	fmt.Fprintln(env.stdout, "  ask smapi update-account-linking-info -s <skill-id> --account-linking-request file:account-linking.json")
	return nil
}

// readTerraformOutputs reads `terraform output -json` ({"name": {"value": ...}}).
func readTerraformOutputs(r io.Reader, cfg *skillPackageConfig) error {
	var outputs map[string]struct {
		Value any `json:"value"`
	}
	if err := json.NewDecoder(r).Decode(&outputs); err != nil {
		return fmt.Errorf("read terraform output -json from stdin: %w", err)
	}
	for name, set := range terraformOutputs {
		o, ok := outputs[name]
		if !ok {
			continue
		}
		s, ok := o.Value.(string)
		if !ok {
			return fmt.Errorf("terraform output %s is not a string", name)
		}
		set(cfg, s)
	}
	return nil
}

func (c skillPackageConfig) validate() error {
	var errs []error
	if !strings.HasPrefix(c.LambdaARN, "arn:aws:lambda:") {
		errs = append(errs, fmt.Errorf("--lambda-arn %q is not a Lambda function ARN", c.LambdaARN))
	}
	for _, u := range []struct{ flag, value string }{{"authorize-url", c.AuthorizeURL}, {"token-url", c.TokenURL}} {
		p, err := url.Parse(u.value)
		if err != nil || p.Scheme != "https" || p.Host == "" {
			errs = append(errs, fmt.Errorf("--%s %q must be an https URL (Alexa requires HTTPS on port 443)", u.flag, u.value))
		}
	}
	if c.PrivacyURL != "" {
		if p, err := url.Parse(c.PrivacyURL); err != nil || p.Scheme != "https" || p.Host == "" {
			errs = append(errs, fmt.Errorf("--privacy-url %q must be an https URL", c.PrivacyURL))
		}
	}
	if c.ClientID == "" {
		errs = append(errs, errors.New("--client-id is required"))
	}
	if c.SkillID != "" && !skillIDPattern.MatchString(c.SkillID) {
		errs = append(errs, fmt.Errorf("--skill-id %q is not an Alexa skill ID (amzn1.ask.skill.…)", c.SkillID))
	}
	if len(c.Scopes) == 0 {
		errs = append(errs, errors.New("--scopes names no scope"))
	}
	if len(errs) > 0 {
		return usagef("%v", errors.Join(errs...))
	}
	return nil
}
