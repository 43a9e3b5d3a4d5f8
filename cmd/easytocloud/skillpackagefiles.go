package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/easytocloud/easytocloud/interactionmodel"
)

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

// askResourcesFile is ask-resources.json, which makes the output directory an ASK
// CLI project: ask deploy uploads skill-package/. It names no skill infrastructure,
// as Terraform deploys the skill function.
type askResourcesFile struct {
	Version  string                  `json:"askcliResourcesVersion"`
	Profiles map[string]askResources `json:"profiles"`
}

type askResources struct {
	SkillMetadata askSkillMetadata `json:"skillMetadata"`
}

type askSkillMetadata struct {
	Src string `json:"src"`
}

// askStatesFile is .ask/ask-states.json: the skill ask deploy updates, instead of
// creating a new one.
type askStatesFile struct {
	Version  string               `json:"askcliStatesVersion"`
	Profiles map[string]askStates `json:"profiles"`
}

type askStates struct {
	SkillID string `json:"skillId"`
}

// askCLIVersion is the version of the ASK CLI project files written.
const askCLIVersion = "2020-03-31"

// skillIDPattern is the form of an Alexa skill ID.
var skillIDPattern = regexp.MustCompile(`^amzn1\.ask\.skill\.[0-9A-Za-z-]+$`)

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
	resources := askResourcesFile{Version: askCLIVersion, Profiles: map[string]askResources{
		"default": {SkillMetadata: askSkillMetadata{Src: "./skill-package"}},
	}}
	if files["ask-resources.json"], err = marshalSkillPackageFile(resources); err != nil {
		return nil, err
	}
	if cfg.SkillID != "" {
		states := askStatesFile{Version: askCLIVersion, Profiles: map[string]askStates{"default": {SkillID: cfg.SkillID}}}
		if files[".ask/ask-states.json"], err = marshalSkillPackageFile(states); err != nil {
			return nil, err
		}
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
