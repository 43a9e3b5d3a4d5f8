package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/internal/lambdahttp"
	"github.com/easytocloud/easytocloud/mfa"
)

// routeAPI answers for the routes the mfa handler serves, recording the arguments.
type routeAPI struct{ got []string }

func (a *routeAPI) Challenge(_ context.Context, tenantID, userID string, from mfa.Origin) (mfa.Challenge, error) {
	a.got = append(a.got, "challenge "+tenantID+" "+userID+" "+from.String())
	return mfa.Challenge{Method: "token"}, nil
}

func (a *routeAPI) Verify(_ context.Context, tenantID, userID string, from mfa.Origin, code string) (mfa.Elevation, error) {
	a.got = append(a.got, "verify "+tenantID+" "+userID+" "+from.String()+" "+code)
	return mfa.Elevation{Until: time.Date(2026, 1, 2, 3, 14, 5, 0, time.UTC)}, nil
}

func (a *routeAPI) Elevation(_ context.Context, tenantID, userID string, from mfa.Origin) (mfa.Elevation, error) {
	a.got = append(a.got, "elevation "+tenantID+" "+userID+" "+from.String())
	return mfa.Elevation{}, mfa.ErrNotElevated
}

func (a *routeAPI) Lock(_ context.Context, tenantID, userID string) error {
	a.got = append(a.got, "lock "+tenantID+" "+userID)
	return nil
}

// TestLambdaHandlerServesTheMFAAPI: the handler main starts serves every route of the
// mfa API through the HTTP API adapter.
func TestLambdaHandlerServesTheMFAAPI(t *testing.T) {
	api := &routeAPI{}
	serve := lambdahttp.Handler(mfa.NewHandler(api))
	call := func(method, path, body string) events.APIGatewayV2HTTPResponse {
		t.Helper()
		path, query, _ := strings.Cut(path, "?")
		ev := events.APIGatewayV2HTTPRequest{RawPath: path, RawQueryString: query, Body: body, Headers: map[string]string{"content-type": "application/json"}}
		ev.RequestContext.HTTP.Method = method
		resp, err := serve(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	from := mfa.NewOrigin("amzn1.ask.account.LAMBDA", "amzn1.ask.device.LAMBDA", "")
	if r := call("POST", "/mfa/v1/verifications", `{"tenant":"t-1","user":"u-1","origin":"`+from.String()+`","code":"14309"}`); r.StatusCode != http.StatusOK ||
		r.Body != "{\"until\":\"2026-01-02T03:14:05Z\"}\n" {
		t.Errorf("verification: %d %q", r.StatusCode, r.Body)
	}
	if r := call("POST", "/mfa/v1/challenges", `{"tenant":"t-1","user":"u-1","origin":"`+from.String()+`"}`); r.StatusCode != http.StatusOK {
		t.Errorf("challenge: %d %s", r.StatusCode, r.Body)
	}
	if r := call("GET", "/mfa/v1/elevations/t-1/u-1?origin="+from.String(), ""); r.StatusCode != http.StatusNotFound || r.Headers["Content-Type"] != "application/json" {
		t.Errorf("elevation: %d %v %s", r.StatusCode, r.Headers, r.Body)
	}
	if r := call("DELETE", "/mfa/v1/elevations/t-1/u-1", ""); r.StatusCode != http.StatusNoContent {
		t.Errorf("lock: %d %s", r.StatusCode, r.Body)
	}
	want := []string{"verify t-1 u-1 " + from.String() + " 14309", "challenge t-1 u-1 " + from.String(), "elevation t-1 u-1 " + from.String(), "lock t-1 u-1"}
	if diff := cmp.Diff(want, api.got); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}
