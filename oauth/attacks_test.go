package oauth_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/oauth"
)

// Each test in the attacks_*_test.go files is an attack the library's defaults let
// through (library_test.go shows them succeeding there), tried against our server.
// This one holds their helpers and the attacks on the authorization request.

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
