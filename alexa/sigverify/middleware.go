package sigverify

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
)

// MaxBodyBytes bounds the request body Middleware reads. Alexa requests are a few
// kilobytes; dynamic entities and APL events stay well below this.
const MaxBodyBytes = 256 << 10

// Middleware verifies each request with v before next sees it. It reads the body (at
// most MaxBodyBytes), verifies headers and body, and answers any failure with HTTP 400
// and a generic body; the reason goes to v.Logger (never the body, which holds tokens).
// On success next receives the request with the unchanged body, readable again.
func Middleware(v *Verifier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		if err == nil {
			err = v.Verify(r.Context(), r.Header, body)
		} else {
			err = fmt.Errorf("%w: read body: %w", ErrInvalidRequest, err)
		}
		if err != nil {
			v.logger().WarnContext(r.Context(), "alexa request rejected",
				slog.String("reason", err.Error()),
				slog.String("remote", r.RemoteAddr))
			http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

func (v *Verifier) logger() *slog.Logger {
	if v.Logger != nil {
		return v.Logger
	}
	return slog.Default()
}
