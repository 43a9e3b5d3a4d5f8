package sigverify_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/alexa/sigverify"
)

// FuzzVerify feeds arbitrary headers and bodies to Verify, the fake S3 serving a good
// chain at any URL. Verify must never panic, must wrap ErrInvalidRequest in every
// error, and may accept only a body that Signature-256 really signs.
func FuzzVerify(f *testing.F) {
	p := mustPKI(f)
	body := envelope(testNow)
	f.Add(goodURL, sign256(p.leafKey, body), sign1(p.leafKey, body), body)
	f.Add(goodURL, "", sign1(p.leafKey, body), body)
	v := &sigverify.Verifier{
		Roots:  p.roots,
		Client: &fakeS3{DoFn: serve(p.goodChain())},
		Now:    func() time.Time { return testNow },
	}
	f.Fuzz(func(t *testing.T, certURL, sig256, sig1 string, body []byte) {
		h := http.Header{}
		h.Set("SignatureCertChainUrl", certURL)
		h.Set("Signature-256", sig256)
		h.Set("Signature", sig1)
		err := v.Verify(t.Context(), h, body)
		if err != nil {
			if !errors.Is(err, sigverify.ErrInvalidRequest) {
				t.Fatalf("Verify error %v does not wrap ErrInvalidRequest", err)
			}
			return
		}
		sig, derr := base64.StdEncoding.DecodeString(h.Get("Signature-256"))
		digest := sha256.Sum256(body)
		if derr != nil || rsa.VerifyPKCS1v15(&p.leafKey.PublicKey, crypto.SHA256, digest[:], sig) != nil {
			t.Fatalf("Verify accepted a body its Signature-256 does not sign (URL %q)", certURL)
		}
	})
}

func BenchmarkVerifyCached(b *testing.B) {
	p := mustPKI(b)
	v := &sigverify.Verifier{
		Roots:  p.roots,
		Client: &fakeS3{DoFn: serve(p.goodChain())},
		Now:    func() time.Time { return testNow },
	}
	a := validRequest(p)
	h := a.httpRequest(p).Header
	if err := v.Verify(b.Context(), h, a.body); err != nil { // fills the cache
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify(b.Context(), h, a.body); err != nil {
			b.Fatal(err)
		}
	}
}
