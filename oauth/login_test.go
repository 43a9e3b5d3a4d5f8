package oauth_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/oauth"
)

func withLimits(l oauth.LoginLimits) envOption { return func(c *oauth.Config) { c.Limits = l } }

// checkHeaders asserts the headers every response must carry.
func checkHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %s", what, csp, want)
		}
	}
	for k, v := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
		"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"} {
		if got := h.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got, v)
		}
	}
}

func TestSecurityHeadersOnEveryPage(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	q := validQuery(e)
	badClient := validQuery(e)
	badClient.Set("client_id", "nosuch")
	login := get(t, b, authorizeURL(e, q))
	form := formFields(t, login.body)
	form.Set("email", e.user.Email)
	form.Set("password", "wrong password!")
	pages := map[string]response{
		"LoginPage":        login,
		"WrongPassword":    postForm(t, b, e.issuer+"/oauth/authorize", form),
		"ErrorPage":        get(t, b, authorizeURL(e, badClient)),
		"ErrorRedirect":    get(t, b, authorizeURL(e, url.Values{"client_id": {e.client.ID}, "redirect_uri": {alexaRedirect()}})),
		"Token":            postForm(t, b, e.issuer+"/oauth/token", url.Values{"grant_type": {"authorization_code"}}),
		"Revoke":           postForm(t, b, e.issuer+"/oauth/revoke", url.Values{"token": {"x"}}),
		"Metadata":         get(t, b, e.issuer+"/.well-known/oauth-authorization-server"),
		"JWKS":             get(t, b, e.issuer+"/.well-known/jwks.json"),
		"NotFound":         get(t, b, e.issuer+"/nope"),
		"MethodNotAllowed": get(t, b, e.issuer+"/oauth/token"),
	}
	for name, r := range pages {
		checkHeaders(t, name, r.header)
	}
	if pages["MethodNotAllowed"].status != http.StatusMethodNotAllowed {
		t.Errorf("GET /oauth/token: %d, want 405", pages["MethodNotAllowed"].status)
	}
	// The login page may post to itself and be redirected to the redirect URI's origin.
	if csp := login.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://layla.amazon.com;") {
		t.Errorf("login CSP %q does not allow the form and its redirect", csp)
	}
}

// TestLoginPageIsSelfContained: the only style is inline and allowed by its hash, the
// page loads nothing else, and the form is what account linkers expect.
func TestLoginPageIsSelfContained(t *testing.T) {
	e := newEnv(t)
	r := get(t, e.browser(), authorizeURL(e, validQuery(e)))
	styles := mustParsePage(t, r.body).Styles
	if len(styles) == 0 {
		t.Fatal("no inline style")
	}
	sum := sha256.Sum256([]byte(styles[0]))
	if hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(r.header.Get("Content-Security-Policy"), "style-src "+hash) {
		t.Errorf("CSP %q does not allow the inline style %s", r.header.Get("Content-Security-Policy"), hash)
	}
	for _, banned := range []string{"<script", "src=", "href=", "http://", "https://fonts", "style=\""} {
		if strings.Contains(r.body, banned) {
			t.Errorf("login page contains %q", banned)
		}
	}
	for _, want := range []string{`<html lang="en">`, `<form method="post" action="authorize">`,
		`<label for="email">`, `id="email" name="email" type="email"`, `autocomplete="username"`,
		`<label for="password">`, `id="password" name="password" type="password"`, `autocomplete="current-password"`,
		`name="csrf_token"`, `<button type="submit">`, "Alexa"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("login page lacks %s", want)
		}
	}
	if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	cookies := r.header.Values("Set-Cookie")
	if len(cookies) != 1 || !strings.Contains(cookies[0], "HttpOnly") || !strings.Contains(cookies[0], "SameSite=Strict") {
		t.Errorf("CSRF cookie %q", cookies)
	}
}

// TestCSRF: a sign-in POST without the cookie, without the token, with a forged or an
// expired token is refused with 403 and no code.
func TestCSRF(t *testing.T) {
	e := newEnv(t)
	for name, attack := range map[string]func(b *http.Client, form url.Values) *http.Client{
		"NoToken":     func(b *http.Client, f url.Values) *http.Client { f.Del("csrf_token"); return b },
		"ForgedToken": func(b *http.Client, f url.Values) *http.Client { f.Set("csrf_token", "9999999999.AAAA"); return b },
		"NoCookie":    func(b *http.Client, f url.Values) *http.Client { return e.browser() },
		"OtherSessionsToken": func(b *http.Client, f url.Values) *http.Client {
			other := e.browser()
			_ = get(t, other, authorizeURL(e, validQuery(e))) // its own cookie, the victim's token
			return other
		},
		"Expired": func(b *http.Client, f url.Values) *http.Client { e.clock.Advance(31 * time.Minute); return b },
	} {
		t.Run(name, func(t *testing.T) {
			b := e.browser()
			page := get(t, b, authorizeURL(e, validQuery(e)))
			form := formFields(t, page.body)
			form.Set("email", e.user.Email)
			form.Set("password", password)
			r := postForm(t, attack(b, form), e.issuer+"/oauth/authorize", form)
			if r.status != http.StatusForbidden || r.header.Get("Location") != "" {
				t.Fatalf("POST: %d, Location %q; want 403 and no redirect", r.status, r.header.Get("Location"))
			}
			if !strings.Contains(r.body, "expired") || !strings.Contains(r.body, `name="csrf_token"`) {
				t.Errorf("the refusal does not offer a fresh form:\n%s", r.body)
			}
		})
	}
}

