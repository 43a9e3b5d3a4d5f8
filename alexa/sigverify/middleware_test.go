package sigverify_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/alexa/sigverify"
	"github.com/easytocloud/easytocloud/internal/localalexa"
)

// alexaRequest is one request as it reaches POST /alexa, plus the chain the fake S3
// serves for it (at any URL, so URL rules are tested on their own).
type alexaRequest struct {
	certURL string
	chain   []byte // nil: the fake S3 answers 404
	body    []byte
	signed  []byte              // the body the signatures cover; nil means body
	sign    func([]byte) string // Signature-256 value for signed
	header  func(h http.Header) // last edits to the headers
	now     time.Time           // the verifier's clock
}

// validRequest is a request exactly as Alexa sends it, both signature headers included.
func validRequest(p *testPKI) *alexaRequest {
	return &alexaRequest{
		certURL: goodURL,
		chain:   p.goodChain(),
		body:    envelope(testNow),
		sign:    func(b []byte) string { return sign256(p.leafKey, b) },
		now:     testNow,
	}
}

func (a *alexaRequest) httpRequest(p *testPKI) *http.Request {
	signed := a.signed
	if signed == nil {
		signed = a.body
	}
	r := httptest.NewRequest(http.MethodPost, "/alexa", bytes.NewReader(a.body))
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	r.Header.Set("SignatureCertChainUrl", a.certURL)
	r.Header.Set("Signature-256", a.sign(signed))
	r.Header.Set("Signature", sign1(p.leafKey, signed))
	if a.header != nil {
		a.header(r.Header)
	}
	return r
}

// serveAlexa runs a through Middleware with a fresh Verifier and reports the status,
// whether the next handler ran with the unchanged body, and the log.
func serveAlexa(t *testing.T, p *testPKI, a *alexaRequest) (status int, ran bool, log string) {
	status, ran, _, log = serveAlexaBody(t, p, a)
	return status, ran, log
}

// serveAlexaBody is serveAlexa that also returns the response body.
func serveAlexaBody(t *testing.T, p *testPKI, a *alexaRequest) (status int, ran bool, body, log string) {
	t.Helper()
	var logBuf bytes.Buffer
	v := &sigverify.Verifier{
		Roots:  p.roots,
		Client: &fakeS3{DoFn: serve(a.chain)},
		Now:    func() time.Time { return a.now },
		Logger: slog.New(slog.NewJSONHandler(&logBuf, nil)),
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, err := io.ReadAll(r.Body)
		if err != nil || !bytes.Equal(got, a.body) {
			t.Errorf("next handler saw body %q (err %v), want the request's body", got, err)
		}
		ran = true
		w.WriteHeader(http.StatusOK)
	})
	rec := httptest.NewRecorder()
	sigverify.Middleware(v, next).ServeHTTP(rec, a.httpRequest(p))
	return rec.Code, ran, rec.Body.String(), logBuf.String()
}

