// Package faults injects AWS failures for tests: a Transport, set as the
// http.RoundTripper of an aws.Config's HTTP client, answers chosen requests with
// throttling, a server error or a timeout, or lets a request run and then loses its
// answer, in each service's own wire format, so that the SDK and the code above it
// see what AWS would send. Everything else goes on to the emulator.
//
//	ft := faults.New(http.DefaultTransport)
//	cfg.HTTPClient = &http.Client{Transport: ft}
//	ft.Add(faults.Rule{Service: "ec2", Action: "StartInstances", Kind: faults.LostResponse, Times: 1})
//
// Requests are told apart by their SigV4 signature (the service in the credential
// scope) and the operation (X-Amz-Target for JSON protocols, the Action form field for
// query protocols, "METHOD /path" for execute-api). It counts every attempt it sees
// and every fault it injects, by service and operation.
package faults

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Kind is what goes wrong.
type Kind int

const (
	// Throttle refuses the request as AWS does when over a rate limit: the request
	// did not run, and the SDK may retry it.
	Throttle Kind = iota + 1
	// ServerError answers 500 before the request reaches the service: it did not
	// run, but the caller cannot know that.
	ServerError
	// Timeout fails the request with a network timeout before it reaches the service.
	Timeout
	// LostResponse lets the request run, then answers 500 instead of its result: the
	// change happened and the caller was told it failed.
	LostResponse
)

func (k Kind) String() string {
	switch k {
	case Throttle:
		return "throttle"
	case ServerError:
		return "server error"
	case Timeout:
		return "timeout"
	case LostResponse:
		return "lost response"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Rule says which requests fail and how.
type Rule struct {
	// Service is the SigV4 signing name: "sts", "ec2", "sns", "kms", "dynamodb",
	// "kinesis", "execute-api". Required.
	Service string
	// Action is the operation ("StartInstances", "GetItem", "POST /mfa/v1/verifications");
	// "" matches every operation of the service.
	Action string
	Kind   Kind
	// Skip is how many matching requests pass before the rule starts failing them.
	Skip int
	// Times is how many matching requests fail; 0 fails every one.
	Times int
	// Delay is how long a Timeout waits before failing (or until the request's
	// context ends); zero fails at once.
	Delay time.Duration
}

type rule struct {
	Rule
	skip int
	left int // -1: unlimited
}

// Transport is an http.RoundTripper that injects faults by rule. It is safe for
// concurrent use.
type Transport struct {
	next http.RoundTripper

	mu       sync.Mutex
	rules    []*rule
	calls    map[string]int // "service:Action" → attempts seen
	injected map[string]int // "service:Action" → faults injected
}

// New returns a Transport that sends what it does not fail to next
// (http.DefaultTransport when nil).
func New(next http.RoundTripper) *Transport {
	if next == nil {
		next = http.DefaultTransport
	}
	return &Transport{next: next, calls: map[string]int{}, injected: map[string]int{}}
}

// Add adds a rule. The first rule that matches a request and has failures left
// decides it.
func (t *Transport) Add(r Rule) {
	t.mu.Lock()
	defer t.mu.Unlock()
	left := r.Times
	if left == 0 {
		left = -1
	}
	t.rules = append(t.rules, &rule{Rule: r, skip: r.Skip, left: left})
}

// Clear removes every rule; the counts stay.
func (t *Transport) Clear() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rules = nil
}

// Calls returns how many attempts of service's action (every action when "") the
// Transport saw, faulted or not.
func (t *Transport) Calls(service, action string) int { return t.count(t.calls, service, action) }

// Injected returns how many faults were injected into service's action (every
// action when "").
func (t *Transport) Injected(service, action string) int { return t.count(t.injected, service, action) }

// InjectedByService returns the faults injected so far, by service.
func (t *Transport) InjectedByService() map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string]int{}
	for k, n := range t.injected {
		svc, _, _ := strings.Cut(k, ":")
		out[svc] += n
	}
	return out
}

func (t *Transport) count(m map[string]int, service, action string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if action != "" {
		return m[service+":"+action]
	}
	n := 0
	for k, v := range m {
		if strings.HasPrefix(k, service+":") {
			n += v
		}
	}
	return n
}

var credentialScope = regexp.MustCompile(`Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request`)

