package main

// iamActions are the AWS actions the oauth function's role calls (terraform grants
// exactly these; a test there reads this literal, and iam_test.go checks it against
// the calls the wired server makes in the emulator).
//
//   - Users (dynamo.Store): GetItem. MAC keys (dynamo.Keyring): GetItem, kms:Decrypt;
//     PutItem and kms:Encrypt when the "oauth-token" key is made on first use.
//   - Clients, codes, refresh tokens, pending consents, revocation marks, sign-in
//     failure counters:
//     GetItem, PutItem, UpdateItem, DeleteItem. (oauth.Tokens.RevokeUser also Queries
//     the GSI, but the skill and the CLI call it, not this function.)
//     Redeeming a code is a TransactWriteItems of an Update and a Put, which IAM
//     authorizes as dynamodb:UpdateItem and dynamodb:PutItem.
//   - Access tokens: kms:Sign (RAW, ECDSA_SHA_256) and kms:GetPublicKey (kid, JWKS).
var iamActions = []string{
	"dynamodb:DeleteItem",
	"dynamodb:GetItem",
	"dynamodb:PutItem",
	"dynamodb:UpdateItem",
	"kms:Decrypt",
	"kms:Encrypt",
	"kms:GetPublicKey",
	"kms:Sign",
}
