package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/mfa"
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

func TestLambdaHandlerPassesTheRequestThrough(t *testing.T) {
	ev := mustEvent(t, "testdata/verification.json")
	type seen struct {
		Method, URL, Host, RemoteAddr, ContentType, Body string
		ContentLength                                    int64
	}
	var got seen
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = seen{r.Method, r.URL.String(), r.Host, r.RemoteAddr, r.Header.Get("Content-Type"), string(body), r.ContentLength}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Vary", "Accept")
		w.Header().Add("Vary", "Origin")
		w.WriteHeader(http.StatusTeapot)
		_, _ = io.WriteString(w, `{"ok":true}`)
	})
	resp, err := lambdaHandler(h)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	want := seen{"POST", "/mfa/v1/verifications", "abc123.execute-api.eu-west-1.amazonaws.com", "203.0.113.7",
		"application/json", `{"tenant":"t-1","user":"u-1","code":"14309"}`, 44}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	wantResp := events.APIGatewayV2HTTPResponse{
		StatusCode: http.StatusTeapot,
		Headers:    map[string]string{"Content-Type": "application/json", "Vary": "Accept,Origin"},
		Cookies:    []string{"a=1"},
		Body:       `{"ok":true}`,
	}
	if diff := cmp.Diff(wantResp, resp); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
}

func TestLambdaHandlerEncodesBinaryBodies(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte{0xff, 0x00, 0xfe}) })
	ev := events.APIGatewayV2HTTPRequest{RawPath: "/x", RawQueryString: "a=1&b=2"}
	ev.RequestContext.HTTP.Method = "GET"
	resp, err := lambdaHandler(h)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if !resp.IsBase64Encoded || resp.Body != "/wD+" {
		t.Errorf("body = %q (base64 %v), want /wD+ base64-encoded", resp.Body, resp.IsBase64Encoded)
	}
}

func TestLambdaHandlerRefusesBadBase64(t *testing.T) {
	ev := events.APIGatewayV2HTTPRequest{RawPath: "/x", Body: "%%%", IsBase64Encoded: true}
	ev.RequestContext.HTTP.Method = "POST"
	if _, err := lambdaHandler(http.NotFoundHandler())(context.Background(), ev); err == nil {
		t.Error("a body that is not base64 was accepted")
	}
}

// routeAPI answers for the routes the mfa handler serves, recording the arguments.
type routeAPI struct{ got []string }

func (a *routeAPI) Challenge(_ context.Context, tenantID, userID string) (mfa.Challenge, error) {
	a.got = append(a.got, "challenge "+tenantID+" "+userID)
	return mfa.Challenge{Method: "token"}, nil
}

func (a *routeAPI) Verify(_ context.Context, tenantID, userID, code string) (mfa.Elevation, error) {
	a.got = append(a.got, "verify "+tenantID+" "+userID+" "+code)
	return mfa.Elevation{Until: time.Date(2026, 1, 2, 3, 14, 5, 0, time.UTC)}, nil
}

func (a *routeAPI) Elevation(_ context.Context, tenantID, userID string) (mfa.Elevation, error) {
	a.got = append(a.got, "elevation "+tenantID+" "+userID)
	return mfa.Elevation{}, mfa.ErrNotElevated
}

func (a *routeAPI) Lock(_ context.Context, tenantID, userID string) error {
	a.got = append(a.got, "lock "+tenantID+" "+userID)
	return nil
}

func TestLambdaHandlerServesTheMFAAPI(t *testing.T) {
	api := &routeAPI{}
	serve := lambdaHandler(mfa.NewHandler(api))
	call := func(method, path, body string) events.APIGatewayV2HTTPResponse {
		t.Helper()
		ev := events.APIGatewayV2HTTPRequest{RawPath: path, Body: body, Headers: map[string]string{"content-type": "application/json"}}
		ev.RequestContext.HTTP.Method = method
		resp, err := serve(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	verify := mustEvent(t, "testdata/verification.json")
	resp, err := serve(context.Background(), verify)
	if err != nil || resp.StatusCode != http.StatusOK || resp.Body != "{\"until\":\"2026-01-02T03:14:05Z\"}\n" {
		t.Errorf("verification: %d %q %v", resp.StatusCode, resp.Body, err)
	}
	if r := call("POST", "/mfa/v1/challenges", `{"tenant":"t-1","user":"u-1"}`); r.StatusCode != http.StatusOK {
		t.Errorf("challenge: %d %s", r.StatusCode, r.Body)
	}
	if r := call("GET", "/mfa/v1/elevations/t-1/u-1", ""); r.StatusCode != http.StatusNotFound || r.Headers["Content-Type"] != "application/json" {
		t.Errorf("elevation: %d %v %s", r.StatusCode, r.Headers, r.Body)
	}
	if r := call("DELETE", "/mfa/v1/elevations/t-1/u-1", ""); r.StatusCode != http.StatusNoContent {
		t.Errorf("lock: %d %s", r.StatusCode, r.Body)
	}
	want := []string{"verify t-1 u-1 14309", "challenge t-1 u-1", "elevation t-1 u-1", "lock t-1 u-1"}
	if diff := cmp.Diff(want, api.got); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}
