package mfa

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
)

// Sort keys of the items under MFA#<tenant>#<user>. An elevation's is
// skElevation + "#" + its Origin's key, one item per origin; the failures of a
// tenant's MFA device are skFailures under the device's subject (deviceOf).
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

// subject is the user an MFA record belongs to, or a tenant's MFA device (deviceOf).
type subject struct{ tenantID, userID string }

func (s subject) pk() string { return "MFA#" + s.tenantID + "#" + s.userID }

// deviceOf is the subject of the failures counted against the tenant's MFA device,
// whichever user guessed: MFA#<tenant>#DEVICE#<hex SHA-256 of the serial>. No user
// ID contains '#' (validID), so it never names a user's records; a new device starts
// with a count of its own.
func deviceOf(t tenants.Tenant) subject {
	sum := sha256.Sum256([]byte(t.MFA.Serial))
	return subject{t.ID, "DEVICE#" + hex.EncodeToString(sum[:])}
}

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

// putChallenge stores a new SMS challenge for who, to be answered from origin,
// replacing any earlier one (from any origin).
func (st *store) putChallenge(ctx context.Context, who subject, from Origin, mac []byte, expires time.Time) error {
	item := who.key(skChallenge)
	item["mac"] = &types.AttributeValueMemberB{Value: mac}
	item["origin"] = table.S(from.String())
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
// is no challenge, it has expired, its maxTries are spent, or it was sent for
// another origin than from (a try from there spends none of its tries).
func (st *store) tryChallenge(ctx context.Context, who subject, from Origin, now time.Time, maxTries int) (mac []byte, tries int, err error) {
	out, err := st.table.Update(ctx, &dynamodb.UpdateItemInput{
		Key:                 who.key(skChallenge),
		UpdateExpression:    aws.String("SET tries = tries + :one"),
		ConditionExpression: aws.String("attribute_exists(mac) AND #exp > :now AND tries < :max AND origin = :origin"),
		ExpressionAttributeNames: map[string]string{
			"#exp": table.TTLAttribute,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": table.N(1), ":now": table.N(now.Unix()), ":max": table.N(int64(maxTries)),
			":origin": table.S(from.String()),
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

// elevationKey is the key of who's elevation from origin.
func elevationKey(who subject, from Origin) map[string]types.AttributeValue {
	return who.key(skElevation + "#" + from.String())
}

// putElevation grants who an elevation from origin, granted at granted, until until
// (both whole seconds), replacing an earlier one from there.
func (st *store) putElevation(ctx context.Context, who subject, from Origin, granted, until time.Time) error {
	item := elevationKey(who, from)
	item["granted_at"] = table.N(granted.Unix())
	item[table.TTLAttribute] = table.N(until.Unix())
	_, err := st.table.Put(ctx, &dynamodb.PutItemInput{Item: item})
	if err != nil {
		return fmt.Errorf("put elevation: %w", err)
	}
	return nil
}

// elevation returns who's elevation from origin; errNoItem when there is none at now.
// DynamoDB removes expired items days late (the emulator never), so expiry is checked
// here.
func (st *store) elevation(ctx context.Context, who subject, from Origin, now time.Time) (Elevation, error) {
	var got struct {
		GrantedAt int64 `dynamodbav:"granted_at"`
		ExpiresAt int64 `dynamodbav:"expires_at"`
	}
	err := st.table.Get(ctx, elevationKey(who, from), &got)
	if errors.Is(err, table.ErrNoItem) {
		return Elevation{}, errNoItem
	}
	if err != nil {
		return Elevation{}, fmt.Errorf("get elevation: %w", err)
	}
	until := time.Unix(got.ExpiresAt, 0).UTC()
	if !now.Before(until) {
		return Elevation{}, errNoItem
	}
	return Elevation{Until: until, Granted: time.Unix(got.GrantedAt, 0).UTC()}, nil
}

// deleteElevations ends every elevation of who, from every origin (and the one item
// an earlier version kept per user, sk skElevation alone), and returns how many it
// ended. The query is strongly consistent, so it finds each elevation granted before
// it began.
func (st *store) deleteElevations(ctx context.Context, who subject) (int, error) {
	items, err := st.table.QueryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :sk)"),
		ExpressionAttributeNames:  map[string]string{"#pk": table.PartitionKey, "#sk": table.SortKey},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": table.S(who.pk()), ":sk": table.S(skElevation)},
		ProjectionExpression:      aws.String("#pk, #sk"),
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return 0, fmt.Errorf("find elevations: %w", err)
	}
	for _, key := range items {
		if _, err := st.table.Delete(ctx, &dynamodb.DeleteItemInput{Key: key}); err != nil {
			return 0, fmt.Errorf("delete elevation: %w", err)
		}
	}
	return len(items), nil
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
