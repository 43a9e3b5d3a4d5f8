package perf

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// recorder is an HTTP transport that notes every AWS call passing through it as
// "service:Operation" (from the SigV4 credential scope and the X-Amz-Target header
// or the query protocol's Action), and the time spent waiting for the answers.
type recorder struct {
	next http.RoundTripper

	mu    sync.Mutex
	calls map[string]int
	wait  time.Duration
}

func newRecorder() *recorder {
	return &recorder{next: http.DefaultTransport.(*http.Transport).Clone(), calls: map[string]int{}}
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	op := operation(req)
	start := time.Now()
	resp, err := r.next.RoundTrip(req)
	if err == nil {
		// The answer is read by the caller; count its reading as waiting too.
		b, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		err = rerr
	}
	took := time.Since(start)
	r.mu.Lock()
	r.calls[op]++
	r.wait += took
	r.mu.Unlock()
	return resp, err
}

// operation names the AWS call req makes.
func operation(req *http.Request) string {
	service := "unknown"
	if m := credentialScope.FindStringSubmatch(req.Header.Get("Authorization")); m != nil {
		service = m[2]
	}
	if t := req.Header.Get("X-Amz-Target"); t != "" {
		_, op, _ := strings.Cut(t, ".")
		return service + ":" + op
	}
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(b))
		if err == nil {
			if v, err := url.ParseQuery(string(b)); err == nil && v.Get("Action") != "" {
				return service + ":" + v.Get("Action")
			}
		}
	}
	return service + ":" + req.Method + " " + req.URL.Path
}

// snapshot returns the calls so far and the time waited, and starts counting afresh.
func (r *recorder) snapshot() (map[string]int, time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	calls, wait := r.calls, r.wait
	r.calls, r.wait = map[string]int{}, 0
	return calls, wait
}

// count sums the calls of a service ("dynamodb", "kms", "sts"; "" for all).
func count(calls map[string]int, service string) int {
	n := 0
	for op, c := range calls {
		if service == "" || strings.HasPrefix(op, service+":") {
			n += c
		}
	}
	return n
}
