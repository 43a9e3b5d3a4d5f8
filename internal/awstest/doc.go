// Package awstest runs the local AWS emulator (moto) for tests and gives them what they
// need to use it: an aws.Config aimed at it, fresh accounts and table names for
// isolation, seeded EC2 instances and Kinesis streams in a tenant's account, the SMS
// messages and e-mails the emulator recorded, and verified SES senders. One emulator
// serves each test binary; it is started on first use and stopped when the binary
// ends, however it ends.
package awstest
