package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/easytocloud/easytocloud/interactionmodel"
	"github.com/easytocloud/easytocloud/internal/app"
)

func init() {
	register(command{
		name:    "skill-package",
		summary: "write the skill package (manifest, interaction models, account linking) for ask deploy",
		run:     runSkillPackage,
	})
}

// skillPackageConfig is what the skill package needs to know about a deployment.
type skillPackageConfig struct {
	LambdaARN    string
	AuthorizeURL string
	TokenURL     string
	ClientID     string
	PrivacyURL   string
	Scopes       []string
}

// terraformOutputs names the `terraform output -json` values skill-package reads:
// app.SkillPackageOutputs, which the Terraform tests check the stack has.
var terraformOutputs = map[string]func(*skillPackageConfig, string){
	app.OutputSkillFunctionARN: func(c *skillPackageConfig, v string) { c.LambdaARN = v },
	app.OutputAuthorizeURL:     func(c *skillPackageConfig, v string) { c.AuthorizeURL = v },
	app.OutputTokenURL:         func(c *skillPackageConfig, v string) { c.TokenURL = v },
}

func runSkillPackage(_ context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("skill-package", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	out := fs.String("out", "", "directory to write skill-package/ and account-linking.json into (required)")
	fromTF := fs.Bool("from-terraform", false, "read skill_function_arn, authorize_url and token_url from `terraform output -json` on stdin; flags override")
	var flagCfg skillPackageConfig
	fs.StringVar(&flagCfg.LambdaARN, "lambda-arn", "", "ARN of the skill Lambda function")
	fs.StringVar(&flagCfg.AuthorizeURL, "authorize-url", "", "account-linking authorization URI (HTTPS)")
	fs.StringVar(&flagCfg.TokenURL, "token-url", "", "account-linking access token URI (HTTPS)")
	fs.StringVar(&flagCfg.ClientID, "client-id", "", "OAuth client ID registered for Alexa")
	fs.StringVar(&flagCfg.PrivacyURL, "privacy-url", "", "privacy policy URL (optional)")
	scopes := fs.String("scopes", "easytocloud", "comma-separated OAuth scopes Alexa requests")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *out == "" {
		return usagef("--out is required")
	}
	var cfg skillPackageConfig
	if *fromTF {
		if err := readTerraformOutputs(env.stdin, &cfg); err != nil {
			return err
		}
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "lambda-arn":
			cfg.LambdaARN = flagCfg.LambdaARN
		case "authorize-url":
			cfg.AuthorizeURL = flagCfg.AuthorizeURL
		case "token-url":
			cfg.TokenURL = flagCfg.TokenURL
		}
	})
	cfg.ClientID, cfg.PrivacyURL = flagCfg.ClientID, flagCfg.PrivacyURL
	for _, s := range strings.Split(*scopes, ",") {
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
		path := filepath.Join(*out, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("write skill package: %w", err)
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return fmt.Errorf("write skill package: %w", err)
		}
		fmt.Fprintf(env.stdout, "wrote %s\n", path)
	}
	fmt.Fprintln(env.stdout, "next: ask deploy from", *out, "then add \"clientSecret\" to account-linking.json and run")
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
	if len(c.Scopes) == 0 {
		errs = append(errs, errors.New("--scopes names no scope"))
	}
	if len(errs) > 0 {
		return usagef("%v", errors.Join(errs...))
	}
	return nil
}

// The manifest types below follow the skill manifest schema (manifestVersion 1.0);
// field order is fixed so the output is stable.
type skillManifestFile struct {
	Manifest skillManifest `json:"manifest"`
}

type skillManifest struct {
	ManifestVersion       string                `json:"manifestVersion"`
	PublishingInformation publishingInformation `json:"publishingInformation"`
	PrivacyAndCompliance  privacyAndCompliance  `json:"privacyAndCompliance"`
	Events                manifestEvents        `json:"events"`
	APIs                  manifestAPIs          `json:"apis"`
}

type publishingInformation struct {
	Locales               map[string]publishingLocale `json:"locales"`
	IsAvailableWorldwide  bool                        `json:"isAvailableWorldwide"`
	DistributionCountries []string                    `json:"distributionCountries"`
	DistributionMode      string                      `json:"distributionMode"`
	Category              string                      `json:"category"`
	TestingInstructions   string                      `json:"testingInstructions"`
}

type publishingLocale struct {
	Name           string   `json:"name"`
	Summary        string   `json:"summary"`
	Description    string   `json:"description"`
	ExamplePhrases []string `json:"examplePhrases"`
	Keywords       []string `json:"keywords"`
}

type privacyAndCompliance struct {
	AllowsPurchases   bool                     `json:"allowsPurchases"`
	UsesPersonalInfo  bool                     `json:"usesPersonalInfo"`
	IsChildDirected   bool                     `json:"isChildDirected"`
	IsExportCompliant bool                     `json:"isExportCompliant"`
	ContainsAds       bool                     `json:"containsAds"`
	Locales           map[string]privacyLocale `json:"locales,omitempty"`
}

type privacyLocale struct {
	PrivacyPolicyURL string `json:"privacyPolicyUrl"`
}

type manifestEndpoint struct {
	URI string `json:"uri"`
}

type manifestEvents struct {
	Endpoint      manifestEndpoint    `json:"endpoint"`
	Subscriptions []eventSubscription `json:"subscriptions"`
}

type eventSubscription struct {
	EventName string `json:"eventName"`
}

type manifestAPIs struct {
	Custom customAPI `json:"custom"`
}

