package mfa

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/easytocloud/easytocloud/internal/awstest"
)

// testCreds sign the Client's requests; the test server checks the signature.
var testCreds = aws.Credentials{AccessKeyID: "AKIDCLIENTTEST", SecretAccessKey: "client-test-secret", Source: "test"}

// client serves the env's Service over HTTP behind a SigV4 check (what API Gateway's
// IAM authorization does) and returns a Client of it.
func (e *env) client(tb testing.TB) *Client {
	srv := httptest.NewServer(e.requireSigV4(tb, NewHandler(e.svc)))
	tb.Cleanup(srv.Close)
	tb.Cleanup(func() {
		if e.signedReq.Load() == 0 {
			tb.Error("no signed request reached the HTTP API")
		}
	})
	creds := credentials.NewStaticCredentialsProvider(testCreds.AccessKeyID, testCreds.SecretAccessKey, "")
	return NewClient(srv.URL+"/", srv.Client(), creds, awstest.DefaultRegion)
}

var signedHeaders = regexp.MustCompile(`SignedHeaders=([^,]+)`)

// requireSigV4 answers 403 unless the request carries a valid SigV4 signature by
// testCreds for execute-api in the default region, and keeps every answer body for
// the secrets check.
func (e *env) requireSigV4(tb testing.TB, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		auth := r.Header.Get("Authorization")
		at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
		m := signedHeaders.FindStringSubmatch(auth)
		if err != nil || m == nil {
			http.Error(w, `{"message":"Missing Authentication Token"}`, http.StatusForbidden)
			return
		}
		again, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
		for _, h := range strings.Split(m[1], ";") {
			if h != "host" {
				again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
			}
		}
		sum := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(r.Context(), testCreds, again, hex.EncodeToString(sum[:]), "execute-api", awstest.DefaultRegion, at); err != nil {
			tb.Errorf("re-sign: %v", err)
		}
		if again.Header.Get("Authorization") != auth {
			http.Error(w, `{"message":"Forbidden"}`, http.StatusForbidden)
			tb.Errorf("request %s %s: signature does not verify:\n got %s\nwant %s", r.Method, r.URL, auth, again.Header.Get("Authorization"))
			return
		}
		e.signedReq.Add(1)
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(teeWriter{w, &e.answers}, r)
	})
}

type teeWriter struct {
	http.ResponseWriter
	copy io.Writer
}

func (t teeWriter) Write(p []byte) (int, error) {
	_, _ = t.copy.Write(p)
	return t.ResponseWriter.Write(p)
}
