package oauth_test

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// Attacks on the tokens and the errors the server answers with (see attacks_test.go).

// TestAccessTokenClaims: the JWT carries iss, aud, sub, tid, scope, iat, exp (1 h), jti
// and the header kid, which the library's generator leaves out in part.
func TestAccessTokenClaims(t *testing.T) {
	e := newEnv(t)
	tok := e.link(t)
	parts := strings.Split(tok.AccessToken, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	now := float64(e.clock.Now().Unix())
	checks := map[string]bool{
		"iss":   c["iss"] == e.issuer,
		"aud":   c["aud"] == skillID,
		"sub":   c["sub"] == e.user.ID,
		"tid":   c["tid"] == e.tenant.ID,
		"scope": c["scope"] == "easytocloud",
		"iat":   c["iat"] == now,
		"exp":   c["exp"] == now+3600,
		"jti":   c["jti"] != nil && c["jti"] != "",
	}
	for k, ok := range checks {
		if !ok {
			t.Errorf("claim %s = %v", k, c[k])
		}
	}
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if !strings.Contains(string(hdr), `"kid":"`) || !strings.Contains(string(hdr), `"alg":"ES256"`) {
		t.Errorf("header %s", hdr)
	}
}

// TestErrorsArePublicAndDetailIsLogged: the client reads the RFC 6749 code and a
// generic description; what exactly went wrong is only in the log.
func TestErrorsArePublicAndDetailIsLogged(t *testing.T) {
	e := newEnv(t)
	tok := e.link(t)
	r := e.tokenPost(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, e.client.ID, "x"+e.secret[1:])
	if errorCode(t, r) != "invalid_client" || strings.Contains(r.body, "wrong secret") || strings.Contains(r.body, e.client.ID) {
		t.Errorf("public error: %s", r.body)
	}
	r = e.tokenPost(t, url.Values{"grant_type": {"authorization_code"}, "code": {"forged"}, "redirect_uri": {alexaRedirect()}}, e.client.ID, e.secret)
	if errorCode(t, r) != "invalid_grant" || strings.Contains(r.body, "unknown code") {
		t.Errorf("public error: %s", r.body)
	}
	logs := e.logs.String()
	for _, detail := range []string{`"detail":"invalid_client: wrong secret for client \"` + e.client.ID, `"detail":"invalid_grant: unknown code"`} {
		if !strings.Contains(logs, detail) {
			t.Errorf("the log lacks %s:\n%s", detail, logs)
		}
	}
}
