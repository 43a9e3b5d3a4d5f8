package oauth_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/tenants"
)

// TestAlexaFlow is account linking as Alexa does it, with golang.org/x/oauth2 as the
// client: authorize with PKCE S256, sign in, code, token (Basic and body client
// authentication), the JWT verifies with accesstoken, and refresh works. The access
// tokens are signed by KMS (the emulator's).
func TestAlexaFlow(t *testing.T) {
	e := newEnv(t, withKMSSigner(t))
	want := tenants.Principal{TenantID: e.tenant.ID, UserID: e.user.ID}
	for _, style := range []struct {
		name  string
		style oauth2.AuthStyle
	}{{"BasicAuth", oauth2.AuthStyleInHeader}, {"BodyAuth", oauth2.AuthStyleInParams}} {
		t.Run(style.name, func(t *testing.T) {
			cfg := e.config(alexaRedirect())
			cfg.Endpoint.AuthStyle = style.style
			verifier := oauth2.GenerateVerifier()
			code := e.authorize(t, cfg, verifier)

			start := time.Now()
			tok, err := e.exchange(cfg, code, verifier)
			elapsed := time.Since(start)
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			t.Logf("code exchange took %v", elapsed)
			if elapsed > 4500*time.Millisecond {
				t.Errorf("code exchange took %v; Alexa gives up after 4.5 s", elapsed)
			}
			if tok.TokenType != "Bearer" || tok.RefreshToken == "" || tok.Expiry.IsZero() {
				t.Errorf("token = type %q, refresh set %v, expiry %v", tok.TokenType, tok.RefreshToken != "", tok.Expiry)
			}
			if got, _ := tok.Extra("scope").(string); got != "easytocloud" {
				t.Errorf("scope = %q, want easytocloud", got)
			}
			p, err := e.verifier.Verify(context.Background(), tok.AccessToken)
			if err != nil {
				t.Fatalf("verify access token: %v", err)
			}
			if diff := cmp.Diff(want, p); diff != "" {
				t.Errorf("principal (-want +got):\n%s", diff)
			}

			e.clock.Advance(2 * time.Hour) // the first access token has expired
			if _, err := e.verifier.Verify(context.Background(), tok.AccessToken); err == nil {
				t.Error("an access token is still valid after 2 hours")
			}
			start = time.Now()
			next, err := e.refresh(cfg, tok.RefreshToken)
			t.Logf("refresh took %v", time.Since(start))
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			if next.AccessToken == tok.AccessToken {
				t.Error("refresh returned the same access token")
			}
			if next.RefreshToken != tok.RefreshToken {
				t.Error("the refresh token was rotated; Alexa needs it to stay the same")
			}
			if p, err := e.verifier.Verify(context.Background(), next.AccessToken); err != nil || p != want {
				t.Errorf("refreshed access token: %+v, %v", p, err)
			}
		})
	}
}

// TestRefreshTokenLifetime: 180 days unused kills a refresh token; each use restarts them.
func TestRefreshTokenLifetime(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(alexaRedirect())
	tok := e.link(t)
	e.clock.Advance(179 * 24 * time.Hour)
	if _, err := e.refresh(cfg, tok.RefreshToken); err != nil {
		t.Fatalf("refresh after 179 days: %v", err)
	}
	e.clock.Advance(179 * 24 * time.Hour)
	if _, err := e.refresh(cfg, tok.RefreshToken); err != nil {
		t.Fatalf("refresh 179 days after the last use: %v", err)
	}
	e.clock.Advance(181 * 24 * time.Hour)
	if _, err := e.refresh(cfg, tok.RefreshToken); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("refresh after 181 unused days: %v, want invalid_grant", err)
	}
}

// TestDeletedUserCannotRefresh: a user removed from the tenant loses access at the
// next refresh.
func TestDeletedUserCannotRefresh(t *testing.T) {
	e := newEnv(t)
	tok := e.link(t)
	if err := e.store.DeleteUser(context.Background(), e.tenant.ID, e.user.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.refresh(e.config(alexaRedirect()), tok.RefreshToken); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("refresh for a deleted user: %v, want invalid_grant", err)
	}
}

// TestDeletedUserCannotRedeem: a code issued before the user was removed (by the
// store alone, without the CLI's revocation) mints no tokens.
func TestDeletedUserCannotRedeem(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(alexaRedirect())
	v := oauth2.GenerateVerifier()
	code := e.authorize(t, cfg, v)
	if err := e.store.DeleteUser(context.Background(), e.tenant.ID, e.user.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.exchange(cfg, code, v); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("exchange for a deleted user: %v, want invalid_grant", err)
	}
}

func TestCodeExpiresAfterFiveMinutes(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(alexaRedirect())
	v := oauth2.GenerateVerifier()
	code := e.authorize(t, cfg, v)
	e.clock.Advance(5*time.Minute + time.Second)
	if _, err := e.exchange(cfg, code, v); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("exchange after 5 minutes: %v, want invalid_grant", err)
	}
}

func TestDiscoveryAndJWKS(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	meta := get(t, b, e.issuer+"/.well-known/oauth-authorization-server")
	if meta.status != http.StatusOK {
		t.Fatalf("metadata: %d", meta.status)
	}
	for _, want := range []string{
		`"issuer":"` + e.issuer + `"`,
		`"authorization_endpoint":"` + e.issuer + `/oauth/authorize"`,
		`"token_endpoint":"` + e.issuer + `/oauth/token"`,
		`"jwks_uri":"` + e.issuer + `/.well-known/jwks.json"`,
		`"revocation_endpoint":"` + e.issuer + `/oauth/revoke"`,
		`"response_types_supported":["code"]`,
		`"grant_types_supported":["authorization_code","refresh_token"]`,
		`"code_challenge_methods_supported":["S256"]`,
	} {
		if !strings.Contains(meta.body, want) {
			t.Errorf("metadata lacks %s:\n%s", want, meta.body)
		}
	}
	jwks := get(t, b, e.issuer+"/.well-known/jwks.json")
	if jwks.status != http.StatusOK || !strings.Contains(jwks.body, `"kid":"`) || !strings.Contains(jwks.body, `"alg":"ES256"`) {
		t.Fatalf("jwks: %d %s", jwks.status, jwks.body)
	}
}

// BenchmarkRefresh measures the token endpoint's refresh grant end to end over HTTP
// against the emulator (KMS signing, DynamoDB reads and the use record).
func BenchmarkRefresh(b *testing.B) {
	e := newEnv(b, withKMSSigner(b))
	tok := e.link(b)
	cfg := e.config(alexaRedirect())
	for b.Loop() {
		if _, err := e.refresh(cfg, tok.RefreshToken); err != nil {
			b.Fatal(err)
		}
	}
}
