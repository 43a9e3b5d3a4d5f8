package mfa

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
)

// TestClientReadsTheGatewaysOwnAnswers: API Gateway answers some requests itself,
// without our error code. Its throttling (429) and the function's (503) are
// ErrThrottled, which the skill answers with "try again in a moment"; a refused
// signature (403) or an internal error is not taken for a wrong code or a throttle.
func TestClientReadsTheGatewaysOwnAnswers(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		throttled bool
	}{
		{"APIThrottled", http.StatusTooManyRequests, `{"message":"Too Many Requests"}`, true},
		{"FunctionThrottled", http.StatusServiceUnavailable, `{"message":"Service Unavailable"}`, true},
		{"SignatureRefused", http.StatusForbidden, `{"message":"Forbidden"}`, false},
		{"InternalError", http.StatusInternalServerError, `{"message":"Internal Server Error"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c := NewClient(srv.URL, srv.Client(), credentials.NewStaticCredentialsProvider("AKID", "secret", ""), "eu-west-1")
			_, err := c.Verify(context.Background(), "t-1", "u-1", here, "123456")
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrThrottled) != tc.throttled || errors.Is(err, ErrInvalidCode) || errors.Is(err, ErrLocked) {
				t.Errorf("error %v: throttled %v, want %v, and never a code or lock error", err, errors.Is(err, ErrThrottled), tc.throttled)
			}
			if !strings.Contains(err.Error(), strconv.Itoa(tc.status)) {
				t.Errorf("error %v does not say what the gateway answered", err)
			}
		})
	}
}
