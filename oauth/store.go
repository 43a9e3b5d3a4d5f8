package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/tenants"
)

// DynamoDB is the part of the DynamoDB client the server and its stores use.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Keyring hands out the MAC key codes, refresh tokens, CSRF tokens and login-failure
// counters are keyed with (tenants.Keyring fits).
type Keyring interface {
	Key(ctx context.Context, purpose string) ([]byte, error)
}

// keyPurpose names the one Keyring key of this package; subkeys are derived from it
// per use, so that a hash of one kind can never stand for another.
const keyPurpose = "oauth-token"

// Labels of the derived subkeys.
const (
	labelCode    = "code"
	labelRefresh = "refresh"
	labelCSRF    = "csrf"
	labelLogin   = "login"
	labelConsent = "consent"
)

// macs computes the keyed hashes under which secrets are stored.
type macs struct{ keyring Keyring }

// sum returns base64url(HMAC-SHA256(HMAC-SHA256(key, label), value)).
func (m macs) sum(ctx context.Context, label, value string) (string, error) {
	k, err := m.subkey(ctx, label)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, k)
	mac.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}

func (m macs) subkey(ctx context.Context, label string) ([]byte, error) {
	master, err := m.keyring.Key(ctx, keyPurpose)
	if err != nil {
		return nil, fmt.Errorf("mac key: %w", err)
	}
	mac := hmac.New(sha256.New, master)
	mac.Write([]byte("easytocloud oauth " + label))
	return mac.Sum(nil), nil
}

// randomToken returns 256 random bits, base64url (43 characters).
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error (it panics on a broken system)
	return base64.RawURLEncoding.EncodeToString(b)
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func num(v int64) types.AttributeValue { return &types.AttributeValueMemberN{Value: fmt.Sprint(v)} }

func itemKey(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{tenants.PartitionKey: str(pk), tenants.SortKey: str(sk)}
}

// errNoItem is getItem's answer for a missing item.
var errNoItem = errors.New("no such item")

// getItem reads one item, strongly consistent, into out; errNoItem when absent.
func getItem(ctx context.Context, db DynamoDB, table string, key map[string]types.AttributeValue, out any) error {
	res, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return err
	}
	if res.Item == nil {
		return errNoItem
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return fmt.Errorf("decode item: %w", err)
	}
	return nil
}

func marshal(v any) map[string]types.AttributeValue {
	m, err := attributevalue.MarshalMap(v)
	if err != nil {
		// Item types are plain structs of strings, numbers and string lists.
		panic(fmt.Sprintf("oauth: marshal %T: %v", v, err))
	}
	return m
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// cancelReasons returns the per-item codes of a cancelled transaction, or nil.
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
