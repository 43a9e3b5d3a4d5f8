package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
)

func mustEvent(tb testing.TB, path string) events.APIGatewayV2HTTPRequest {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(data, &ev); err != nil {
		tb.Fatalf("decode %s: %v", path, err)
	}
	return ev
}

type seen struct {
	Method, URL, Host, RemoteAddr, ContentType, Cookie, Body string
	ContentLength                                            int64
	BasicUser, BasicPass                                     string
}

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

func TestLambdaHandlerTokenEvent(t *testing.T) {
	var got seen
	resp, err := lambdaHandler(record(&got))(context.Background(), mustEvent(t, "testdata/token.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := seen{"POST", "/oauth/token", "abc123.execute-api.eu-west-1.amazonaws.com", "54.239.0.10",
		"application/x-www-form-urlencoded", "",
		"grant_type=authorization_code&code=CODE&redirect_uri=https%3A%2F%2Flayla.amazon.com%2Fapi%2Fskill%2Flink%2FM2TESTVENDOR",
		119, "abc", "s3cret"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	wantResp := events.APIGatewayV2HTTPResponse{
		StatusCode: http.StatusSeeOther,
		Headers: map[string]string{"Content-Type": "text/html; charset=utf-8", "Vary": "Accept,Cookie",
			"Location": "https://layla.amazon.com/api/skill/link/X?code=c&state=s"},
		Cookies: []string{"__Host-a=1; Path=/; Secure; HttpOnly", "b=2"},
		Body:    "<p>é</p>",
	}
	if diff := cmp.Diff(wantResp, resp); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
}

func TestLambdaHandlerAuthorizeEvent(t *testing.T) {
	var got seen
	if _, err := lambdaHandler(record(&got))(context.Background(), mustEvent(t, "testdata/authorize.json")); err != nil {
		t.Fatal(err)
	}
	want := seen{Method: "GET", Host: "abc123.execute-api.eu-west-1.amazonaws.com", RemoteAddr: "198.51.100.23", Cookie: "a=1; b=2",
		URL: "/oauth/authorize?client_id=abc&redirect_uri=https%3A%2F%2Flayla.amazon.com%2Fapi%2Fskill%2Flink%2FM2TESTVENDOR&response_type=code&scope=easytocloud&state=A2SAAEAE"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
}

func TestLambdaHandlerBinaryAndBadBodies(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte{0xff, 0x00, 0xfe}) })
	ev := events.APIGatewayV2HTTPRequest{RawPath: "/x"}
	ev.RequestContext.HTTP.Method = "GET"
	resp, err := lambdaHandler(h)(context.Background(), ev)
	if err != nil || !resp.IsBase64Encoded || resp.Body != "/wD+" {
		t.Errorf("binary body = %q (base64 %v), %v; want /wD+ base64-encoded", resp.Body, resp.IsBase64Encoded, err)
	}
	ev.Body, ev.IsBase64Encoded = "not base64!", true
	resp, err = lambdaHandler(h)(context.Background(), ev)
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("undecodable body: %d, %v; want 400", resp.StatusCode, err)
	}
}
