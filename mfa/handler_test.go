package mfa

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// fakeAPI is an API whose methods tests set; unset ones fail the test. Like the
// Service, it gives the Handler its logger (Log, or one that drops every line).
type fakeAPI struct {
	t           *testing.T
	ChallengeFn func(tenantID, userID string) (Challenge, error)
	VerifyFn    func(tenantID, userID, code string) (Elevation, error)
	Log         *slog.Logger
}

func (f *fakeAPI) logger() *slog.Logger {
	if f.Log != nil {
		return f.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (f *fakeAPI) Challenge(_ context.Context, tenantID, userID string, _ Origin) (Challenge, error) {
	if f.ChallengeFn == nil {
		f.t.Fatalf("unexpected Challenge(%s, %s)", tenantID, userID)
	}
	return f.ChallengeFn(tenantID, userID)
}

func (f *fakeAPI) Verify(_ context.Context, tenantID, userID string, _ Origin, code string) (Elevation, error) {
	if f.VerifyFn == nil {
		f.t.Fatalf("unexpected Verify(%s, %s)", tenantID, userID)
	}
	return f.VerifyFn(tenantID, userID, code)
}

func (f *fakeAPI) Elevation(context.Context, string, string, Origin) (Elevation, error) {
	f.t.Fatal("unexpected Elevation")
	return Elevation{}, nil
}

func (f *fakeAPI) Lock(context.Context, string, string) error {
	f.t.Fatal("unexpected Lock")
	return nil
}

// jsonPost is a POST of body to path, declared JSON as the Client sends it.
func jsonPost(path, body string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}

func TestHandlerRefusesMalformedBodies(t *testing.T) {
	tests := []struct {
		name, contentType, body, message string
	}{
		{"Empty", "application/json", "", "the body is empty; send a JSON object"},
		{"NotJSON", "application/json", "tenant=t-1", "the body is not valid JSON"},
		{"Truncated", "application/json", `{"tenant":"t-1"`, "the body is not valid JSON"},
		{"UnknownField", "application/json", `{"tenant":"t-1","user":"u-1","code":"514309","admin":true}`, `unknown field "admin"`},
		{"CodeAsNumber", "application/json", `{"tenant":"t-1","user":"u-1","code":514309}`, "code must be a JSON string"},
		{"Array", "application/json", `["t-1"]`, "the body must be a JSON object"},
		{"TwoObjects", "application/json", `{"tenant":"t-1"}{"tenant":"t-2"}`, "the body must hold one JSON object and nothing after it"},
		{"TooLarge", "application/json", `{"tenant":"` + strings.Repeat("t", 5000) + `"}`, "the body is larger than 4096 bytes"},
	}
	h := NewHandler(&fakeAPI{t: t})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/mfa/v1/verifications", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400; body %s", rec.Code, rec.Body)
			}
			var got errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("error body %q is not JSON: %v", rec.Body, err)
			}
			if got.Error != codeBadRequest || got.Message != tc.message {
				t.Errorf("error = %q %q, want %q %q", got.Error, got.Message, codeBadRequest, tc.message)
			}
		})
	}
}

func TestHandlerMapsErrors(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		status     int
		code       string
		retryAfter string
	}{
		{"InvalidCode", &CodeError{TriesLeft: 3}, http.StatusForbidden, "invalid_code", ""},
		{"Locked", &RetryError{Err: ErrLocked, RetryAfter: 14*time.Minute + 500*time.Millisecond}, http.StatusTooManyRequests, "locked", "841"},
		{"LockedOut", ErrLockedOut, http.StatusLocked, "locked_out", ""},
		{"RateLimited", &RetryError{Err: ErrRateLimited, RetryAfter: time.Minute}, http.StatusTooManyRequests, "rate_limited", "60"},
		{"Throttled", ErrThrottled, http.StatusServiceUnavailable, "throttled", "1"},
		{"Internal", errInternalForTest, http.StatusInternalServerError, "internal", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logs := &leakcheck.Buffer{}
			h := NewHandler(&fakeAPI{t: t, VerifyFn: func(string, string, string) (Elevation, error) { return Elevation{}, tc.err },
				Log: slog.New(slog.NewJSONHandler(logs, nil))})
			req := jsonPost("/mfa/v1/verifications", `{"tenant":"t-1","user":"u-1","origin":"`+here.String()+`","code":"514309"}`)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var got errorBody
			_ = json.Unmarshal(rec.Body.Bytes(), &got)
			if rec.Code != tc.status || got.Error != tc.code || rec.Header().Get("Retry-After") != tc.retryAfter {
				t.Errorf("got %d %q Retry-After %q, want %d %q %q", rec.Code, got.Error, rec.Header().Get("Retry-After"), tc.status, tc.code, tc.retryAfter)
			}
			if strings.Contains(rec.Body.String(), "514309") || strings.Contains(rec.Body.String(), "secret detail") {
				t.Errorf("the answer repeats the code or internal detail: %s", rec.Body)
			}
			// Only an error the API does not know is logged, with its detail.
			lines := logs.Lines()
			if tc.code != codeInternal && len(lines) != 0 {
				t.Errorf("a known error was logged: %q", lines)
			}
			if tc.code == codeInternal && (len(lines) != 1 || !strings.Contains(lines[0], `"msg":"mfa: request failed"`) ||
				!strings.Contains(lines[0], "secret detail") || strings.Contains(lines[0], "514309")) {
				t.Errorf("internal error logged as %q; want one line with its detail and without the code", lines)
			}
		})
	}
}

