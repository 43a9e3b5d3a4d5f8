// Package ddb holds the DynamoDB item helpers the oauth and mfa stores share: keys of
// the project's table, attribute values, a strongly consistent read into a struct, and
// how to read a failed condition or a cancelled transaction. (tenants keeps its own
// copies: it imports no project package.)
package ddb

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/tenants"
)

// Getter is the part of the DynamoDB client Get uses.
type Getter interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

// ErrNoItem is Get's answer when the item does not exist.
var ErrNoItem = errors.New("no such item")

// Key is the primary key of the item pk/sk in the project's table.
func Key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{tenants.PartitionKey: S(pk), tenants.SortKey: S(sk)}
}

// S is a string attribute value.
func S(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// N is a number attribute value.
func N(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

// Get reads the item at key with a strongly consistent read into out (a pointer to a
// struct with dynamodbav tags). It returns ErrNoItem when there is none, the AWS
// error when the read fails, and a decode error when the item does not fit out. It
// does not look at expires_at: the caller does, for expiring state.
func Get(ctx context.Context, db Getter, table string, key map[string]types.AttributeValue, out any) error {
	res, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
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

// Marshal is the item of v, a plain struct of strings, numbers, byte slices and lists
// of them with dynamodbav tags. It panics on a type that cannot be marshalled: a
// programming error, not a condition to handle.
func Marshal(v any) map[string]types.AttributeValue {
	m, err := attributevalue.MarshalMap(v)
	if err != nil {
		panic(fmt.Sprintf("ddb: marshal %T: %v", v, err))
	}
	return m
}

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
