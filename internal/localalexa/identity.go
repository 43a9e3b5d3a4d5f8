// Package localalexa is a local stand-in for the identity Alexa signs its requests
// with, for the local stack and its tests: a private CA, a signing certificate under it
// with the SAN echo-api.amazon.com, and the signing key.
//
// The Signer signs a request the way Alexa does (SignatureCertChainUrl naming an
// https://s3.amazonaws.com/echo.api/ URL, Signature-256 over the body). A
// sigverify.Verifier trusts it when configured with Roots and Client:
//
//	v := &sigverify.Verifier{Roots: id.Roots(), Client: id.Client()}
//
// Roots holds only the local CA, so such a verifier refuses Amazon's real requests, and
// Client answers the one chain URL from memory and refuses every other URL, so the
// verifier never touches the network.
package localalexa

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

const (
	// CertChainURL is where the local identity says its certificate chain lives. It
	// meets Amazon's rules for SignatureCertChainUrl; only Client serves it.
	CertChainURL = "https://s3.amazonaws.com/echo.api/easytocloud-local-alexa.pem"
	// SigningName is the DNS SAN Amazon's signing certificate carries and verifiers require.
	SigningName = "echo-api.amazon.com"
	// FileName is the file in the identity directory holding the signing certificate,
	// the CA certificate and the signing key (PEM, mode 0600).
	FileName = "identity.pem"

	caValidity      = 10 * 365 * 24 * time.Hour
	leafValidity    = 2 * 365 * 24 * time.Hour
	backdate        = time.Hour      // tolerates a verifier clock a little behind
	renewBefore     = 24 * time.Hour // a certificate expiring sooner is replaced
	signingKeyBits  = 2048
	privateKeyBlock = "PRIVATE KEY"
	certBlock       = "CERTIFICATE"
)

// Identity is a local Alexa signing identity. It is immutable and safe for concurrent use.
type Identity struct {
	leaf  *x509.Certificate
	ca    *x509.Certificate
	key   *rsa.PrivateKey
	chain []byte // PEM: signing certificate, then CA, as Client serves it
}

