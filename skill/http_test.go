package skill

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/alexa"
)

// fakeVerifier accepts requests carrying the header X-Test-Signed: yes.
type fakeVerifier struct{}

func (fakeVerifier) Verify(_ context.Context, h http.Header, body []byte) error {
	if h.Get("X-Test-Signed") != "yes" || len(body) == 0 {
		return errors.New("fake: not signed")
	}
	return nil
}

func TestHTTPHandler(t *testing.T) {
	h, _, logs := newFakeHandler(t)
	launch, _ := json.Marshal(newDevice(t, h, "good").envelope(alexa.Request{Type: alexa.LaunchRequestType}))
	other := newDevice(t, h, "good").envelope(alexa.Request{Type: alexa.LaunchRequestType})
	other.Context.System.Application.ApplicationID = "amzn1.ask.skill.other"
	wrongApp, _ := json.Marshal(other)

	tests := []struct {
		name     string
		method   string
		body     string
		signed   bool
		verifier alexa.RequestVerifier
		status   int
		reason   string
	}{
		{"OK", http.MethodPost, string(launch), true, fakeVerifier{}, http.StatusOK, ""},
		{"NotPost", http.MethodGet, "", true, fakeVerifier{}, http.StatusMethodNotAllowed, ""},
		{"Unsigned", http.MethodPost, string(launch), false, fakeVerifier{}, http.StatusBadRequest, "signature verification"},
		{"NoVerifier", http.MethodPost, string(launch), true, nil, http.StatusBadRequest, "no request verifier configured"},
		{"NotJSON", http.MethodPost, "{not json", true, fakeVerifier{}, http.StatusBadRequest, "decode request"},
		{"WrongApplication", http.MethodPost, string(wrongApp), true, fakeVerifier{}, http.StatusBadRequest, "wrong application ID"},
		{"TooLarge", http.MethodPost, strings.Repeat(" ", alexa.MaxRequestBytes+1), true, fakeVerifier{}, http.StatusBadRequest, "read body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "/alexa", strings.NewReader(tt.body))
			if tt.signed {
				req.Header.Set("X-Test-Signed", "yes")
			}
			rec := httptest.NewRecorder()
			alexa.NewHTTPHandler(h, tt.verifier, h.Log).ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d (body %q)", rec.Code, tt.status, rec.Body)
			}
			if tt.status != http.StatusOK {
				if strings.Contains(rec.Body.String(), "{") {
					t.Errorf("error body leaks detail: %q", rec.Body)
				}
				if tt.reason != "" {
					found := false
					for _, l := range logs.lines(t, "alexa request rejected") {
						found = found || l["reason"] == tt.reason
					}
					if !found {
						t.Errorf("no rejection logged with reason %q:\n%s", tt.reason, logs)
					}
				}
				return
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("content type %q", ct)
			}
			var resp alexa.ResponseEnvelope
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(speech(&resp), "Welcome to easy to cloud.") {
				t.Errorf("speech = %q", speech(&resp))
			}
		})
	}
}

// alexaAPI is a fake Alexa directive endpoint that records what it receives.
type alexaAPI struct {
	*httptest.Server
	status int
	delay  time.Duration

	mu       sync.Mutex
	received []progressRequest
}

type progressRequest struct {
	Path, Authorization string
	Body                alexa.ProgressBody
}

func newAlexaAPI(t *testing.T) *alexaAPI {
	a := &alexaAPI{status: http.StatusNoContent}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var pr progressRequest
		pr.Path, pr.Authorization = r.URL.Path, r.Header.Get("Authorization")
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &pr.Body)
		a.mu.Lock()
		a.received = append(a.received, pr)
		status, delay := a.status, a.delay
		a.mu.Unlock()
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *alexaAPI) requests() []progressRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]progressRequest(nil), a.received...)
}

func (a *alexaAPI) client() *alexa.ProgressClient {
	return &alexa.ProgressClient{HTTP: a.Client(), AllowEndpoint: func(string) bool { return true }}
}

func TestProgressClient(t *testing.T) {
	api := newAlexaAPI(t)
	p := alexa.Progress{Endpoint: api.URL, Token: "api-token", RequestID: "amzn1.echo-api.request.7", SSML: "<speak>Checking.</speak>"}
	if err := api.client().SendProgress(context.Background(), p); err != nil {
		t.Fatalf("SendProgress: %v", err)
	}
	got := api.requests()
	if len(got) != 1 {
		t.Fatalf("received %d requests", len(got))
	}
	r := got[0]
	if r.Path != "/v1/directives" || r.Authorization != "Bearer api-token" || r.Body.Header.RequestID != p.RequestID ||
		r.Body.Directive.Type != "VoicePlayer.Speak" || r.Body.Directive.Speech != p.SSML {
		t.Errorf("request = %+v", r)
	}

	api.mu.Lock()
	api.status = http.StatusUnauthorized
	api.mu.Unlock()
	if err := api.client().SendProgress(context.Background(), p); err == nil {
		t.Error("a 401 answer is not an error")
	}
	// The default client gives the API token only to Alexa's own endpoints.
	for _, endpoint := range []string{api.URL, "http://api.amazonalexa.com", "https://api.amazonalexa.com.evil.example", "https://user@api.amazonalexa.com"} {
		if err := (&alexa.ProgressClient{}).SendProgress(context.Background(), alexa.Progress{Endpoint: endpoint, Token: "t"}); err == nil {
			t.Errorf("endpoint %s accepted", endpoint)
		}
	}
}
