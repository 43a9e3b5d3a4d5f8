package app

// Function describes one Lambda function as the Terraform stack must deploy it: the
// variables its main reads, the AWS actions its role calls (the stack grants exactly
// these), the Keyring purposes it uses and the HTTP routes it serves. Slices are
// shared: do not modify them. The purposes and routes are literals, checked against
// oauth's and mfa's own by this package's tests, so that reading them links neither.
type Function struct {
	// Name is the function's key in the stack (local.functions) and its cmd/ directory.
	Name string
	// Env are the EASYTOCLOUD_* variables main reads, all required, in the order
	// FromEnv checks them.
	Env []string
	// IAMActions are the actions of its role, sorted. Not listed: what the skill calls
	// in tenants' accounts with their roles' credentials (account.TenantIAMActions), and
	// sts:GetSessionToken, which mfa signs with a tenant's verifier keys.
	IAMActions []string
	// KeyPurposes are the dynamo.Keyring purposes its MAC keys are made for.
	KeyPurposes []string
	// Routes are the net/http.ServeMux patterns it serves behind API Gateway; none for
	// the skill, which Alexa invokes directly.
	Routes []string
}

// Skill is the Alexa skill's function (cmd/skill). Its role: dynamodb:GetItem for
// tenants and users; kms:GetPublicKey for the access-token key; sts:AssumeRole into
// tenants' roles; execute-api:Invoke for the mfa API; and, on SkillDisabled, PutItem
// (the revocation mark), Query (the user's tokens, on the GSI) and DeleteItem.
var Skill = Function{
	Name: "skill",
	Env:  []string{EnvTable, EnvSkillID, EnvIssuer, EnvSigningKeyID, EnvMFAURL},
	IAMActions: []string{
		"dynamodb:DeleteItem",
		"dynamodb:GetItem",
		"dynamodb:PutItem",
		"dynamodb:Query",
		"execute-api:Invoke",
		"kms:GetPublicKey",
		"sts:AssumeRole",
	},
}

// OAuth is the authorization server's function (cmd/oauth). Its role:
//
//   - Users (dynamo.Store): GetItem. MAC keys (dynamo.Keyring): GetItem, kms:Decrypt;
//     PutItem and kms:Encrypt when the key is made on first use.
//   - Clients, codes, refresh tokens, pending consents, revocation marks, sign-in
//     failure counters: GetItem, PutItem, UpdateItem, DeleteItem. (oauth.Tokens.RevokeUser
//     also Queries the GSI, but the skill and the CLI call it, not this function.)
//     Redeeming a code is a TransactWriteItems of an Update and a Put, which IAM
//     authorizes as dynamodb:UpdateItem and dynamodb:PutItem.
//   - Access tokens: kms:Sign (RAW, ECDSA_SHA_256) and kms:GetPublicKey (kid, JWKS).
var OAuth = Function{
	Name: "oauth",
	Env:  []string{EnvTable, EnvSecretsKeyID, EnvSigningKeyID, EnvIssuer, EnvSkillID},
	IAMActions: []string{
		"dynamodb:DeleteItem",
		"dynamodb:GetItem",
		"dynamodb:PutItem",
		"dynamodb:UpdateItem",
		"kms:Decrypt",
		"kms:Encrypt",
		"kms:GetPublicKey",
		"kms:Sign",
	},
	KeyPurposes: []string{"oauth-token"},
	Routes: []string{
		"GET /oauth/authorize",
		"POST /oauth/authorize",
		"POST /oauth/token",
		"POST /oauth/revoke",
		"GET /.well-known/oauth-authorization-server",
		"GET /.well-known/jwks.json",
	},
}

// MFA is the second factor's function (cmd/mfa). Its role, through tenants/dynamo: GetItem
// for tenants and users, kms:Decrypt for verifier secrets and the MAC key, GetItem,
// PutItem and kms:Encrypt when the MAC key is made on first use. Its own records:
// GetItem, PutItem, UpdateItem, DeleteItem, and Query (on the table, within a user's
// MFA# partition) to find a user's elevations from every origin when they lock; SMS:
// sns:Publish.
var MFA = Function{
	Name: "mfa",
	Env:  []string{EnvTable, EnvSecretsKeyID},
	IAMActions: []string{
		"dynamodb:DeleteItem",
		"dynamodb:GetItem",
		"dynamodb:PutItem",
		"dynamodb:Query",
		"dynamodb:UpdateItem",
		"kms:Decrypt",
		"kms:Encrypt",
		"sns:Publish",
	},
	KeyPurposes: []string{"mfa-otp"},
	Routes: []string{
		"POST /mfa/v1/challenges",
		"POST /mfa/v1/verifications",
		"GET /mfa/v1/elevations/{tenant}/{user}",
		"DELETE /mfa/v1/elevations/{tenant}/{user}",
	},
}

// Functions are the stack's Lambda functions, in the order of local.functions.
var Functions = []Function{Skill, OAuth, MFA}
