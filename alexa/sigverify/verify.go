// Package sigverify verifies that an HTTPS request really comes from Alexa, as Amazon
// specifies for custom skills hosted as web services ("Verify that the request was
// sent by Alexa"): the SignatureCertChainUrl header is normalised and checked, the
// certificate chain it names is downloaded, checked and cached, the Signature-256
// header (RSA PKCS #1 v1.5 over SHA-256 of the raw body) is verified with the signing
// certificate's key, and the request's timestamp must be within 150 seconds of now.
//
// The legacy Signature header (SHA-1) is not accepted on its own: Alexa sends
// Signature-256 with every request, and SHA-1 is no longer a safe signature hash.
package sigverify

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// ErrInvalidRequest is wrapped by every error Verify returns: the request is not
// proven to come from Alexa and must be answered with HTTP 400.
var ErrInvalidRequest = errors.New("sigverify: invalid request")

const (
	// headerCertURL names the signing certificate chain.
	headerCertURL = "SignatureCertChainUrl"
	// headerSignature256 holds the base64 RSA signature over SHA-256 of the body.
	headerSignature256 = "Signature-256"
	// headerSignatureSHA1 is the legacy SHA-1 signature, refused on its own.
	headerSignatureSHA1 = "Signature"
	// maxSignatureLen bounds the base64 header (a 8192-bit RSA signature is 1,368).
	maxSignatureLen = 2048
	// Tolerance is how far the request timestamp may be from now, either way.
	Tolerance = 150 * time.Second
)

// Verifier verifies Alexa request signatures. The zero value is ready to use (system
// roots, a default HTTP client, the real clock); set the fields before first use and
// do not copy a Verifier after that. It is safe for concurrent use.
type Verifier struct {
	// Roots are the trust anchors for the certificate chain; nil means the system pool.
	// Certificates from the download are never added to it.
	Roots *x509.CertPool
	// Client downloads certificate chains; nil means an http.Client that does not
	// follow redirects. *http.Client fits.
	Client interface {
		Do(*http.Request) (*http.Response, error)
	}
	// Now is the clock for the timestamp and certificate validity; nil means time.Now.
	Now func() time.Time
	// FetchTimeout bounds one certificate download; zero means 4 seconds.
	FetchTimeout time.Duration
	// Logger receives Middleware's rejection lines; nil means slog.Default().
	Logger *slog.Logger

	mu       sync.Mutex
	cache    map[string]signingCert // by normalised URL
	inflight map[string]*call       // by normalised URL
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// Verify reports whether the request with headers h and raw body body was sent by
// Alexa. It returns nil, or an error wrapping ErrInvalidRequest whose text names the
// reason (for the log; never show it to the client). The cheap checks (headers, URL,
// timestamp) run before any download. Verify does not check the application ID: the
// skill handler does, on the decoded request.
func (v *Verifier) Verify(ctx context.Context, h http.Header, body []byte) error {
	if err := v.verify(ctx, h, body); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	return nil
}

func (v *Verifier) verify(ctx context.Context, h http.Header, body []byte) error {
	sig, err := signature(h)
	if err != nil {
		return err
	}
	url, err := certURL(h.Get(headerCertURL))
	if err != nil {
		return err
	}
	now := v.now()
	if err := checkTimestamp(body, now); err != nil {
		return err
	}
	cert, err := v.signingCert(ctx, url, now)
	if err != nil {
		return err
	}
	digest := sha256.Sum256(body)
	if err := rsa.VerifyPKCS1v15(cert.key, crypto.SHA256, digest[:], sig); err != nil {
		return errors.New("Signature-256 does not match the body")
	}
	return nil
}

// signature decodes the Signature-256 header.
func signature(h http.Header) ([]byte, error) {
	s := h.Get(headerSignature256)
	switch {
	case s == "" && h.Get(headerSignatureSHA1) != "":
		return nil, errors.New("only the legacy SHA-1 Signature header; Signature-256 required")
	case s == "":
		return nil, errors.New("missing Signature-256 header")
	case len(s) > maxSignatureLen:
		return nil, errors.New("Signature-256 header too long")
	}
	sig, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(sig) == 0 {
		return nil, errors.New("Signature-256 header is not base64")
	}
	return sig, nil
}

// checkTimestamp requires request.timestamp in the body (RFC 3339, as Alexa sends it)
// within Tolerance of now.
func checkTimestamp(body []byte, now time.Time) error {
	var env struct {
		Request struct {
			Timestamp string `json:"timestamp"`
		} `json:"request"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return errors.New("body is not a JSON request envelope")
	}
	if env.Request.Timestamp == "" {
		return errors.New("missing request.timestamp")
	}
	ts, err := time.Parse(time.RFC3339, env.Request.Timestamp)
	if err != nil {
		return errors.New("request.timestamp is not RFC 3339")
	}
	if d := now.Sub(ts); d > Tolerance || d < -Tolerance {
		return fmt.Errorf("request.timestamp is %s from now (tolerance %s)", d.Round(time.Second), Tolerance)
	}
	return nil
}
