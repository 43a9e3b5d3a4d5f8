package sigverify_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/alexa/sigverify"
	"github.com/easytocloud/easytocloud/internal/localalexa"
)

// verifyAt verifies a with v, its clock set to now and the body's timestamp to now.
func verifyAt(ctx context.Context, p *testPKI, v *sigverify.Verifier, a *alexaRequest, now time.Time) error {
	a.body = envelope(now)
	r := a.httpRequest(p)
	return v.Verify(ctx, r.Header, a.body)
}

func TestCacheFetchesOnceForConcurrentRequests(t *testing.T) {
	p := mustPKI(t)
	s3 := &fakeS3{}
	good := serve(p.goodChain())
	s3.DoFn = func(r *http.Request) (*http.Response, error) {
		time.Sleep(50 * time.Millisecond) // keep the download in flight while the others arrive
		return good(r)
	}
	v := &sigverify.Verifier{Roots: p.roots, Client: s3, Now: func() time.Time { return testNow }}

	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() { errs <- verifyAt(t.Context(), p, v, validRequest(p), testNow) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
	}
	// Spellings that normalise to the same URL share the cached certificate.
	for _, u := range []string{goodURL, "https://S3.amazonaws.com:443/echo.api/../echo.api/echo-api-cert-12-ats.pem"} {
		a := validRequest(p)
		a.certURL = u
		if err := verifyAt(t.Context(), p, v, a, testNow); err != nil {
			t.Fatalf("Verify with %s: %v", u, err)
		}
	}
	if n := s3.total(); n != 1 {
		t.Errorf("%d downloads for 52 requests, want 1", n)
	}
	if n := s3.count(goodURL); n != 1 {
		t.Errorf("%d downloads of %s, want 1 (the normalised URL)", n, goodURL)
	}
}

func TestCacheRefetchesWhenChainExpires(t *testing.T) {
	p := mustPKI(t)
	leaf := p.mustLeaf(t, func(c *x509.Certificate) { c.NotAfter = testNow.Add(time.Hour) })
	s3 := &fakeS3{DoFn: serve(localalexa.ChainPEM(leaf, p.inter))}
	now := testNow
	v := &sigverify.Verifier{Roots: p.roots, Client: s3, Now: func() time.Time { return now }}

	if err := verifyAt(t.Context(), p, v, validRequest(p), now); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	now = testNow.Add(59 * time.Minute)
	if err := verifyAt(t.Context(), p, v, validRequest(p), now); err != nil {
		t.Fatalf("Verify while cached: %v", err)
	}
	if n := s3.total(); n != 1 {
		t.Fatalf("%d downloads while the certificate is in date, want 1", n)
	}
	now = testNow.Add(61 * time.Minute)
	err := verifyAt(t.Context(), p, v, validRequest(p), now)
	if !errors.Is(err, sigverify.ErrInvalidRequest) {
		t.Fatalf("Verify after expiry: %v, want ErrInvalidRequest", err)
	}
	if n := s3.total(); n != 2 {
		t.Errorf("%d downloads after expiry, want 2 (dropped from the cache and fetched again)", n)
	}
}

func TestCacheDoesNotKeepFailures(t *testing.T) {
	p := mustPKI(t)
	s3 := &fakeS3{DoFn: serve(nil)}
	v := &sigverify.Verifier{Roots: p.roots, Client: s3, Now: func() time.Time { return testNow }}
	if err := verifyAt(t.Context(), p, v, validRequest(p), testNow); !errors.Is(err, sigverify.ErrInvalidRequest) {
		t.Fatalf("Verify with S3 answering 404: %v, want ErrInvalidRequest", err)
	}
	s3.mu.Lock()
	s3.DoFn = serve(p.goodChain())
	s3.mu.Unlock()
	if err := verifyAt(t.Context(), p, v, validRequest(p), testNow); err != nil {
		t.Fatalf("Verify once S3 answers: %v", err)
	}
}

func TestVerifyStopsWaitingWhenContextEnds(t *testing.T) {
	p := mustPKI(t)
	release := make(chan struct{})
	good := serve(p.goodChain())
	s3 := &fakeS3{DoFn: func(r *http.Request) (*http.Response, error) {
		<-release
		return good(r)
	}}
	v := &sigverify.Verifier{Roots: p.roots, Client: s3, Now: func() time.Time { return testNow }}

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	err := verifyAt(ctx, p, v, validRequest(p), testNow)
	if !errors.Is(err, sigverify.ErrInvalidRequest) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Verify: %v, want ErrInvalidRequest and DeadlineExceeded", err)
	}
	// The download carries on for later requests and is cached once it lands.
	close(release)
	if err := verifyAt(t.Context(), p, v, validRequest(p), testNow); err != nil {
		t.Fatalf("Verify after the download: %v", err)
	}
	if n := s3.total(); n != 1 {
		t.Errorf("%d downloads, want 1", n)
	}
}

func TestFetchTimeout(t *testing.T) {
	p := mustPKI(t)
	s3 := &fakeS3{DoFn: func(r *http.Request) (*http.Response, error) {
		<-r.Context().Done() // a download that never finishes on its own
		return nil, r.Context().Err()
	}}
	v := &sigverify.Verifier{Roots: p.roots, Client: s3, Now: func() time.Time { return testNow }, FetchTimeout: 20 * time.Millisecond}
	err := verifyAt(t.Context(), p, v, validRequest(p), testNow)
	if !errors.Is(err, sigverify.ErrInvalidRequest) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Verify: %v, want ErrInvalidRequest and DeadlineExceeded", err)
	}
}
