package sigverify_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testNow is the clock of every test: certificates and timestamps are made around it.
var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// goodURL is where the fake S3 serves the chain, as Alexa names it.
const goodURL = "https://s3.amazonaws.com/echo.api/echo-api-cert-12-ats.pem"

// testPKI is a test CA standing in for Amazon's: a root (the only trust anchor), an
// intermediate (shipped in the download, as Amazon's chain does) and RSA signing keys.
type testPKI struct {
	root, inter       *x509.Certificate
	rootKey, interKey *ecdsa.PrivateKey
	roots             *x509.CertPool
	leafKey, otherKey *rsa.PrivateKey // otherKey signs forgeries
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
	p := &testPKI{}
	var err error
	if p.rootKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	if p.interKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	if p.leafKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, err
	}
	if p.otherKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, err
	}
	if p.root, err = selfSigned("Test Root CA", p.rootKey); err != nil {
		return nil, err
	}
	p.roots = x509.NewCertPool()
	p.roots.AddCert(p.root)
	if p.inter, err = issue(caTemplate("Test Intermediate CA"), p.root, p.rootKey, &p.interKey.PublicKey); err != nil {
		return nil, err
	}
	if p.leaf, err = issue(leafTemplate(), p.inter, p.interKey, &p.leafKey.PublicKey); err != nil {
		return nil, err
	}
	return p, nil
}

var serial atomic.Int64

func nextSerial() *big.Int { return big.NewInt(serial.Add(1)) }

func caTemplate(cn string) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             testNow.Add(-365 * 24 * time.Hour),
		NotAfter:              testNow.Add(10 * 365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
}

// leafTemplate is a signing certificate like Amazon's: echo-api.amazon.com in the
// SANs, valid for a while around testNow.
func leafTemplate() *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{CommonName: "echo-api.amazon.com"},
		DNSNames:     []string{"echo-api.amazon.com"},
		NotBefore:    testNow.Add(-24 * time.Hour),
		NotAfter:     testNow.Add(30 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
}

func selfSigned(cn string, key *ecdsa.PrivateKey) (*x509.Certificate, error) {
	t := caTemplate(cn)
	return issue(t, t, key, &key.PublicKey)
}

func issue(t, parent *x509.Certificate, parentKey crypto.Signer, pub any) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, t, parent, pub, parentKey)
	if err != nil {
		return nil, fmt.Errorf("create certificate %s: %w", t.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}

// mustLeaf issues a signing certificate for the leaf key from the intermediate after
// edit changed the template.
func (p *testPKI) mustLeaf(tb testing.TB, edit func(*x509.Certificate)) *x509.Certificate {
	tb.Helper()
	t := leafTemplate()
	edit(t)
	c, err := issue(t, p.inter, p.interKey, &p.leafKey.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// goodChain is the download Amazon serves: signing certificate, then intermediate.
func (p *testPKI) goodChain() []byte { return chainPEM(p.leaf, p.inter) }

func chainPEM(certs ...*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

func sign256(key *rsa.PrivateKey, body []byte) string {
	d := sha256.Sum256(body)
	return signDigest(key, crypto.SHA256, d[:])
}

func sign1(key *rsa.PrivateKey, body []byte) string {
	d := sha1.Sum(body)
	return signDigest(key, crypto.SHA1, d[:])
}

func signDigest(key *rsa.PrivateKey, h crypto.Hash, digest []byte) string {
	sig, err := rsa.SignPKCS1v15(nil, key, h, digest)
	if err != nil {
		panic(err) // only with a broken test key
	}
	return base64.StdEncoding.EncodeToString(sig)
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
