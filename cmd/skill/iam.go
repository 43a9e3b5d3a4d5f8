package main

// iamActions are the AWS actions the skill function's role calls (terraform grants
// exactly these; a test there reads this literal): dynamodb:GetItem for tenants and
// users; kms:GetPublicKey for the access-token key; sts:AssumeRole into tenants'
// roles; execute-api:Invoke for the mfa API; and, on SkillDisabled, PutItem (the
// revocation mark), Query (the user's tokens, on the GSI) and DeleteItem.
//
// Not listed: what the skill calls in tenants' accounts with their roles' credentials
// (account.TenantIAMActions).
var iamActions = []string{
	"dynamodb:DeleteItem",
	"dynamodb:GetItem",
	"dynamodb:PutItem",
	"dynamodb:Query",
	"execute-api:Invoke",
	"kms:GetPublicKey",
	"sts:AssumeRole",
}
