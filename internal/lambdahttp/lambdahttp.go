// Package lambdahttp serves an http.Handler as a Lambda function behind an API Gateway
// HTTP API (payload format 2.0), so that the oauth and mfa functions run the same
// handlers as the local stack.
package lambdahttp

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// Handler returns the Lambda handler that serves h: each event becomes the
// http.Request API Gateway received (with the invocation's context, so its deadline
// bounds the work) and h's answer the response. An event whose body cannot be decoded
// is answered 400 without reaching h. It never returns an error: that would make API
// Gateway answer 500 for what is the client's fault.
func Handler(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		req, err := toRequest(ctx, ev)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusBadRequest,
				Headers: map[string]string{"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"},
				Body:    "bad request\n"}, nil
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return toResponse(rec.Result().StatusCode, rec.Header(), rec.Body.Bytes()), nil
	}
}

// toRequest rebuilds the request API Gateway received. Payload 2.0 passes repeated
// headers joined by commas (as HTTP allows), cookies apart (joined back into one
// Cookie header), the body base64-encoded when isBase64Encoded, and the client's
// address as sourceIp (which becomes RemoteAddr; X-Forwarded-For is left for what it is).
func toRequest(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return nil, fmt.Errorf("decode base64 body: %w", err)
		}
	}
	target := ev.RawPath
	if ev.RawQueryString != "" {
		target += "?" + ev.RawQueryString
	}
	req, err := http.NewRequestWithContext(ctx, ev.RequestContext.HTTP.Method, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("request %s %s: %w", ev.RequestContext.HTTP.Method, ev.RawPath, err)
	}
	for k, v := range ev.Headers {
		req.Header.Set(k, v)
	}
	if len(ev.Cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	req.Host = ev.RequestContext.DomainName
	req.RemoteAddr = ev.RequestContext.HTTP.SourceIP
	req.RequestURI = target
	return req, nil
}

// toResponse is the HTTP API response for an answer: Set-Cookie headers go in
// Cookies, other repeated headers are joined with commas, bodies that are not UTF-8
// go base64-encoded.
func toResponse(status int, header http.Header, body []byte) events.APIGatewayV2HTTPResponse {
	resp := events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: map[string]string{}}
	for k, vs := range header {
		if k == "Set-Cookie" {
			resp.Cookies = append(resp.Cookies, vs...)
			continue
		}
		resp.Headers[k] = strings.Join(vs, ",")
	}
	if utf8.Valid(body) {
		resp.Body = string(body)
	} else {
		resp.Body = base64.StdEncoding.EncodeToString(body)
		resp.IsBase64Encoded = true
	}
	return resp
}
