package tenants

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// DynamoDB is the part of the DynamoDB client the Store and the Keyring use.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// KMS is the part of the KMS client the Store and the Keyring use, with the symmetric
// secrets key (EASYTOCLOUD_SECRETS_KEY_ID).
type KMS interface {
	Encrypt(ctx context.Context, in *kms.EncryptInput, opts ...func(*kms.Options)) (*kms.EncryptOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, opts ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// Store keeps tenants and users in the single table. Its methods are safe for
// concurrent use. Errors wrap the package's sentinels (ErrNotFound, ErrConflict,
// ErrEmailTaken, ErrHasUsers, ErrInvalid, ErrInvalidCredentials) or, for anything
// else, the AWS error.
type Store struct {
	// Now returns the current time; tests replace it. Default time.Now.
	Now func() time.Time
	// Password holds the argon2id parameters of new password hashes; tests lower
	// them. Default DefaultPasswordParams.
	Password PasswordParams

	db    DynamoDB
	kms   KMS
	table string
	keyID string

	dummyMu     sync.Mutex
	dummyParams PasswordParams
	dummyHash   string
}

// NewStore returns a Store on the table named table that encrypts secrets with the
// symmetric KMS key secretsKeyID. It does no I/O.
func NewStore(db DynamoDB, kms KMS, table, secretsKeyID string) *Store {
	return &Store{Now: time.Now, Password: DefaultPasswordParams, db: db, kms: kms, table: table, keyID: secretsKeyID}
}

func (s *Store) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Store) passwordParams() PasswordParams {
	if s.Password == (PasswordParams{}) {
		return DefaultPasswordParams
	}
	return s.Password
}

// dummyPasswordHash returns a hash, with the current parameters, that no password is
// checked against successfully in practice: Authenticate checks it when the user does
// not exist, so that both cases take as long.
func (s *Store) dummyPasswordHash() string {
	p := s.passwordParams()
	s.dummyMu.Lock()
	defer s.dummyMu.Unlock()
	if s.dummyHash == "" || s.dummyParams != p {
		s.dummyHash, s.dummyParams = hashPassword(newExternalID(), p), p
	}
	return s.dummyHash
}

// Keys of the items this package owns (see contracts: the table).
const (
	tenantSK   = "#TENANT"
	emailSK    = "#EMAIL"
	keySK      = "#KEY"
	userSKPre  = "USER#"
	tenantsGSI = "TENANTS"
)

func tenantPK(id string) string         { return "TENANT#" + id }
func emailPK(email string) string       { return "EMAIL#" + normalEmail(email) }
func keyPK(purpose string) string       { return "KEY#" + purpose }
func userSK(id string) string           { return userSKPre + id }
func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{PartitionKey: str(pk), SortKey: str(sk)}
}

// getItem reads one item with a strongly consistent read into out; it returns
// ErrNotFound when there is none.
func (s *Store) getItem(ctx context.Context, k map[string]types.AttributeValue, out any) error {
	return getItem(ctx, s.db, s.table, k, out)
}

func getItem(ctx context.Context, db DynamoDB, table string, k map[string]types.AttributeValue, out any) error {
	res, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return err
	}
	if res.Item == nil {
		return ErrNotFound
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return fmt.Errorf("decode item: %w", err)
	}
	return nil
}

// query runs in to the end, following LastEvaluatedKey, and returns every item.
func (s *Store) query(ctx context.Context, in *dynamodb.QueryInput) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		items = append(items, page.Items...)
	}
	return items, nil
}

func marshal(v any) map[string]types.AttributeValue {
	m, err := attributevalue.MarshalMap(v)
	if err != nil {
		// The item types are plain structs of strings, numbers, byte slices and
		// times; marshalling them cannot fail.
		panic(fmt.Sprintf("tenants: marshal %T: %v", v, err))
	}
	return m
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// cancelReasons returns the per-item cancellation codes of a cancelled transaction
// ("None", "ConditionalCheckFailed", "TransactionConflict", …), or nil when err is
// not a cancelled transaction.
func cancelReasons(err error) []string {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil
	}
	codes := make([]string, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		codes[i] = aws.ToString(r.Code)
	}
	return codes
}

// transact runs a write transaction, retrying (with jittered backoff, up to five
// times) when DynamoDB cancels it only because another transaction touched the same
// items at the same moment. Any other cancellation is returned to the caller, who
// reads cancelReasons to tell which condition failed.
func (s *Store) transact(ctx context.Context, items []types.TransactWriteItem) error {
	const attempts = 5
	for i := 0; ; i++ {
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil || i == attempts-1 || !onlyConflicts(cancelReasons(err)) {
			return err
		}
		d := time.Duration(10<<i)*time.Millisecond + rand.N(10*time.Millisecond)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
	}
}

// newWriteID returns a random token that marks one write of an item (attribute
// write_id), so that landed can recognise it.
func newWriteID() string { return newID("w-") }

// landed reports whether the item at k carries writeID. The SDK retries a write
// whose response was lost; when the first attempt had succeeded, the retry fails its
// condition (the version moved on, the item exists), and the write is reported as
// failed although it is stored. Checking the token tells the two apart.
func (s *Store) landed(ctx context.Context, k map[string]types.AttributeValue, writeID string) bool {
	var w struct {
		WriteID string `dynamodbav:"write_id"`
	}
	return s.getItem(ctx, k, &w) == nil && w.WriteID == writeID
}

func onlyConflicts(codes []string) bool {
	conflict := false
	for _, c := range codes {
		switch c {
		case "TransactionConflict":
			conflict = true
		case "None", "":
		default:
			return false
		}
	}
	return conflict
}
