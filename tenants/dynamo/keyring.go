package dynamo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"golang.org/x/sync/singleflight"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
)

// macKeyLen is the length of every Keyring key: 256 bits, for HMAC-SHA256.
const macKeyLen = 32

// keyItem is a Keyring key as stored: pk KEY#<purpose>, sk #KEY, the key encrypted
// with KMS under the context {"purpose": purpose}. Keys never expire.
type keyItem struct {
	PK         string    `dynamodbav:"pk"`
	SK         string    `dynamodbav:"sk"`
	Ciphertext []byte    `dynamodbav:"ciphertext"`
	CreatedAt  time.Time `dynamodbav:"created_at"`
}

var purposePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Keyring hands out per-purpose 32-byte MAC keys for keyed hashes ("oauth-token",
// "mfa-otp", …). A key is made once, from crypto/rand, and stored in the table
// encrypted with KMS; concurrent creators (in this process or others) agree on the one
// stored first. Each key is decrypted once per process and then served from memory.
// Its methods are safe for concurrent use.
type Keyring struct {
	// Now returns the current time (recorded as the key's creation time).
	Now func() time.Time

	table *table.Table
	kms   KMS
	keyID string

	group singleflight.Group
	mu    sync.Mutex
	keys  map[string][]byte
}

// NewKeyring returns a Keyring on tbl that encrypts keys with the symmetric KMS key
// secretsKeyID. It does no I/O.
func NewKeyring(tbl *table.Table, kms KMS, secretsKeyID string) *Keyring {
	return &Keyring{Now: time.Now, table: tbl, kms: kms, keyID: secretsKeyID, keys: map[string][]byte{}}
}

// Key returns the 32-byte key for purpose (lower-case letters, digits and "-"),
// creating it on first use. It returns an error
// wrapping tenants.ErrInvalid for a malformed purpose, or the AWS error.
func (k *Keyring) Key(ctx context.Context, purpose string) ([]byte, error) {
	if !purposePattern.MatchString(purpose) {
		return nil, fmt.Errorf("keyring: %w", tenants.Invalidf("purpose %q: use lower-case letters, digits and -", purpose))
	}
	k.mu.Lock()
	key, ok := k.keys[purpose]
	k.mu.Unlock()
	if ok {
		return slices.Clone(key), nil
	}
	ch := k.group.DoChan(purpose, func() (any, error) {
		// Not the first caller's context: its cancellation must not fail the others.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		key, err := k.load(ctx, purpose)
		if err != nil {
			return nil, err
		}
		k.mu.Lock()
		k.keys[purpose] = key
		k.mu.Unlock()
		return key, nil
	})
	// Each caller waits only as long as its own context allows; the shared load goes
	// on for the others (and for the cache).
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, fmt.Errorf("keyring %s: %w", purpose, res.Err)
		}
		return slices.Clone(res.Val.([]byte)), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("keyring %s: %w", purpose, ctx.Err())
	}
}

// load reads the stored key for purpose, creating it when there is none.
func (k *Keyring) load(ctx context.Context, purpose string) ([]byte, error) {
	var it keyItem
	err := getItem(ctx, k.table, table.Key(keyPK(purpose), keySK), &it)
	if errors.Is(err, tenants.ErrNotFound) {
		return k.create(ctx, purpose)
	}
	if err != nil {
		return nil, err
	}
	return k.open(ctx, purpose, it.Ciphertext)
}

func (k *Keyring) create(ctx context.Context, purpose string) ([]byte, error) {
	key := make([]byte, macKeyLen)
	_, _ = rand.Read(key)
	enc, err := k.kms.Encrypt(ctx, &kms.EncryptInput{
		KeyId: aws.String(k.keyID), Plaintext: key, EncryptionContext: purposeContext(purpose),
	})
	if err != nil {
		return nil, fmt.Errorf("encrypt new key: %w", err)
	}
	now := time.Now
	if k.Now != nil {
		now = k.Now
	}
	_, err = k.table.Put(ctx, &dynamodb.PutItemInput{
		Item:                table.Marshal(keyItem{PK: keyPK(purpose), SK: keySK, Ciphertext: enc.CiphertextBlob, CreatedAt: now().UTC()}),
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if table.ConditionFailed(err) {
		// Another process stored its key first; everyone uses that one.
		return k.load(ctx, purpose)
	}
	if err != nil {
		return nil, fmt.Errorf("store new key: %w", err)
	}
	return key, nil
}

func (k *Keyring) open(ctx context.Context, purpose string, ciphertext []byte) ([]byte, error) {
	in := &kms.DecryptInput{CiphertextBlob: ciphertext, EncryptionContext: purposeContext(purpose)}
	if k.keyID != "" {
		in.KeyId = aws.String(k.keyID)
	}
	out, err := k.kms.Decrypt(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("decrypt key: %w", err)
	}
	if len(out.Plaintext) != macKeyLen {
		return nil, fmt.Errorf("decrypt key: got %d bytes, want %d", len(out.Plaintext), macKeyLen)
	}
	return out.Plaintext, nil
}

func purposeContext(p string) map[string]string { return map[string]string{"purpose": p} }
