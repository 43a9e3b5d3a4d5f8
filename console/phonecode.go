package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/table"
)

// Phone verification codes.
const (
	codeLifetime = 10 * time.Minute
	codeTries    = 5
	phoneCodePK  = "PHONECODE#"
	phoneCodeSK  = "#CODE"
)

var (
	// errTooManySends means three codes went to this person or number in the last
	// 15 minutes.
	errTooManySends = errors.New("too many codes sent")
	// errCodeWrong means the code did not match; another try is left.
	errCodeWrong = errors.New("wrong code")
	// errCodeGone means there is no live code: none sent, expired, used, or tried
	// too often.
	errCodeGone = errors.New("no live code")
)

// codeItem is the live code of one subject: pk PHONECODE#<keyed hash of the subject>.
// Only the keyed hash of the code (bound to the phone number) is stored.
type codeItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Hash      string `dynamodbav:"hash"`
	Tries     int    `dynamodbav:"tries"`
	ExpiresAt int64  `dynamodbav:"expires_at"`
}

func (s *Server) codeKey(ctx context.Context, subject string) (map[string]types.AttributeValue, error) {
	h, err := s.sum(ctx, labelCode, "subject:"+subject)
	if err != nil {
		return nil, err
	}
	return table.Key(phoneCodePK+h, phoneCodeSK), nil
}

// sendPhoneCode texts a fresh six-digit code to phone for subject (a stable name of
// who is verifying: "invite:<hash>" or "user:<tenant>#<user>"), replacing any code
// sent before. At most three go out per 15 minutes per subject and per number
// (errTooManySends).
func (s *Server) sendPhoneCode(ctx context.Context, subject, phone string) error {
	slots, err := s.limitAll(ctx, limitPair{ruleCodeSubject, subject}, limitPair{ruleCodePhone, phone})
	if errors.Is(err, errLimited) {
		return errTooManySends
	}
	if err != nil {
		return fmt.Errorf("send code: %w", err)
	}
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000)) // crypto/rand never fails (Go 1.24+)
	code := fmt.Sprintf("%06d", n.Int64())
	key, err := s.codeKey(ctx, subject)
	if err != nil {
		s.unlimit(ctx, slots...)
		return fmt.Errorf("send code: %w", err)
	}
	h, err := s.sum(ctx, labelCode, phone+"\x00"+code)
	if err != nil {
		s.unlimit(ctx, slots...)
		return fmt.Errorf("send code: %w", err)
	}
	item := table.Marshal(codeItem{Hash: h, ExpiresAt: s.now().Add(codeLifetime).Unix()})
	item["pk"], item["sk"] = key["pk"], key["sk"]
	if _, err := s.cfg.Table.Put(ctx, &dynamodb.PutItemInput{Item: item}); err != nil {
		s.unlimit(ctx, slots...)
		return fmt.Errorf("send code: %w", err)
	}
	msg := fmt.Sprintf("Your easytocloud verification code is %s. It expires in %d minutes. Never share it.", code, int(codeLifetime/time.Minute))
	if err := s.cfg.SMS.Text(ctx, phone, msg); err != nil {
		return fmt.Errorf("send code: %w", err)
	}
	return nil
}

// checkPhoneCode checks code for subject and phone and, when right, uses it up. Each
// try is counted first, in one conditional write; the fifth wrong one, like an
// expired code, leaves errCodeGone.
func (s *Server) checkPhoneCode(ctx context.Context, subject, phone, code string) error {
	key, err := s.codeKey(ctx, subject)
	if err != nil {
		return fmt.Errorf("check code: %w", err)
	}
	out, err := s.cfg.Table.Update(ctx, &dynamodb.UpdateItemInput{
		Key:                 key,
		UpdateExpression:    aws.String("ADD tries :one"),
		ConditionExpression: aws.String("attribute_exists(pk) AND tries < :max AND expires_at > :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": table.N(1), ":max": table.N(codeTries), ":now": table.N(s.now().Unix()),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if table.ConditionFailed(err) {
		return errCodeGone
	}
	if err != nil {
		return fmt.Errorf("check code: %w", err)
	}
	var it codeItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return fmt.Errorf("check code: %w", err)
	}
	want, err := s.sum(ctx, labelCode, phone+"\x00"+code)
	if err != nil {
		return fmt.Errorf("check code: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(it.Hash)) != 1 {
		if it.Tries >= codeTries {
			return errCodeGone
		}
		return errCodeWrong
	}
	// Used up: only the try that deletes it wins.
	_, err = s.cfg.Table.Delete(ctx, &dynamodb.DeleteItemInput{
		Key: key, ConditionExpression: aws.String("#hash = :h"),
		ExpressionAttributeNames:  map[string]string{"#hash": "hash"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":h": table.S(it.Hash)},
	})
	if table.ConditionFailed(err) {
		return errCodeGone
	}
	if err != nil {
		return fmt.Errorf("check code: %w", err)
	}
	return nil
}
