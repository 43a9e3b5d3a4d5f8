package oauth

import (
	"context"
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

// Lifetimes of what Tokens stores.
const (
	// CodeLifetime is how long an authorization code may be redeemed.
	CodeLifetime = 5 * time.Minute
	// codeRetention is how long a code's record is kept, redeemed or not, so that a
	// replay is recognised (and the tokens issued from it revoked) well after its use.
	codeRetention = 24 * time.Hour
	// RefreshIdle is how long a refresh token lives unused; every use extends it.
	RefreshIdle = 180 * 24 * time.Hour
	// AccessLifetime is the lifetime of an access token.
	AccessLifetime = time.Hour
)

// Keys of the items Tokens stores. Codes and refresh tokens are keyed by their HMAC,
// never stored in the clear.
const (
	codePKPrefix    = "OAUTHCODE#"
	codeSK          = "#CODE"
	refreshPKPrefix = "OAUTHREFRESH#"
	refreshSK       = "#REFRESH"
	userPKPrefix    = "OAUTHUSER#" // gsi1pk of a user's refresh tokens, pk of the user's revocation mark
	userRevokedSK   = "#REVOKED"
)

// codeItem is an authorization code as stored.
type codeItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	ClientID    string `dynamodbav:"client_id"`
	RedirectURI string `dynamodbav:"redirect_uri"`
	TenantID    string `dynamodbav:"tenant_id"`
	UserID      string `dynamodbav:"user_id"`
	Scope       string `dynamodbav:"scope"`
	Challenge   string `dynamodbav:"code_challenge,omitempty"`
	GrantID     string `dynamodbav:"grant_id,omitempty"` // empty in codes stored before grants had IDs
	CreatedNS   int64  `dynamodbav:"created_ns"`
	ValidNS     int64  `dynamodbav:"valid_until_ns"`
	ExpiresAt   int64  `dynamodbav:"expires_at"`
	ConsumedNS  int64  `dynamodbav:"consumed_ns,omitempty"`
	RefreshHash string `dynamodbav:"refresh_hash,omitempty"`
	RevokedNS   int64  `dynamodbav:"revoked_ns,omitempty"`
}

func (c codeItem) principal() tenants.Principal {
	return tenants.Principal{TenantID: c.TenantID, UserID: c.UserID}
}

// refreshItem is a refresh token as stored.
type refreshItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	GSI1PK     string `dynamodbav:"gsi1pk"`
	GSI1SK     string `dynamodbav:"gsi1sk"`
	ClientID   string `dynamodbav:"client_id"`
	TenantID   string `dynamodbav:"tenant_id"`
	UserID     string `dynamodbav:"user_id"`
	Scope      string `dynamodbav:"scope"`
	CodeHash   string `dynamodbav:"code_hash"`
	GrantID    string `dynamodbav:"grant_id,omitempty"` // see grantID
	CreatedNS  int64  `dynamodbav:"created_ns"`
	LastUsedNS int64  `dynamodbav:"last_used_ns"`
	ExpiresAt  int64  `dynamodbav:"expires_at"`
}

func (r refreshItem) principal() tenants.Principal {
	return tenants.Principal{TenantID: r.TenantID, UserID: r.UserID}
}

// revokedItem marks the moment all of a user's tokens were revoked: anything issued
// to them up to then is refused, even if the index that lists their tokens lags. It
// also names the grants revoked one by one (RevokeGrant), whose access tokens are
// refused whenever they were issued.
type revokedItem struct {
	PK            string   `dynamodbav:"pk"`
	SK            string   `dynamodbav:"sk"`
	RevokedNS     int64    `dynamodbav:"revoked_ns"`
	RevokedGrants []string `dynamodbav:"revoked_grants,stringset,omitempty"`
	ExpiresAt     int64    `dynamodbav:"expires_at"`
}

func userKey(p tenants.Principal) string { return userPKPrefix + p.TenantID + "#" + p.UserID }

