package oauth_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants"
)

// tokens is the token store on e's table and clock, as the console and the CLI
// open it (no HTTP server).
func (e *env) tokens() *oauth.Tokens {
	t := oauth.NewTokens(table.New(e.db, e.table), nil)
	t.Now = e.clock.Now
	return t
}

func (e *env) principal() tenants.Principal {
	return tenants.Principal{TenantID: e.tenant.ID, UserID: e.user.ID}
}

// grantOf returns the gid claim of an access token, which must verify.
func (e *env) grantOf(tb testing.TB, access string) string {
	tb.Helper()
	_, issued, err := e.verifier.VerifyIssued(context.Background(), access)
	if err != nil {
		tb.Fatalf("access token does not verify: %v", err)
	}
	return issued.GrantID
}

func mustGrants(tb testing.TB, tk *oauth.Tokens, p tenants.Principal) []oauth.Grant {
	tb.Helper()
	gs, err := tk.Grants(context.Background(), p)
	if err != nil {
		tb.Fatalf("Grants: %v", err)
	}
	return gs
}

func grantIDs(gs []oauth.Grant) []string {
	ids := make([]string, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
	}
	return ids
}

// TestGrantIDs: every link is a grant of its own, listed with its client, when it was
// made and when it was last used; each access token minted from it, at the exchange
// and on every refresh, names it in gid.
func TestGrantIDs(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(alexaRedirect())
	tk := e.tokens()
	if gs := mustGrants(t, tk, e.principal()); len(gs) != 0 {
		t.Fatalf("before any link: %+v", gs)
	}
	linked := e.clock.Now()
	kitchen := e.link(t)
	e.clock.Advance(time.Minute)
	office := e.link(t)
	kg, og := e.grantOf(t, kitchen.AccessToken), e.grantOf(t, office.AccessToken)
	if kg == "" || og == "" || kg == og {
		t.Fatalf("grant IDs of two links: %q and %q, want two different ones", kg, og)
	}
	gs := mustGrants(t, tk, e.principal())
	if got := grantIDs(gs); !slices.Equal(got, []string{kg, og}) {
		t.Fatalf("Grants = %v, want [%s %s] (oldest first)", got, kg, og)
	}
	if g := gs[0]; g.ClientID != e.client.ID || !g.Created.Equal(linked) || !g.LastUsed.Equal(linked) {
		t.Errorf("first grant %+v, want client %s, created and last used %v", g, e.client.ID, linked)
	}

	e.clock.Advance(time.Hour)
	refreshed, err := e.refresh(cfg, kitchen.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.grantOf(t, refreshed.AccessToken); got != kg {
		t.Errorf("refreshed access token names grant %q, want %q", got, kg)
	}
	if g := mustGrants(t, tk, e.principal())[0]; !g.LastUsed.Equal(e.clock.Now()) || !g.Created.Equal(linked) {
		t.Errorf("after a refresh: %+v, want last used %v", g, e.clock.Now())
	}
}

// TestRevokeGrant: revoking one link kills its refresh token and lists it no more;
// the user's other link, and another user's, keep working; the user's revocation mark
// names the grant and keeps the time of their last full revocation. An unknown grant,
// or another user's, is ErrNoGrant and changes nothing.
func TestRevokeGrant(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cfg := e.config(alexaRedirect())
	tk := e.tokens()
	alice := e.principal()

	// A full revocation first, whose time RevokeGrant must not move.
	if err := tk.RevokeUser(ctx, alice); err != nil {
		t.Fatal(err)
	}
	revokedAt := e.clock.Now()
	e.clock.Advance(time.Second)
	kitchen, office := e.link(t), e.link(t)
	kg, og := e.grantOf(t, kitchen.AccessToken), e.grantOf(t, office.AccessToken)

	bob, err := e.store.CreateUser(ctx, tenants.User{TenantID: e.tenant.ID, Email: "bob@example.com", Phone: "+15550100101"}, password)
	if err != nil {
		t.Fatal(err)
	}
	bobP := tenants.Principal{TenantID: bob.TenantID, UserID: bob.ID}
	for name, tc := range map[string]struct {
		p  tenants.Principal
		id string
	}{
		"Unknown":        {alice, "no-such-grant"},
		"Empty":          {alice, ""},
		"AnotherUsers":   {bobP, kg},
		"MalformedUser":  {tenants.Principal{TenantID: e.tenant.ID, UserID: "u#1"}, kg},
		"AnotherTenants": {tenants.Principal{TenantID: "t-other", UserID: e.user.ID}, kg},
	} {
		if err := tk.RevokeGrant(ctx, tc.p, tc.id); !errors.Is(err, oauth.ErrNoGrant) {
			t.Errorf("%s: RevokeGrant = %v, want ErrNoGrant", name, err)
		}
	}
	if _, err := e.refresh(cfg, kitchen.RefreshToken); err != nil {
		t.Fatalf("a refused RevokeGrant broke the link: %v", err)
	}

	if err := tk.RevokeGrant(ctx, alice, kg); err != nil {
		t.Fatalf("RevokeGrant: %v", err)
	}
	if _, err := e.refresh(cfg, kitchen.RefreshToken); oauthErrorCode(err) != "invalid_grant" {
		t.Errorf("refresh of the revoked link: %v, want invalid_grant", err)
	}
	if got, err := e.refresh(cfg, office.RefreshToken); err != nil || e.grantOf(t, got.AccessToken) != og {
		t.Errorf("refresh of the other link: %v", err)
	}
	if got := grantIDs(mustGrants(t, tk, alice)); !slices.Equal(got, []string{og}) {
		t.Errorf("Grants after revoking %s = %v, want [%s]", kg, got, og)
	}
	at, revoked, err := tk.Revocations(ctx, alice)
	if err != nil || !at.Equal(revokedAt) || !slices.Equal(revoked, []string{kg}) {
		t.Errorf("Revocations = %v, %v, %v; want %v and [%s]", at, revoked, err, revokedAt, kg)
	}
	if err := tk.RevokeGrant(ctx, alice, kg); !errors.Is(err, oauth.ErrNoGrant) {
		t.Errorf("revoking it again: %v, want ErrNoGrant", err)
	}
	if err := tk.RevokeGrant(ctx, alice, og); err != nil {
		t.Fatal(err)
	}
	if _, revoked, _ := tk.Revocations(ctx, alice); !sameSet(revoked, []string{kg, og}) {
		t.Errorf("after revoking both: %v", revoked)
	}
	if gs := mustGrants(t, tk, alice); len(gs) != 0 {
		t.Errorf("after revoking both: %+v", gs)
	}
	// A new link after both is a new grant, and works.
	again := e.link(t)
	if g := e.grantOf(t, again.AccessToken); g == kg || g == og {
		t.Errorf("a new link reuses grant %s", g)
	}
	if _, err := e.refresh(cfg, again.RefreshToken); err != nil {
		t.Errorf("a new link after revoking the others: %v", err)
	}
}

// TestRevokeGrantWithoutMarkFirst: on a user never revoked before, RevokeGrant makes a
// mark that names the grant and no time, so nothing else of theirs is refused.
func TestRevokeGrantWithoutMarkFirst(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tk := e.tokens()
	kitchen, office := e.link(t), e.link(t)
	if err := tk.RevokeGrant(ctx, e.principal(), e.grantOf(t, kitchen.AccessToken)); err != nil {
		t.Fatal(err)
	}
	if at, err := tk.RevokedAt(ctx, e.principal()); err != nil || !at.IsZero() {
		t.Errorf("RevokedAt = %v, %v; want the zero time", at, err)
	}
	if _, err := e.refresh(e.config(alexaRedirect()), office.RefreshToken); err != nil {
		t.Errorf("the other link: %v", err)
	}
}

// TestGrantOfTokenStoredWithoutID: a refresh token stored before grants had IDs is
// listed with a stable ID, which its refreshed access tokens carry, and can be revoked.
func TestGrantOfTokenStoredWithoutID(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cfg := e.config(alexaRedirect())
	tk := e.tokens()
	tok := e.link(t)
	// As the item was before: no grant_id.
	out, err := e.db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(e.table), IndexName: aws.String(table.GSIName),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]dbtypes.AttributeValue{":pk": table.S("OAUTHUSER#" + e.tenant.ID + "#" + e.user.ID)}})
	if err != nil || len(out.Items) != 1 {
		t.Fatalf("the user's refresh tokens: %d, %v", len(out.Items), err)
	}
	key := map[string]dbtypes.AttributeValue{table.PartitionKey: out.Items[0][table.PartitionKey], table.SortKey: out.Items[0][table.SortKey]}
	if _, err := e.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(e.table), Key: key,
		UpdateExpression: aws.String("REMOVE grant_id")}); err != nil {
		t.Fatal(err)
	}
	gs := mustGrants(t, tk, e.principal())
	if len(gs) != 1 || gs[0].ID == "" || gs[0].ID == e.grantOf(t, tok.AccessToken) {
		t.Fatalf("Grants = %+v, want one with an ID of its own", gs)
	}
	if again := mustGrants(t, tk, e.principal()); again[0].ID != gs[0].ID {
		t.Errorf("the ID changed between reads: %s, then %s", gs[0].ID, again[0].ID)
	}
	refreshed, err := e.refresh(cfg, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.grantOf(t, refreshed.AccessToken); got != gs[0].ID {
		t.Errorf("refreshed token names grant %q, want %q", got, gs[0].ID)
	}
	if err := tk.RevokeGrant(ctx, e.principal(), gs[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.refresh(cfg, tok.RefreshToken); oauthErrorCode(err) != "invalid_grant" {
		t.Errorf("refresh after revoking it: %v, want invalid_grant", err)
	}
}

// TestTokenOfRevokedGrantNotRefreshedWhenDeleteFailed: the mark alone (the refresh
// token's delete never happened) stops the grant's refresh token.
func TestTokenOfRevokedGrantNotRefreshedWhenDeleteFailed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tok := e.link(t)
	gid := e.grantOf(t, tok.AccessToken)
	_, err := e.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(e.table),
		Key:                       table.Key("OAUTHUSER#"+e.tenant.ID+"#"+e.user.ID, "#REVOKED"),
		UpdateExpression:          aws.String("ADD revoked_grants :g SET expires_at = :exp"),
		ExpressionAttributeValues: map[string]dbtypes.AttributeValue{":g": &dbtypes.AttributeValueMemberSS{Value: []string{gid}}, ":exp": table.N(e.clock.Now().Add(time.Hour).Unix())}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.refresh(e.config(alexaRedirect()), tok.RefreshToken); oauthErrorCode(err) != "invalid_grant" {
		t.Errorf("refresh of a grant the mark names: %v, want invalid_grant", err)
	}
	if gs := mustGrants(t, e.tokens(), e.principal()); len(gs) != 0 {
		t.Errorf("Grants lists a revoked grant: %+v", gs)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
