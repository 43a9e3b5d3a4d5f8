package awstest

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/easytocloud/easytocloud/internal/emulator"
)

// Email is one e-mail the emulator's SES recorded.
type Email = emulator.Email

// Emails returns every e-mail sent through the emulator, oldest first.
func Emails(tb testing.TB) []Email {
	tb.Helper()
	msgs, err := emulator.ReadEmail(Endpoint(tb))
	if err != nil {
		tb.Fatalf("awstest: %v", err)
	}
	return msgs
}

// EmailsTo returns the e-mails of which address (any case) is a recipient, oldest
// first.
func EmailsTo(tb testing.TB, address string) []Email {
	tb.Helper()
	var out []Email
	for _, m := range Emails(tb) {
		if m.SentTo(address) {
			out = append(out, m)
		}
	}
	return out
}

// VerifyEmailIdentity makes identity (a domain, or one address) a verified SES
// sender in cfg's account and region (emulator.VerifySender): the emulator refuses to
// send from an address when neither it nor its domain is verified. Idempotent.
func VerifyEmailIdentity(tb testing.TB, cfg aws.Config, identity string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := emulator.VerifySender(ctx, cfg, identity); err != nil {
		tb.Fatalf("awstest: %v", err)
	}
}
