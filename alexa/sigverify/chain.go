package sigverify

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

const (
	// signingName must be among the signing certificate's DNS SANs.
	signingName = "echo-api.amazon.com"
	// maxChainBytes bounds the download; Amazon's chain is a few kilobytes.
	maxChainBytes = 64 << 10
	// maxChainCerts bounds the certificates taken from one download.
	maxChainCerts = 8
	// defaultFetchTimeout bounds one download when Verifier.FetchTimeout is zero.
	// Alexa waits 8 seconds for the whole answer.
	defaultFetchTimeout = 4 * time.Second
)

// signingCert is a verified signing certificate and the period in which its whole
// verified chain is in date.
type signingCert struct {
	key       *rsa.PublicKey
	notBefore time.Time // latest NotBefore in the chain
	notAfter  time.Time // earliest NotAfter in the chain
}

func (c signingCert) inDate(now time.Time) bool {
	return !now.Before(c.notBefore) && !now.After(c.notAfter)
}

// fetchChain downloads the PEM chain at url (already checked by certURL).
func (v *Verifier) fetchChain(ctx context.Context, url string) ([]byte, error) {
	timeout := v.FetchTimeout
	if timeout <= 0 {
		timeout = defaultFetchTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch cert chain: %w", err)
	}
	client := v.Client
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch cert chain: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch cert chain: HTTP status %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxChainBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch cert chain: %w", err)
	}
	if len(b) > maxChainBytes {
		return nil, fmt.Errorf("fetch cert chain: larger than %d bytes", maxChainBytes)
	}
	return b, nil
}

// defaultClient never follows redirects: only the checked URL is fetched.
var defaultClient = &http.Client{
	Timeout: 2 * defaultFetchTimeout,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// verifyChain parses a PEM chain (signing certificate first, then intermediates) and
// checks it as Amazon specifies: the signing certificate in date at now, echo-api.amazon.com
// among its DNS SANs, and a chain of trust to roots. The downloaded certificates after
// the first only ever serve as intermediates, never as trust anchors; roots nil means
// the system pool.
func verifyChain(pemBytes []byte, roots *x509.CertPool, now time.Time) (signingCert, error) {
	var certs []*x509.Certificate
	for rest := pemBytes; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return signingCert{}, fmt.Errorf("cert chain holds a %q PEM block", block.Type)
		}
		if len(certs) == maxChainCerts {
			return signingCert{}, fmt.Errorf("cert chain holds more than %d certificates", maxChainCerts)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return signingCert{}, fmt.Errorf("parse cert chain: %w", err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return signingCert{}, errors.New("cert chain holds no certificate")
	}
	leaf := certs[0]
	if now.Before(leaf.NotBefore) {
		return signingCert{}, errors.New("signing certificate not yet valid")
	}
	if now.After(leaf.NotAfter) {
		return signingCert{}, errors.New("signing certificate expired")
	}
	if !hasDNSName(leaf, signingName) {
		return signingCert{}, errors.New("signing certificate lacks SAN " + signingName)
	}
	key, ok := leaf.PublicKey.(*rsa.PublicKey)
	if !ok {
		return signingCert{}, errors.New("signing certificate key is not RSA")
	}
	intermediates := x509.NewCertPool()
	for _, c := range certs[1:] {
		intermediates.AddCert(c)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: intermediates,
		CurrentTime:   now,
		// Amazon names no extended key usage for the signing certificate; the SAN
		// and the chain of trust are its rules.
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return signingCert{}, fmt.Errorf("cert chain not trusted: %w", err)
	}
	sc := signingCert{key: key, notBefore: leaf.NotBefore, notAfter: leaf.NotAfter}
	// Cache only while every certificate of the chain used is in date.
	for _, c := range chains[0] {
		if c.NotBefore.After(sc.notBefore) {
			sc.notBefore = c.NotBefore
		}
		if c.NotAfter.Before(sc.notAfter) {
			sc.notAfter = c.NotAfter
		}
	}
	return sc, nil
}

// hasDNSName reports whether name is literally among c's DNS SANs (a wildcard such as
// *.amazon.com does not count: Amazon asks for echo-api.amazon.com itself).
func hasDNSName(c *x509.Certificate, name string) bool {
	for _, n := range c.DNSNames {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}
