// Package consoleapp wires the tenants' console for the Lambda function and the local
// stack, from internal/app's configuration and clients: the store, the keyring, the
// role check, e-mail through SES and SMS through SNS. It is a package of its own so
// that only the binaries that serve the console link it (see app).
package consoleapp

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/console"
	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants"
)

// Parts are what the console gets from the other services, which differ between the
// Lambda and the local stack: the account links' tokens (oauth), the elevations (the
// mfa API's client, or the mfa service in process) and the STS the role check
// assumes roles with (a.STS on AWS, the local STS on the emulator).
type Parts struct {
	Tokens     console.Tokens
	Elevations console.Elevations
	STS        account.AssumeRoleAPI
}

// NewServer returns the console at c.Issuer + "/console" on c.Table, sending e-mail
// from c.MailFrom through SES (configuration set c.MailConfigurationSet, "" for none)
// and SMS through a.SNS.
func NewServer(c app.Config, a app.AWS, p Parts, logger *slog.Logger) (*console.Server, error) {
	return console.NewServer(console.Config{
		BaseURL:      strings.TrimRight(c.Issuer, "/") + "/console",
		Table:        app.NewTable(c, a),
		Keyring:      app.NewKeyring(c, a),
		Store:        app.NewStore(c, a),
		Roles:        account.NewAccess(p.STS),
		Tokens:       p.Tokens,
		Elevations:   p.Elevations,
		Mail:         SES{Client: sesv2.NewFromConfig(a.Config), ConfigurationSet: c.MailConfigurationSet},
		From:         c.MailFrom,
		SMS:          SNS{Client: a.SNS},
		SignUp:       console.SignUpMode(c.SignUp),
		SkillRoleARN: c.SkillRoleARN,
		TemplateURL:  c.TenantTemplateURL,
		Logger:       logger,
	})
}

// Tokens is the console's view of the account links' tokens (oauth.Tokens).
type Tokens struct{ T *oauth.Tokens }

// Grants returns the user's live account links.
func (t Tokens) Grants(ctx context.Context, p tenants.Principal) ([]console.Grant, error) {
	gs, err := t.T.Grants(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]console.Grant, len(gs))
	for i, g := range gs {
		out[i] = console.Grant{ID: g.ID, ClientID: g.ClientID, Created: g.Created, LastUsed: g.LastUsed}
	}
	return out, nil
}

// RevokeGrant revokes one account link.
func (t Tokens) RevokeGrant(ctx context.Context, p tenants.Principal, grantID string) error {
	return t.T.RevokeGrant(ctx, p, grantID)
}

// RevokeUser revokes every token of the user.
func (t Tokens) RevokeUser(ctx context.Context, p tenants.Principal) error {
	return t.T.RevokeUser(ctx, p)
}

// NewTokens returns the account links' tokens of c.Table as the console reaches them:
// it lists and deletes refresh tokens and writes revocation marks, and never mints.
func NewTokens(c app.Config, a app.AWS) Tokens {
	return Tokens{T: oauth.NewTokens(app.NewTable(c, a), app.NewKeyring(c, a))}
}

// SkillRoleSTS returns the STS client the console's role check assumes tenants' roles
// with on AWS: tenants' trust policies name the skill's role, so the console first
// assumes that role (c.SkillRoleARN, whose trust policy admits the console's role),
// with a session policy that leaves it only sts:AssumeRole, and assumes the tenant's
// role from there.
func SkillRoleSTS(c app.Config, a app.AWS) *sts.Client {
	provider := stscreds.NewAssumeRoleProvider(a.STS, c.SkillRoleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = "easytocloud-console"
		o.Policy = aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	})
	cfg := a.Config.Copy()
	cfg.Credentials = aws.NewCredentialsCache(provider)
	return sts.NewFromConfig(cfg)
}

// SESAPI is the part of the SES v2 client SES uses.
type SESAPI interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// SES sends the console's e-mail with SES v2 SendEmail: plain text, UTF-8, through
// ConfigurationSet when set.
type SES struct {
	Client           SESAPI
	ConfigurationSet string
}

// Send sends m, or returns SES's error.
func (s SES) Send(ctx context.Context, m console.Mail) error {
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.From),
		Destination:      &sestypes.Destination{ToAddresses: []string{m.To}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String(m.Subject), Charset: aws.String("UTF-8")},
			Body:    &sestypes.Body{Text: &sestypes.Content{Data: aws.String(m.Text), Charset: aws.String("UTF-8")}},
		}},
	}
	if s.ConfigurationSet != "" {
		in.ConfigurationSetName = aws.String(s.ConfigurationSet)
	}
	if _, err := s.Client.SendEmail(ctx, in); err != nil {
		return fmt.Errorf("ses: %w", err)
	}
	return nil
}

// SNS texts with SNS Publish to a phone number, as a transactional SMS.
type SNS struct{ Client mfa.SNS }

// Text sends message to phone, or returns SNS's error.
func (s SNS) Text(ctx context.Context, phone, message string) error {
	_, err := s.Client.Publish(ctx, &sns.PublishInput{
		PhoneNumber: aws.String(phone),
		Message:     aws.String(message),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"AWS.SNS.SMS.SMSType":  {DataType: aws.String("String"), StringValue: aws.String("Transactional")},
			"AWS.SNS.SMS.SenderID": {DataType: aws.String("String"), StringValue: aws.String("easytocloud")},
		},
	})
	if err != nil {
		return fmt.Errorf("sns: %w", err)
	}
	return nil
}
