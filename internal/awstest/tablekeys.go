package awstest

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/table"
)

// KeyAccess is one item a request reached, as IAM authorizes it: the action, the index
// ("" for the table itself) and the partition key value that dynamodb:LeadingKeys
// holds for it (the index's own partition key for a Query on an index).
type KeyAccess struct {
	Action string // "dynamodb:GetItem", …
	Index  string
	Key    string // "" when the request named none that could be read
}

func (a KeyAccess) String() string {
	if a.Index != "" {
		return fmt.Sprintf("%s index %s %q", a.Action, a.Index, a.Key)
	}
	return fmt.Sprintf("%s %q", a.Action, a.Key)
}

// TableKeys is a table.DB that records the partition key of every item each request
// reaches, then sends the request on to the real client: the key of a GetItem,
// PutItem, UpdateItem or DeleteItem, each item of a TransactWriteItems (recorded as
// the item's own action, which is how IAM authorizes a transaction), and the
// partition key value a Query's key condition names. Requests are recorded whether
// they succeed or not: IAM authorizes them before any condition is checked. Safe for
// concurrent use.
type TableKeys struct {
	next table.DB
	mu   sync.Mutex
	seen []KeyAccess
}

// RecordTableKeys returns a recorder in front of next.
func RecordTableKeys(next table.DB) *TableKeys { return &TableKeys{next: next} }

// Accesses returns what was recorded, in order.
func (r *TableKeys) Accesses() []KeyAccess {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

func (r *TableKeys) record(a ...KeyAccess) {
	r.mu.Lock()
	r.seen = append(r.seen, a...)
	r.mu.Unlock()
}

// GetItem records the key and gets the item.
func (r *TableKeys) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	r.record(KeyAccess{Action: "dynamodb:GetItem", Key: partitionKey(in.Key, table.PartitionKey)})
	return r.next.GetItem(ctx, in, opts...)
}

// PutItem records the item's key and puts it.
func (r *TableKeys) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	r.record(KeyAccess{Action: "dynamodb:PutItem", Key: partitionKey(in.Item, table.PartitionKey)})
	return r.next.PutItem(ctx, in, opts...)
}

// UpdateItem records the key and updates the item.
func (r *TableKeys) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	r.record(KeyAccess{Action: "dynamodb:UpdateItem", Key: partitionKey(in.Key, table.PartitionKey)})
	return r.next.UpdateItem(ctx, in, opts...)
}

// DeleteItem records the key and deletes the item.
func (r *TableKeys) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	r.record(KeyAccess{Action: "dynamodb:DeleteItem", Key: partitionKey(in.Key, table.PartitionKey)})
	return r.next.DeleteItem(ctx, in, opts...)
}

// Query records the partition key value of the key condition and runs the query.
func (r *TableKeys) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	index := aws.ToString(in.IndexName)
	r.record(KeyAccess{Action: "dynamodb:Query", Index: index, Key: queryKey(in, index)})
	return r.next.Query(ctx, in, opts...)
}

// TransactWriteItems records each item's key under its own action and runs the
// transaction.
func (r *TableKeys) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	var as []KeyAccess
	for _, it := range in.TransactItems {
		switch {
		case it.Put != nil:
			as = append(as, KeyAccess{Action: "dynamodb:PutItem", Key: partitionKey(it.Put.Item, table.PartitionKey)})
		case it.Update != nil:
			as = append(as, KeyAccess{Action: "dynamodb:UpdateItem", Key: partitionKey(it.Update.Key, table.PartitionKey)})
		case it.Delete != nil:
			as = append(as, KeyAccess{Action: "dynamodb:DeleteItem", Key: partitionKey(it.Delete.Key, table.PartitionKey)})
		case it.ConditionCheck != nil:
			as = append(as, KeyAccess{Action: "dynamodb:ConditionCheckItem", Key: partitionKey(it.ConditionCheck.Key, table.PartitionKey)})
		default:
			as = append(as, KeyAccess{Action: "dynamodb:TransactWriteItems"})
		}
	}
	r.record(as...)
	return r.next.TransactWriteItems(ctx, in, opts...)
}

// partitionKey returns the string value of attribute name in item, "" when absent.
func partitionKey(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// indexPartitionKeys are the partition key attributes of the table and its index.
var indexPartitionKeys = map[string]string{"": table.PartitionKey, table.GSIName: table.GSIPartitionKey}

// keyEquality matches one equality of a key condition expression: name = :value.
var keyEquality = regexp.MustCompile(`(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)`)

// queryKey returns the value the query's key condition gives the partition key of
// index (of the table when ""), "" when it names none that could be read.
func queryKey(in *dynamodb.QueryInput, index string) string {
	attr, ok := indexPartitionKeys[index]
	if !ok {
		return ""
	}
	for _, m := range keyEquality.FindAllStringSubmatch(aws.ToString(in.KeyConditionExpression), -1) {
		name := m[1]
		if strings.HasPrefix(name, "#") {
			name = in.ExpressionAttributeNames[name]
		}
		if name == attr {
			return partitionKey(in.ExpressionAttributeValues, m[2])
		}
	}
	if c, ok := in.KeyConditions[attr]; ok && c.ComparisonOperator == types.ComparisonOperatorEq && len(c.AttributeValueList) == 1 {
		if v, ok := c.AttributeValueList[0].(*types.AttributeValueMemberS); ok {
			return v.Value
		}
	}
	return ""
}

// KeyGrant is one action a role may call on the items whose partition key starts with
// Prefix, in the table (Index "") or an index.
type KeyGrant struct {
	Action string
	Index  string
	Prefix string
}

// CheckTableKeys fails tb for every access of r that no grant allows: an action on a
// key that does not start with the prefix of a grant of that action and index, or
// whose key the recorder could not read. It fails tb too for every grant no access
// used, unless it is one of unused, which are grants declared for code that does not
// run in this test's flows yet; one of those that was used fails the test as well, so
// that the list is emptied when the code arrives. It returns the grants used.
func CheckTableKeys(tb testing.TB, r *TableKeys, grants, unused []KeyGrant) []KeyGrant {
	tb.Helper()
	used := map[KeyGrant]bool{}
	accesses := r.Accesses()
	if len(accesses) == 0 {
		tb.Fatal("no table access was recorded: is the recorder in front of the function's table?")
	}
	for _, a := range accesses {
		var ok bool
		for _, g := range grants {
			if g.Action == a.Action && g.Index == a.Index && a.Key != "" && strings.HasPrefix(a.Key, g.Prefix) {
				used[g], ok = true, true
			}
		}
		if !ok {
			tb.Errorf("%v: no declared table access allows it", a)
		}
	}
	var out []KeyGrant
	for _, g := range grants {
		switch {
		case used[g] && slices.Contains(unused, g):
			tb.Errorf("%+v is used now: take it off the list of grants not yet used", g)
		case !used[g] && !slices.Contains(unused, g):
			tb.Errorf("%+v is declared but none of the flows used it: grant only what the code calls", g)
		}
		if used[g] {
			out = append(out, g)
		}
	}
	return out
}