// Operation returns the SigV4 service and the operation of an AWS request ("" when
// it is not signed). It reads and restores a query-protocol body.
func Operation(req *http.Request) (service, action string, err error) {
	m := credentialScope.FindStringSubmatch(req.Header.Get("Authorization"))
	if m == nil {
		return "", "", nil
	}
	service = m[1]
	switch target := req.Header.Get("X-Amz-Target"); {
	case service == "execute-api":
		return service, req.Method + " " + req.URL.Path, nil
	case target != "":
		_, action, _ = strings.Cut(target, ".") // DynamoDB_20120810.GetItem
		return service, action, nil
	case req.Body != nil && req.Body != http.NoBody:
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return "", "", err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body)) // Action=DescribeInstances&…
		return service, form.Get("Action"), nil
	}
	return service, "", nil
}

// RoundTrip fails req when a rule says so, and sends it on otherwise.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	service, action, err := Operation(req)
	if err != nil {
		return nil, err
	}
	if service == "" {
		return t.next.RoundTrip(req)
	}
	key := service + ":" + action
	t.mu.Lock()
	t.calls[key]++
	var hit *rule
	for _, r := range t.rules {
		if r.left != 0 && r.Service == service && (r.Action == "" || r.Action == action) {
			if r.skip > 0 {
				r.skip--
				continue
			}
			hit = r
			if r.left > 0 {
				r.left--
			}
			t.injected[key]++
			break
		}
	}
	t.mu.Unlock()
	if hit == nil {
		return t.next.RoundTrip(req)
	}
	switch hit.Kind {
	case Throttle:
		return errorResponse(req, service, true), nil
	case ServerError:
		return errorResponse(req, service, false), nil
	case Timeout:
		if hit.Delay > 0 {
			select {
			case <-time.After(hit.Delay):
			case <-req.Context().Done():
				return nil, req.Context().Err()
			}
		}
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: timeoutError{}}
	case LostResponse:
		resp, err := t.next.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return errorResponse(req, service, false), nil
	}
	return nil, fmt.Errorf("faults: unknown kind %v", hit.Kind)
}

// timeoutError is a network timeout, as net reports one.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout (injected)" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// errorResponse is the answer service gives when it throttles (throttle true) or
// fails internally, in its protocol's format.
func errorResponse(req *http.Request, service string, throttle bool) *http.Response {
	status, ctype, body := http.StatusInternalServerError, "text/xml", ""
	queryError := func(code, msg string) string {
		return `<ErrorResponse><Error><Type>Receiver</Type><Code>` + code + `</Code><Message>` + msg +
			`</Message></Error><RequestId>00000000-0000-0000-0000-00000000fa17</RequestId></ErrorResponse>`
	}
	jsonError := func(code, msg string) string { return `{"__type":"` + code + `","message":"` + msg + `"}` }
	switch service {
	case "ec2":
		code, msg := "InternalError", "An internal error has occurred."
		if throttle {
			status, code, msg = http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded."
		}
		body = `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>` + code + `</Code><Message>` + msg +
			`</Message></Error></Errors><RequestID>00000000-0000-0000-0000-00000000fa17</RequestID></Response>`
	case "sts", "sns", "iam":
		body = queryError("InternalFailure", "An internal error occurred.")
		if throttle {
			status, body = http.StatusBadRequest, queryError("Throttling", "Rate exceeded")
		}
	case "dynamodb":
		ctype = "application/x-amz-json-1.0"
		body = jsonError("com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal server error")
		if throttle {
			status, body = http.StatusBadRequest, jsonError("com.amazonaws.dynamodb.v20120810#ThrottlingException", "Rate of requests exceeds the allowed throughput.")
		}
	case "kms":
		ctype = "application/x-amz-json-1.1"
		body = jsonError("KMSInternalException", "An internal error occurred.")
		if throttle {
			status, body = http.StatusBadRequest, jsonError("ThrottlingException", "Rate exceeded")
		}
	case "kinesis":
		ctype = "application/x-amz-json-1.1"
		body = jsonError("InternalFailure", "An internal error occurred.")
		if throttle {
			status, body = http.StatusBadRequest, jsonError("LimitExceededException", "Rate exceeded for stream.")
		}
	default: // API Gateway in front of a Lambda
		ctype = "application/json"
		body = `{"message":"Internal Server Error"}`
		if throttle {
			status, body = http.StatusTooManyRequests, `{"message":"Too Many Requests"}`
		}
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {ctype}, "X-Amzn-Requestid": {"00000000-0000-0000-0000-00000000fa17"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}
