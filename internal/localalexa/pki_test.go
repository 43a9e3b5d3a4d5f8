package localalexa_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"sync"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/internal/localalexa"
)

var (
	pkiOnce sync.Once
	pki     *localalexa.PKI
	pkiErr  error
)

var pkiNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func mustPKI(tb testing.TB) *localalexa.PKI {
	tb.Helper()
	pkiOnce.Do(func() { pki, pkiErr = localalexa.NewPKI(pkiNow) })
	if pkiErr != nil {
		tb.Fatal(pkiErr)
	}
	return pki
}

// parseChain decodes a PEM chain into its certificates.
func parseChain(tb testing.TB, b []byte) []*x509.Certificate {
	tb.Helper()
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			return out
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, c)
	}
}

func verifyLeaf(leaf *x509.Certificate, p *localalexa.PKI, at time.Time) error {
	inter := x509.NewCertPool()
	inter.AddCert(p.Intermediate)
	_, err := leaf.Verify(x509.VerifyOptions{DNSName: localalexa.SigningName, Roots: p.Roots(), Intermediates: inter,
		CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	return err
}

func TestPKIChainVerifies(t *testing.T) {
	p := mustPKI(t)
	chain := parseChain(t, p.Chain())
	if len(chain) != 2 || !chain[0].Equal(p.Leaf) || !chain[1].Equal(p.Intermediate) {
		t.Fatalf("Chain holds %d certificates, want the signing certificate then the intermediate", len(chain))
	}
	if err := verifyLeaf(p.Leaf, p, pkiNow); err != nil {
		t.Errorf("signing certificate does not verify at now: %v", err)
	}
	if !p.LeafKey.PublicKey.Equal(p.Leaf.PublicKey) {
		t.Error("LeafKey does not match the signing certificate")
	}
	if err := verifyLeaf(p.Leaf, p, pkiNow.Add(31*24*time.Hour)); err == nil {
		t.Error("signing certificate verifies 31 days after now, want it out of date")
	}
}

func TestPKIIssueLeaf(t *testing.T) {
	p := mustPKI(t)
	leaf, err := p.IssueLeaf(func(c *x509.Certificate) { c.NotAfter = pkiNow.Add(time.Hour) })
	if err != nil {
		t.Fatal(err)
	}
	if !leaf.NotAfter.Equal(pkiNow.Add(time.Hour)) {
		t.Errorf("NotAfter = %v, want the edited %v", leaf.NotAfter, pkiNow.Add(time.Hour))
	}
	if leaf.SerialNumber.Cmp(p.Leaf.SerialNumber) == 0 {
		t.Error("a new leaf has the serial of the first")
	}
	if err := verifyLeaf(leaf, p, pkiNow); err != nil {
		t.Errorf("issued leaf does not verify: %v", err)
	}
}

func TestPKISelfSignedIsNotTrusted(t *testing.T) {
	p := mustPKI(t)
	rogue, err := localalexa.SelfSigned(pkiNow, "Rogue Root CA", p.IntermediateKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := localalexa.Issue(localalexa.LeafTemplate(pkiNow), rogue, p.IntermediateKey, &p.LeafKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := verifyLeaf(leaf, p, pkiNow); err == nil {
		t.Error("a leaf under a rogue root verifies against the PKI's roots")
	}
}

func TestSignBody(t *testing.T) {
	p := mustPKI(t)
	body := []byte(`{"version":"1.0"}`)
	d256, d1 := sha256.Sum256(body), sha1.Sum(body)
	for _, tt := range []struct {
		name   string
		h      crypto.Hash
		digest []byte
	}{{"SHA256", crypto.SHA256, d256[:]}, {"SHA1", crypto.SHA1, d1[:]}} {
		t.Run(tt.name, func(t *testing.T) {
			sig, err := localalexa.SignBody(p.LeafKey, tt.h, body)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := base64.StdEncoding.DecodeString(sig)
			if err != nil {
				t.Fatalf("signature is not base64: %v", err)
			}
			if err := rsa.VerifyPKCS1v15(&p.LeafKey.PublicKey, tt.h, tt.digest, raw); err != nil {
				t.Errorf("signature does not verify: %v", err)
			}
		})
	}
	if _, err := localalexa.SignBody(p.LeafKey, crypto.Hash(0), body); err == nil {
		t.Error("SignBody with no hash succeeded")
	}
}
