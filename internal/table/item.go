package table

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ErrNoItem is Get's answer when the item does not exist.
var ErrNoItem = errors.New("no such item")

// Key is the primary key of the item pk/sk in the table.
func Key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{PartitionKey: S(pk), SortKey: S(sk)}
}

// S is a string attribute value.
func S(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// N is a number attribute value.
func N(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

// Marshal is the item of v, a plain struct of strings, numbers, byte slices, times and
// lists of them with dynamodbav tags. It panics on a type that cannot be marshalled: a
// programming error, not a condition to handle.
func Marshal(v any) map[string]types.AttributeValue {
	m, err := attributevalue.MarshalMap(v)
	if err != nil {
		panic(fmt.Sprintf("table: marshal %T: %v", v, err))
	}
	return m
}

// Get reads the item at key with a strongly consistent read into out (a pointer to a
// struct with dynamodbav tags). It returns ErrNoItem when there is none, the AWS
// error when the read fails, and a decode error when the item does not fit out. It
// does not look at TTLAttribute: the caller does, with Expired, for expiring state.
func (t *Table) Get(ctx context.Context, key map[string]types.AttributeValue, out any) error {
	res, err := t.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(t.name), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return err
	}
	if res.Item == nil {
		return ErrNoItem
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return fmt.Errorf("decode item: %w", err)
	}
	return nil
}

// Expired reports whether an item whose TTLAttribute holds expiresAt (epoch seconds)
// has expired at now. DynamoDB deletes expired items up to days late, so every read
// of expiring state asks this too.
func Expired(expiresAt int64, now time.Time) bool { return expiresAt <= now.Unix() }

// ConditionFailed reports whether err is a write's failed condition expression.
func ConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// CancelReasons returns the per-item codes of a cancelled transaction ("None",
// "ConditionalCheckFailed", "TransactionConflict", …), or nil when err is not one.
func CancelReasons(err error) []string {
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

// WriteIDAttribute is the attribute that holds the write ID of an item's last write.
const WriteIDAttribute = "write_id"

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewWriteID returns a random token (80 bits) that marks one write of an item, stored
// in WriteIDAttribute, so that Landed can recognise it.
func NewWriteID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics on a broken system)
	return "w-" + lowerBase32.EncodeToString(b)
}

// Landed reports whether the item at key carries writeID in WriteIDAttribute. The SDK
// retries a write whose response was lost; when the first attempt had succeeded, the
// retry fails its condition (the version moved on, the item exists), and the write is
// reported as failed although it is stored. Checking the token tells the two apart.
// A failed read counts as not landed.
func (t *Table) Landed(ctx context.Context, key map[string]types.AttributeValue, writeID string) bool {
	var w struct {
		WriteID string `dynamodbav:"write_id"`
	}
	return t.Get(ctx, key, &w) == nil && w.WriteID == writeID
}
