package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/internal/webui"
)

// linkKind is the kind of a single-use e-mailed link, and the prefix of its items.
type linkKind string

const (
	linkSignUp linkKind = "SIGNUP#"
	linkInvite linkKind = "INVITE#"
	linkReset  linkKind = "RESET#"
)

const linkSK = "#LINK"

// errLinkGone means a link is unknown, expired or already used.
var errLinkGone = errors.New("link expired or already used")

// linkItem is one e-mailed link: pk <kind><keyed hash of its token>, sk #LINK. Data
// is the caller's JSON; UsedNS is set when it is used, after which it only waits for
// its expiry (so that a second click can be told the link was used).
type linkItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Data      string `dynamodbav:"data"`
	UsedNS    int64  `dynamodbav:"used_ns,omitempty"`
	ExpiresAt int64  `dynamodbav:"expires_at"`
}

// linkHash is the keyed hash of a link's token, which names the link without
// revealing the token; errLinkGone for a token of the wrong shape.
func (s *Server) linkHash(ctx context.Context, kind linkKind, token string) (string, error) {
	if len(token) != 43 {
		return "", errLinkGone
	}
	return s.sum(ctx, labelLink, string(kind)+token)
}

// linkRef is the partition key of the link of token (<kind><linkHash>): what a
// record that must retire the link later (retireLink) keeps instead of the token.
func (s *Server) linkRef(ctx context.Context, kind linkKind, token string) (string, error) {
	h, err := s.linkHash(ctx, kind, token)
	if err != nil {
		return "", err
	}
	return string(kind) + h, nil
}

func (s *Server) linkKey(ctx context.Context, kind linkKind, token string) (map[string]types.AttributeValue, error) {
	ref, err := s.linkRef(ctx, kind, token)
	if err != nil {
		return nil, err
	}
	return table.Key(ref, linkSK), nil
}

// newLink stores data under a fresh token, valid for ttl, and returns the token.
func (s *Server) newLink(ctx context.Context, kind linkKind, data any, ttl time.Duration) (string, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return "", fmt.Errorf("new link: %w", err)
	}
	token := webui.RandomToken()
	key, err := s.linkKey(ctx, kind, token)
	if err != nil {
		return "", fmt.Errorf("new link: %w", err)
	}
	it := linkItem{Data: string(b), ExpiresAt: s.now().Add(ttl).Unix()}
	item := table.Marshal(it)
	item["pk"], item["sk"] = key["pk"], key["sk"]
	if _, err := s.cfg.Table.Put(ctx, &dynamodb.PutItemInput{Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}); err != nil {
		return "", fmt.Errorf("new link: %w", err)
	}
	return token, nil
}

// openLink reads a live link's data into out without using it, or returns
// errLinkGone.
func (s *Server) openLink(ctx context.Context, kind linkKind, token string, out any) error {
	key, err := s.linkKey(ctx, kind, token)
	if err != nil {
		return err
	}
	var it linkItem
	err = s.cfg.Table.Get(ctx, key, &it)
	if errors.Is(err, table.ErrNoItem) {
		return errLinkGone
	}
	if err != nil {
		return fmt.Errorf("open link: %w", err)
	}
	if it.UsedNS != 0 || table.Expired(it.ExpiresAt, s.now()) {
		return errLinkGone
	}
	if err := json.Unmarshal([]byte(it.Data), out); err != nil {
		return fmt.Errorf("open link: %w", err)
	}
	return nil
}

// liveLink is the condition of every write to a link: it exists, is unused and has
// not expired.
func (s *Server) liveLink() (string, map[string]types.AttributeValue) {
	return "attribute_exists(pk) AND attribute_not_exists(used_ns) AND expires_at > :now",
		map[string]types.AttributeValue{":now": table.N(s.now().Unix())}
}

// updateLink replaces a live link's data, or returns errLinkGone.
func (s *Server) updateLink(ctx context.Context, kind linkKind, token string, data any) error {
	key, err := s.linkKey(ctx, kind, token)
	if err != nil {
		return err
	}
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("update link: %w", err)
	}
	cond, vals := s.liveLink()
	vals[":data"] = table.S(string(b))
	_, err = s.cfg.Table.Update(ctx, &dynamodb.UpdateItemInput{
		Key: key, UpdateExpression: aws.String("SET #data = :data"), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: map[string]string{"#data": "data"}, ExpressionAttributeValues: vals,
	})
	if table.ConditionFailed(err) {
		return errLinkGone
	}
	if err != nil {
		return fmt.Errorf("update link: %w", err)
	}
	return nil
}

// useLinkItem returns the write that marks a live link used, for a transaction with
// what the link stands for (the store's also...): if the link was used meanwhile,
// the whole transaction fails.
func (s *Server) useLinkItem(ctx context.Context, kind linkKind, token string) (types.TransactWriteItem, error) {
	key, err := s.linkKey(ctx, kind, token)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return s.useItem(key), nil
}

func (s *Server) useItem(key map[string]types.AttributeValue) types.TransactWriteItem {
	cond, vals := s.liveLink()
	vals[":used"] = table.N(s.now().UnixNano())
	return types.TransactWriteItem{Update: &types.Update{
		Key: key, UpdateExpression: aws.String("SET used_ns = :used"), ConditionExpression: aws.String(cond),
		ExpressionAttributeValues: vals,
	}}
}

// useLink marks a live link used on its own, or returns errLinkGone.
func (s *Server) useLink(ctx context.Context, kind linkKind, token string) error {
	key, err := s.linkKey(ctx, kind, token)
	if err != nil {
		return err
	}
	return s.markUsed(ctx, key)
}

// retireLink marks the live link of kind named ref (linkRef) used, so that it no
// longer works, without its token: a newer link replaced it. It returns errLinkGone
// when the link was used, has expired or is unknown.
func (s *Server) retireLink(ctx context.Context, kind linkKind, ref string) error {
	if !strings.HasPrefix(ref, string(kind)) {
		return errLinkGone
	}
	return s.markUsed(ctx, table.Key(ref, linkSK))
}

func (s *Server) markUsed(ctx context.Context, key map[string]types.AttributeValue) error {
	u := s.useItem(key).Update
	_, err := s.cfg.Table.Update(ctx, &dynamodb.UpdateItemInput{Key: u.Key, UpdateExpression: u.UpdateExpression,
		ConditionExpression: u.ConditionExpression, ExpressionAttributeValues: u.ExpressionAttributeValues})
	if table.ConditionFailed(err) {
		return errLinkGone
	}
	if err != nil {
		return fmt.Errorf("use link: %w", err)
	}
	return nil
}
