package mfa

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/easytocloud/easytocloud/tenants"
)

// API is the second factor's four operations. *Service runs them in process and
// *Client over HTTP; NewHandler serves any API. Challenge, Verify and Elevation are
// about one Origin; Lock ends the user's elevations from every origin.
type API interface {
	Challenge(ctx context.Context, tenantID, userID string, from Origin) (Challenge, error)
	Verify(ctx context.Context, tenantID, userID string, from Origin, code string) (Elevation, error)
	Elevation(ctx context.Context, tenantID, userID string, from Origin) (Elevation, error)
	Lock(ctx context.Context, tenantID, userID string) error
}

var (
	_ API = (*Service)(nil)
	_ API = (*Client)(nil)
)

// errorBody is the JSON body of every error answer. Error is a stable code from
// wireErrors; Message is for people and never holds a code or secret.
type errorBody struct {
	Error      string `json:"error"`
	Message    string `json:"message"`
	TriesLeft  *int   `json:"tries_left,omitempty"`
	RetryAfter int    `json:"retry_after,omitempty"` // seconds, also in the Retry-After header
}

// Stable error codes of the HTTP API beyond the sentinels' own (see wireErrors).
const (
	codeBadRequest       = "bad_request"
	codeUnsupportedMedia = "unsupported_media_type"
	codeNotFound         = "not_found"
	codeInternal         = "internal"
)

// wireErrors maps each sentinel to its error code and HTTP status. The Handler writes
// them and the Client turns them back into the same sentinel (or typed error).
var wireErrors = []struct {
	code   string
	status int
	err    error
}{
	{"malformed_code", http.StatusBadRequest, ErrMalformedCode},
	{"invalid_id", http.StatusBadRequest, ErrInvalidID},
	{"no_origin", http.StatusBadRequest, ErrNoOrigin},
	{"invalid_code", http.StatusForbidden, ErrInvalidCode},
	{"no_challenge", http.StatusConflict, ErrNoChallenge},
	{"no_phone", http.StatusConflict, ErrNoPhone},
	// Before "locked", which it wraps. 423, not 429: no wait ends it, so there is no
	// Retry-After, and clients that retry a 429 by themselves must not.
	{"locked_out", http.StatusLocked, ErrLockedOut},
	{"locked", http.StatusTooManyRequests, ErrLocked},
	{"rate_limited", http.StatusTooManyRequests, ErrRateLimited},
	{"throttled", http.StatusServiceUnavailable, ErrThrottled},
	{"not_elevated", http.StatusNotFound, ErrNotElevated},
	{codeNotFound, http.StatusNotFound, tenants.ErrNotFound},
}

// toWire returns the status and body that tell a client err, and whether err is one
// the API knows (false: an internal error whose detail only goes to the log).
func toWire(err error) (int, errorBody, bool) {
	for _, w := range wireErrors {
		if !errors.Is(err, w.err) {
			continue
		}
		body := errorBody{Error: w.code, Message: w.err.Error()}
		var ce *CodeError
		if errors.As(err, &ce) {
			body.TriesLeft = &ce.TriesLeft
			body.Message = ce.Error()
		}
		var re *RetryError
		if errors.As(err, &re) {
			body.RetryAfter = retrySeconds(re.RetryAfter)
			body.Message = re.Error()
		}
		if w.err == ErrThrottled {
			body.RetryAfter = 1
		}
		if w.err == tenants.ErrNotFound {
			body.Message = "unknown tenant or user"
		}
		return w.status, body, true
	}
	return http.StatusInternalServerError, errorBody{Error: codeInternal, Message: "internal error"}, false
}

// fromWire turns an error answer back into the error the Service returned.
func fromWire(status int, body errorBody) error {
	for _, w := range wireErrors {
		if body.Error != w.code {
			continue
		}
		switch w.err {
		case ErrInvalidCode:
			left := 0
			if body.TriesLeft != nil {
				left = *body.TriesLeft
			}
			return &CodeError{TriesLeft: left}
		case ErrLocked, ErrRateLimited:
			return &RetryError{Err: w.err, RetryAfter: time.Duration(body.RetryAfter) * time.Second}
		case tenants.ErrNotFound:
			return fmt.Errorf("mfa: %s: %w", body.Message, tenants.ErrNotFound)
		}
		return w.err
	}
	msg := body.Message
	if msg == "" {
		msg = http.StatusText(status)
	}
	if body.Error == "" && (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) {
		// API Gateway's own answer, without our code: its throttling (429) or the
		// function's (503). Like AWS throttling the check, it passes: try again.
		return fmt.Errorf("mfa: HTTP %d from the gateway: %s: %w", status, msg, ErrThrottled)
	}
	return fmt.Errorf("mfa: HTTP %d %s: %s", status, body.Error, msg)
}

// retrySeconds is d in whole seconds, rounded up, at least 1 (for Retry-After).
func retrySeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}
