package localalexa

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	_ "crypto/sha1" // SignBody's crypto.SHA1
	"crypto/sha256"
	_ "crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"time"
)

// PKI stands in for Amazon's request-signing PKI in tests and benchmarks: a root CA
// (the only trust anchor), an intermediate CA (shipped in the download, as Amazon's
// chain is) and a 2048-bit RSA signing key with its certificate for SigningName.
// Unlike an Identity it keeps the CA keys, so that a test can issue other signing
// certificates (out of date, another name, another key) under the same chain. Build
// it once per test binary: RSA key generation is slow under -race.
type PKI struct {
	Root, Intermediate       *x509.Certificate
	RootKey, IntermediateKey *ecdsa.PrivateKey
	// Leaf is the signing certificate, issued by Intermediate for LeafKey.
	Leaf    *x509.Certificate
	LeafKey *rsa.PrivateKey
	now     time.Time
}

// NewPKI creates a PKI whose certificates are valid around now. It returns an error
// only when a key or certificate cannot be made.
func NewPKI(now time.Time) (*PKI, error) {
	p := &PKI{now: now}
	var err error
	if p.RootKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, fmt.Errorf("localalexa: generate root key: %w", err)
	}
	if p.IntermediateKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, fmt.Errorf("localalexa: generate intermediate key: %w", err)
	}
	if p.LeafKey, err = rsa.GenerateKey(rand.Reader, signingKeyBits); err != nil {
		return nil, fmt.Errorf("localalexa: generate signing key: %w", err)
	}
	if p.Root, err = SelfSigned(now, "Test Root CA", p.RootKey); err != nil {
		return nil, err
	}
	if p.Intermediate, err = Issue(CATemplate(now, "Test Intermediate CA"), p.Root, p.RootKey, &p.IntermediateKey.PublicKey); err != nil {
		return nil, err
	}
	if p.Leaf, err = p.IssueLeaf(func(*x509.Certificate) {}); err != nil {
		return nil, err
	}
	return p, nil
}

// Roots returns a new pool holding only the root CA.
func (p *PKI) Roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.Root)
	return pool
}

// Chain returns the download Amazon serves: the signing certificate, then the
// intermediate, in PEM.
func (p *PKI) Chain() []byte { return ChainPEM(p.Leaf, p.Intermediate) }

// IssueLeaf issues a signing certificate for LeafKey from the intermediate, from
// LeafTemplate after edit changed it.
func (p *PKI) IssueLeaf(edit func(*x509.Certificate)) (*x509.Certificate, error) {
	t := LeafTemplate(p.now)
	edit(t)
	return Issue(t, p.Intermediate, p.IntermediateKey, &p.LeafKey.PublicKey)
}

// CATemplate is a CA certificate named cn, valid from a year before now for ten
// years, with a fresh random serial.
func CATemplate(now time.Time, cn string) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:          mustSerial(),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-365 * 24 * time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
}

// LeafTemplate is a signing certificate like Amazon's: SigningName in the SANs,
// valid from a day before now for thirty days, with a fresh random serial.
func LeafTemplate(now time.Time) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: mustSerial(),
		Subject:      pkix.Name{CommonName: SigningName},
		DNSNames:     []string{SigningName},
		NotBefore:    now.Add(-24 * time.Hour),
		NotAfter:     now.Add(30 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
}

// SelfSigned returns a self-signed CA certificate named cn for key (CATemplate).
func SelfSigned(now time.Time, cn string, key *ecdsa.PrivateKey) (*x509.Certificate, error) {
	t := CATemplate(now, cn)
	return Issue(t, t, key, &key.PublicKey)
}

// Issue signs the template t for the public key pub with parentKey, as parent.
func Issue(t, parent *x509.Certificate, parentKey crypto.Signer, pub any) (*x509.Certificate, error) {
	return createCert(t, parent, pub, parentKey)
}

// ChainPEM encodes certs, in order, as PEM CERTIFICATE blocks.
func ChainPEM(certs ...*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&b, &pem.Block{Type: certBlock, Bytes: c.Raw}) // writing to a bytes.Buffer does not fail
	}
	return b.Bytes()
}

// SignBody returns the base64 RSA PKCS #1 v1.5 signature with key over the digest of
// body under h (crypto.SHA256 for Signature-256, crypto.SHA1 for the legacy
// Signature), as Alexa puts it in a header. It fails only when h is not available or
// key cannot sign.
func SignBody(key *rsa.PrivateKey, h crypto.Hash, body []byte) (string, error) {
	var digest []byte
	switch h {
	case crypto.SHA256:
		d := sha256.Sum256(body)
		digest = d[:]
	case crypto.SHA1:
		d := sha1.Sum(body)
		digest = d[:]
	default:
		return "", fmt.Errorf("localalexa: sign: hash %v is not one Alexa signs with", h)
	}
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, h, digest)
	if err != nil {
		return "", fmt.Errorf("localalexa: sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}
