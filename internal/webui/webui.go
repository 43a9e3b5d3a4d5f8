// Package webui is what every easytocloud web page shares: the one stylesheet
// (inlined into each page and allowed by its hash, so no page needs 'unsafe-inline'
// or an asset of its own) and the security headers of every response. The sign-in
// pages (oauth) and the console use it.
package webui

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"net/http"
)

//go:embed style.css
var styleSheet string

// StyleSheet is the stylesheet every page inlines in its <style> element.
var StyleSheet = template.CSS(styleSheet)

// StyleHash is the CSP source of StyleSheet ('sha256-…' without the quotes).
var StyleHash = func() string {
	sum := sha256.Sum256([]byte(styleSheet))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}()

// SecurityHeaders sets the headers every response carries: a strict CSP (no script
// at all, the stylesheet by hash, images from the page's own origin), no framing, no
// referrer, no caching, no sniffing, and HSTS when secure (an https origin).
// formAction is the form-action source list ("'self'", or "'self' https://…" where
// a form's POST is redirected to another origin); "" allows no form.
func SecurityHeaders(h http.Header, secure bool, formAction string) {
	if formAction == "" {
		formAction = "'none'"
	}
	h.Set("Content-Security-Policy", "default-src 'none'; style-src '"+StyleHash+"'; img-src 'self'; "+
		"form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if secure {
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
}
