package webui

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// CSRFLifetime is how long a form's CSRF token and its cookie are good for.
const CSRFLifetime = 30 * time.Minute

// CSRF protects the forms of pages shown before anyone signs in with a signed double
// submit: a random nonce in an HttpOnly, SameSite=Strict cookie, and in the form a
// token "<expiry>.<HMAC(nonce, expiry)>". A cross-site page can neither read the
// cookie nor forge the token. Key returns the MAC key (a Keyring key of the
// caller's); Name is the cookie's name, which gets the __Host- prefix when Secure.
type CSRF struct {
	Name   string
	Secure bool
	Key    func(ctx context.Context) ([]byte, error)
	Now    func() time.Time
}

func (c CSRF) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

// CookieName is the cookie's name: "__Host-"+Name when Secure.
func (c CSRF) CookieName() string {
	if c.Secure {
		return "__Host-" + c.Name
	}
	return c.Name
}

// Cookie returns the CSRF cookie holding value for maxAge seconds (negative deletes it).
func (c CSRF) Cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: c.CookieName(), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteStrictMode}
}

// New sets a fresh CSRF cookie on w and returns the form's token and the cookie's
// nonce, or the key's error.
func (c CSRF) New(ctx context.Context, w http.ResponseWriter) (token, nonce string, err error) {
	nonce = RandomToken()
	exp := strconv.FormatInt(c.now().Add(CSRFLifetime).Unix(), 10)
	mac, err := c.mac(ctx, nonce, exp)
	if err != nil {
		return "", "", err
	}
	http.SetCookie(w, c.Cookie(nonce, int(CSRFLifetime/time.Second)))
	return exp + "." + mac, nonce, nil
}

// Check reports whether the form field csrf_token of r (whose form is parsed) matches
// its cookie and has not expired, and returns the cookie's nonce when it does.
func (c CSRF) Check(ctx context.Context, r *http.Request) (string, bool) {
	cookie, err := r.Cookie(c.CookieName())
	if err != nil || cookie.Value == "" {
		return "", false
	}
	exp, mac, ok := strings.Cut(r.PostForm.Get("csrf_token"), ".")
	if !ok {
		return "", false
	}
	expiry, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || c.now().Unix() >= expiry {
		return "", false
	}
	want, err := c.mac(ctx, cookie.Value, exp)
	if err != nil || !hmac.Equal([]byte(mac), []byte(want)) {
		return "", false
	}
	return cookie.Value, true
}

func (c CSRF) mac(ctx context.Context, nonce, exp string) (string, error) {
	k, err := c.Key(ctx)
	if err != nil {
		return "", fmt.Errorf("csrf: %w", err)
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(nonce + "|" + exp))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

// RandomToken returns 256 random bits, base64url without padding.
func RandomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
