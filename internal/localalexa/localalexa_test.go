package localalexa_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/alexa/sigverify"
	"github.com/easytocloud/easytocloud/internal/localalexa"
)

var (
	sharedOnce sync.Once
	shared     *localalexa.Identity
	sharedErr  error
)

// mustIdentity returns one in-memory identity per test binary (RSA key generation is
// slow under -race).
func mustIdentity(tb testing.TB) *localalexa.Identity {
	tb.Helper()
	sharedOnce.Do(func() { shared, sharedErr = localalexa.New(time.Now()) })
	if sharedErr != nil {
		tb.Fatal(sharedErr)
	}
	return shared
}

// envelope is a minimal Alexa request body with the timestamp verifiers check.
func envelope(ts time.Time) []byte {
	return fmt.Appendf(nil, `{"version":"1.0","request":{"type":"LaunchRequest","requestId":"r1","timestamp":%q,"locale":"en-US"}}`,
		ts.UTC().Format(time.RFC3339))
}

func mustSignedRequest(tb testing.TB, s *localalexa.Signer, body []byte) *http.Request {
	tb.Helper()
	r := httptest.NewRequest(http.MethodPost, "/alexa", bytes.NewReader(body))
	if err := s.Sign(r); err != nil {
		tb.Fatal(err)
	}
	return r
}

func verifierFor(id *localalexa.Identity) *sigverify.Verifier {
	return &sigverify.Verifier{Roots: id.Roots(), Client: id.Client()}
}

func TestSignedRequestVerifies(t *testing.T) {
	id := mustIdentity(t)
	body := envelope(time.Now())
	r := mustSignedRequest(t, id.Signer(), body)

	if got := r.Header.Get("SignatureCertChainUrl"); got != localalexa.CertChainURL {
		t.Errorf("SignatureCertChainUrl = %q, want %q", got, localalexa.CertChainURL)
	}
	// The body is still there for whoever sends the request.
	again, err := r.GetBody()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(again); err != nil || !bytes.Equal(buf.Bytes(), body) || r.ContentLength != int64(len(body)) {
		t.Fatalf("body after Sign = %q (len %d), %v; want the original", buf.Bytes(), r.ContentLength, err)
	}
	if err := verifierFor(id).Verify(context.Background(), r.Header, body); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestRefused(t *testing.T) {
	id := mustIdentity(t)
	other, err := localalexa.New(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	body := envelope(time.Now())
	signed := mustSignedRequest(t, id.Signer(), body).Header
	tests := []struct {
		name   string
		v      *sigverify.Verifier
		header http.Header
		body   []byte
	}{
		{"TamperedBody", verifierFor(id), signed, bytes.Replace(body, []byte("LaunchRequest"), []byte("IntentRequest"), 1)},
		{"OtherIdentitysSignature", verifierFor(id), mustSignedRequest(t, other.Signer(), body).Header, body},
		{"OtherIdentitysRoots", verifierFor(other), signed, body},
		// The local CA is not trusted by a verifier with Amazon's (the system's) roots.
		{"SystemRoots", &sigverify.Verifier{Client: id.Client()}, signed, body},
		{"StaleTimestamp", verifierFor(id), mustSignedRequest(t, id.Signer(), envelope(time.Now().Add(-10*time.Minute))).Header, envelope(time.Now().Add(-10 * time.Minute))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.v.Verify(context.Background(), tt.header, tt.body)
			if !errors.Is(err, sigverify.ErrInvalidRequest) {
				t.Fatalf("Verify = %v, want ErrInvalidRequest", err)
			}
		})
	}
}

func TestMiddlewareServesSignedRequest(t *testing.T) {
	id := mustIdentity(t)
	h := sigverify.Middleware(verifierFor(id), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()

	body := envelope(time.Now())
	req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := id.Signer().Sign(req); err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status = %d, want 204", resp.StatusCode)
	}
}

func TestClientRefusesOtherURLs(t *testing.T) {
	c := mustIdentity(t).Client()
	for _, tc := range []struct{ method, url string }{
		{http.MethodGet, "https://s3.amazonaws.com/echo.api/echo-api-cert-12-ats.pem"},
		{http.MethodGet, "https://example.com/"},
		{http.MethodPost, localalexa.CertChainURL},
	} {
		req, err := http.NewRequest(tc.method, tc.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
			t.Errorf("Do(%s %s) succeeded, want an error", tc.method, tc.url)
		}
	}
}

func TestLoad(t *testing.T) {
	now := time.Now()
	dir := filepath.Join(t.TempDir(), "alexa")
	first, err := localalexa.Load(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, localalexa.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("identity file mode = %v, want 0600", perm)
	}

	t.Run("Reloaded", func(t *testing.T) {
		again, err := localalexa.Load(dir, now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if !again.Certificate().Equal(first.Certificate()) || !again.CA().Equal(first.CA()) {
			t.Fatal("second Load made a new identity; want the stored one")
		}
		// What one process signs, another process's verifier accepts.
		body := envelope(time.Now())
		r := mustSignedRequest(t, first.Signer(), body)
		if err := verifierFor(again).Verify(context.Background(), r.Header, body); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("RenewedNearExpiry", func(t *testing.T) {
		later := first.Certificate().NotAfter.Add(-time.Hour)
		renewed, err := localalexa.Load(dir, later)
		if err != nil {
			t.Fatal(err)
		}
		if renewed.Certificate().Equal(first.Certificate()) {
			t.Fatal("certificate expiring within the hour kept; want a new one")
		}
		if !renewed.Certificate().NotAfter.After(later.Add(24 * time.Hour)) {
			t.Fatalf("renewed certificate expires %v", renewed.Certificate().NotAfter)
		}
	})
	t.Run("CorruptFileIsAnError", func(t *testing.T) {
		bad := t.TempDir()
		path := filepath.Join(bad, localalexa.FileName)
		if err := os.WriteFile(path, []byte("not PEM"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := localalexa.Load(bad, now); err == nil {
			t.Fatal("Load of a corrupt file succeeded")
		}
		if b, _ := os.ReadFile(path); string(b) != "not PEM" {
			t.Fatal("corrupt file overwritten")
		}
	})
}

func TestConcurrentLoadAgrees(t *testing.T) {
	dir := t.TempDir()
	const n = 4
	ids := make([]*localalexa.Identity, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { ids[i], errs[i] = localalexa.Load(dir, time.Now()) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !ids[i].Certificate().Equal(ids[0].Certificate()) {
			t.Fatalf("loader %d got another identity than loader 0", i)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("identity directory holds %d entries, want only %s", len(entries), localalexa.FileName)
	}
}