// New creates an identity in memory, valid around now. The CA's private key is
// discarded once it has issued the signing certificate, so nothing else can ever
// chain to the CA; the CA is also name-constrained to SigningName.
func New(now time.Time) (*Identity, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("localalexa: generate CA key: %w", err)
	}
	key, err := rsa.GenerateKey(rand.Reader, signingKeyBits)
	if err != nil {
		return nil, fmt.Errorf("localalexa: generate signing key: %w", err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:                mustSerial(),
		Subject:                     pkix.Name{CommonName: "easytocloud local Alexa CA", Organization: []string{"easytocloud (local only)"}},
		NotBefore:                   now.Add(-backdate),
		NotAfter:                    now.Add(caValidity),
		IsCA:                        true,
		BasicConstraintsValid:       true,
		MaxPathLenZero:              true,
		KeyUsage:                    x509.KeyUsageCertSign,
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         []string{SigningName},
	}
	ca, err := createCert(caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: mustSerial(),
		Subject:      pkix.Name{CommonName: SigningName, Organization: []string{"easytocloud (local only)"}},
		DNSNames:     []string{SigningName},
		NotBefore:    now.Add(-backdate),
		NotAfter:     now.Add(leafValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	leaf, err := createCert(leafTmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	return newIdentity(leaf, ca, key)
}

func newIdentity(leaf, ca *x509.Certificate, key *rsa.PrivateKey) (*Identity, error) {
	var chain bytes.Buffer
	for _, c := range []*x509.Certificate{leaf, ca} {
		if err := pem.Encode(&chain, &pem.Block{Type: certBlock, Bytes: c.Raw}); err != nil {
			return nil, fmt.Errorf("localalexa: encode chain: %w", err)
		}
	}
	return &Identity{leaf: leaf, ca: ca, key: key, chain: chain.Bytes()}, nil
}

func createCert(tmpl, parent *x509.Certificate, pub, parentKey any) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, fmt.Errorf("localalexa: create certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}

func mustSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return n
}

// Load returns the identity kept in dir (FileName), creating dir (0700) and the
// identity when there is none, or replacing it when a certificate is out of date at now
// or within a day of expiring. Processes that start together (the local server and a
// dialog) agree on one identity: the file is created exclusively and a loser loads the
// winner's. A file that exists but does not hold a valid identity is an error, never
// silently overwritten.
func Load(dir string, now time.Time) (*Identity, error) {
	path := filepath.Join(dir, FileName)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		id, err := parse(b)
		if err != nil {
			return nil, fmt.Errorf("localalexa: %s: %w", path, err)
		}
		if id.inDate(now.Add(renewBefore)) && id.inDate(now) {
			return id, nil
		}
		return create(dir, path, now, true)
	case errors.Is(err, os.ErrNotExist):
		return create(dir, path, now, false)
	default:
		return nil, fmt.Errorf("localalexa: %w", err)
	}
}

// create makes a new identity and writes it to path: exclusively (a concurrent
// creator's file wins and is loaded) or, when replace is set, over the old file.
func create(dir, path string, now time.Time, replace bool) (*Identity, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("localalexa: %w", err)
	}
	id, err := New(now)
	if err != nil {
		return nil, err
	}
	b, err := id.encode()
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, "."+FileName+".*")
	if err != nil {
		return nil, fmt.Errorf("localalexa: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file 0600: the signing key never is readable by others.
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("localalexa: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("localalexa: write %s: %w", tmp.Name(), err)
	}
	if replace {
		if err := os.Rename(tmp.Name(), path); err != nil {
			return nil, fmt.Errorf("localalexa: %w", err)
		}
		return id, nil
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return Load(dir, now)
		}
		return nil, fmt.Errorf("localalexa: %w", err)
	}
	return id, nil
}

// encode is the file format: signing certificate, CA certificate, PKCS #8 signing key.
func (id *Identity) encode() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(id.key)
	if err != nil {
		return nil, fmt.Errorf("localalexa: encode key: %w", err)
	}
	b := bytes.Clone(id.chain)
	return append(b, pem.EncodeToMemory(&pem.Block{Type: privateKeyBlock, Bytes: der})...), nil
}

// parse reads encode's format and checks that the key belongs to the signing
// certificate and that the CA issued it.
func parse(b []byte) (*Identity, error) {
	var certs []*x509.Certificate
	var key *rsa.PrivateKey
	for rest := b; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch block.Type {
		case certBlock:
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, err
			}
			certs = append(certs, c)
		case privateKeyBlock:
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, err
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, errors.New("signing key is not RSA")
			}
			key = rk
		default:
			return nil, fmt.Errorf("unexpected PEM block %q", block.Type)
		}
	}
	if len(certs) != 2 || key == nil {
		return nil, errors.New("want a signing certificate, a CA certificate and a key")
	}
	leaf, ca := certs[0], certs[1]
	if !key.PublicKey.Equal(leaf.PublicKey) {
		return nil, errors.New("signing key does not match the signing certificate")
	}
	if err := leaf.CheckSignatureFrom(ca); err != nil {
		return nil, fmt.Errorf("signing certificate not issued by the CA: %w", err)
	}
	return newIdentity(leaf, ca, key)
}

func (id *Identity) inDate(t time.Time) bool {
	for _, c := range []*x509.Certificate{id.leaf, id.ca} {
		if t.Before(c.NotBefore) || t.After(c.NotAfter) {
			return false
		}
	}
	return true
}

// Roots returns a new pool holding only the local CA: the trust anchors a verifier of
// this identity's requests needs.
func (id *Identity) Roots() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(id.ca)
	return p
}

// CA returns the local CA certificate.
func (id *Identity) CA() *x509.Certificate { return id.ca }

// Certificate returns the signing certificate.
func (id *Identity) Certificate() *x509.Certificate { return id.leaf }
