// Package skill is the voice handler: it decodes the requests Alexa sends, knows who
// is speaking from the linked account's access token, reads and changes the person's
// own AWS account through their tenant's role, asks for a second factor before any
// change, and answers in speech that fits Alexa's limits.
package skill
