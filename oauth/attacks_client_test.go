package oauth_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
)

// Attacks on client authentication (see attacks_test.go).

// TestClientSecrets: empty, wrong and other clients' secrets are refused, by Basic and
// in the body.
func TestClientSecrets(t *testing.T) {
	e := newEnv(t)
	other, otherSecret, err := oauth.NewClients(table.New(e.db, e.table)).Create(context.Background(), oauth.Client{Name: "other", RedirectURIs: []string{"https://example.com/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	e.remember(otherSecret)
	tok := e.link(t)
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
	withBody := func(id, secret string) url.Values {
		f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {id}}
		if secret != "" {
			f.Set("client_secret", secret)
		}
		return f
	}
	for _, tc := range []struct {
		name        string
		form        url.Values
		id, secret  string
		wantError   string
		wantStatus  int
		wantAuthHdr bool
	}{
		{"BasicEmptySecret", refresh, e.client.ID, "", "invalid_client", 401, true},
		{"BasicWrongSecret", refresh, e.client.ID, e.secret[:42] + "x", "invalid_client", 401, true},
		{"BasicOtherClientsSecret", refresh, e.client.ID, otherSecret, "invalid_client", 401, true},
		{"BasicUnknownClient", refresh, "nosuchclient", e.secret, "invalid_client", 401, true},
		{"BodyNoSecret", withBody(e.client.ID, ""), "", "", "invalid_client", 401, false},
		{"BodyEmptySecretParam", func() url.Values { f := withBody(e.client.ID, ""); f.Set("client_secret", ""); return f }(), "", "", "invalid_client", 401, false},
		{"BodyWrongSecret", withBody(e.client.ID, "x"+e.secret[1:]), "", "", "invalid_client", 401, false},
		{"NoAuthentication", refresh, "", "", "invalid_client", 401, false},
		{"BothMethods", withBody(e.client.ID, e.secret), e.client.ID, e.secret, "invalid_request", 400, false},
		{"OtherClientsCredentials", refresh, other.ID, otherSecret, "invalid_grant", 400, false},
		// A client that swaps its ID and secret: the secret arrives as client_id, which
		// the log must not repeat (checkLogs fails the test if it does).
		{"BasicSwappedIDAndSecret", refresh, e.secret, e.client.ID, "invalid_client", 401, true},
		{"BodySwappedNoSecret", withBody(e.secret, ""), "", "", "invalid_client", 401, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.tokenPost(t, tc.form, tc.id, tc.secret)
			if got := errorCode(t, r); got != tc.wantError || r.status != tc.wantStatus {
				t.Errorf("got %d %s, want %d %s", r.status, got, tc.wantStatus, tc.wantError)
			}
			if tc.wantAuthHdr && r.header.Get("WWW-Authenticate") == "" {
				t.Error("401 to Basic authentication without WWW-Authenticate")
			}
		})
	}
	// Still usable by its own client after all that.
	if _, err := e.refresh(e.config(alexaRedirect()), tok.RefreshToken); err != nil {
		t.Fatalf("refresh with the right credentials: %v", err)
	}
}

// TestBasicCredentialsAreURLDecoded: RFC 6749 section 2.3.1 form-encodes ID and secret
// before Basic; x/oauth2 does, and a secret with reserved characters must still work.
func TestBasicCredentialsAreURLDecoded(t *testing.T) {
	e := newEnv(t)
	tok := e.link(t)
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
	// Raw (not encoded) works too when nothing needs encoding; our secrets are base64url.
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(e.client.ID+":"+e.secret)))
	if r := do(t, http.DefaultClient, req); r.status != http.StatusOK {
		t.Fatalf("raw Basic: %d %s", r.status, r.body)
	}
	// An encoded "%" that would decode to garbage is refused, not crashed on.
	req, _ = http.NewRequest(http.MethodPost, e.issuer+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(e.client.ID+":%zz")))
	if r := do(t, http.DefaultClient, req); r.status != http.StatusUnauthorized {
		t.Fatalf("malformed Basic: %d %s", r.status, r.body)
	}
}

// TestRefreshIsBoundToClient: another client, with its own valid credentials, cannot
// use a refresh token; nor can it redeem a code issued to someone else.
func TestRefreshIsBoundToClient(t *testing.T) {
	e := newEnv(t)
	other, otherSecret, err := oauth.NewClients(table.New(e.db, e.table)).Create(context.Background(),
		oauth.Client{Name: "other", VendorID: "OTHERVENDOR"})
	if err != nil {
		t.Fatal(err)
	}
	e.remember(otherSecret)
	cfg := e.config(alexaRedirect())
	v := oauth2.GenerateVerifier()
	code := e.authorize(t, cfg, v)
	thief := e.config(alexaRedirect())
	thief.ClientID, thief.ClientSecret = other.ID, otherSecret
	if _, err := e.exchange(thief, code, v); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("another client redeems the code: %v, want invalid_grant", err)
	}
	tok, err := e.exchange(cfg, code, v)
	if err != nil {
		t.Fatalf("the rightful client after the theft attempt: %v", err)
	}
	if _, err := e.refresh(thief, tok.RefreshToken); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("another client refreshes: %v, want invalid_grant", err)
	}
	if _, err := e.refresh(cfg, tok.RefreshToken); err != nil {
		t.Fatalf("the rightful client refreshes: %v", err)
	}
}
