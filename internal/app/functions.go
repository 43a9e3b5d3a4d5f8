package app

import (
	"slices"

	"github.com/easytocloud/easytocloud/internal/table"
)

// Function describes one Lambda function as the Terraform stack must deploy it: the
// variables its main reads, the AWS actions its role calls (the stack grants exactly
// these), the items of the table it reaches and how, the Keyring purposes it uses and
// the HTTP routes it serves. Slices are shared: do not modify them. The purposes and
// routes are literals, checked against oauth's, mfa's and the console's own by this
// package's tests, so that reading them links none; the table's key prefixes are
// literals too, checked by recording every key the function's own flows reach (the
// tablekeys tests of oauth, mfa, skill and console).
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
	// Table is what the role may do in the table, by partition key prefix: the stack
	// grants each entry's actions only on items whose partition key (for an index, the
	// index's partition key) starts with its prefix (dynamodb:LeadingKeys). Its
	// actions are those of IAMActions that are DynamoDB's. Sorted by Index, then Prefix.
	Table []TableAccess
	// KeyPurposes are the dynamo.Keyring purposes its MAC keys are made for.
	KeyPurposes []string
	// Routes are the net/http.ServeMux patterns it serves behind API Gateway; none for
	// the skill, which Alexa invokes directly.
	Routes []string
}

// TableAccess is what a function may do to the items of the table (or, with Index, of
// one of its indexes) whose partition key value starts with Prefix.
type TableAccess struct {
	// Prefix begins the partition key values: of pk for the table, of the index's own
	// partition key (gsi1pk) for an index. It is a type of item ("TENANT#"), ending in
	// #, or for MAC keys the family of the function's own Keyring purposes ("KEY#mfa-").
	Prefix string
	// Index is the index queried, "" for the table's own items.
	Index string
	// Actions are the dynamodb: actions, sorted.
	Actions []string
}

// readActions are the DynamoDB actions that change nothing.
var readActions = []string{"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"}

// IsReadAction reports whether the DynamoDB action action only reads.
func IsReadAction(action string) bool { return slices.Contains(readActions, action) }

// ReadOnly reports whether a grants only reads.
func (a TableAccess) ReadOnly() bool {
	for _, act := range a.Actions {
		if !IsReadAction(act) {
			return false
		}
	}
	return true
}

// The DynamoDB actions of Table, for short.
const (
	getItem    = "dynamodb:GetItem"
	putItem    = "dynamodb:PutItem"
	updateItem = "dynamodb:UpdateItem"
	deleteItem = "dynamodb:DeleteItem"
	query      = "dynamodb:Query"
	checkItem  = "dynamodb:ConditionCheckItem"
)

