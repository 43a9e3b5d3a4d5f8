package oauth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
)

// Each test here is an attack the library's defaults let through (library_test.go
// shows them succeeding there), tried against our server.

// tokenPost posts form to the token endpoint, with Basic credentials when id != "".
func (e *env) tokenPost(tb testing.TB, form url.Values, id, secret string) response {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	return do(tb, http.DefaultClient, req)
}

func errorCode(tb testing.TB, r response) string {
	tb.Helper()
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal([]byte(r.body), &body); err != nil {
		tb.Fatalf("error body %q: %v", r.body, err)
	}
	if body.Description == "" {
		tb.Errorf("error %s has no error_description", body.Error)
	}
	return body.Error
}

func authorizeURL(e *env, q url.Values) string { return e.issuer + "/oauth/authorize?" + q.Encode() }

func validQuery(e *env) url.Values {
	v := oauth2.GenerateVerifier()
	return url.Values{
		"response_type": {"code"}, "client_id": {e.client.ID}, "redirect_uri": {alexaRedirect()}, "state": {"xyz"},
		"scope": {"easytocloud"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(v)}, "code_challenge_method": {"S256"},
	}
}

// TestRedirectURIIsMatchedExactly: no suffix, prefix, scheme, case, port, path or
// query variation of a registered URI is accepted, and none is redirected to.
func TestRedirectURIIsMatchedExactly(t *testing.T) {
	e := newEnv(t)
	base := alexaRedirect() // https://layla.amazon.com/api/skill/link/<vendor>
	for name, uri := range map[string]string{
		"HostSuffix":        strings.Replace(base, "layla.amazon.com", "evillayla.amazon.com", 1),
		"HostExtended":      strings.Replace(base, "layla.amazon.com", "layla.amazon.com.evil.example", 1),
		"SubdomainOf":       strings.Replace(base, "layla.amazon.com", "x.layla.amazon.com", 1),
		"PlainHTTP":         strings.Replace(base, "https://", "http://", 1),
		"UpperCaseHost":     strings.Replace(base, "layla", "LAYLA", 1),
		"ExplicitPort":      strings.Replace(base, "amazon.com/", "amazon.com:443/", 1),
		"LongerPath":        base + "/../../../evil",
		"VendorPrefix":      base + "X",
		"ExtraQuery":        base + "?next=https://evil.example",
		"Fragment":          base + "#x",
		"UserInfo":          strings.Replace(base, "https://", "https://evil.example@", 1),
		"OtherVendor":       oauth.AlexaRedirectURIs("OTHERVENDOR")[1],
		"LoopbackOtherPath": "http://127.0.0.1:5555/evil",
		"LoopbackLookalike": "http://127.0.0.1.evil.example/callback",
		"Localhost":         "http://localhost/callback",
		"Empty":             "",
	} {
		t.Run(name, func(t *testing.T) {
			q := validQuery(e)
			q.Set("redirect_uri", uri)
			r := get(t, e.browser(), authorizeURL(e, q))
			if r.status != http.StatusBadRequest || r.header.Get("Location") != "" {
				t.Fatalf("GET authorize with redirect_uri %q: %d, Location %q; want 400 and no redirect", uri, r.status, r.header.Get("Location"))
			}
			if strings.Contains(r.body, "evil") {
				t.Error("the error page echoes the attacker's URI")
			}
		})
	}
	t.Run("LoopbackAnyPort", func(t *testing.T) {
		// RFC 8252 section 7.3: a loopback URI registered without a port accepts any.
		q := validQuery(e)
		q.Set("redirect_uri", "http://127.0.0.1:49152/callback")
		if r := get(t, e.browser(), authorizeURL(e, q)); r.status != http.StatusOK {
			t.Fatalf("loopback redirect with a port: %d", r.status)
		}
	})
	t.Run("TokenRequestWithOtherRedirectURI", func(t *testing.T) {
		cfg := e.config(alexaRedirect())
		v := oauth2.GenerateVerifier()
		code := e.authorize(t, cfg, v)
		other := e.config(oauth.AlexaRedirectURIs(vendorID)[0]) // registered, but not the one authorized
		if _, err := e.exchange(other, code, v); oauthErrorCode(err) != "invalid_grant" {
			t.Fatalf("exchange with another registered redirect URI: %v, want invalid_grant", err)
		}
	})
}

