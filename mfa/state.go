package mfa

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/table"
)

// Sort keys of the items under MFA#<tenant>#<user>.
const (
	skChallenge = "CHALLENGE"
	skElevation = "ELEVATION"
	skSends     = "SENDS"
	skFailures  = "FAILURES"
)

// maxWriteRetries bounds the optimistic-locking loop on a contended record; beyond it
// the caller gets ErrThrottled (try again in a moment).
const maxWriteRetries = 8

// errNoItem is the store's answer when a conditional write finds no usable item.
var errNoItem = errors.New("no such item")

// subject is the user an MFA record belongs to.
type subject struct{ tenantID, userID string }

func (s subject) pk() string { return "MFA#" + s.tenantID + "#" + s.userID }

func (s subject) key(sk string) map[string]types.AttributeValue { return table.Key(s.pk(), sk) }

// validID reports whether id can name a tenant or user in a key and a URL path: 1 to
// 128 characters, letters, digits, '-', '_' and '.'. It keeps '#' (the key separator),
// '/' and NUL out.
func validID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// store keeps the MFA records (challenge, elevation, send and failure windows) in the table.
type store struct{ table *table.Table }

// putChallenge stores a new SMS challenge for who, replacing any earlier one.
func (st *store) putChallenge(ctx context.Context, who subject, mac []byte, expires time.Time) error {
	item := who.key(skChallenge)
	item["mac"] = &types.AttributeValueMemberB{Value: mac}
	item["tries"] = table.N(0)
	item[table.TTLAttribute] = table.N(expires.Unix())
	_, err := st.table.Put(ctx, &dynamodb.PutItemInput{Item: item})
	if err != nil {
		return fmt.Errorf("put challenge: %w", err)
	}
	return nil
}

