package oauth

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/table"
)

// LoginLimits bound failed sign-ins. After PerAccount failures for one email address
// (whether or not it exists) or PerSource failures from one address, each less than
// Window after the previous one, signing in is refused until Window has passed since
// the last failure.
type LoginLimits struct {
	PerAccount int
	PerSource  int
	Window     time.Duration
}

// DefaultLoginLimits: 5 failures per account, 20 per source address, 15 minutes.
var DefaultLoginLimits = LoginLimits{PerAccount: 5, PerSource: 20, Window: 15 * time.Minute}

func (l LoginLimits) withDefaults() LoginLimits {
	if l.PerAccount <= 0 {
		l.PerAccount = DefaultLoginLimits.PerAccount
	}
	if l.PerSource <= 0 {
		l.PerSource = DefaultLoginLimits.PerSource
	}
	if l.Window <= 0 {
		l.Window = DefaultLoginLimits.Window
	}
	return l
}

const (
	loginFailPKPrefix = "LOGINFAIL#"
	loginFailSK       = "#FAIL"
)

// failItem counts recent failures of one account or source. The account and address
// are stored only as keyed hashes.
type failItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Failures  int    `dynamodbav:"failures"`
	ExpiresAt int64  `dynamodbav:"expires_at"`
}

// throttle keeps the failure counters in the table, so that every Lambda instance
// sees the same ones.
type throttle struct {
	table  *table.Table
	macs   macs
	now    func() time.Time
	limits LoginLimits
}

type counter struct {
	pk    string
	limit int
}

func (t *throttle) counters(ctx context.Context, email, source string) ([]counter, error) {
	acct, err := t.macs.sum(ctx, labelLogin, "account:"+strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return nil, err
	}
	src, err := t.macs.sum(ctx, labelLogin, "source:"+source)
	if err != nil {
		return nil, err
	}
	return []counter{
		{loginFailPKPrefix + "account#" + acct, t.limits.PerAccount},
		{loginFailPKPrefix + "source#" + src, t.limits.PerSource},
	}, nil
}

// locked reports whether the account or the source has reached its limit.
func (t *throttle) locked(ctx context.Context, email, source string) (bool, error) {
	cs, err := t.counters(ctx, email, source)
	if err != nil {
		return false, fmt.Errorf("login limits: %w", err)
	}
	now := t.now()
	for _, c := range cs {
		var it failItem
		err := t.table.Get(ctx, table.Key(c.pk, loginFailSK), &it)
		if errors.Is(err, errNoItem) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("login limits: %w", err)
		}
		if !table.Expired(it.ExpiresAt, now) && it.Failures >= c.limit {
			return true, nil
		}
	}
	return false, nil
}

// fail counts a failed sign-in against the account and the source and reports
// whether either is now locked.
func (t *throttle) fail(ctx context.Context, email, source string) (bool, error) {
	cs, err := t.counters(ctx, email, source)
	if err != nil {
		return false, fmt.Errorf("login limits: %w", err)
	}
	locked := false
	for _, c := range cs {
		n, err := t.increment(ctx, c.pk)
		if err != nil {
			return false, fmt.Errorf("login limits: %w", err)
		}
		locked = locked || n >= c.limit
	}
	return locked, nil
}

// increment adds one failure to the counter pk, starting a new count when the last
// one has lapsed, and returns the count. Both paths are conditional writes, so
// concurrent failures are all counted.
func (t *throttle) increment(ctx context.Context, pk string) (int, error) {
	for range 4 {
		now := t.now()
		exp := table.N(now.Add(t.limits.Window).Unix())
		out, err := t.table.Update(ctx, &dynamodb.UpdateItemInput{
			Key:                       table.Key(pk, loginFailSK),
			UpdateExpression:          aws.String("SET expires_at = :exp ADD failures :one"),
			ConditionExpression:       aws.String("attribute_exists(pk) AND expires_at > :now"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":exp": exp, ":one": table.N(1), ":now": table.N(now.Unix())},
			ReturnValues:              types.ReturnValueUpdatedNew,
		})
		if err == nil {
			if n, ok := out.Attributes["failures"].(*types.AttributeValueMemberN); ok {
				return strconv.Atoi(n.Value)
			}
			return 0, errors.New("failure count missing")
		}
		if !table.ConditionFailed(err) {
			return 0, err
		}
		_, err = t.table.Put(ctx, &dynamodb.PutItemInput{
			Item:                      table.Marshal(failItem{PK: pk, SK: loginFailSK, Failures: 1, ExpiresAt: now.Add(t.limits.Window).Unix()}),
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR expires_at <= :now"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": table.N(now.Unix())},
		})
		if err == nil {
			return 1, nil
		}
		if !table.ConditionFailed(err) {
			return 0, err
		}
	}
	return 0, errors.New("failure count contended")
}

// reset clears the account's failures after a successful sign-in (the source's
// count stays: one good password does not vouch for an address).
func (t *throttle) reset(ctx context.Context, email string) error {
	cs, err := t.counters(ctx, email, "")
	if err != nil {
		return fmt.Errorf("login limits: %w", err)
	}
	_, err = t.table.Delete(ctx, &dynamodb.DeleteItemInput{Key: table.Key(cs[0].pk, loginFailSK)})
	if err != nil {
		return fmt.Errorf("login limits: %w", err)
	}
	return nil
}