// Tokens keeps authorization codes and refresh tokens in the table, keyed by their
// HMAC. Its methods are safe for concurrent use.
type Tokens struct {
	// Now returns the current time; tests replace it. Default time.Now.
	Now func() time.Time

	table *table.Table
	macs  macs
}

// NewTokens returns the token store on tbl, hashing with keys from keyring (which may
// be nil when only RevokeUser is called). It does no I/O.
func NewTokens(tbl *table.Table, keyring Keyring) *Tokens {
	return &Tokens{Now: time.Now, table: tbl, macs: macs{keyring}}
}

// errCodeUsed means the code was redeemed already (or is being redeemed right now).
var errCodeUsed = errors.New("authorization code already redeemed")

// newCode stores a fresh code for it (its keys, times and hash are filled in here)
// and returns the code.
func (t *Tokens) newCode(ctx context.Context, it codeItem) (string, error) {
	code := randomToken()
	h, err := t.macs.sum(ctx, labelCode, code)
	if err != nil {
		return "", fmt.Errorf("store code: %w", err)
	}
	now := t.Now()
	it.PK, it.SK = codePKPrefix+h, codeSK
	it.CreatedNS, it.ValidNS = now.UnixNano(), now.Add(CodeLifetime).UnixNano()
	it.ExpiresAt = now.Add(codeRetention).Unix()
	_, err = t.table.Put(ctx, &dynamodb.PutItemInput{
		Item:                table.Marshal(it),
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if err != nil {
		return "", fmt.Errorf("store code: %w", err)
	}
	return code, nil
}

// getCode returns the record of code and the code's hash; errNoItem when unknown or
// past its retention.
func (t *Tokens) getCode(ctx context.Context, code string) (codeItem, string, error) {
	h, err := t.macs.sum(ctx, labelCode, code)
	if err != nil {
		return codeItem{}, "", fmt.Errorf("read code: %w", err)
	}
	var it codeItem
	if err := t.table.Get(ctx, table.Key(codePKPrefix+h, codeSK), &it); err != nil {
		return codeItem{}, h, fmt.Errorf("read code: %w", err)
	}
	if table.Expired(it.ExpiresAt, t.Now()) {
		return codeItem{}, h, fmt.Errorf("read code: %w", errNoItem)
	}
	return it, h, nil
}

// redeem consumes the code with hash codeHash for clientID and stores the refresh
// token issued from it, in one transaction: either the code was unused, is still
// valid and belongs to clientID and the refresh token exists, or nothing changed.
// It returns errCodeUsed when another redemption got there first.
func (t *Tokens) redeem(ctx context.Context, codeHash, clientID, refresh string, rt refreshItem) error {
	rh, err := t.macs.sum(ctx, labelRefresh, refresh)
	if err != nil {
		return fmt.Errorf("redeem code: %w", err)
	}
	now := t.Now()
	rt.PK, rt.SK = refreshPKPrefix+rh, refreshSK
	rt.GSI1PK, rt.GSI1SK = userKey(rt.principal()), rh
	rt.CodeHash = codeHash
	rt.CreatedNS, rt.LastUsedNS = now.UnixNano(), now.UnixNano()
	rt.ExpiresAt = now.Add(RefreshIdle).Unix()
	items := []types.TransactWriteItem{
		{Update: &types.Update{
			Key:              table.Key(codePKPrefix+codeHash, codeSK),
			UpdateExpression: aws.String("SET consumed_ns = :now, refresh_hash = :rh"),
			ConditionExpression: aws.String("attribute_exists(pk) AND attribute_not_exists(consumed_ns) AND " +
				"client_id = :cid AND valid_until_ns > :now"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":now": table.N(now.UnixNano()), ":rh": table.S(rh), ":cid": table.S(clientID),
			},
		}},
		{Put: &types.Put{
			Item:                table.Marshal(rt),
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}},
	}
	// Another redemption of the same code in flight cancels the transaction with a
	// conflict: Transact tries again, and the condition tells whether it committed.
	err = t.table.Transact(ctx, items)
	if reasons := table.CancelReasons(err); len(reasons) > 0 && reasons[0] == "ConditionalCheckFailed" {
		return fmt.Errorf("redeem code: %w", errCodeUsed)
	}
	if err != nil {
		return fmt.Errorf("redeem code: %w", err)
	}
	return nil
}

// revokeCode marks a redeemed code as replayed and deletes the refresh token issued
// from it. It does nothing to a code that was never redeemed.
func (t *Tokens) revokeCode(ctx context.Context, codeHash string) error {
	out, err := t.table.Update(ctx, &dynamodb.UpdateItemInput{
		Key:                       table.Key(codePKPrefix+codeHash, codeSK),
		UpdateExpression:          aws.String("SET revoked_ns = :now"),
		ConditionExpression:       aws.String("attribute_exists(consumed_ns)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": table.N(t.Now().UnixNano())},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if table.ConditionFailed(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("revoke tokens of replayed code: %w", err)
	}
	var it codeItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return fmt.Errorf("revoke tokens of replayed code: decode: %w", err)
	}
	if it.RefreshHash == "" {
		return nil
	}
	return t.deleteRefresh(ctx, it.RefreshHash)
}

// getRefresh returns the record of a refresh token and its hash; errNoItem when
// unknown or expired.
func (t *Tokens) getRefresh(ctx context.Context, refresh string) (refreshItem, string, error) {
	h, err := t.macs.sum(ctx, labelRefresh, refresh)
	if err != nil {
		return refreshItem{}, "", fmt.Errorf("read refresh token: %w", err)
	}
	var it refreshItem
	if err := t.table.Get(ctx, table.Key(refreshPKPrefix+h, refreshSK), &it); err != nil {
		return refreshItem{}, h, fmt.Errorf("read refresh token: %w", err)
	}
	if table.Expired(it.ExpiresAt, t.Now()) {
		return refreshItem{}, h, fmt.Errorf("read refresh token: %w", errNoItem)
	}
	return it, h, nil
}

// touchRefresh records a use of the refresh token with hash h by clientID, which
// restarts its 180 days. It returns errNoItem when the token was revoked or expired
// meanwhile.
func (t *Tokens) touchRefresh(ctx context.Context, h, clientID string) error {
	now := t.Now()
	_, err := t.table.Update(ctx, &dynamodb.UpdateItemInput{
		Key:                 table.Key(refreshPKPrefix+h, refreshSK),
		UpdateExpression:    aws.String("SET last_used_ns = :now, expires_at = :exp"),
		ConditionExpression: aws.String("attribute_exists(pk) AND client_id = :cid AND expires_at > :nows"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": table.N(now.UnixNano()), ":exp": table.N(now.Add(RefreshIdle).Unix()),
			":cid": table.S(clientID), ":nows": table.N(now.Unix()),
		},
	})
	if table.ConditionFailed(err) {
		return fmt.Errorf("use refresh token: %w", errNoItem)
	}
	if err != nil {
		return fmt.Errorf("use refresh token: %w", err)
	}
	return nil
}

func (t *Tokens) deleteRefresh(ctx context.Context, h string) error {
	_, err := t.table.Delete(ctx, &dynamodb.DeleteItemInput{
		Key: table.Key(refreshPKPrefix+h, refreshSK),
	})
	if err != nil {
		return fmt.Errorf("delete refresh token: %w", err)
	}
	return nil
}

// revokeRefresh deletes the refresh token if clientID holds it, and reports whether it
// did. An unknown token or another client's is left alone (RFC 7009 answers both
// the same way).
func (t *Tokens) revokeRefresh(ctx context.Context, refresh, clientID string) (bool, error) {
	it, h, err := t.getRefresh(ctx, refresh)
	if errors.Is(err, errNoItem) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if it.ClientID != clientID {
		return false, nil
	}
	return true, t.deleteRefresh(ctx, h)
}

// revocation is a user's revocation mark as read: when all their tokens were last
// revoked (UnixNano, 0 if never) and the grants revoked one by one.
type revocation struct {
	ns     int64
	grants []string
}

// refuses reports whether a token of grant gid, issued (or, for a code or refresh
// token, created) at createdNS, is revoked.
func (r revocation) refuses(gid string, createdNS int64) bool {
	return r.ns >= createdNS || (gid != "" && slices.Contains(r.grants, gid))
}

// revocation reads p's revocation mark; none when it is absent or expired.
func (t *Tokens) revocation(ctx context.Context, p tenants.Principal) (revocation, error) {
	var it revokedItem
	err := t.table.Get(ctx, table.Key(userKey(p), userRevokedSK), &it)
	if errors.Is(err, errNoItem) || (err == nil && table.Expired(it.ExpiresAt, t.Now())) {
		return revocation{}, nil
	}
	if err != nil {
		return revocation{}, fmt.Errorf("read revocation of %s/%s: %w", p.TenantID, p.UserID, err)
	}
	return revocation{ns: it.RevokedNS, grants: it.RevokedGrants}, nil
}

// RevokedAt returns when all of p's tokens were last revoked (RevokeUser), the zero
// time if never (or so long ago that nothing issued before is still valid). The skill
// refuses access tokens issued before it. It returns the AWS error when the mark
// could not be read.
func (t *Tokens) RevokedAt(ctx context.Context, p tenants.Principal) (time.Time, error) {
	at, _, err := t.Revocations(ctx, p)
	return at, err
}

// Revocations returns what RevokedAt returns and, from the same read, the IDs of the
// grants of p revoked one by one (RevokeGrant): the skill refuses the access tokens
// minted from them, whenever they were issued. It returns the AWS error when the mark
// could not be read.
func (t *Tokens) Revocations(ctx context.Context, p tenants.Principal) (time.Time, []string, error) {
	r, err := t.revocation(ctx, p)
	if err != nil || r.ns == 0 {
		return time.Time{}, r.grants, err
	}
	return time.Unix(0, r.ns).UTC(), r.grants, nil
}

// RevokeUser revokes every refresh token and unredeemed authorization code of user p:
// afterwards none of them yields an access token. Access tokens already issued are
// not changed, but the mark it writes (RevokedAt) makes the skill refuse them at once.
// Call it when the skill is disabled, the account unlinked or the password changed. It
// returns the AWS error when the revocation could not be recorded.
func (t *Tokens) RevokeUser(ctx context.Context, p tenants.Principal) error {
	if p.TenantID == "" || p.UserID == "" || strings.Contains(p.TenantID, "#") || strings.Contains(p.UserID, "#") {
		return fmt.Errorf("revoke tokens: invalid principal %q/%q", p.TenantID, p.UserID)
	}
	now := t.Now()
	// The mark first: from here on nothing issued earlier is honoured, whatever the
	// index below still shows.
	_, err := t.table.Put(ctx, &dynamodb.PutItemInput{
		Item: table.Marshal(revokedItem{PK: userKey(p), SK: userRevokedSK, RevokedNS: now.UnixNano(),
			ExpiresAt: now.Add(RefreshIdle + 24*time.Hour).Unix()}),
	})
	if err != nil {
		return fmt.Errorf("revoke tokens of %s/%s: %w", p.TenantID, p.UserID, err)
	}
	items, err := t.table.QueryAll(ctx, &dynamodb.QueryInput{
		IndexName:                 aws.String(table.GSIName),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": table.S(userKey(p))},
		ProjectionExpression:      aws.String("pk, sk"),
	})
	if err != nil {
		return fmt.Errorf("revoke tokens of %s/%s: list: %w", p.TenantID, p.UserID, err)
	}
	for _, item := range items {
		_, err := t.table.Delete(ctx, &dynamodb.DeleteItemInput{
			Key: map[string]types.AttributeValue{table.PartitionKey: item[table.PartitionKey], table.SortKey: item[table.SortKey]},
		})
		if err != nil {
			return fmt.Errorf("revoke tokens of %s/%s: delete: %w", p.TenantID, p.UserID, err)
		}
	}
	return nil
}
