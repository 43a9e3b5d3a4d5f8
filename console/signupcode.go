package console

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
)

// Bounds of an invitation code.
const (
	// MaxSignUpCodeUses is the most organisations one code may sign up.
	MaxSignUpCodeUses = 1000
	// MaxSignUpCodeTTL is the longest a code may stay valid.
	MaxSignUpCodeTTL = 366 * 24 * time.Hour
)

const (
	signUpCodePK    = "SIGNUPCODE#"
	signUpCodeSK    = "#CODE"
	labelSignUpCode = "signup-code"
	// signUpCodeLen is a code's length without its dashes: 20 base32 characters,
	// 100 random bits.
	signUpCodeLen = 20
)

// errSignUpCodeGone means an invitation code is unknown, expired or used up.
var errSignUpCodeGone = errors.New("invitation code unknown, expired or used up")

var codeAlphabet = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// signUpCodeItem is an invitation code: pk SIGNUPCODE#<keyed hash of the code>; the
// code itself is never stored.
type signUpCodeItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Uses      int    `dynamodbav:"uses"`
	CreatedNS int64  `dynamodbav:"created_ns"`
	ExpiresAt int64  `dynamodbav:"expires_at"`
}

// NewSignUpCode stores a fresh invitation code that lets uses organisations sign up
// (when the console's SignUp is SignUpCode) until now+ttl, and returns it, formatted
// as four groups of five characters ("abcde-fghij-klmno-pqrst"). Only its keyed hash
// (keyring's KeyPurpose key, as the console uses it) is stored, so the code can be
// shown only now. It returns an error wrapping tenants.ErrInvalid for uses outside 1
// to MaxSignUpCodeUses or ttl outside a minute to MaxSignUpCodeTTL, or the
// keyring's or the table's error.
func NewSignUpCode(ctx context.Context, tbl *table.Table, keyring Keyring, uses int, ttl time.Duration, now time.Time) (string, error) {
	switch {
	case uses < 1 || uses > MaxSignUpCodeUses:
		return "", fmt.Errorf("new sign-up code: %w", tenants.Invalidf("uses %d: give 1 to %d", uses, MaxSignUpCodeUses))
	case ttl < time.Minute || ttl > MaxSignUpCodeTTL:
		return "", fmt.Errorf("new sign-up code: %w", tenants.Invalidf("expiry %s: give a minute to %s", ttl, MaxSignUpCodeTTL))
	}
	b := make([]byte, signUpCodeLen*5/8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	code := codeAlphabet.EncodeToString(b)
	// The keyed hash is the console's own (Server.sum); a Server holding only the
	// keyring computes it.
	h, err := (&Server{cfg: Config{Keyring: keyring}}).sum(ctx, labelSignUpCode, code)
	if err != nil {
		return "", fmt.Errorf("new sign-up code: %w", err)
	}
	it := signUpCodeItem{PK: signUpCodePK + h, SK: signUpCodeSK, Uses: uses, CreatedNS: now.UnixNano(), ExpiresAt: now.Add(ttl).Unix()}
	if _, err := tbl.Put(ctx, &dynamodb.PutItemInput{Item: table.Marshal(it), ConditionExpression: aws.String("attribute_not_exists(pk)")}); err != nil {
		return "", fmt.Errorf("new sign-up code: %w", err)
	}
	return code[0:5] + "-" + code[5:10] + "-" + code[10:15] + "-" + code[15:20], nil
}

// normalSignUpCode returns code as typed without case, spaces or dashes, and whether
// it has a code's shape.
func normalSignUpCode(code string) (string, bool) {
	c := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(code))
	if len(c) != signUpCodeLen {
		return "", false
	}
	if _, err := codeAlphabet.DecodeString(c); err != nil {
		return "", false
	}
	return c, true
}

// checkSignUpCode returns the keyed hash of a live invitation code with a use left,
// or errSignUpCodeGone. It uses nothing up: the sign-up's verification does
// (useSignUpCodeItem).
func (s *Server) checkSignUpCode(ctx context.Context, code string) (string, error) {
	c, ok := normalSignUpCode(code)
	if !ok {
		return "", errSignUpCodeGone
	}
	h, err := s.sum(ctx, labelSignUpCode, c)
	if err != nil {
		return "", fmt.Errorf("check sign-up code: %w", err)
	}
	var it signUpCodeItem
	err = s.cfg.Table.Get(ctx, table.Key(signUpCodePK+h, signUpCodeSK), &it)
	if errors.Is(err, table.ErrNoItem) {
		return "", errSignUpCodeGone
	}
	if err != nil {
		return "", fmt.Errorf("check sign-up code: %w", err)
	}
	if it.Uses < 1 || table.Expired(it.ExpiresAt, s.now()) {
		return "", errSignUpCodeGone
	}
	return h, nil
}

// useSignUpCodeItem is the write that takes one use of the code whose keyed hash is
// h, for the transaction that creates the organisation: it fails when the code has
// expired or was used up meanwhile.
func (s *Server) useSignUpCodeItem(h string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		Key:                 table.Key(signUpCodePK+h, signUpCodeSK),
		UpdateExpression:    aws.String("SET uses = uses - :one"),
		ConditionExpression: aws.String("attribute_exists(pk) AND uses > :zero AND expires_at > :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": table.N(1), ":zero": table.N(0), ":now": table.N(s.now().Unix()),
		},
	}}
}
