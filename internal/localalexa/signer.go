package localalexa

import (
	"bytes"
	"crypto"
	"fmt"
	"io"
	"net/http"
)

// Header names Alexa signs with.
const (
	HeaderCertChainURL = "SignatureCertChainUrl"
	HeaderSignature256 = "Signature-256"
)

// Signer signs requests as Alexa does, with an Identity's signing key. It is safe for
// concurrent use.
type Signer struct{ id *Identity }

// Signer returns a Signer for the identity.
func (id *Identity) Signer() *Signer { return &Signer{id: id} }

// Sign reads r's body, sets SignatureCertChainUrl to CertChainURL and Signature-256 to
// the base64 RSA PKCS #1 v1.5 signature over SHA-256 of the body, and puts the body
// back (readable again, with GetBody and ContentLength set). Sign does not touch the
// body: Alexa's request timestamp, which verifiers check, is the caller's to set fresh.
// It returns an error only when the body cannot be read or the key cannot sign.
func (s *Signer) Sign(r *http.Request) error {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return fmt.Errorf("localalexa: sign: read body: %w", err)
		}
		body = b
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	if err := s.SignHeader(r.Header, body); err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r.ContentLength = int64(len(body))
	return nil
}

// SignHeader sets the two signature headers in h for body, as Sign does. Use it where
// the body is at hand and the request is not (an httptest request, a Lambda event).
func (s *Signer) SignHeader(h http.Header, body []byte) error {
	sig, err := SignBody(s.id.key, crypto.SHA256, body)
	if err != nil {
		return err
	}
	h.Set(HeaderCertChainURL, CertChainURL)
	h.Set(HeaderSignature256, sig)
	return nil
}
