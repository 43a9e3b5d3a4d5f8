package table_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/table"
)

// The SDK's client is a DB.
var _ table.DB = (*dynamodb.Client)(nil)

// cancelled is the error of a transaction DynamoDB cancelled for these reasons.
func cancelled(codes ...string) error {
	reasons := make([]types.CancellationReason, len(codes))
	for i, c := range codes {
		reasons[i] = types.CancellationReason{Code: aws.String(c)}
	}
	return &types.TransactionCanceledException{CancellationReasons: reasons}
}

// scriptedDB answers TransactWriteItems with the next of errs (nil once they run
// out) and records the inputs; its other methods are the emulator's, or nil.
type scriptedDB struct {
	table.DB
	errs  []error
	calls []*dynamodb.TransactWriteItemsInput
}

func (d *scriptedDB) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	d.calls = append(d.calls, in)
	if len(d.errs) == 0 {
		return &dynamodb.TransactWriteItemsOutput{}, nil
	}
	err := d.errs[0]
	d.errs = d.errs[1:]
	return &dynamodb.TransactWriteItemsOutput{}, err
}

func TestTransactRetries(t *testing.T) {
	conflict := cancelled("None", "TransactionConflict")
	failed := cancelled("ConditionalCheckFailed", "TransactionConflict")
	cases := []struct {
		name      string
		errs      []error
		wantCalls int
		wantErr   error
	}{
		{"OK", nil, 1, nil},
		{"ConflictThenOK", []error{conflict, conflict}, 3, nil},
		{"ConflictEveryTime", []error{conflict, conflict, conflict, conflict, conflict, conflict}, 5, conflict},
		{"ConditionFailed", []error{failed}, 1, failed},
		{"OtherError", []error{errors.New("boom")}, 1, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := &scriptedDB{errs: c.errs}
			err := table.New(db, "main").Transact(context.Background(), []types.TransactWriteItem{
				{Put: &types.Put{Item: table.Key("A", "#")}},
				{Update: &types.Update{Key: table.Key("B", "#")}},
				{Delete: &types.Delete{Key: table.Key("C", "#")}},
				{ConditionCheck: &types.ConditionCheck{Key: table.Key("D", "#")}},
			})
			if len(db.calls) != c.wantCalls {
				t.Errorf("%d attempts, want %d", len(db.calls), c.wantCalls)
			}
			switch {
			case c.name == "OtherError":
				if err == nil || err.Error() != "boom" {
					t.Errorf("err = %v, want boom", err)
				}
			case err != c.wantErr:
				t.Errorf("err = %v, want %v", err, c.wantErr)
			}
			it := db.calls[0].TransactItems
			names := []*string{it[0].Put.TableName, it[1].Update.TableName, it[2].Delete.TableName, it[3].ConditionCheck.TableName}
			for i, n := range names {
				if aws.ToString(n) != "main" {
					t.Errorf("item %d on table %q, want main", i, aws.ToString(n))
				}
			}
		})
	}
}

func TestTransactStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	db := &scriptedDB{errs: []error{cancelled("TransactionConflict")}}
	err := table.New(db, "main").Transact(ctx, []types.TransactWriteItem{{Put: &types.Put{}}})
	if !errors.Is(err, context.Canceled) || len(db.calls) != 1 {
		t.Errorf("err = %v after %d attempts, want context.Canceled after 1", err, len(db.calls))
	}
}

// TestTableOperations: Put, Update, Delete, QueryAll across pages, and Landed,
// against the emulator, with the table's name filled in.
func TestTableOperations(t *testing.T) {
	ctx := context.Background()
	tbl := table.New(dynamodb.NewFromConfig(awstest.Config(t)), awstest.Table(t))
	const n = 7
	for i := range n {
		item := table.Key("Q", fmt.Sprintf("#%02d", i))
		item[table.WriteIDAttribute] = table.S(fmt.Sprintf("w-%d", i))
		if _, err := tbl.Put(ctx, &dynamodb.PutItemInput{Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := tbl.Update(ctx, &dynamodb.UpdateItemInput{
		Key: table.Key("Q", "#00"), UpdateExpression: aws.String("SET #w = :w"),
		ExpressionAttributeNames:  map[string]string{"#w": table.WriteIDAttribute},
		ExpressionAttributeValues: map[string]types.AttributeValue{":w": table.S("w-new")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tbl.Delete(ctx, &dynamodb.DeleteItemInput{Key: table.Key("Q", "#06")}); err != nil {
		t.Fatal(err)
	}
	items, err := tbl.QueryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": table.S("Q")},
		Limit:                     aws.Int32(2),
	})
	if err != nil {
		t.Fatal(err)
	}
	var sks []string
	for _, it := range items {
		sks = append(sks, it[table.SortKey].(*types.AttributeValueMemberS).Value)
	}
	if diff := cmp.Diff([]string{"#00", "#01", "#02", "#03", "#04", "#05"}, sks); diff != "" {
		t.Errorf("queried sort keys (-want +got):\n%s", diff)
	}
	if !tbl.Landed(ctx, table.Key("Q", "#00"), "w-new") {
		t.Error("the update's write ID did not land")
	}
	if tbl.Landed(ctx, table.Key("Q", "#01"), "w-other") || tbl.Landed(ctx, table.Key("Q", "#06"), "w-6") {
		t.Error("another write ID, or a deleted item, counts as landed")
	}
}

func TestExpired(t *testing.T) {
	now := time.Unix(1767323045, 0)
	for _, c := range []struct {
		expiresAt int64
		want      bool
	}{{now.Unix() - 1, true}, {now.Unix(), true}, {now.Unix() + 1, false}} {
		if got := table.Expired(c.expiresAt, now); got != c.want {
			t.Errorf("Expired(%d, %d) = %v, want %v", c.expiresAt, now.Unix(), got, c.want)
		}
	}
}

func TestNewWriteIDUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := table.NewWriteID()
		if seen[id] || len(id) != len("w-")+16 {
			t.Fatalf("write ID %q repeated or malformed", id)
		}
		seen[id] = true
	}
}
