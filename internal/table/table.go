// Package table owns the project's single DynamoDB table: its key schema (defined
// here once; terraform/dynamodb.tf must match it), the one narrow client interface
// every store uses (DB), and the helpers for reading and writing its items: keys and
// attribute values, a strongly consistent read into a struct, paginated queries,
// transactions retried on conflicts, and how to read a failed condition, a cancelled
// transaction or an expired item. It imports no other package of the project.
package table

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DB is the part of the DynamoDB client the stores call (the SDK's *dynamodb.Client
// fits). Tests wrap it to inject faults.
type DB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Table is the project's table: a client and the table's name. Its methods fill in
// the TableName of the inputs they are given, so callers build only the rest. It is
// safe for concurrent use.
type Table struct {
	db   DB
	name string
}

// New returns the table named name, reached through db. It does no I/O.
func New(db DB, name string) *Table { return &Table{db: db, name: name} }

// Name returns the table's name.
func (t *Table) Name() string { return t.name }

// Put runs in (a PutItem) on the table and returns DynamoDB's answer.
func (t *Table) Put(ctx context.Context, in *dynamodb.PutItemInput) (*dynamodb.PutItemOutput, error) {
	in.TableName = aws.String(t.name)
	return t.db.PutItem(ctx, in)
}

// Update runs in (an UpdateItem) on the table and returns DynamoDB's answer.
func (t *Table) Update(ctx context.Context, in *dynamodb.UpdateItemInput) (*dynamodb.UpdateItemOutput, error) {
	in.TableName = aws.String(t.name)
	return t.db.UpdateItem(ctx, in)
}

// Delete runs in (a DeleteItem) on the table and returns DynamoDB's answer.
func (t *Table) Delete(ctx context.Context, in *dynamodb.DeleteItemInput) (*dynamodb.DeleteItemOutput, error) {
	in.TableName = aws.String(t.name)
	return t.db.DeleteItem(ctx, in)
}

// Query runs in (one page of a Query) on the table and returns DynamoDB's answer: for
// a read that wants only the first Limit items.
func (t *Table) Query(ctx context.Context, in *dynamodb.QueryInput) (*dynamodb.QueryOutput, error) {
	in.TableName = aws.String(t.name)
	return t.db.Query(ctx, in)
}

// QueryAll runs in on the table to the end, following LastEvaluatedKey, and returns
// every item, or the AWS error of the first page that fails.
func (t *Table) QueryAll(ctx context.Context, in *dynamodb.QueryInput) ([]map[string]types.AttributeValue, error) {
	in.TableName = aws.String(t.name)
	var items []map[string]types.AttributeValue
	p := dynamodb.NewQueryPaginator(t.db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		items = append(items, page.Items...)
	}
	return items, nil
}

// transactAttempts bounds Transact's retries of a transaction cancelled by conflicts.
const transactAttempts = 5

// Transact runs a write transaction of items on the table, retrying (with jittered
// backoff, up to five attempts) when DynamoDB cancels it only because another
// transaction touched the same items at the same moment. Any other cancellation is
// returned as DynamoDB's error: read CancelReasons to tell which condition failed.
// It returns ctx's error when ctx ends while it waits to retry.
func (t *Table) Transact(ctx context.Context, items []types.TransactWriteItem) error {
	for _, it := range items {
		t.setName(it)
	}
	for i := 0; ; i++ {
		_, err := t.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil || i == transactAttempts-1 || !onlyConflicts(CancelReasons(err)) {
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

// setName sets the table's name on the one operation of a transaction item.
func (t *Table) setName(it types.TransactWriteItem) {
	name := aws.String(t.name)
	switch {
	case it.Put != nil:
		it.Put.TableName = name
	case it.Update != nil:
		it.Update.TableName = name
	case it.Delete != nil:
		it.Delete.TableName = name
	case it.ConditionCheck != nil:
		it.ConditionCheck.TableName = name
	}
}

// onlyConflicts reports whether the cancellation codes name at least one
// TransactionConflict and no other reason.
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
