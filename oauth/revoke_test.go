package oauth_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants"
)

func (e *env) revoke(tb testing.TB, form url.Values, id, secret string) response {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth/revoke", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	return do(tb, http.DefaultClient, req)
}

// TestRevocationEndpoint follows RFC 7009.
func TestRevocationEndpoint(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(alexaRedirect())
	other, otherSecret, err := oauth.NewClients(table.New(e.db, e.table)).Create(context.Background(), oauth.Client{Name: "other", VendorID: "OTHER"})
	if err != nil {
		t.Fatal(err)
	}
	e.remember(otherSecret)
	tok := e.link(t)

	if r := e.revoke(t, url.Values{"token": {tok.RefreshToken}}, "", ""); r.status != http.StatusUnauthorized {
		t.Errorf("unauthenticated revocation: %d, want 401", r.status)
	}
	if r := e.revoke(t, url.Values{"token": {tok.RefreshToken}}, other.ID, otherSecret); r.status != http.StatusOK {
		t.Errorf("another client's revocation: %d, want 200", r.status)
	}
	if _, err := e.refresh(cfg, tok.RefreshToken); err != nil {
		t.Fatalf("another client revoked the token: %v", err)
	}
	if r := e.revoke(t, url.Values{"token": {tok.AccessToken}}, e.client.ID, e.secret); r.status != http.StatusBadRequest || errorCode(t, r) != "unsupported_token_type" {
		t.Errorf("access token revocation: %d %s", r.status, r.body)
	}
	if r := e.revoke(t, url.Values{"token": {"no such token"}}, e.client.ID, e.secret); r.status != http.StatusOK {
		t.Errorf("unknown token: %d, want 200", r.status)
	}
	r := e.revoke(t, url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}}, e.client.ID, e.secret)
	if r.status != http.StatusOK {
		t.Fatalf("revocation: %d %s", r.status, r.body)
	}
	if _, err := e.refresh(cfg, tok.RefreshToken); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("refresh after revocation: %v, want invalid_grant", err)
	}
}

// TestRevokeUser: every refresh token and unredeemed code of the user dies; other
// users keep theirs; linking again works.
func TestRevokeUser(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cfg := e.config(alexaRedirect())
	first, second := e.link(t), e.link(t)
	v := oauth2.GenerateVerifier()
	pending := e.authorize(t, cfg, v)

	bob, err := e.store.CreateUser(ctx, tenants.User{TenantID: e.tenant.ID, Email: "bob@example.com", Phone: "+15550100101"}, password)
	if err != nil {
		t.Fatal(err)
	}
	bobTok := func() *oauth2.Token {
		resp := e.signInAndLink(t, cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(v)), bob.Email, password)
		loc, _ := url.Parse(resp.header.Get("Location"))
		e.remember(loc.Query().Get("code"))
		tok, err := e.exchange(cfg, loc.Query().Get("code"), v)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}()

	e.clock.Advance(1) // RevokeUser is after everything issued so far
	// Revoked without the HTTP server, as the skill does on SkillDisabled.
	revoker := oauth.NewTokens(table.New(e.db, e.table), nil)
	revoker.Now = e.clock.Now
	alice, bobP := tenants.Principal{TenantID: e.tenant.ID, UserID: e.user.ID}, tenants.Principal{TenantID: bob.TenantID, UserID: bob.ID}
	if at, err := revoker.RevokedAt(ctx, alice); err != nil || !at.IsZero() {
		t.Errorf("RevokedAt before any revocation = %v, %v; want the zero time", at, err)
	}
	revokedAt := e.clock.Now()
	if err := revoker.RevokeUser(ctx, alice); err != nil {
		t.Fatal(err)
	}
	// The skill reads the mark to refuse older access tokens.
	if at, err := revoker.RevokedAt(ctx, alice); err != nil || !at.Equal(revokedAt) {
		t.Errorf("RevokedAt = %v, %v; want %v", at, err, revokedAt)
	}
	if at, err := revoker.RevokedAt(ctx, bobP); err != nil || !at.IsZero() {
		t.Errorf("RevokedAt of another user = %v, %v; want the zero time", at, err)
	}
	for i, tok := range []*oauth2.Token{first, second} {
		if _, err := e.refresh(cfg, tok.RefreshToken); oauthErrorCode(err) != "invalid_grant" {
			t.Errorf("refresh token %d after RevokeUser: %v, want invalid_grant", i, err)
		}
	}
	if _, err := e.exchange(cfg, pending, v); oauthErrorCode(err) != "invalid_grant" {
		t.Errorf("code issued before RevokeUser: %v, want invalid_grant", err)
	}
	if _, err := e.refresh(cfg, bobTok.RefreshToken); err != nil {
		t.Errorf("another user's token after RevokeUser: %v", err)
	}
	e.clock.Advance(1)
	again := e.link(t)
	if _, err := e.refresh(cfg, again.RefreshToken); err != nil {
		t.Errorf("linking again after RevokeUser: %v", err)
	}
}

// TestStoredOnlyAsHashes: no item in the table holds a code, refresh token, access
// token, client secret or password in the clear.
func TestStoredOnlyAsHashes(t *testing.T) {
	e := newEnv(t)
	tok := e.link(t)
	cfg := e.config(alexaRedirect())
	v := oauth2.GenerateVerifier()
	code := e.authorize(t, cfg, v)
	_ = e.signIn(t, cfg.AuthCodeURL("s"), e.user.Email, "a wrong password") // a failure counter
	out, err := e.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(e.table)})
	if err != nil {
		t.Fatal(err)
	}
	var all []map[string]any
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &all); err != nil {
		t.Fatal(err)
	}
	dump := strings.ToLower(strings.Join(func() []string {
		var s []string
		for _, it := range all {
			for k, v := range it {
				s = append(s, k+"="+strings.ToLower(strings.TrimSpace(fmtAny(v))))
			}
		}
		return s
	}(), "\n"))
	for name, secret := range map[string]string{"code": code, "refresh token": tok.RefreshToken, "access token": tok.AccessToken,
		"client secret": e.secret, "password": password} {
		if strings.Contains(dump, strings.ToLower(secret)) {
			t.Errorf("the table holds the %s in the clear", name)
		}
	}
	if !strings.Contains(dump, "pk=loginfail#account#") || strings.Contains(dump, "loginfail#account#"+strings.ToLower(e.user.Email)) {
		t.Error("the failure counter names the email address")
	}
}

func fmtAny(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var s []string
		for _, e := range x {
			s = append(s, fmtAny(e))
		}
		return strings.Join(s, " ")
	default:
		return ""
	}
}