// TestLockout: five failures lock the account (even the right password is then
// refused) for 15 minutes; unknown addresses lock the same way, so lockout tells
// nothing; twenty failures from one address lock that address for every account.
func TestLockout(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(alexaRedirect())
	auth := cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	for _, email := range []string{e.user.Email, "nobody@example.com"} {
		for i := 1; i <= 5; i++ {
			r := e.signIn(t, auth, email, "wrong password "+string(rune('a'+i)))
			want := http.StatusOK
			if i == 5 {
				want = http.StatusTooManyRequests
			}
			if r.status != want {
				t.Fatalf("%s failure %d: %d, want %d", email, i, r.status, want)
			}
		}
	}
	r := e.signIn(t, auth, e.user.Email, password)
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "Too many failed sign-in attempts") {
		t.Fatalf("right password while locked: %d", r.status)
	}
	e.clock.Advance(15*time.Minute + time.Second)
	if r := e.signIn(t, auth, e.user.Email, password); r.status != http.StatusOK || !strings.Contains(r.body, `name="consent"`) {
		t.Fatalf("right password after the lock: %d\n%s", r.status, r.body)
	}

	// Per source: 20 failures over many accounts lock the address for all.
	e.clock.Advance(time.Hour)
	for i := range 20 {
		_ = e.signIn(t, auth, "spray"+string(rune('a'+i))+"@example.com", "wrong password!!")
	}
	if r := e.signIn(t, auth, e.user.Email, password); r.status != http.StatusTooManyRequests {
		t.Fatalf("sign-in from a locked address: %d, want 429", r.status)
	}
}

// TestRightPasswordKeepsEarlierFailures: a successful sign-in gives back only its own
// attempt. The four failures before it stay counted, so one more locks the account:
// a success cannot wipe the failures of guesses made while it was checked.
func TestRightPasswordKeepsEarlierFailures(t *testing.T) {
	e := newEnv(t)
	auth := e.config(alexaRedirect()).AuthCodeURL("s")
	limit := oauth.DefaultLoginLimits.PerAccount
	for i := range limit - 1 {
		if r := e.signIn(t, auth, e.user.Email, "wrong password "+string(rune('a'+i))); r.status != http.StatusOK {
			t.Fatalf("failure %d: %d", i+1, r.status)
		}
	}
	if r := e.signIn(t, auth, e.user.Email, password); r.status != http.StatusOK || !strings.Contains(r.body, `name="consent"`) {
		t.Fatalf("right password after %d failures: %d", limit-1, r.status)
	}
	if r := e.signIn(t, auth, e.user.Email, "wrong password z"); r.status != http.StatusTooManyRequests {
		t.Errorf("failure %d, after a success: %d, want 429", limit, r.status)
	}
}

// TestNoUserEnumeration: a wrong password for an existing address and any password
// for an unknown one get the same page, and take about the same time.
func TestNoUserEnumeration(t *testing.T) {
	e := newEnv(t, withLimits(oauth.LoginLimits{PerAccount: 1000, PerSource: 1000}))
	auth := e.config(alexaRedirect()).AuthCodeURL("s")
	normal := func(r response) string {
		return withoutCSRF(t, strings.ReplaceAll(r.body, "nobody@example.com", e.user.Email))
	}
	known := e.signIn(t, auth, e.user.Email, "wrong password!!")
	unknown := e.signIn(t, auth, "nobody@example.com", "wrong password!!")
	if known.status != unknown.status || normal(known) != normal(unknown) {
		t.Fatalf("known and unknown addresses differ: %d vs %d\n%s\n---\n%s", known.status, unknown.status, normal(known), normal(unknown))
	}
	const n = 15
	timing := func(email string) time.Duration {
		var ds []time.Duration
		for range n {
			b := e.browser()
			page := get(t, b, auth)
			form := formFields(t, page.body)
			form.Set("email", email)
			form.Set("password", "wrong password!!")
			start := time.Now()
			_ = postForm(t, b, e.issuer+"/oauth/authorize", form)
			ds = append(ds, time.Since(start))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[n/2]
	}
	k, u := timing(e.user.Email), timing("nobody@example.com")
	t.Logf("median failed sign-in: known address %v, unknown address %v", k, u)
	if ratio := float64(max(k, u)) / float64(min(k, u)); ratio > 2 {
		t.Errorf("medians differ by a factor %.1f", ratio)
	}
}
