package awstest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/table"
)

// TestTransactionsAreAtomic: many clients race to create one item with a conditional
// TransactWriteItems. moto undoes a failed transaction by putting back a copy of the
// whole table, which erased what others committed meanwhile (two winners of one
// single-use code, seen in CI), and its copying races with concurrent writers (HTTP
// 500s, seen here without the launcher's lock); the emulator the tests run must do
// neither, or single-use codes and uniqueness look broken when they are not.
func TestTransactionsAreAtomic(t *testing.T) {
	db := dynamodb.NewFromConfig(awstest.Config(t))
	name := awstest.Table(t)
	key := func(pk string) map[string]types.AttributeValue { return table.Key(pk, "#") }
	// A table of some size: moto's copy of it takes long enough for others to commit.
	for b := range 40 {
		var reqs []types.WriteRequest
		for i := range 25 {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: key(fmt.Sprintf("filler-%d-%d", b, i))}})
		}
		if _, err := db.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{name: reqs}}); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	const rounds, racers = 12, 8
	for r := range rounds {
		var won atomic.Int32
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				_, err := db.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{Put: &types.Put{TableName: aws.String(name), Item: key(fmt.Sprintf("once-%d", r)),
						ConditionExpression: aws.String("attribute_not_exists(pk)")}},
					{Put: &types.Put{TableName: aws.String(name), Item: key(fmt.Sprintf("mine-%d-%d", r, i))}},
				}})
				var cancelled *types.TransactionCanceledException
				switch {
				case err == nil:
					won.Add(1)
				case errors.As(err, &cancelled):
				default:
					t.Errorf("round %d: %v", r, err)
				}
			})
		}
		wg.Wait()
		if n := won.Load(); n != 1 {
			t.Fatalf("round %d: %d transactions created the one item, want exactly 1", r, n)
		}
		out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(name), Key: key(fmt.Sprintf("once-%d", r)), ConsistentRead: aws.Bool(true)})
		if err != nil || out.Item == nil {
			t.Fatalf("round %d: the committed item is gone (%v): a failed transaction undid it", r, err)
		}
	}
}