// TestNoRedirectForInvalidClient: an unknown, missing or repeated client_id shows an
// error page, never a redirect to the attacker-supplied URI.
func TestNoRedirectForInvalidClient(t *testing.T) {
	e := newEnv(t)
	for name, mod := range map[string]func(url.Values){
		"UnknownClient":  func(q url.Values) { q.Set("client_id", "nosuchclient") },
		"MissingClient":  func(q url.Values) { q.Del("client_id") },
		"RepeatedClient": func(q url.Values) { q.Add("client_id", e.client.ID) },
		"UnknownClientEvilURI": func(q url.Values) {
			q.Set("client_id", "nosuchclient")
			q.Set("redirect_uri", "https://evil.example/cb")
		},
	} {
		t.Run(name, func(t *testing.T) {
			q := validQuery(e)
			mod(q)
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				var r response
				if method == http.MethodGet {
					r = get(t, e.browser(), authorizeURL(e, q))
				} else {
					r = postForm(t, e.browser(), e.issuer+"/oauth/authorize", q)
				}
				if r.status != http.StatusBadRequest || r.header.Get("Location") != "" {
					t.Errorf("%s: %d, Location %q; want 400 and no redirect", method, r.status, r.header.Get("Location"))
				}
				if !strings.Contains(r.body, "not valid") {
					t.Errorf("%s: the error page does not explain:\n%s", method, r.body)
				}
			}
		})
	}
}

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

// TestConcurrentRedemption: 20 concurrent redemptions of one code yield exactly one
// token set, and (the code having been replayed) its refresh token is revoked.
func TestConcurrentRedemption(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(alexaRedirect())
	v := oauth2.GenerateVerifier()
	code := e.authorize(t, cfg, v)
	const n = 20
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		granted []*oauth2.Token
		refused = map[string]int{}
		start   = make(chan struct{})
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			tok, err := e.exchange(cfg, code, v)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				refused[oauthErrorCode(err)]++
				return
			}
			granted = append(granted, tok)
		}()
	}
	close(start)
	wg.Wait()
	t.Logf("%d concurrent redemptions: %d granted, refused %v", n, len(granted), refused)
	if len(granted) != 1 || refused["invalid_grant"] != n-1 {
		t.Fatalf("%d token sets and refusals %v; want exactly 1 and %d invalid_grant", len(granted), refused, n-1)
	}
	if _, err := e.refresh(cfg, granted[0].RefreshToken); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("refresh token of a replayed code: %v, want invalid_grant (revoked)", err)
	}
}