type customAPI struct {
	Endpoint   manifestEndpoint `json:"endpoint"`
	Interfaces []any            `json:"interfaces"`
}

// accountLinkingFile is the body of SMAPI's update-account-linking-info. It carries
// no clientSecret: secrets are never written to disk; the operator adds it on upload.
type accountLinkingFile struct {
	AccountLinkingRequest accountLinkingRequest `json:"accountLinkingRequest"`
}

type accountLinkingRequest struct {
	Type                            string   `json:"type"`
	AuthorizationURL                string   `json:"authorizationUrl"`
	AccessTokenURL                  string   `json:"accessTokenUrl"`
	ClientID                        string   `json:"clientId"`
	AccessTokenScheme               string   `json:"accessTokenScheme"`
	Scopes                          []string `json:"scopes"`
	DefaultTokenExpirationInSeconds int      `json:"defaultTokenExpirationInSeconds"`
}

var publishingLocales = map[string]publishingLocale{
	"en-US": englishPublishing,
	"en-GB": englishPublishing,
	"de-DE": {
		Name:        "easy to cloud",
		Summary:     "Verwalte dein eigenes AWS-Konto per Sprache.",
		Description: "Mit easy to cloud fragst du, welche EC2-Instanzen und Kinesis-Streams in deinem AWS-Konto laufen, und startest oder stoppst Instanzen per Sprache. Alles, was etwas verändert, verlangt einen frischen zweiten Faktor: einen Code von deinem MFA-Token oder per SMS.",
		ExamplePhrases: []string{
			"Alexa, öffne einfach cloud",
			"Alexa, frage einfach cloud welche instanzen laufen",
			"Alexa, frage einfach cloud wie viele shards habe ich",
		},
		Keywords: []string{"AWS", "Cloud", "EC2", "Kinesis", "DevOps"},
	},
}

var englishPublishing = publishingLocale{
	Name:        "easy to cloud",
	Summary:     "Manage your own AWS account by voice.",
	Description: "easy to cloud tells you which EC2 instances and Kinesis streams run in your AWS account, and starts or stops instances by voice. Anything that changes a resource needs a fresh second factor: a code from your MFA token or one sent by SMS.",
	ExamplePhrases: []string{
		"Alexa, open easy to cloud",
		"Alexa, ask easy to cloud to list instances",
		"Alexa, ask easy to cloud to describe kinesis shards",
	},
	Keywords: []string{"AWS", "cloud", "EC2", "Kinesis", "DevOps"},
}

// renderSkillPackage returns the files of the skill package, keyed by slash path
// relative to the output directory. The output depends only on cfg.
func renderSkillPackage(cfg skillPackageConfig) (map[string][]byte, error) {
	locales := interactionmodel.Locales()
	pub := map[string]publishingLocale{}
	var privacy map[string]privacyLocale
	if cfg.PrivacyURL != "" {
		privacy = map[string]privacyLocale{}
	}
	for _, loc := range locales {
		p, ok := publishingLocales[loc]
		if !ok {
			return nil, fmt.Errorf("skill package: no publishing information for locale %s", loc)
		}
		pub[loc] = p
		if privacy != nil {
			privacy[loc] = privacyLocale{PrivacyPolicyURL: cfg.PrivacyURL}
		}
	}
	endpoint := manifestEndpoint{URI: cfg.LambdaARN}
	manifest := skillManifestFile{Manifest: skillManifest{
		ManifestVersion: "1.0",
		PublishingInformation: publishingInformation{
			Locales:               pub,
			IsAvailableWorldwide:  false,
			DistributionCountries: []string{"DE", "GB", "US"},
			DistributionMode:      "PUBLIC",
			Category:              "PRODUCTIVITY",
			TestingInstructions:   "Link an easytocloud test account, then say: open easy to cloud, list instances, start splunk, authenticate text, authenticate with the code from the SMS, start splunk.",
		},
		PrivacyAndCompliance: privacyAndCompliance{
			UsesPersonalInfo:  true, // the phone number that receives SMS codes
			IsExportCompliant: true,
			Locales:           privacy,
		},
		Events: manifestEvents{
			Endpoint:      endpoint,
			Subscriptions: []eventSubscription{{EventName: "SKILL_ACCOUNT_LINKED"}, {EventName: "SKILL_DISABLED"}},
		},
		APIs: manifestAPIs{Custom: customAPI{Endpoint: endpoint, Interfaces: []any{}}},
	}}
	linking := accountLinkingFile{AccountLinkingRequest: accountLinkingRequest{
		Type:                            "AUTH_CODE",
		AuthorizationURL:                cfg.AuthorizeURL,
		AccessTokenURL:                  cfg.TokenURL,
		ClientID:                        cfg.ClientID,
		AccessTokenScheme:               "HTTP_BASIC",
		Scopes:                          cfg.Scopes,
		DefaultTokenExpirationInSeconds: 3600,
	}}
	files := map[string][]byte{}
	var err error
	if files["skill-package/skill.json"], err = marshalSkillPackageFile(manifest); err != nil {
		return nil, err
	}
	if files["account-linking.json"], err = marshalSkillPackageFile(linking); err != nil {
		return nil, err
	}
	for _, loc := range locales {
		raw, err := interactionmodel.Raw(loc)
		if err != nil {
			return nil, err
		}
		files["skill-package/interactionModels/custom/"+loc+".json"] = raw
	}
	return files, nil
}

func marshalSkillPackageFile(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("skill package: %w", err)
	}
	return b.Bytes(), nil
}
