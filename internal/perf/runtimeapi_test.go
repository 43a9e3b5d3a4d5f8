package perf

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// runtimeAPI stands in for the Lambda Runtime API (the documented routes under
// /2018-06-01/runtime/): it hands a function process the queued events, one per
// GET invocation/next, and collects what the process answers.
type runtimeAPI struct {
	*httptest.Server
	events chan []byte

	mu        sync.Mutex
	n         int
	firstNext time.Time   // when the process first asked for an event: init done
	answers   chan answer // responses and errors, in order
}

// answer is what the function posted for one invocation.
type answer struct {
	at   time.Time
	body []byte
	err  bool // posted to /error (or init/error)
}

const runtimePrefix = "/2018-06-01/runtime/"

func newRuntimeAPI() *runtimeAPI {
	r := &runtimeAPI{events: make(chan []byte, 16), answers: make(chan answer, 16)}
	r.Server = httptest.NewServer(r)
	return r
}

func (r *runtimeAPI) initDone() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.firstNext
}

func (r *runtimeAPI) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	path := strings.TrimPrefix(req.URL.Path, runtimePrefix)
	switch {
	case req.Method == http.MethodGet && path == "invocation/next":
		r.mu.Lock()
		if r.firstNext.IsZero() {
			r.firstNext = time.Now()
		}
		r.n++
		id := fmt.Sprintf("perf-%06d", r.n)
		r.mu.Unlock()
		select {
		case ev := <-r.events:
			h := w.Header()
			h.Set("Lambda-Runtime-Aws-Request-Id", id)
			h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(30*time.Second).UnixMilli(), 10))
			h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:easytocloud-perf")
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
			h.Set("Content-Type", "application/json")
			_, _ = w.Write(ev)
		case <-req.Context().Done(): // the process is gone
		}
	case req.Method == http.MethodPost && strings.HasPrefix(path, "invocation/") &&
		(strings.HasSuffix(path, "/response") || strings.HasSuffix(path, "/error")):
		b, _ := io.ReadAll(req.Body)
		r.answers <- answer{at: time.Now(), body: b, err: strings.HasSuffix(path, "/error")}
		w.WriteHeader(http.StatusAccepted)
	case req.Method == http.MethodPost && path == "init/error":
		b, _ := io.ReadAll(req.Body)
		r.answers <- answer{at: time.Now(), body: b, err: true}
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, req)
	}
}
