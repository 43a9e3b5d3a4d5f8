package console_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestUnknownPage: a path under /console that is no page gets the console's own 404
// page, with the security headers every response carries.
func TestUnknownPage(t *testing.T) {
	h := newHarness(t)
	r := h.browser().get("/no-such-page")
	if r.Status != http.StatusNotFound || !strings.Contains(r.Body, "Page not found") {
		t.Fatalf("GET /console/no-such-page: %d\n%s", r.Status, r.Body)
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self'") {
		t.Errorf("CSP = %q", csp)
	}
}

// TestBareConsolePath: the console's address without its trailing slash leads to the
// overview.
func TestBareConsolePath(t *testing.T) {
	h := newHarness(t)
	for p, want := range map[string]string{"/console": "/console/", "/console?next=x": "/console/?next=x"} {
		if r := h.browser().get(p); r.Status != http.StatusPermanentRedirect || r.Location != want {
			t.Errorf("GET %s: %d %q, want 308 to %s", p, r.Status, r.Location, want)
		}
	}
}
