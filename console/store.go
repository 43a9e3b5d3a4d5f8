package console

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/tenants"
)

// Keyring hands out the MAC key of KeyPurpose (dynamo.Keyring fits).
type Keyring interface {
	Key(ctx context.Context, purpose string) ([]byte, error)
}

// KeyPurpose names the console's one Keyring key; subkeys are derived from it per
// use (sessions, links, codes, CSRF, limits).
const KeyPurpose = "console-token"

// Store is the part of the tenant store the console uses (*dynamo.Store fits). Each
// method's contract is the store's: errors wrap the tenants sentinels.
type Store interface {
	GetTenant(ctx context.Context, id string) (tenants.Tenant, error)
	UpdateTenant(ctx context.Context, id, verifierSecret string, apply func(*tenants.Tenant) error) (tenants.Tenant, error)
	CreateOrganisation(ctx context.Context, t tenants.Tenant, admin tenants.User, passwordHash string, also ...types.TransactWriteItem) (tenants.Tenant, tenants.User, error)

	GetUser(ctx context.Context, tenantID, userID string) (tenants.User, error)
	UserByEmail(ctx context.Context, email string) (tenants.User, error)
	Authenticate(ctx context.Context, email, password string) (tenants.User, error)
	ListUsers(ctx context.Context, tenantID string) ([]tenants.User, error)
	CreateUserHashed(ctx context.Context, u tenants.User, passwordHash string, also ...types.TransactWriteItem) (tenants.User, error)
	UpdateUser(ctx context.Context, tenantID, userID string, apply func(*tenants.User) error) (tenants.User, error)
	SetPassword(ctx context.Context, tenantID, userID, password string) error
	DeleteUser(ctx context.Context, tenantID, userID string) error
	HashPassword(password string) (string, error)

	AlexaLinks(ctx context.Context, tenantID, userID string) ([]tenants.AlexaLink, error)
	DeleteAlexaLink(ctx context.Context, tenantID, userID, linkID string) error
	Activity(ctx context.Context, tenantID, userID string, limit int) ([]tenants.Activity, error)
}

// Elevations ends every elevation of a user, from every origin (mfa.Client and
// mfa.Service fit).
type Elevations interface {
	Lock(ctx context.Context, tenantID, userID string) error
}

// RoleChecker checks that easytocloud can assume a tenant's role only with the
// tenant's ExternalId (account.Access.VerifyRole fits). Its errors wrap
// tenants.ErrExternalIDNotRequired, tenants.ErrRoleNotAssumable or are AWS errors.
type RoleChecker interface {
	VerifyRole(ctx context.Context, t tenants.Tenant) error
}

// Grant is one account link's refresh token, as Tokens lists it.
type Grant struct {
	// ID names the grant in the access tokens minted from it (their gid claim).
	ID       string
	ClientID string
	Created  time.Time
	LastUsed time.Time
}

// Tokens lists and revokes a user's account links (oauth.Tokens fits).
type Tokens interface {
	// Grants returns the user's live refresh tokens.
	Grants(ctx context.Context, p tenants.Principal) ([]Grant, error)
	// RevokeGrant deletes the grant's refresh token and refuses the access tokens
	// minted from it from now on.
	RevokeGrant(ctx context.Context, p tenants.Principal, grantID string) error
	// RevokeUser revokes every token of the user.
	RevokeUser(ctx context.Context, p tenants.Principal) error
}

// Mailer sends one e-mail (SES fits, through sesv2.SendEmail).
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// Mail is one e-mail: plain text with the links spelled out.
type Mail struct {
	From, To, Subject, Text string
}

// SMS texts one message to an E.164 number (SNS Publish, Transactional, fits).
type SMS interface {
	Text(ctx context.Context, phone, message string) error
}
