// Package skill is the conversation: it answers the requests Alexa sends (decoded
// by package alexa), knows who is speaking from the linked account's access token,
// reads and changes the person's own AWS account through the account port, asks
// for a second factor before any change, and answers in speech that fits Alexa's
// limits. A turn is one request of a known user; reading (reader), changing
// (changing) and authenticating (authenticating) are its concerns, each in its own
// files.
package skill