// TestHandlerLogsThroughTheServicesLogger: a Service whose table is missing fails
// every verification; the Handler logs the failure through the Service's Log, set
// after NewHandler, as cmd/mfa and easytocloud serve set it.
func TestHandlerLogsThroughTheServicesLogger(t *testing.T) {
	e := newEnv(t)
	tableName, keyID := sharedTable(t)
	cfg := awstest.Config(t)
	db := dynamodb.NewFromConfig(cfg)
	svc := NewService(e.store, dynamo.NewKeyring(table.New(db, tableName), kms.NewFromConfig(cfg), keyID), table.New(db, "no-such-table"), e.sns, e.sts.factory)
	h := NewHandler(svc)
	svc.Log, svc.Now = e.svc.Log, e.clock.Now
	rec := httptest.NewRecorder()
	body := `{"tenant":"` + e.token.tenant.ID + `","user":"` + e.token.user.ID + `","origin":"` + here.String() + `","code":"123456"}`
	h.ServeHTTP(rec, jsonPost("/mfa/v1/verifications", body))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500: %s", rec.Code, rec.Body)
	}
	var logged []string
	for _, line := range e.logs.Lines() {
		if strings.Contains(line, `"msg":"mfa: request failed"`) {
			logged = append(logged, line)
		}
	}
	if len(logged) != 1 || !strings.Contains(logged[0], "ResourceNotFoundException") || !strings.Contains(logged[0], `"path":"/mfa/v1/verifications"`) {
		t.Errorf("lines of the failure in the Service's log: %q; want one with the missing table and the path", logged)
	}
}

var errInternalForTest = errorString("dynamodb: secret detail")

type errorString string

func (e errorString) Error() string { return string(e) }

// TestHandlerLockoutAnswers429WithRetryAfter locks a user through the handler on the
// real Service and checks the answer a caller of the HTTP API sees.
func TestHandlerLockoutAnswers429WithRetryAfter(t *testing.T) {
	e := newEnv(t)
	e.sts.SetFn(denyAll)
	h := NewHandler(e.svc)
	body := `{"tenant":"` + e.token.tenant.ID + `","user":"` + e.token.user.ID + `","origin":"` + here.String() + `","code":"123456"}`
	var rec *httptest.ResponseRecorder
	for range MaxFailures {
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, jsonPost("/mfa/v1/verifications", body))
	}
	var got errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("answer %q: %v", rec.Body, err)
	}
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "900" || got.Error != "locked" || got.RetryAfter != 900 {
		t.Errorf("10th failure: %d Retry-After %q %s; want 429, Retry-After 900, locked", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	e.clock.Advance(time.Minute)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, jsonPost("/mfa/v1/verifications", body))
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "840" {
		t.Errorf("a minute later: %d Retry-After %q, want 429 and 840", rec.Code, rec.Header().Get("Retry-After"))
	}
}

// TestHandlerRequiresJSONContentType: a POST whose body is not declared JSON — what a
// web page can send without CORS (a form, or fetch in no-cors mode: text/plain,
// form types, or no type) — is answered 415 and changes nothing: no SMS goes out and
// no attempt is counted. Declared JSON, with or without a charset, it is served.
func TestHandlerRequiresJSONContentType(t *testing.T) {
	e := newEnv(t)
	h := NewHandler(e.svc)
	sms, tok := e.sms, e.token
	challenge := `{"tenant":"` + sms.tenant.ID + `","user":"` + sms.user.ID + `","origin":"` + here.String() + `"}`
	verify := `{"tenant":"` + tok.tenant.ID + `","user":"` + tok.user.ID + `","origin":"` + here.String() + `","code":"123456"}`
	e.sts.SetFn(denyAll)
	refused := 0
	for _, ct := range []string{"", "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
		"multipart/form-data; boundary=x", "application/jsonp", "application/json-seq", "json", ";"} {
		for path, body := range map[string]string{"/mfa/v1/challenges": challenge, "/mfa/v1/verifications": verify} {
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
			if ct != "" {
				req.Header.Set("Content-Type", ct)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var got errorBody
			_ = json.Unmarshal(rec.Body.Bytes(), &got)
			if rec.Code != http.StatusUnsupportedMediaType || got.Error != codeUnsupportedMedia {
				t.Errorf("POST %s with Content-Type %q: %d %s, want 415 %s", path, ct, rec.Code, rec.Body, codeUnsupportedMedia)
				continue
			}
			refused++
		}
	}
	if n := len(awstest.SMSTo(t, sms.user.Phone)); n != 0 {
		t.Errorf("%d SMS sent by requests not declared JSON", n)
	}
	if n := len(e.sts.Calls()); n != 0 {
		t.Errorf("STS checked %d codes of requests not declared JSON", n)
	}
	t.Logf("%d POSTs not declared JSON refused with 415; nothing sent, nothing checked", refused)
	for i, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"} {
		req := httptest.NewRequest(http.MethodPost, "/mfa/v1/verifications", strings.NewReader(verify))
		req.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var got errorBody
		_ = json.Unmarshal(rec.Body.Bytes(), &got)
		if rec.Code != http.StatusForbidden || got.TriesLeft == nil || *got.TriesLeft != MaxFailures-1-i {
			t.Errorf("Content-Type %q: %d %s, want 403 invalid_code with %d tries left", ct, rec.Code, rec.Body, MaxFailures-1-i)
		}
	}
}
