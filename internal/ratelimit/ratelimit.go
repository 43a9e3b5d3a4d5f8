// Package ratelimit counts attempts in fixed windows kept in the table, so that every
// Lambda instance sees the same counts: failed sign-ins, sign-ups, reset e-mails, SMS
// sends. An attempt is counted before the work it stands for is done, in one
// conditional write that fails at the limit, so that however many attempts arrive at
// once no more than the limit get through; one that turns out harmless (a right
// password) can be given back.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/table"
)

// ErrLimited means the counter is at its limit in a live window: the attempt was not
// counted and must not be let through.
var ErrLimited = errors.New("rate limited")

// Limiter keeps counters as items with sort key SK: attribute count, window_id (the
// window the count belongs to) and expires_at (the window's end, moved on by each
// attempt). The partition key is the caller's, who keeps anything personal in it
// only as a keyed hash.
type Limiter struct {
	Table *table.Table
	SK    string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Log receives the failures to give an attempt back; nil discards them.
	Log *slog.Logger
}

// Slot is one attempt counted in one counter's window.
type Slot struct {
	PK     string
	Window string
	// Count is the attempts in the window, this one included; Limit the counter's.
	Count, Limit int
}

// Full reports whether the attempt used the window's last place.
func (s Slot) Full() bool { return s.Count >= s.Limit }

type item struct {
	Count     int    `dynamodbav:"count"`
	Window    string `dynamodbav:"window_id"`
	ExpiresAt int64  `dynamodbav:"expires_at"`
}

func (l *Limiter) now() time.Time {
	if l.Now == nil {
		return time.Now()
	}
	return l.Now()
}

// Take counts one attempt in counter pk, which allows limit attempts each less than
// window after the previous one. Where there is no count, or a live window below the
// limit, one UpdateItem adds the attempt and moves the window's end; where the last
// window has lapsed, a second conditional UpdateItem starts a new one with the
// attempt counted. DynamoDB checks each condition with its write, so concurrent
// attempts never read a count and act on it later. A live window at the limit
// refuses with ErrLimited. Only the restart of a lapsed window can race (two
// attempts both see it lapsed), and the loser then counts in the winner's window on
// its next write. Other errors are the table's.
func (l *Limiter) Take(ctx context.Context, pk string, limit int, window time.Duration) (Slot, error) {
	key := table.Key(pk, l.SK)
	for range 3 {
		now := l.now()
		exp := now.Add(window).Unix()
		id := table.NewWriteID()
		out, err := l.Table.Update(ctx, &dynamodb.UpdateItemInput{
			Key:                      key,
			UpdateExpression:         aws.String("SET expires_at = :exp, window_id = if_not_exists(window_id, :w) ADD #count :one"),
			ConditionExpression:      aws.String("attribute_not_exists(pk) OR (expires_at > :now AND #count < :limit)"),
			ExpressionAttributeNames: map[string]string{"#count": "count"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":exp": table.N(exp), ":w": table.S(id), ":one": table.N(1),
				":now": table.N(now.Unix()), ":limit": table.N(int64(limit))},
			ReturnValues:                        types.ReturnValueAllNew,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		if err == nil {
			var it item
			if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
				return Slot{}, fmt.Errorf("rate limit count: %w", err)
			}
			return Slot{PK: pk, Window: it.Window, Count: it.Count, Limit: limit}, nil
		}
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			return Slot{}, err
		}
		var old item
		if err := attributevalue.UnmarshalMap(ccf.Item, &old); err != nil {
			return Slot{}, fmt.Errorf("rate limit count: %w", err)
		}
		if !table.Expired(old.ExpiresAt, now) {
			return Slot{}, ErrLimited
		}
		_, err = l.Table.Update(ctx, &dynamodb.UpdateItemInput{
			Key:                      key,
			UpdateExpression:         aws.String("SET #count = :one, expires_at = :exp, window_id = :w"),
			ConditionExpression:      aws.String("attribute_not_exists(pk) OR expires_at <= :now"),
			ExpressionAttributeNames: map[string]string{"#count": "count"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": table.N(1), ":exp": table.N(exp), ":w": table.S(id),
				":now": table.N(now.Unix())},
		})
		if err == nil {
			return Slot{PK: pk, Window: id, Count: 1, Limit: limit}, nil
		}
		if !table.ConditionFailed(err) {
			return Slot{}, err
		}
	}
	// Windows that start and lapse between two writes: only a window shorter than a
	// round trip gets here. Refuse rather than let an attempt through uncounted.
	return Slot{}, ErrLimited
}

// Give gives attempts back (the work they stood for turned out harmless, or was not
// done), each only to the window it was counted in. It runs even when ctx was
// cancelled, and a failure to give back only leaves an attempt counted (logged).
func (l *Limiter) Give(ctx context.Context, slots ...Slot) {
	if len(slots) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	for _, s := range slots {
		_, err := l.Table.Update(ctx, &dynamodb.UpdateItemInput{
			Key:                       table.Key(s.PK, l.SK),
			UpdateExpression:          aws.String("ADD #count :minus"),
			ConditionExpression:       aws.String("window_id = :w AND #count > :zero"),
			ExpressionAttributeNames:  map[string]string{"#count": "count"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":minus": table.N(-1), ":w": table.S(s.Window), ":zero": table.N(0)},
		})
		if err != nil && !table.ConditionFailed(err) && l.Log != nil {
			l.Log.LogAttrs(ctx, slog.LevelWarn, "rate limit: give back an attempt", slog.String("detail", err.Error()))
		}
	}
}