// Skill is the Alexa skill's function (cmd/skill). Its role: dynamodb:GetItem for
// tenants, users and the users' revocation marks (OAUTHUSER#, read on every request
// to refuse older access tokens); kms:GetPublicKey for the access-token key;
// sts:AssumeRole into tenants' roles; execute-api:Invoke for the mfa API; on
// SkillDisabled, PutItem (the revocation mark), Query (the user's tokens, on the GSI)
// and DeleteItem (the tokens); UpdateItem of the Alexa accounts that speak for a user (ALEXALINK#), and
// sns:Publish to text the user when a new one does; PutItem of the user's activity
// (ACTIVITY#, one item per change it makes). It never writes a tenant or a user, nor
// an elevation (MFA# is the mfa function's, reached through its API).
var Skill = Function{
	Name: "skill",
	Env:  []string{EnvTable, EnvSkillID, EnvIssuer, EnvSigningKeyID, EnvMFAURL},
	IAMActions: []string{
		"dynamodb:DeleteItem",
		"dynamodb:GetItem",
		"dynamodb:PutItem",
		"dynamodb:Query",
		"dynamodb:UpdateItem",
		"execute-api:Invoke",
		"kms:GetPublicKey",
		"sns:Publish",
		"sts:AssumeRole",
	},
	Table: []TableAccess{
		{Prefix: "ACTIVITY#", Actions: []string{putItem}},
		{Prefix: "ALEXALINK#", Actions: []string{updateItem}},
		{Prefix: "OAUTHREFRESH#", Actions: []string{deleteItem}},
		{Prefix: "OAUTHUSER#", Actions: []string{getItem, putItem}},
		{Prefix: "TENANT#", Actions: []string{getItem}},
		{Prefix: "OAUTHUSER#", Index: table.GSIName, Actions: []string{query}},
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
//
// In the table it only reads tenants, users, e-mail claims, clients and revocation
// marks (registering clients and revoking a user's tokens are the CLI's and the
// skill's), and never reaches an elevation (MFA#) or a tenant's record for writing.
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
	Table: []TableAccess{
		{Prefix: "EMAIL#", Actions: []string{getItem}},
		{Prefix: "KEY#oauth-", Actions: []string{getItem, putItem}},
		{Prefix: "LOGINFAIL#", Actions: []string{updateItem}},
		{Prefix: "OAUTHCLIENT#", Actions: []string{getItem}},
		{Prefix: "OAUTHCODE#", Actions: []string{getItem, putItem, updateItem}},
		{Prefix: "OAUTHCONSENT#", Actions: []string{deleteItem, putItem}},
		{Prefix: "OAUTHREFRESH#", Actions: []string{deleteItem, getItem, putItem, updateItem}},
		{Prefix: "OAUTHUSER#", Actions: []string{getItem}},
		{Prefix: "TENANT#", Actions: []string{getItem}},
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
// MFA# partition; all under MFA#) to find a user's elevations from every origin when they lock; SMS:
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
	Table: []TableAccess{
		{Prefix: "KEY#mfa-", Actions: []string{getItem, putItem}},
		{Prefix: "MFA#", Actions: []string{deleteItem, getItem, putItem, query, updateItem}},
		{Prefix: "TENANT#", Actions: []string{getItem}},
	},
	KeyPurposes: []string{"mfa-otp"},
	Routes: []string{
		"POST /mfa/v1/challenges",
		"POST /mfa/v1/verifications",
		"GET /mfa/v1/elevations/{tenant}/{user}",
		"DELETE /mfa/v1/elevations/{tenant}/{user}",
	},
}

// Console is the tenants' console's function (cmd/console). Its role:
//
//   - Through tenants/dynamo: tenants and users (TENANT#: read, made with the
//     organisation or an invitation, replaced, a password updated, users deleted,
//     listed by Query, checked in transactions), their e-mail, role and account
//     claims (EMAIL#, ROLECLAIM#, ACCOUNTCLAIM#: read, made, given up), the Alexa
//     accounts that spoke for a user (ALEXALINK#: listed, unlinked) and their
//     activity (ACTIVITY#: listed). It is the one function that writes tenants,
//     users and claims: the sign-up, connect and people pages are how tenants
//     manage themselves.
//   - Through oauth.Tokens: a user's refresh tokens, listed on the GSI by
//     OAUTHUSER#<tenant>#<user> and deleted (OAUTHREFRESH#: never read by key), and
//     the revocation marks (OAUTHUSER#) that refuse the access tokens minted before.
//   - Its own records: sessions (CONSOLESESSION#), single-use e-mailed links (SIGNUP#,
//     INVITE#, RESET#), an organisation's invitations not accepted yet
//     (INVITE#TENANT#: listed, taken off when accepted or withdrawn), the operator's
//     invitation codes (SIGNUPCODE#: read, used), SMS codes (PHONECODE#), rate limits
//     (CONSOLELIMIT#: conditional updates only) and the audit trail (AUDIT#: written,
//     listed). Its MAC key (KEY#console-): GetItem and kms:Decrypt, PutItem and
//     kms:Encrypt when made on first use. kms:Encrypt under a tenant's context too:
//     it seals the verifier secret an admin gives with a token policy (never opens one).
//   - ses:SendEmail (links), sns:Publish (SMS codes), sts:AssumeRole of the skill's
//     role (EnvSkillRoleARN), the one principal tenants' roles trust: the role check
//     assumes it, then the tenant's role with its credentials (the skill's policy
//     applies; sts:GetCallerIdentity is signed with the tenant role's), and
//     execute-api:Invoke of the mfa API to end a removed user's elevations (it never
//     reaches MFA# itself).
var Console = Function{
	Name: "console",
	Env:  []string{EnvTable, EnvSecretsKeyID, EnvIssuer, EnvMFAURL, EnvMailFrom, EnvMailConfigurationSet, EnvSignUp, EnvSkillRoleARN, EnvTenantTemplateURL},
	IAMActions: []string{
		"dynamodb:ConditionCheckItem",
		"dynamodb:DeleteItem",
		"dynamodb:GetItem",
		"dynamodb:PutItem",
		"dynamodb:Query",
		"dynamodb:UpdateItem",
		"execute-api:Invoke",
		"kms:Decrypt",
		"kms:Encrypt",
		"ses:SendEmail",
		"sns:Publish",
		"sts:AssumeRole",
	},
	Table: []TableAccess{
		{Prefix: "ACCOUNTCLAIM#", Actions: []string{deleteItem, getItem, putItem}},
		{Prefix: "ACTIVITY#", Actions: []string{query}},
		{Prefix: "ALEXALINK#", Actions: []string{deleteItem, query}},
		{Prefix: "AUDIT#", Actions: []string{putItem, query}},
		{Prefix: "CONSOLELIMIT#", Actions: []string{updateItem}},
		{Prefix: "CONSOLESESSION#", Actions: []string{deleteItem, getItem, putItem, query, updateItem}},
		{Prefix: "EMAIL#", Actions: []string{deleteItem, getItem, putItem}},
		{Prefix: "INVITE#", Actions: []string{deleteItem, getItem, putItem, query, updateItem}},
		{Prefix: "KEY#console-", Actions: []string{getItem, putItem}},
		{Prefix: "OAUTHREFRESH#", Actions: []string{deleteItem}},
		{Prefix: "OAUTHUSER#", Actions: []string{getItem, putItem, updateItem}},
		{Prefix: "PHONECODE#", Actions: []string{deleteItem, getItem, putItem, updateItem}},
		{Prefix: "RESET#", Actions: []string{getItem, putItem, updateItem}},
		{Prefix: "ROLECLAIM#", Actions: []string{deleteItem, getItem, putItem}},
		{Prefix: "SIGNUP#", Actions: []string{getItem, putItem, updateItem}},
		{Prefix: "SIGNUPCODE#", Actions: []string{getItem, updateItem}},
		{Prefix: "TENANT#", Actions: []string{checkItem, deleteItem, getItem, putItem, query, updateItem}},
		{Prefix: "OAUTHUSER#", Index: table.GSIName, Actions: []string{query}},
	},
	KeyPurposes: []string{"console-token"},
	Routes: []string{
		"GET /console",
		"GET /console/{$}",
		"GET /console/signin",
		"POST /console/signin",
		"POST /console/signout",
		"GET /console/signup",
		"POST /console/signup",
		"GET /console/signup/verify",
		"POST /console/signup/verify",
		"GET /console/reset",
		"POST /console/reset",
		"GET /console/reset/confirm",
		"POST /console/reset/confirm",
		"GET /console/reauth",
		"POST /console/reauth",
		"GET /console/connect",
		"POST /console/connect",
		"GET /console/settings",
		"POST /console/settings",
		"GET /console/people",
		"POST /console/people/invite",
		"POST /console/people/{user}/role",
		"POST /console/people/{user}/remove",
		"GET /console/invite",
		"POST /console/invite",
		"POST /console/invite/phone",
		"GET /console/account",
		"POST /console/account/password",
		"GET /console/account/phone",
		"POST /console/account/phone",
		"POST /console/account/phone/verify",
		"POST /console/account/links/{link}/unlink",
		"GET /console/account/activity",
	},
}

// Functions are the stack's Lambda functions, in the order of local.functions.
var Functions = []Function{Skill, OAuth, MFA, Console}
