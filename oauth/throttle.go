package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/table"
)

// LoginLimits bound failed sign-ins. After PerAccount failures for one email address
// (whether or not it exists) or PerSource failures from one address, each less than
// Window after the previous one, signing in is refused until Window has passed since
// the last failure. An attempt counts as a failure from before its password is
// checked, so sign-ins sent at once get no more than the limit checked; a right
// password gives its own attempt back and leaves earlier failures counted.
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

// failItem counts recent failed sign-ins of one account or source, each attempt
// counted before its password is checked. Window marks the count's window (a new
// one starts when the last lapses), so that an attempt is given back only to the
// window it was counted in. The account and address are stored only as keyed hashes.
type failItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Failures  int    `dynamodbav:"failures"`
	Window    string `dynamodbav:"window_id"`
	ExpiresAt int64  `dynamodbav:"expires_at"`
}

// throttle keeps the failure counters in the table, so that every Lambda instance
// sees the same ones.
type throttle struct {
	table  *table.Table
	macs   macs
	now    func() time.Time
	limits LoginLimits
	log    *slog.Logger
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

// errLoginLocked means the account or the source has reached its limit: the attempt
// was not counted and its password must not be checked.
var errLoginLocked = errors.New("sign-in locked")

// slot is one attempt counted in one counter's window.
type slot struct {
	pk, window string
	failures   int // in the window, this attempt included
	limit      int
}

// attempt is one sign-in counted, as a failure, against the account and the source
// before its password is checked.
type attempt struct{ slots []slot }

// locks reports whether the attempt, once known to have failed, reached a limit.
func (a attempt) locks() bool {
	for _, s := range a.slots {
		if s.failures >= s.limit {
			return true
		}
	}
	return false
}

// reserve counts a sign-in attempt against the account and then the source, each in
// one conditional write that fails once the limit is reached, so that however many
// sign-ins arrive at once no more than the limit get their password checked. It
// returns errLoginLocked, having counted nothing, when either is at its limit, and
// any other error when the table cannot be written (the password must not be
// checked then either).
func (t *throttle) reserve(ctx context.Context, email, source string) (attempt, error) {
	cs, err := t.counters(ctx, email, source)
	if err != nil {
		return attempt{}, fmt.Errorf("login limits: %w", err)
	}
	var a attempt
	for _, c := range cs {
		s, err := t.take(ctx, c)
		if err != nil {
			t.release(ctx, a)
			if errors.Is(err, errLoginLocked) {
				return attempt{}, err
			}
			return attempt{}, fmt.Errorf("login limits: %w", err)
		}
		a.slots = append(a.slots, s)
	}
	return a, nil
}

// take counts one attempt in counter c. Where there is no count, or a live window
// below the limit, one UpdateItem adds the attempt (creating the item) and moves the
// window's end; where the last window has lapsed, a second conditional UpdateItem
// starts a new one with the attempt counted (UpdateItem only: the function needs no
// other action on these keys). DynamoDB checks each condition with its write,
// so concurrent attempts never read a count and act on it later. A live window at
// the limit refuses with errLoginLocked. Only the restart of a lapsed window can race
// (two attempts both see it lapsed), and the loser then counts in the winner's
// window on its next write.
func (t *throttle) take(ctx context.Context, c counter) (slot, error) {
	key := table.Key(c.pk, loginFailSK)
	for range 3 {
		now := t.now()
		exp := now.Add(t.limits.Window).Unix()
		window := table.NewWriteID()
		out, err := t.table.Update(ctx, &dynamodb.UpdateItemInput{
			Key:                 key,
			UpdateExpression:    aws.String("SET expires_at = :exp, window_id = if_not_exists(window_id, :w) ADD failures :one"),
			ConditionExpression: aws.String("attribute_not_exists(pk) OR (expires_at > :now AND failures < :limit)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":exp": table.N(exp), ":w": table.S(window), ":one": table.N(1),
				":now": table.N(now.Unix()), ":limit": table.N(int64(c.limit))},
			ReturnValues:                        types.ReturnValueAllNew,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		if err == nil {
			var it failItem
			if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
				return slot{}, fmt.Errorf("failure count: %w", err)
			}
			return slot{pk: c.pk, window: it.Window, failures: it.Failures, limit: c.limit}, nil
		}
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			return slot{}, err
		}
		var old failItem
		if err := attributevalue.UnmarshalMap(ccf.Item, &old); err != nil {
			return slot{}, fmt.Errorf("failure count: %w", err)
		}
		if !table.Expired(old.ExpiresAt, now) {
			return slot{}, errLoginLocked
		}
		_, err = t.table.Update(ctx, &dynamodb.UpdateItemInput{
			Key:                 key,
			UpdateExpression:    aws.String("SET failures = :one, expires_at = :exp, window_id = :w"),
			ConditionExpression: aws.String("attribute_not_exists(pk) OR expires_at <= :now"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": table.N(1), ":exp": table.N(exp), ":w": table.S(window),
				":now": table.N(now.Unix())},
		})
		if err == nil {
			return slot{pk: c.pk, window: window, failures: 1, limit: c.limit}, nil
		}
		if !table.ConditionFailed(err) {
			return slot{}, err
		}
	}
	// Windows that start and lapse between two writes: only a Window shorter than a
	// round trip gets here. Refuse rather than check a password uncounted.
	return slot{}, errLoginLocked
}

// release gives an attempt back: its password was right, or it was not checked.
// Each count is decremented only in the window it was counted in. It runs even when
// ctx was cancelled, and a failure to give back only leaves a failure counted.
func (t *throttle) release(ctx context.Context, a attempt) {
	if len(a.slots) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	for _, s := range a.slots {
		_, err := t.table.Update(ctx, &dynamodb.UpdateItemInput{
			Key:                       table.Key(s.pk, loginFailSK),
			UpdateExpression:          aws.String("ADD failures :minus"),
			ConditionExpression:       aws.String("window_id = :w AND failures > :zero"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":minus": table.N(-1), ":w": table.S(s.window), ":zero": table.N(0)},
		})
		if err != nil && !table.ConditionFailed(err) {
			t.log.LogAttrs(ctx, slog.LevelWarn, "login limits: give back an attempt", slog.String("detail", err.Error()))
		}
	}
}
