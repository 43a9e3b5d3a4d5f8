package oauth_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/oauth"
)

// The fuzz targets call the Server's ServeHTTP directly (no network in between), so
// that a panic fails the input instead of being swallowed by net/http, against the
// emulator's table: what is fuzzed includes the lookups a request leads to.

// fuzzStatuses are the answers a token or authorize request may get; anything else,
// a 500 above all, is a finding.
var fuzzStatuses = map[int]bool{
	http.StatusOK: true, http.StatusSeeOther: true, http.StatusBadRequest: true, http.StatusUnauthorized: true,
	http.StatusForbidden: true, http.StatusMethodNotAllowed: true, http.StatusTooManyRequests: true,
}

// FuzzTokenEndpoint fuzzes the token endpoint's form and client authentication:
// Content-Type, Authorization (Basic, or anything), the query string and the body.
// No input may panic or get a 500; every refusal is an RFC 6749 JSON error; and a
// token is issued only for the one real refresh token, presented with the client's
// real secret.
func FuzzTokenEndpoint(f *testing.F) {
	e := newEnv(f)
	tok := e.link(f)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(e.client.ID)+":"+url.QueryEscape(e.secret)))
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}.Encode()
	form := "application/x-www-form-urlencoded"
	for _, s := range []struct{ ctype, auth, query, body string }{
		{form, basic, "", refresh},
		{form, "", "", refresh + "&client_id=" + url.QueryEscape(e.client.ID) + "&client_secret=" + url.QueryEscape(e.secret)},
		{form, basic, "", "grant_type=authorization_code&code=abc&redirect_uri=" + url.QueryEscape(alexaRedirect()) + "&code_verifier=" + strings.Repeat("v", 43)},
		{form, basic, "", "grant_type=password&username=ada%40example.com&password=x"},
		{form, basic, "", "grant_type=client_credentials"},
		{form, basic, "x=1", refresh},
		{form, basic, "", refresh + "&grant_type=refresh_token"},
		{form + "; charset=utf-8", "Basic " + base64.StdEncoding.EncodeToString([]byte(e.client.ID+":%zz")), "", refresh},
		{"application/json", basic, "", `{"grant_type":"refresh_token"}`},
		{form, "Basic !!!", "", "grant_type=refresh_token&refresh_token=%ff%fe"},
		{form, "Bearer " + tok.AccessToken, "", refresh},
		{"", "", "", ""},
	} {
		f.Add(s.ctype, s.auth, s.query, s.body)
	}
	f.Fuzz(func(t *testing.T, ctype, auth, query, body string) {
		req := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if !fuzzStatuses[rec.Code] {
			t.Fatalf("status %d for Content-Type %q, Authorization %q, query %q, body %q: %s", rec.Code, ctype, auth, query, body, rec.Body)
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("answer is not JSON: %q", rec.Body)
		}
		if rec.Code != http.StatusOK {
			if _, ok := out["error"].(string); !ok {
				t.Fatalf("refusal without an error code: %s", rec.Body)
			}
			return
		}
		// A token was issued: only the real refresh token and the real secret may get one.
		if !strings.Contains(body, url.QueryEscape(tok.RefreshToken)) && !strings.Contains(body, tok.RefreshToken) {
			t.Fatalf("a token was issued without the refresh token, body %q", body)
		}
		if auth != basic && !strings.Contains(body, url.QueryEscape(e.secret)) && !strings.Contains(body, e.secret) &&
			!strings.Contains(auth, base64.StdEncoding.EncodeToString([]byte(e.client.ID+":"+e.secret))) {
			t.Fatalf("a token was issued without the client's secret: Authorization %q, body %q", auth, body)
		}
		if s, _ := out["access_token"].(string); s != "" {
			e.remember(s)
		}
	})
}

// FuzzAuthorize fuzzes the authorization endpoint's query (GET) and form (POST). No
// input may panic or get a 500, and a redirect goes only to a redirect URI the
// client registered (loopback ones on any port), never anywhere a request names.
func FuzzAuthorize(f *testing.F) {
	e := newEnv(f, withLimits(oauth.LoginLimits{PerAccount: 1 << 20, PerSource: 1 << 20}))
	cfg := e.config(alexaRedirect())
	verifier := oauth2.GenerateVerifier()
	good := cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier))
	u, _ := url.Parse(good)
	q := u.Query()
	for _, s := range []struct {
		post        bool
		query, body string
	}{
		{false, u.RawQuery, ""},
		{false, strings.Replace(u.RawQuery, "pitangui.amazon.com", "pitangui.amazon.com.evil.example", 1), ""},
		{false, strings.Replace(u.RawQuery, "response_type=code", "response_type=token", 1), ""},
		{false, u.RawQuery + "&redirect_uri=https%3A%2F%2Fevil.example%2F", ""},
		{false, u.RawQuery + "&state=again", ""},
		{false, "client_id=" + e.client.ID + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback&response_type=code&code_challenge=" + q.Get("code_challenge") + "&code_challenge_method=S256", ""},
		{false, "client_id=" + e.client.ID + "&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback%2F..%2Fevil&response_type=code", ""},
		{false, "client_id=%00&redirect_uri=%", ""},
		{false, "", ""},
		{true, "", q.Encode() + "&email=ada%40example.com&password=wrong&csrf_token=1.x"},
		{true, "", q.Encode() + "&email=ada%40example.com&password=" + url.QueryEscape(password)},
		{true, "x=1", q.Encode()},
	} {
		f.Add(s.post, s.query, s.body)
	}
	registered := append(oauth.AlexaRedirectURIs(vendorID), "http://127.0.0.1/callback")
	f.Fuzz(func(t *testing.T, post bool, query, body string) {
		method := http.MethodGet
		if post {
			method = http.MethodPost
		}
		req := httptest.NewRequest(method, "/oauth/authorize", strings.NewReader(body))
		req.URL.RawQuery = query
		if post {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if !fuzzStatuses[rec.Code] {
			t.Fatalf("status %d for %s query %q body %q", rec.Code, method, query, body)
		}
		loc := rec.Header().Get("Location")
		if rec.Code != http.StatusSeeOther {
			if loc != "" {
				t.Fatalf("status %d with Location %q", rec.Code, loc)
			}
			return
		}
		to, err := url.Parse(loc)
		if err != nil || to.Fragment != "" || to.User != nil {
			t.Fatalf("redirect to %q", loc)
		}
		base := to.Scheme + "://" + to.Host + to.Path
		if to.Scheme == "http" && to.Hostname() == "127.0.0.1" {
			base = "http://127.0.0.1" + to.Path
		}
		ok := false
		for _, r := range registered {
			ok = ok || r == base
		}
		if !ok {
			t.Fatalf("redirected to %q, not a registered redirect URI (query %q, body %q)", loc, query, body)
		}
		if got := to.Query(); got.Get("code") == "" && got.Get("error") == "" {
			t.Fatalf("redirect %q carries neither code nor error", loc)
		}
	})
}
