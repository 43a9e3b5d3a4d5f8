package main

// iamActions are the AWS actions the mfa function's role calls (terraform grants
// exactly these; a test there reads this literal). Through tenants: GetItem for tenants
// and users, kms:Decrypt for verifier secrets and the MAC key, GetItem, PutItem and
// kms:Encrypt when the "mfa-otp" MAC key is made on first use. Its own records:
// GetItem, PutItem, UpdateItem, DeleteItem; SMS: sns:Publish.
//
// Not listed: sts:GetSessionToken, which checks token codes. It is signed with the
// tenant's verifier IAM user's keys, in the tenant's account, never with the role.
var iamActions = []string{
	"dynamodb:DeleteItem",
	"dynamodb:GetItem",
	"dynamodb:PutItem",
	"dynamodb:UpdateItem",
	"kms:Decrypt",
	"kms:Encrypt",
	"sns:Publish",
}
