package oauth_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestHeadIsGetWithoutBody: net/http serves HEAD with a route's GET handler, so each
// GET route answers HEAD as it answers GET (status and headers), with no body; the
// login page's HEAD signs nobody in and logs no refused sign-in. POST-only routes
// refuse HEAD as they refuse GET.
func TestHeadIsGetWithoutBody(t *testing.T) {
	e := newEnv(t)
	badClient := validQuery(e)
	badClient.Set("client_id", "nosuch")
	for name, u := range map[string]string{
		"LoginPage":     authorizeURL(e, validQuery(e)),
		"ErrorPage":     authorizeURL(e, badClient),
		"ErrorRedirect": authorizeURL(e, url.Values{"client_id": {e.client.ID}, "redirect_uri": {alexaRedirect()}}),
		"Metadata":      e.issuer + "/.well-known/oauth-authorization-server",
		"JWKS":          e.issuer + "/.well-known/jwks.json",
		"Token":         e.issuer + "/oauth/token",
		"Revoke":        e.issuer + "/oauth/revoke",
	} {
		t.Run(name, func(t *testing.T) {
			b := e.browser()
			g := get(t, b, u)
			req, _ := http.NewRequest(http.MethodHead, u, nil)
			h := do(t, b, req)
			if h.status != g.status || h.body != "" {
				t.Errorf("HEAD: %d with %d bytes; GET: %d", h.status, len(h.body), g.status)
			}
			for _, k := range []string{"Content-Type", "Content-Security-Policy", "Cache-Control", "Location"} {
				if h.header.Get(k) != g.header.Get(k) {
					t.Errorf("%s: HEAD %q, GET %q", k, h.header.Get(k), g.header.Get(k))
				}
			}
		})
	}
	for _, bad := range []string{"sign-in refused", "CSRF", "sign-in failed", "signed in"} {
		if strings.Contains(e.logs.String(), bad) {
			t.Errorf("a HEAD or GET logged %q:\n%s", bad, e.logs.String())
		}
	}
}
