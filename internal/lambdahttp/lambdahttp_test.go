package lambdahttp_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/internal/lambdahttp"
)

// mustEvent reads an event as API Gateway sends it (testdata holds real ones).
func mustEvent(tb testing.TB, name string) events.APIGatewayV2HTTPRequest {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(data, &ev); err != nil {
		tb.Fatalf("decode %s: %v", name, err)
	}
	return ev
}

// seen is what a handler sees of a request.
type seen struct {
	Method, URL, Host, RemoteAddr, ContentType, Cookie, Body string
	ContentLength                                            int64
	BasicUser, BasicPass                                     string
}

// record notes the request in got and answers with a redirect, two cookies, a
// repeated header and a UTF-8 body.
func record(got *seen) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u, p, _ := r.BasicAuth()
		*got = seen{r.Method, r.URL.String(), r.Host, r.RemoteAddr, r.Header.Get("Content-Type"), r.Header.Get("Cookie"),
			string(body), r.ContentLength, u, p}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Add("Set-Cookie", "__Host-a=1; Path=/; Secure; HttpOnly")
		w.Header().Add("Set-Cookie", "b=2")
		w.Header().Add("Vary", "Accept")
		w.Header().Add("Vary", "Cookie")
		w.Header().Set("Location", "https://layla.amazon.com/api/skill/link/X?code=c&state=s")
		w.WriteHeader(http.StatusSeeOther)
		_, _ = io.WriteString(w, "<p>é</p>")
	})
}

// TestRequests: real events of each kind reach the handler as the request API
// Gateway received: method, path and query, host, source address, headers, cookies,
// a base64 body decoded with its length.
func TestRequests(t *testing.T) {
	for _, tc := range []struct {
		event string
		want  seen
	}{
		{"token.json", seen{"POST", "/oauth/token", "abc123.execute-api.eu-west-1.amazonaws.com", "54.239.0.10",
			"application/x-www-form-urlencoded", "",
			"grant_type=authorization_code&code=CODE&redirect_uri=https%3A%2F%2Flayla.amazon.com%2Fapi%2Fskill%2Flink%2FM2TESTVENDOR",
			119, "abc", "s3cret"}},
		{"authorize.json", seen{Method: "GET", Host: "abc123.execute-api.eu-west-1.amazonaws.com", RemoteAddr: "198.51.100.23", Cookie: "a=1; b=2",
			URL: "/oauth/authorize?client_id=abc&redirect_uri=https%3A%2F%2Flayla.amazon.com%2Fapi%2Fskill%2Flink%2FM2TESTVENDOR&response_type=code&scope=easytocloud&state=A2SAAEAE"}},
		{"verification.json", seen{"POST", "/mfa/v1/verifications", "abc123.execute-api.eu-west-1.amazonaws.com", "203.0.113.7",
			"application/json", "", `{"tenant":"t-1","user":"u-1","code":"14309"}`, 44, "", ""}},
	} {
		t.Run(tc.event, func(t *testing.T) {
			var got seen
			if _, err := lambdahttp.Handler(record(&got))(context.Background(), mustEvent(t, tc.event)); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

// TestResponse: Set-Cookie headers go in Cookies, other repeated headers are joined
// with commas, a UTF-8 body is sent as it is.
func TestResponse(t *testing.T) {
	var got seen
	resp, err := lambdahttp.Handler(record(&got))(context.Background(), mustEvent(t, "token.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := events.APIGatewayV2HTTPResponse{
		StatusCode: http.StatusSeeOther,
		Headers: map[string]string{"Content-Type": "text/html; charset=utf-8", "Vary": "Accept,Cookie",
			"Location": "https://layla.amazon.com/api/skill/link/X?code=c&state=s"},
		Cookies: []string{"__Host-a=1; Path=/; Secure; HttpOnly", "b=2"},
		Body:    "<p>é</p>",
	}
	if diff := cmp.Diff(want, resp); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
}

func TestBinaryBodyIsBase64Encoded(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte{0xff, 0x00, 0xfe}) })
	ev := events.APIGatewayV2HTTPRequest{RawPath: "/x", RawQueryString: "a=1&b=2"}
	ev.RequestContext.HTTP.Method = "GET"
	resp, err := lambdahttp.Handler(h)(context.Background(), ev)
	if err != nil || resp.StatusCode != http.StatusOK || !resp.IsBase64Encoded || resp.Body != "/wD+" {
		t.Errorf("binary body = %d %q (base64 %v), %v; want 200 and /wD+ base64-encoded", resp.StatusCode, resp.Body, resp.IsBase64Encoded, err)
	}
}

// TestUndecodableBodyIs400: the client's fault is answered 400 without reaching the
// handler, not returned as an error (which API Gateway would answer 500).
func TestUndecodableBodyIs400(t *testing.T) {
	called := false
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true })
	ev := events.APIGatewayV2HTTPRequest{RawPath: "/x", Body: "not base64!", IsBase64Encoded: true}
	ev.RequestContext.HTTP.Method = "POST"
	resp, err := lambdahttp.Handler(h)(context.Background(), ev)
	if err != nil || resp.StatusCode != http.StatusBadRequest || called {
		t.Errorf("undecodable body: %d, %v, handler called %v; want 400 and no call", resp.StatusCode, err, called)
	}
	if resp.Headers["Cache-Control"] != "no-store" {
		t.Errorf("headers %v", resp.Headers)
	}
}

// TestInvocationDeadlineReachesTheHandler: the request carries the invocation's
// context, so the handler's AWS calls stop when Lambda's time is up.
func TestInvocationDeadlineReachesTheHandler(t *testing.T) {
	deadline := time.Now().Add(time.Minute)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	var got time.Time
	h := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got, _ = r.Context().Deadline() })
	if _, err := lambdahttp.Handler(h)(ctx, mustEvent(t, "authorize.json")); err != nil {
		t.Fatal(err)
	}
	if !got.Equal(deadline) {
		t.Errorf("handler's deadline %v, want %v", got, deadline)
	}
}
