// Package dynamo stores the tenants domain in the project's single DynamoDB table:
// tenants with the claims on their role and AWS account, users, the email addresses
// they reserve and the Alexa accounts that have spoken for them (Store), with the
// tenants' secrets sealed by KMS under an encryption context naming the tenant, and
// the per-purpose MAC keys the other packages hash secrets with (Keyring).
package dynamo

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
)

// KMS is the part of the KMS client the Store and the Keyring use, with the symmetric
// secrets key (EASYTOCLOUD_SECRETS_KEY_ID).
type KMS interface {
	Encrypt(ctx context.Context, in *kms.EncryptInput, opts ...func(*kms.Options)) (*kms.EncryptOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, opts ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// Store keeps tenants and users in the single table. Its methods are safe for
// concurrent use. Errors wrap the sentinels of package tenants (ErrNotFound,
// ErrConflict, ErrEmailTaken, ErrAccountTaken, ErrHasUsers, ErrInvalid,
// ErrInvalidCredentials) or, for anything else, the AWS error.
type Store struct {
	// Now returns the current time; tests replace it. Default time.Now.
	Now func() time.Time
	// Password holds the argon2id parameters of new password hashes; tests lower
	// them. Default tenants.DefaultPasswordParams.
	Password tenants.PasswordParams

	table *table.Table
	kms   KMS
	keyID string

	dummyMu     sync.Mutex
	dummyParams tenants.PasswordParams
	dummyHash   string
}

// NewStore returns a Store on tbl that encrypts secrets with the symmetric KMS key
// secretsKeyID. It does no I/O.
func NewStore(tbl *table.Table, kms KMS, secretsKeyID string) *Store {
	return &Store{Now: time.Now, Password: tenants.DefaultPasswordParams, table: tbl, kms: kms, keyID: secretsKeyID}
}

func (s *Store) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Store) passwordParams() tenants.PasswordParams {
	if s.Password == (tenants.PasswordParams{}) {
		return tenants.DefaultPasswordParams
	}
	return s.Password
}

// HashPassword checks password as tenants.ValidatePassword does and returns its
// argon2id hash with the store's parameters, for a password typed in one step and
// stored in a later one (CreateUserHashed, CreateOrganisation, SetPasswordHash).
func (s *Store) HashPassword(password string) (string, error) {
	if err := tenants.ValidatePassword(password); err != nil {
		return "", err
	}
	return tenants.HashPassword(password, s.passwordParams()), nil
}

// dummyPasswordHash returns a hash, with the current parameters, that no password is
// checked against successfully in practice: Authenticate checks it when the user does
// not exist, so that both cases take as long.
func (s *Store) dummyPasswordHash() string {
	p := s.passwordParams()
	s.dummyMu.Lock()
	defer s.dummyMu.Unlock()
	if s.dummyHash == "" || s.dummyParams != p {
		s.dummyHash, s.dummyParams = tenants.HashPassword(tenants.NewExternalID(), p), p
	}
	return s.dummyHash
}

// Keys of the items this package owns (see docs: the table).
const (
	tenantSK   = "#TENANT"
	emailSK    = "#EMAIL"
	keySK      = "#KEY"
	userSKPre  = "USER#"
	tenantsGSI = "TENANTS"
)

func tenantPK(id string) string   { return "TENANT#" + id }
func emailPK(email string) string { return "EMAIL#" + tenants.NormalEmail(email) }
func keyPK(purpose string) string { return "KEY#" + purpose }
func userSK(id string) string     { return userSKPre + id }

// getItem reads one item with a strongly consistent read into out; it returns
// tenants.ErrNotFound when there is none.
func (s *Store) getItem(ctx context.Context, k map[string]types.AttributeValue, out any) error {
	return getItem(ctx, s.table, k, out)
}

func getItem(ctx context.Context, tbl *table.Table, k map[string]types.AttributeValue, out any) error {
	err := tbl.Get(ctx, k, out)
	if errors.Is(err, table.ErrNoItem) {
		return tenants.ErrNotFound
	}
	return err
}
