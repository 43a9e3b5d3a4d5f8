package awstest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/internal/awstest"
)

// TestEmailIsReadBack: the emulator refuses a sender whose domain is not verified;
// once it is (twice: idempotent), a simple and a raw message are read back with
// their sender, recipients, subject, body and links, and only to their recipients.
func TestEmailIsReadBack(t *testing.T) {
	cfg := awstest.Config(t)
	client := sesv2.NewFromConfig(cfg)
	domain := "mail-" + awstest.NewAccountID(t) + ".example"
	from := "easytocloud <console@" + domain + ">"
	ann, bob := "ann-"+domain+"@example.com", "Bob-"+domain+"@example.com"
	simple := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(from),
		Destination:      &sestypes.Destination{ToAddresses: []string{ann}, BccAddresses: []string{bob}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String("Verify your e-mail address")},
			Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String(
				"Open this link within an hour:\nhttp://127.0.0.1:8080/console/signup/verify?token=abc_-9\n\nOr https://example.com/help.")}},
		}},
	}
	_, err := client.SendEmail(context.Background(), simple)
	var api smithy.APIError
	if !errors.As(err, &api) || !strings.Contains(api.ErrorMessage(), "not verified") {
		t.Fatalf("sending from an unverified domain: %v, want the emulator to refuse it", err)
	}
	awstest.VerifyEmailIdentity(t, cfg, domain)
	awstest.VerifyEmailIdentity(t, cfg, domain)
	if _, err := client.SendEmail(context.Background(), simple); err != nil {
		t.Fatalf("send: %v", err)
	}
	raw := "From: " + from + "\r\nTo: " + bob + "\r\nSubject: You are invited\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAccept: http://127.0.0.1:8080/console/invite?token=xyz.\r\n"
	if _, err := client.SendEmail(context.Background(), &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(from),
		Destination:      &sestypes.Destination{ToAddresses: []string{bob}},
		Content:          &sestypes.EmailContent{Raw: &sestypes.RawMessage{Data: []byte(raw)}},
	}); err != nil {
		t.Fatalf("send raw: %v", err)
	}

	got := awstest.EmailsTo(t, ann)
	if len(got) != 1 {
		t.Fatalf("%d e-mails to %s, want 1: %+v", len(got), ann, got)
	}
	if m := got[0]; m.Source != from || m.Subject != "Verify your e-mail address" || !strings.HasPrefix(m.Body, "Open this link") ||
		!cmp.Equal(m.To, []string{ann}) || !cmp.Equal(m.Bcc, []string{bob}) || m.ID == "" || m.Raw != "" {
		t.Errorf("the simple e-mail reads back as %+v", m)
	}
	if diff := cmp.Diff([]string{"http://127.0.0.1:8080/console/signup/verify?token=abc_-9", "https://example.com/help"}, got[0].Links()); diff != "" {
		t.Errorf("links (-want +got):\n%s", diff)
	}
	toBob := awstest.EmailsTo(t, strings.ToLower(bob))
	if len(toBob) != 2 {
		t.Fatalf("%d e-mails to %s (Bcc and raw), want 2: %+v", len(toBob), bob, toBob)
	}
	if m := toBob[1]; m.Subject != "You are invited" || m.Raw != raw || !strings.Contains(m.Body, "Accept:") ||
		!cmp.Equal(m.Links(), []string{"http://127.0.0.1:8080/console/invite?token=xyz"}) {
		t.Errorf("the raw e-mail reads back as %+v (links %q)", m, m.Links())
	}
}