func TestMiddlewareRejectsForgeries(t *testing.T) {
	p := mustPKI(t)
	rogueKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rogueRoot, err := selfSigned("Rogue Root CA", rogueKey)
	if err != nil {
		t.Fatal(err)
	}
	rogueLeaf, err := localalexa.Issue(leafTemplate(), rogueRoot, rogueKey, &p.leafKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecLeaf, err := localalexa.Issue(leafTemplate(), p.inter, p.interKey, &ecKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}

	withURL := func(u string) func(*alexaRequest) { return func(a *alexaRequest) { a.certURL = u } }
	withLeaf := func(edit func(*x509.Certificate)) func(*alexaRequest) {
		return func(a *alexaRequest) { a.chain = localalexa.ChainPEM(p.mustLeaf(t, edit), p.inter) }
	}
	withTimestamp := func(d time.Duration) func(*alexaRequest) {
		return func(a *alexaRequest) { a.body = envelope(testNow.Add(d)) }
	}
	tests := []struct {
		name   string
		forge  func(*alexaRequest)
		reason string // expected in the log line
	}{
		// SignatureCertChainUrl rules.
		{"HTTPScheme", withURL("http://s3.amazonaws.com/echo.api/echo-api-cert-12-ats.pem"), "scheme is not https"},
		{"WrongHost", withURL("https://notamazon.com/echo.api/echo-api-cert-12-ats.pem"), "host is not s3.amazonaws.com"},
		{"HostWithSuffix", withURL("https://evils3.amazonaws.com/echo.api/echo-api-cert-12-ats.pem"), "host is not s3.amazonaws.com"},
		{"HostAsSubdomain", withURL("https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert-12-ats.pem"), "host is not s3.amazonaws.com"},
		{"UserInfoTrick", withURL("https://s3.amazonaws.com@evil.example/echo.api/echo-api-cert-12-ats.pem"), "user info"},
		{"PathNotEchoAPI", withURL("https://s3.amazonaws.com/invalid.path/echo-api-cert-12-ats.pem"), "path does not start with /echo.api/"},
		{"PathWrongCase", withURL("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert-12-ats.pem"), "path does not start with /echo.api/"},
		{"DotDotTraversal", withURL("https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert-12-ats.pem"), "path does not start with /echo.api/"},
		{"EncodedTraversal", withURL("https://s3.amazonaws.com/echo.api/%2e%2e/invalid.path/echo-api-cert-12-ats.pem"), "path does not start with /echo.api/"},
		{"WrongPort", withURL("https://s3.amazonaws.com:563/echo.api/echo-api-cert-12-ats.pem"), "port is not 443"},
		{"Query", withURL("https://s3.amazonaws.com/echo.api/echo-api-cert-12-ats.pem?versionId=1"), "query"},
		// The certificate chain.
		{"ExpiredCert", withLeaf(func(c *x509.Certificate) { c.NotAfter = testNow.Add(-time.Second) }), "expired"},
		{"NotYetValidCert", withLeaf(func(c *x509.Certificate) { c.NotBefore = testNow.Add(time.Minute) }), "not yet valid"},
		{"MissingSAN", withLeaf(func(c *x509.Certificate) { c.DNSNames = []string{"echo-api.amazon.com.evil.example"} }), "lacks SAN echo-api.amazon.com"},
		{"WildcardSANOnly", withLeaf(func(c *x509.Certificate) { c.DNSNames = []string{"*.amazon.com"} }), "lacks SAN echo-api.amazon.com"},
		{"RootNotInPool", func(a *alexaRequest) { a.chain = localalexa.ChainPEM(rogueLeaf, rogueRoot) }, "not trusted"},
		{"IntermediateMissing", func(a *alexaRequest) { a.chain = localalexa.ChainPEM(p.leaf) }, "not trusted"},
		{"NotRSAKey", func(a *alexaRequest) { a.chain = localalexa.ChainPEM(ecLeaf, p.inter) }, "not RSA"},
		{"ChainNotFound", func(a *alexaRequest) { a.chain = nil }, "HTTP status 404"},
		{"ChainNotPEM", func(a *alexaRequest) { a.chain = []byte("<Error>AccessDenied</Error>") }, "no certificate"},
		{"ChainTooLarge", func(a *alexaRequest) { a.chain = append(p.goodChain(), make([]byte, 64<<10)...) }, "larger than"},
		// The signature.
		{"WrongSignature", func(a *alexaRequest) { a.sign = func(b []byte) string { return sign256(p.otherKey, b) } }, "does not match"},
		{"BodyTampered", func(a *alexaRequest) {
			a.signed = a.body
			a.body = bytes.Replace(a.body, []byte("ListInstancesIntent"), []byte("StopInstanceIntent"), 1)
		}, "does not match"},
		{"SHA1SignatureOnly", func(a *alexaRequest) { a.header = func(h http.Header) { h.Del("Signature-256") } }, "legacy SHA-1"},
		{"SHA1InSignature256", func(a *alexaRequest) { a.sign = func(b []byte) string { return sign1(p.leafKey, b) } }, "does not match"},
		{"SignatureNotBase64", func(a *alexaRequest) { a.sign = func([]byte) string { return "not*base64" } }, "not base64"},
		// The timestamp.
		{"TimestampPlus151s", withTimestamp(151 * time.Second), "from now"},
		{"TimestampMinus151s", withTimestamp(-151 * time.Second), "from now"},
		{"TimestampMissing", func(a *alexaRequest) { a.body = bytes.Replace(a.body, []byte(`"timestamp"`), []byte(`"time"`), 1) }, "missing request.timestamp"},
		{"TimestampNotRFC3339", func(a *alexaRequest) {
			a.body = bytes.Replace(a.body, []byte(`"2026-03-01T12:00:00Z"`), []byte(`"1772366400000"`), 1)
		}, "not RFC 3339"},
		// Missing headers.
		{"MissingCertURL", func(a *alexaRequest) { a.header = func(h http.Header) { h.Del("SignatureCertChainUrl") } }, "missing SignatureCertChainUrl"},
		{"MissingSignatures", func(a *alexaRequest) {
			a.header = func(h http.Header) { h.Del("Signature-256"); h.Del("Signature") }
		}, "missing Signature-256"},
		{"BodyTooLarge", func(a *alexaRequest) { a.body = bytes.Repeat([]byte(" "), sigverify.MaxBodyBytes+1) }, "too large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := validRequest(p)
			tc.forge(a)
			status, ran, body, log := serveAlexaBody(t, p, a)
			if status != http.StatusBadRequest || ran {
				t.Fatalf("status %d, next ran %v; want 400 and next not run", status, ran)
			}
			if body != "Bad Request\n" {
				t.Errorf("400 body %q, want the generic %q", body, "Bad Request\n")
			}
			if !strings.Contains(log, tc.reason) {
				t.Errorf("log %q does not name the reason %q", log, tc.reason)
			}
			if strings.Contains(log, secretToken) {
				t.Errorf("log holds the access token: %q", log)
			}
		})
	}
}

func TestMiddlewareAcceptsAlexa(t *testing.T) {
	p := mustPKI(t)
	tests := []struct {
		name  string
		alter func(*alexaRequest)
	}{
		{"OK", func(*alexaRequest) {}},
		{"Signature256Only", func(a *alexaRequest) { a.header = func(h http.Header) { h.Del("Signature") } }},
		{"Port443", func(a *alexaRequest) { a.certURL = "https://s3.amazonaws.com:443/echo.api/echo-api-cert-12-ats.pem" }},
		{"SchemeAndHostUpperCase", func(a *alexaRequest) { a.certURL = "HTTPS://S3.AmazonAWS.COM/echo.api/echo-api-cert-12-ats.pem" }},
		{"PathNormalised", func(a *alexaRequest) {
			a.certURL = "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert-12-ats.pem"
		}},
		{"TimestampPlus150s", func(a *alexaRequest) { a.body = envelope(testNow.Add(150 * time.Second)) }},
		{"TimestampMinus150s", func(a *alexaRequest) { a.body = envelope(testNow.Add(-150 * time.Second)) }},
		{"TimestampWithMillis", func(a *alexaRequest) {
			a.body = bytes.Replace(a.body, []byte(`12:00:00Z`), []byte(`12:00:00.123Z`), 1)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := validRequest(p)
			tc.alter(a)
			status, ran, log := serveAlexa(t, p, a)
			if status != http.StatusOK || !ran {
				t.Fatalf("status %d, next ran %v; want 200 from next (log %q)", status, ran, log)
			}
		})
	}
}
