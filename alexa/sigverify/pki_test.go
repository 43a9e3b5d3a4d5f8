package sigverify_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/internal/localalexa"
)

// testNow is the clock of every test: certificates and timestamps are made around it.
var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// goodURL is where the fake S3 serves the chain, as Alexa names it.
const goodURL = "https://s3.amazonaws.com/echo.api/echo-api-cert-12-ats.pem"

// testPKI is localalexa's test CA standing in for Amazon's: a root (the only trust
// anchor), an intermediate (shipped in the download, as Amazon's chain does) and RSA
// signing keys, under the short names these tests use, and a second RSA key that
// signs forgeries.
type testPKI struct {
	*localalexa.PKI
	root, inter       *x509.Certificate
	rootKey, interKey *ecdsa.PrivateKey
	roots             *x509.CertPool
	leafKey, otherKey *rsa.PrivateKey
	leaf              *x509.Certificate
}

var (
	pkiOnce sync.Once
	pki     *testPKI
	pkiErr  error
)

// mustPKI returns the shared test PKI, generated once per test binary (RSA key
// generation is slow under -race).
func mustPKI(tb testing.TB) *testPKI {
	tb.Helper()
	pkiOnce.Do(func() { pki, pkiErr = newPKI() })
	if pkiErr != nil {
		tb.Fatalf("test PKI: %v", pkiErr)
	}
	return pki
}

func newPKI() (*testPKI, error) {
	p, err := localalexa.NewPKI(testNow)
	if err != nil {
		return nil, err
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return &testPKI{PKI: p, root: p.Root, inter: p.Intermediate, rootKey: p.RootKey, interKey: p.IntermediateKey,
		roots: p.Roots(), leafKey: p.LeafKey, otherKey: other, leaf: p.Leaf}, nil
}

func leafTemplate() *x509.Certificate { return localalexa.LeafTemplate(testNow) }

func selfSigned(cn string, key *ecdsa.PrivateKey) (*x509.Certificate, error) {
	return localalexa.SelfSigned(testNow, cn, key)
}

// mustLeaf issues a signing certificate for the leaf key from the intermediate after
// edit changed the template.
func (p *testPKI) mustLeaf(tb testing.TB, edit func(*x509.Certificate)) *x509.Certificate {
	tb.Helper()
	c, err := p.IssueLeaf(edit)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// goodChain is the download Amazon serves: signing certificate, then intermediate.
func (p *testPKI) goodChain() []byte { return p.Chain() }

func sign256(key *rsa.PrivateKey, body []byte) string { return mustSign(key, crypto.SHA256, body) }

func sign1(key *rsa.PrivateKey, body []byte) string { return mustSign(key, crypto.SHA1, body) }

func mustSign(key *rsa.PrivateKey, h crypto.Hash, body []byte) string {
	sig, err := localalexa.SignBody(key, h, body)
	if err != nil {
		panic(err) // only with a broken test key
	}
	return sig
}

// envelope is an IntentRequest as Alexa sends it, with timestamp ts; it carries an
// access token so tests can check it never reaches a log line.
func envelope(ts time.Time) []byte {
	return fmt.Appendf(nil, `{"version":"1.0","session":{"new":true,"sessionId":"amzn1.echo-api.session.1","application":{"applicationId":"amzn1.ask.skill.test"},"user":{"userId":"amzn1.ask.account.test","accessToken":"%s"}},"context":{"System":{"apiEndpoint":"https://api.amazonalexa.com","apiAccessToken":"%s"}},"request":{"type":"IntentRequest","requestId":"amzn1.echo-api.request.1","locale":"en-US","timestamp":"%s","intent":{"name":"ListInstancesIntent","confirmationStatus":"NONE"}}}`,
		secretToken, secretToken, ts.UTC().Format(time.RFC3339))
}

const secretToken = "eyJ-secret-access-token"

// fakeS3 serves certificate chains by URL and counts the downloads.
type fakeS3 struct {
	mu     sync.Mutex
	DoFn   func(*http.Request) (*http.Response, error)
	counts map[string]int
}

func (f *fakeS3) Do(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	if f.counts == nil {
		f.counts = make(map[string]int)
	}
	f.counts[r.URL.String()]++
	do := f.DoFn
	f.mu.Unlock()
	return do(r)
}

func (f *fakeS3) count(url string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[url]
}

func (f *fakeS3) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.counts {
		n += c
	}
	return n
}

// serve answers every URL with chain (200), or 404 when chain is nil.
func serve(chain []byte) func(*http.Request) (*http.Response, error) {
	return func(r *http.Request) (*http.Response, error) {
		if chain == nil {
			return &http.Response{StatusCode: http.StatusNotFound, Body: http.NoBody, Request: r}, nil
		}
		return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(bytes.NewReader(chain)), Request: r}, nil
	}
}