// TestCodeReplayRevokes: redeeming a code twice fails and revokes the refresh token
// issued from it.
func TestCodeReplayRevokes(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(alexaRedirect())
	v := oauth2.GenerateVerifier()
	code := e.authorize(t, cfg, v)
	tok, err := e.exchange(cfg, code, v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.refresh(cfg, tok.RefreshToken); err != nil {
		t.Fatalf("refresh before the replay: %v", err)
	}
	if _, err := e.exchange(cfg, code, v); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("second redemption: %v, want invalid_grant", err)
	}
	if _, err := e.refresh(cfg, tok.RefreshToken); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("refresh after the replay: %v, want invalid_grant", err)
	}
	if !strings.Contains(e.logs.String(), "replayed") {
		t.Error("the replay is not in the log")
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

// TestOnlyCodeFlowWithS256: implicit, password and client-credentials grants and the
// plain PKCE method are refused.
func TestOnlyCodeFlowWithS256(t *testing.T) {
	e := newEnv(t)
	t.Run("Implicit", func(t *testing.T) {
		q := validQuery(e)
		q.Set("response_type", "token")
		r := get(t, e.browser(), authorizeURL(e, q))
		loc, _ := url.Parse(r.header.Get("Location"))
		if r.status != http.StatusSeeOther || loc == nil || loc.Query().Get("error") != "unsupported_response_type" || loc.Fragment != "" {
			t.Fatalf("response_type=token: %d %q; want 303 with error=unsupported_response_type", r.status, r.header.Get("Location"))
		}
		if loc.Query().Get("state") != "xyz" {
			t.Error("the error redirect lost the state")
		}
	})
	t.Run("Password", func(t *testing.T) {
		_, err := e.config(alexaRedirect()).PasswordCredentialsToken(context.Background(), e.user.Email, password)
		if oauthErrorCode(err) != "unsupported_grant_type" {
			t.Fatalf("password grant: %v, want unsupported_grant_type", err)
		}
	})
	t.Run("ClientCredentials", func(t *testing.T) {
		cc := &clientcredentials.Config{ClientID: e.client.ID, ClientSecret: e.secret, TokenURL: e.issuer + "/oauth/token"}
		if _, err := cc.Token(context.Background()); oauthErrorCode(err) != "unsupported_grant_type" {
			t.Fatalf("client_credentials grant: %v, want unsupported_grant_type", err)
		}
	})
	for name, mod := range map[string]func(url.Values){
		"PlainPKCE":         func(q url.Values) { q.Set("code_challenge_method", "plain") },
		"ChallengeNoMethod": func(q url.Values) { q.Del("code_challenge_method") }, // means plain (RFC 7636)
		"MethodNoChallenge": func(q url.Values) { q.Del("code_challenge") },
		"ShortChallenge":    func(q url.Values) { q.Set("code_challenge", "abc") },
		"UnknownScope":      func(q url.Values) { q.Set("scope", "admin") },
		"NoResponseType":    func(q url.Values) { q.Del("response_type") },
		"RepeatedState":     func(q url.Values) { q.Add("state", "other") },
	} {
		t.Run(name, func(t *testing.T) {
			q := validQuery(e)
			mod(q)
			r := get(t, e.browser(), authorizeURL(e, q))
			loc, _ := url.Parse(r.header.Get("Location"))
			if r.status != http.StatusSeeOther || loc == nil || loc.Query().Get("error") == "" || loc.Query().Get("code") != "" {
				t.Fatalf("%d %q; want a 303 error redirect", r.status, r.header.Get("Location"))
			}
			if !strings.HasPrefix(loc.String(), alexaRedirect()+"?") {
				t.Errorf("error redirect to %s, not to the registered URI", loc.Redacted())
			}
		})
	}
	t.Run("GrantTypeMissing", func(t *testing.T) {
		r := e.tokenPost(t, url.Values{"code": {"x"}}, e.client.ID, e.secret)
		if got := errorCode(t, r); got != "invalid_request" || r.status != 400 {
			t.Fatalf("no grant_type: %d %s", r.status, got)
		}
	})
}

// TestPKCEVerifier: a wrong or missing verifier, or one sent for a code issued
// without a challenge, fails; a client that requires PKCE refuses requests without it.
func TestPKCEVerifier(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(alexaRedirect())
	v := oauth2.GenerateVerifier()
	t.Run("Wrong", func(t *testing.T) {
		code := e.authorize(t, cfg, v)
		if _, err := e.exchange(cfg, code, oauth2.GenerateVerifier()); oauthErrorCode(err) != "invalid_grant" {
			t.Fatalf("wrong verifier: %v", err)
		}
	})
	t.Run("Missing", func(t *testing.T) {
		code := e.authorize(t, cfg, v)
		if _, err := cfg.Exchange(context.Background(), code); oauthErrorCode(err) != "invalid_grant" {
			t.Fatalf("missing verifier: %v", err)
		}
	})
	t.Run("WithoutChallenge", func(t *testing.T) {
		resp := e.signInAndLink(t, cfg.AuthCodeURL("s"), e.user.Email, password)
		loc, _ := url.Parse(resp.header.Get("Location"))
		code := loc.Query().Get("code")
		e.remember(code)
		if code == "" {
			t.Fatalf("no code without PKCE for a client that does not require it: %d %s", resp.status, resp.header.Get("Location"))
		}
		if _, err := e.exchange(cfg, code, v); oauthErrorCode(err) != "invalid_grant" {
			t.Fatalf("verifier for a code without challenge: %v", err)
		}
	})
	t.Run("RequiredByClient", func(t *testing.T) {
		strict, secret, err := oauth.NewClients(table.New(e.db, e.table)).Create(context.Background(),
			oauth.Client{Name: "strict", VendorID: vendorID, RequirePKCE: true})
		if err != nil {
			t.Fatal(err)
		}
		e.remember(secret)
		q := validQuery(e)
		q.Set("client_id", strict.ID)
		q.Del("code_challenge")
		q.Del("code_challenge_method")
		r := get(t, e.browser(), authorizeURL(e, q))
		loc, _ := url.Parse(r.header.Get("Location"))
		if r.status != http.StatusSeeOther || loc.Query().Get("error") != "invalid_request" {
			t.Fatalf("no PKCE for a client requiring it: %d %s", r.status, r.header.Get("Location"))
		}
	})
}

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
