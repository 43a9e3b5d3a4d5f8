// Package mfa is easytocloud's second factor: one-time codes sent by SMS through SNS,
// or codes from an IAM MFA token checked through STS, as the tenant's policy says. A
// success elevates the user for the tenant's window, only where the code was given
// (its Origin: the Alexa account, the device, the voice profile's person); changes
// need an elevation. Failures are counted per user and per tenant MFA device. The
// Service works in process, the Handler serves it over HTTP (behind API Gateway with
// IAM authorization), and the Client calls that API with SigV4-signed requests.
package mfa
