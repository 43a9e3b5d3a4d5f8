// Package app wires easytocloud's services for every binary: the configuration read
// from the environment, the AWS clients they share, one constructor per service (the
// authorization server, the second factor's service and API here, the skill handler
// in app/skillapp) and, per Lambda function, the variables it reads and the AWS
// actions its role may call, which the Terraform tests compare with the stack.
//
// Nothing here loads AWS configuration, reads the environment, logs or exits: main
// does, once, and hands the results in.
package app

import (
	"errors"
	"fmt"
)

// The EASYTOCLOUD_* environment variables the functions and the CLI read.
const (
	// EnvTable names the single DynamoDB table.
	EnvTable = "EASYTOCLOUD_TABLE"
	// EnvSecretsKeyID names the symmetric KMS key of the MAC keys and sealed secrets.
	EnvSecretsKeyID = "EASYTOCLOUD_SECRETS_KEY_ID"
	// EnvSigningKeyID names the ECC_NIST_P256 KMS key that signs access tokens.
	EnvSigningKeyID = "EASYTOCLOUD_SIGNING_KEY_ID"
	// EnvIssuer is the authorization server's https base URL, the tokens' iss.
	EnvIssuer = "EASYTOCLOUD_ISSUER"
	// EnvSkillID is the skill's application ID, the tokens' aud.
	EnvSkillID = "EASYTOCLOUD_SKILL_ID"
	// EnvMFAURL is the base URL of the mfa API the skill calls with SigV4.
	EnvMFAURL = "EASYTOCLOUD_MFA_URL"
	// EnvMailFrom is the console's sender address (an address of the SES domain
	// identity).
	EnvMailFrom = "EASYTOCLOUD_MAIL_FROM"
	// EnvMailConfigurationSet is the SES configuration set the console sends with.
	EnvMailConfigurationSet = "EASYTOCLOUD_MAIL_CONFIGURATION_SET"
	// EnvSignUp is who may sign an organisation up: "open" or "code".
	EnvSignUp = "EASYTOCLOUD_SIGNUP"
	// EnvSkillRoleARN is the skill function's role, named in tenants' trust policies.
	EnvSkillRoleARN = "EASYTOCLOUD_SKILL_ROLE_ARN"
	// EnvTenantTemplateURL is the https URL of the tenant role's CloudFormation
	// template in the operator's bucket.
	EnvTenantTemplateURL = "EASYTOCLOUD_TENANT_TEMPLATE_URL"
)

// The variables only the easytocloud CLI reads (besides EnvTable, EnvSecretsKeyID,
// EnvIssuer and EnvSkillID): defaults of its flags, and secrets kept off its command line.
const (
	// EnvAddr is serve's listen address.
	EnvAddr = "EASYTOCLOUD_ADDR"
	// EnvSigningKeyFile is the PEM file of the local stack's token signing key.
	EnvSigningKeyFile = "EASYTOCLOUD_SIGNING_KEY_FILE"
	// EnvAlexaIdentity is the directory of the local Alexa signing identity.
	EnvAlexaIdentity = "EASYTOCLOUD_ALEXA_IDENTITY"
	// EnvAuthorizeURL and EnvTokenURL are the account-linking URIs dialog links with.
	EnvAuthorizeURL = "EASYTOCLOUD_AUTHORIZE_URL"
	EnvTokenURL     = "EASYTOCLOUD_TOKEN_URL"
	// EnvClientID and EnvClientSecret are the OAuth client dialog links as.
	EnvClientID     = "EASYTOCLOUD_CLIENT_ID"
	EnvClientSecret = "EASYTOCLOUD_CLIENT_SECRET"
	// EnvEmail and EnvPassword are the user dialog signs in as.
	EnvEmail    = "EASYTOCLOUD_EMAIL"
	EnvPassword = "EASYTOCLOUD_PASSWORD"
	// EnvAccessToken is an access token dialog sends without linking.
	EnvAccessToken = "EASYTOCLOUD_ACCESS_TOKEN"
)

// Config is the services' configuration, read by FromEnv. A binary reads the fields
// its Function lists; the others stay empty.
type Config struct {
	Table        string // EnvTable
	SecretsKeyID string // EnvSecretsKeyID
	SigningKeyID string // EnvSigningKeyID
	Issuer       string // EnvIssuer
	SkillID      string // EnvSkillID
	MFAURL       string // EnvMFAURL

	MailFrom             string // EnvMailFrom
	MailConfigurationSet string // EnvMailConfigurationSet
	SignUp               string // EnvSignUp
	SkillRoleARN         string // EnvSkillRoleARN
	TenantTemplateURL    string // EnvTenantTemplateURL
}

// ErrUnset is wrapped by FromEnv's error for a variable that is unset or empty.
var ErrUnset = errors.New("is not set")

// FromEnv reads the variables names through getenv, each required. Its error names
// the first one that is unset (wrapping ErrUnset), or one that Config has no field for.
func FromEnv(getenv func(string) string, names ...string) (Config, error) {
	var c Config
	for _, name := range names {
		dst := c.field(name)
		if dst == nil {
			return Config{}, fmt.Errorf("%s is not a variable easytocloud reads", name)
		}
		if *dst = getenv(name); *dst == "" {
			return Config{}, fmt.Errorf("%s %w", name, ErrUnset)
		}
	}
	return c, nil
}

// field returns the field of c that the variable name sets, or nil.
func (c *Config) field(name string) *string {
	switch name {
	case EnvTable:
		return &c.Table
	case EnvSecretsKeyID:
		return &c.SecretsKeyID
	case EnvSigningKeyID:
		return &c.SigningKeyID
	case EnvIssuer:
		return &c.Issuer
	case EnvSkillID:
		return &c.SkillID
	case EnvMFAURL:
		return &c.MFAURL
	case EnvMailFrom:
		return &c.MailFrom
	case EnvMailConfigurationSet:
		return &c.MailConfigurationSet
	case EnvSignUp:
		return &c.SignUp
	case EnvSkillRoleARN:
		return &c.SkillRoleARN
	case EnvTenantTemplateURL:
		return &c.TenantTemplateURL
	}
	return nil
}