// tryChallenge counts one try on who's challenge and returns its stored MAC and the
// number of tries made, this one included. The count is a conditional write, so
// concurrent tries each get their own number and none is lost. errNoItem means there
// is no challenge, it has expired, or its maxTries are spent.
func (st *store) tryChallenge(ctx context.Context, who subject, now time.Time, maxTries int) (mac []byte, tries int, err error) {
	out, err := st.table.Update(ctx, &dynamodb.UpdateItemInput{
		Key:                 who.key(skChallenge),
		UpdateExpression:    aws.String("SET tries = tries + :one"),
		ConditionExpression: aws.String("attribute_exists(mac) AND #exp > :now AND tries < :max"),
		ExpressionAttributeNames: map[string]string{
			"#exp": table.TTLAttribute,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": table.N(1), ":now": table.N(now.Unix()), ":max": table.N(int64(maxTries)),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if table.ConditionFailed(err) {
		return nil, 0, errNoItem
	}
	if err != nil {
		return nil, 0, fmt.Errorf("count challenge try: %w", err)
	}
	var got struct {
		MAC   []byte `dynamodbav:"mac"`
		Tries int    `dynamodbav:"tries"`
	}
	if err := attributevalue.UnmarshalMap(out.Attributes, &got); err != nil {
		return nil, 0, fmt.Errorf("decode challenge: %w", err)
	}
	return got.MAC, got.Tries, nil
}

// consumeChallenge deletes who's challenge if it still holds mac, so that a code is
// used at most once even when two requests carry it at the same time. errNoItem means
// another request used it first (or a new challenge replaced it).
func (st *store) consumeChallenge(ctx context.Context, who subject, mac []byte) error {
	_, err := st.table.Delete(ctx, &dynamodb.DeleteItemInput{
		Key:                       who.key(skChallenge),
		ConditionExpression:       aws.String("mac = :mac"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":mac": &types.AttributeValueMemberB{Value: mac}},
	})
	if table.ConditionFailed(err) {
		return errNoItem
	}
	if err != nil {
		return fmt.Errorf("consume challenge: %w", err)
	}
	return nil
}

// putElevation grants who an elevation until until (whole seconds).
func (st *store) putElevation(ctx context.Context, who subject, until time.Time) error {
	item := who.key(skElevation)
	item[table.TTLAttribute] = table.N(until.Unix())
	_, err := st.table.Put(ctx, &dynamodb.PutItemInput{Item: item})
	if err != nil {
		return fmt.Errorf("put elevation: %w", err)
	}
	return nil
}

// elevation returns until when who is elevated; errNoItem when not at now. DynamoDB
// removes expired items days late (the emulator never), so expiry is checked here.
func (st *store) elevation(ctx context.Context, who subject, now time.Time) (time.Time, error) {
	var got struct {
		ExpiresAt int64 `dynamodbav:"expires_at"`
	}
	err := st.table.Get(ctx, who.key(skElevation), &got)
	if errors.Is(err, table.ErrNoItem) {
		return time.Time{}, errNoItem
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("get elevation: %w", err)
	}
	until := time.Unix(got.ExpiresAt, 0)
	if !now.Before(until) {
		return time.Time{}, errNoItem
	}
	return until, nil
}

// deleteElevation ends who's elevation (if any).
func (st *store) deleteElevation(ctx context.Context, who subject) error {
	_, err := st.table.Delete(ctx, &dynamodb.DeleteItemInput{Key: who.key(skElevation)})
	if err != nil {
		return fmt.Errorf("delete elevation: %w", err)
	}
	return nil
}

// window is a sliding-window record (sent codes, failed attempts): the times of the
// recent events in epoch seconds, oldest first, and for failures the end of a lockout,
// the failures since the last success and whether they locked verification for good.
// It is updated with optimistic locking on version.
type window struct {
	Times       []int64 `dynamodbav:"times"`
	LockedUntil int64   `dynamodbav:"locked_until"`
	Consecutive int     `dynamodbav:"consecutive,omitempty"`
	LockedOut   bool    `dynamodbav:"locked_out,omitempty"`
	Version     int64   `dynamodbav:"version"`
	// ExpiresAt is when DynamoDB may delete the record; 0 (no attribute) never. A
	// failure record that counts consecutive failures must outlive any pause in the
	// guessing, so it has none: a success or an Unlock deletes it.
	ExpiresAt int64 `dynamodbav:"expires_at,omitempty"`
}

// expireFailures sets the expiry of a failure record: never while it counts
// consecutive failures or locks verification for good, otherwise when its last
// failure leaves the window or its lockout ends, whichever is later.
func (w *window) expireFailures(now int64) {
	if w.Consecutive > 0 || w.LockedOut {
		w.ExpiresAt = 0
		return
	}
	last := now
	if n := len(w.Times); n > 0 {
		last = w.Times[n-1]
	}
	w.ExpiresAt = max(last+int64(FailureWindow/time.Second), w.LockedUntil)
}

// prune drops the times at or before since and keeps at most the newest keep.
func (w *window) prune(since int64, keep int) {
	i := 0
	for i < len(w.Times) && w.Times[i] <= since {
		i++
	}
	if n := len(w.Times) - i; n > keep {
		i = len(w.Times) - keep
	}
	w.Times = append([]int64(nil), w.Times[i:]...)
}

// readWindow returns who's window record sk (a zero window when there is none).
func (st *store) readWindow(ctx context.Context, who subject, sk string) (window, error) {
	var w window
	err := st.table.Get(ctx, who.key(sk), &w)
	if errors.Is(err, table.ErrNoItem) {
		return window{}, nil
	}
	if err != nil {
		return window{}, fmt.Errorf("get %s: %w", strings.ToLower(sk), err)
	}
	return w, nil
}

// updateWindow applies change to who's window record sk and writes it back if no one
// else wrote it in between, retrying on contention. change may return an error to
// leave the record as it is; updateWindow returns that error. It returns the window as
// written, or ErrThrottled when the record stayed contended.
func (st *store) updateWindow(ctx context.Context, who subject, sk string, change func(*window) error) (window, error) {
	for range maxWriteRetries {
		w, err := st.readWindow(ctx, who, sk)
		if err != nil {
			return window{}, err
		}
		prev := w.Version
		if err := change(&w); err != nil {
			return w, err
		}
		w.Version = prev + 1
		item := table.Marshal(w)
		for k, v := range who.key(sk) {
			item[k] = v
		}
		in := &dynamodb.PutItemInput{Item: item}
		if prev == 0 {
			in.ConditionExpression = aws.String("attribute_not_exists(version)")
		} else {
			in.ConditionExpression = aws.String("version = :v")
			in.ExpressionAttributeValues = map[string]types.AttributeValue{":v": table.N(prev)}
		}
		_, err = st.table.Put(ctx, in)
		if table.ConditionFailed(err) {
			continue
		}
		if err != nil {
			return window{}, fmt.Errorf("put %s: %w", strings.ToLower(sk), err)
		}
		return w, nil
	}
	return window{}, fmt.Errorf("update %s: contended: %w", strings.ToLower(sk), ErrThrottled)
}

// deleteWindow removes who's window record sk and returns what it held (a zero
// window when there was none).
func (st *store) deleteWindow(ctx context.Context, who subject, sk string) (window, error) {
	out, err := st.table.Delete(ctx, &dynamodb.DeleteItemInput{Key: who.key(sk), ReturnValues: types.ReturnValueAllOld})
	if err != nil {
		return window{}, fmt.Errorf("delete %s: %w", strings.ToLower(sk), err)
	}
	var w window
	if err := attributevalue.UnmarshalMap(out.Attributes, &w); err != nil {
		return window{}, fmt.Errorf("decode %s: %w", strings.ToLower(sk), err)
	}
	return w, nil
}
