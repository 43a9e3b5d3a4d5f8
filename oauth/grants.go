package oauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
)

// Grant is one account link: the refresh token an authorization code was redeemed
// for, and every access token minted from it (whose gid claim is ID).
type Grant struct {
	// ID names the grant in its access tokens. It is not a secret.
	ID       string
	ClientID string
	// Created is when the link was made (the code redeemed); LastUsed when its
	// refresh token last gave an access token (Created if never).
	Created  time.Time
	LastUsed time.Time
}

// ErrNoGrant means the user has no live grant of that ID.
var ErrNoGrant = errors.New("no such account link")

// newGrantID returns a fresh grant ID: 128 random bits, base64url (22 characters).
func newGrantID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// grantID returns the ID of the grant of the refresh token stored under hash h. A
// token stored before grants had IDs has none recorded: its ID is the start of its
// hash, the same on every read, so that it too can be listed and revoked.
func (r refreshItem) grantID(h string) string {
	if r.GrantID != "" {
		return r.GrantID
	}
	return h[:min(len(h), 22)]
}

// userTokens returns the refresh tokens the index lists for p (live or not) and
// their hashes.
func (t *Tokens) userTokens(ctx context.Context, p tenants.Principal) ([]refreshItem, []string, error) {
	items, err := t.table.QueryAll(ctx, &dynamodb.QueryInput{
		IndexName:                 aws.String(table.GSIName),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": table.S(userKey(p))},
	})
	if err != nil {
		return nil, nil, err
	}
	var its []refreshItem
	if err := attributevalue.UnmarshalListOfMaps(items, &its); err != nil {
		return nil, nil, fmt.Errorf("decode: %w", err)
	}
	hashes := make([]string, len(its))
	for i, it := range its {
		hashes[i] = strings.TrimPrefix(it.PK, refreshPKPrefix)
	}
	return its, hashes, nil
}

func validPrincipal(p tenants.Principal) bool {
	return p.TenantID != "" && p.UserID != "" && !strings.Contains(p.TenantID, "#") && !strings.Contains(p.UserID, "#")
}

// Grants returns the live account links of user p, oldest first: refresh tokens
// neither expired nor revoked (the index may lag behind a revocation; the user's
// revocation mark, read too, does not). None for an unknown user. It returns the AWS
// error when the tokens or the mark could not be read.
func (t *Tokens) Grants(ctx context.Context, p tenants.Principal) ([]Grant, error) {
	if !validPrincipal(p) {
		return []Grant{}, nil
	}
	its, hashes, err := t.userTokens(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list account links of %s/%s: %w", p.TenantID, p.UserID, err)
	}
	rev, err := t.revocation(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list account links of %s/%s: %w", p.TenantID, p.UserID, err)
	}
	now := t.Now()
	grants := []Grant{}
	for i, it := range its {
		id := it.grantID(hashes[i])
		if table.Expired(it.ExpiresAt, now) || rev.refuses(id, it.CreatedNS) {
			continue
		}
		grants = append(grants, Grant{ID: id, ClientID: it.ClientID,
			Created: time.Unix(0, it.CreatedNS).UTC(), LastUsed: time.Unix(0, it.LastUsedNS).UTC()})
	}
	slices.SortStableFunc(grants, func(a, b Grant) int { return a.Created.Compare(b.Created) })
	return grants, nil
}

// RevokeGrant ends the account link grantID of user p: the grant is added to the
// user's revocation mark, so that the skill refuses its access tokens from the next
// request on, and its refresh token is deleted. The user's other links keep working.
// It returns an error wrapping ErrNoGrant when p has no live grant of that ID, or the
// AWS error.
func (t *Tokens) RevokeGrant(ctx context.Context, p tenants.Principal, grantID string) error {
	if !validPrincipal(p) || grantID == "" {
		return fmt.Errorf("revoke account link %q of %q/%q: %w", grantID, p.TenantID, p.UserID, ErrNoGrant)
	}
	its, hashes, err := t.userTokens(ctx, p)
	if err != nil {
		return fmt.Errorf("revoke account link %s of %s/%s: list: %w", grantID, p.TenantID, p.UserID, err)
	}
	now := t.Now()
	var doomed []string
	for i, it := range its {
		if it.grantID(hashes[i]) == grantID && !table.Expired(it.ExpiresAt, now) {
			doomed = append(doomed, hashes[i])
		}
	}
	if len(doomed) == 0 {
		return fmt.Errorf("revoke account link %s of %s/%s: %w", grantID, p.TenantID, p.UserID, ErrNoGrant)
	}
	// The mark first, as RevokeUser does: from here on the grant's access tokens are
	// refused and its refresh token gives no more, whatever the delete below does.
	// ADD leaves the time of the user's last full revocation as it is; the mark is
	// kept as long as RevokeUser keeps it, which outlives every access token.
	_, err = t.table.Update(ctx, &dynamodb.UpdateItemInput{
		Key:              table.Key(userKey(p), userRevokedSK),
		UpdateExpression: aws.String("ADD revoked_grants :g SET expires_at = :exp"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":g":   &types.AttributeValueMemberSS{Value: []string{grantID}},
			":exp": table.N(now.Add(RefreshIdle + 24*time.Hour).Unix()),
		},
	})
	if err != nil {
		return fmt.Errorf("revoke account link %s of %s/%s: %w", grantID, p.TenantID, p.UserID, err)
	}
	for _, h := range doomed {
		if err := t.deleteRefresh(ctx, h); err != nil {
			return fmt.Errorf("revoke account link %s of %s/%s: %w", grantID, p.TenantID, p.UserID, err)
		}
	}
	return nil
}
