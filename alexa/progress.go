package alexa

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Progress is one progressive response: speech Alexa plays while the skill works on
// the full answer, sent to the directive endpoint of the request.
type Progress struct {
	// Endpoint and Token are the request's context.System.apiEndpoint and
	// apiAccessToken; RequestID is its request.requestId.
	Endpoint, Token, RequestID string
	// SSML is the speech, with its <speak> root.
	SSML string
}

// ProgressSender sends progressive responses (ProgressClient does, over HTTPS).
type ProgressSender interface {
	SendProgress(ctx context.Context, p Progress) error
}

// ProgressTimeout bounds sending one progressive response: Alexa plays it only
// while the request is still being worked on.
const ProgressTimeout = 1500 * time.Millisecond

// ProgressClient posts progressive responses to the Alexa directive API
// (POST {apiEndpoint}/v1/directives with a VoicePlayer.Speak directive).
type ProgressClient struct {
	// HTTP sends the request; nil means an http.Client with a short timeout.
	HTTP interface {
		Do(*http.Request) (*http.Response, error)
	}
	// AllowEndpoint decides which endpoints may receive the API token; nil allows
	// only https://*.amazonalexa.com.
	AllowEndpoint func(endpoint string) bool
}

var defaultProgressHTTP = &http.Client{Timeout: ProgressTimeout}

// SendProgress posts p. It returns an error for an endpoint that is not allowed, a
// failed request, or an answer other than 2xx.
func (c *ProgressClient) SendProgress(ctx context.Context, p Progress) error {
	allow := c.AllowEndpoint
	if allow == nil {
		allow = isAlexaEndpoint
	}
	if !allow(p.Endpoint) {
		return fmt.Errorf("progressive response: endpoint %q is not an Alexa API endpoint", p.Endpoint)
	}
	if p.Token == "" {
		return fmt.Errorf("progressive response: no API access token")
	}
	var body ProgressBody
	body.Header.RequestID = p.RequestID
	body.Directive.Type = "VoicePlayer.Speak"
	body.Directive.Speech = p.SSML
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("progressive response: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(p.Endpoint, "/")+"/v1/directives", bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("progressive response: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.Token)
	var doer interface {
		Do(*http.Request) (*http.Response, error)
	} = defaultProgressHTTP
	if c.HTTP != nil {
		doer = c.HTTP
	}
	resp, err := doer.Do(req)
	if err != nil {
		return fmt.Errorf("progressive response: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("progressive response: %s answered %s", p.Endpoint, resp.Status)
	}
	return nil
}

// isAlexaEndpoint accepts https URLs on amazonalexa.com hosts (api.amazonalexa.com,
// api.eu.amazonalexa.com, api.fe.amazonalexa.com).
func isAlexaEndpoint(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme != "https" || u.User != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	return host == "amazonalexa.com" || strings.HasSuffix(host, ".amazonalexa.com")
}

// ProgressBody is the JSON body of a progressive response (the Directive Service's
// VoicePlayer.Speak): the ID of the request it belongs to, and the speech.
type ProgressBody struct {
	Header struct {
		RequestID string `json:"requestId"`
	} `json:"header"`
	Directive struct {
		Type   string `json:"type"`
		Speech string `json:"speech"`
	} `json:"directive"`
}
