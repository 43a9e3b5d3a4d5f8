// Package replay keeps the Alexa HTTPS endpoint's seen requests in the table, so that
// every instance serving the endpoint refuses a request another one has accepted
// (Guard is an alexa.ReplayGuard). A request is one item, pk "ALEXAREQ#<hex SHA-256 of
// the body>", sk "#SEEN", written with one conditional PutItem that succeeds only
// when no live item is there; expires_at lets DynamoDB's TTL delete it, and the
// condition treats an expired item that TTL has not deleted yet as absent.
package replay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/table"
)

// Key prefixes of a seen request.
const (
	// PKPrefix starts the partition key; the body's hex SHA-256 follows.
	PKPrefix = "ALEXAREQ#"
	// SK is the sort key of every seen request.
	SK = "#SEEN"
)

// condition is true when no live item holds the key: none at all, or one whose
// expires_at has passed (TTL deletes expired items lazily, up to days late).
const condition = "attribute_not_exists(" + table.PartitionKey + ") OR " + table.TTLAttribute + " < :now"

// Guard records seen requests in a table. Set Now before first use; it is safe for
// concurrent use.
type Guard struct {
	t *table.Table
	// Now is the clock an item's expiry is compared with; nil means time.Now.
	Now func() time.Time
}

// New returns a Guard on t. It does no I/O.
func New(t *table.Table) *Guard { return &Guard{t: t} }

// Key returns the primary key of the seen request whose body has SHA-256 sum.
func Key(sum [sha256.Size]byte) map[string]types.AttributeValue {
	return table.Key(PKPrefix+hex.EncodeToString(sum[:]), SK)
}

// Seen records sum until expires (rounded up to the second) with one conditional
// write and reports whether a live record was already there: true is a replay. Of
// concurrent calls with one sum, on any instances, exactly one reports false. The
// write carries a write ID, and the existing item comes back with a failed
// condition: when the SDK retries a write whose answer was lost, the item it finds
// is its own, and the request is not taken for a replay. Any other failure is
// returned as an error wrapping the AWS error; the caller must then refuse the
// request, since it cannot tell.
func (g *Guard) Seen(ctx context.Context, sum [sha256.Size]byte, expires time.Time) (bool, error) {
	now := time.Now()
	if g.Now != nil {
		now = g.Now()
	}
	item := Key(sum)
	writeID := table.NewWriteID()
	item[table.TTLAttribute] = table.N(ceilUnix(expires))
	item[table.WriteIDAttribute] = table.S(writeID)
	_, err := g.t.Put(ctx, &dynamodb.PutItemInput{
		Item:                                item,
		ConditionExpression:                 aws.String(condition),
		ExpressionAttributeValues:           map[string]types.AttributeValue{":now": table.N(now.Unix())},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return false, nil
	}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		w, _ := ccf.Item[table.WriteIDAttribute].(*types.AttributeValueMemberS)
		return w == nil || w.Value != writeID, nil
	}
	return false, fmt.Errorf("replay guard: record request %x: %w", sum[:6], err)
}

// ceilUnix is t in epoch seconds, rounded up: an item never expires before t.
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}
