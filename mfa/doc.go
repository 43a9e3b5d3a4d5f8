// Package mfa is easytocloud's second factor: one-time codes sent by SMS through SNS,
// or codes from an IAM MFA token checked through STS, as the tenant's policy says. A
// success elevates the user for the tenant's window; changes need an elevation. The
// Service works in process, the Handler serves it over HTTP (behind API Gateway with
// IAM authorization), and the Client calls that API with SigV4-signed requests.
package mfa
