package emulator

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// VerifySender makes identity (a domain, or one address) a verified SES sender in
// cfg's account and region, as a domain whose DNS records are in place is on AWS: the
// emulator refuses to send from an address when neither it nor its domain is
// verified. An identity that exists already is kept.
func VerifySender(ctx context.Context, cfg aws.Config, identity string) error {
	_, err := sesv2.NewFromConfig(cfg).CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(identity)})
	var exists *sestypes.AlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("verify SES identity %s: %w", identity, err)
	}
	return nil
}
