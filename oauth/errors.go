package oauth

import (
	"errors"
	"fmt"
	"net/http"

	oerrors "github.com/go-oauth2/oauth2/v4/errors"
)

// oauthError is a refusal with two faces: the RFC 6749 error code and description
// the client is shown, and the private detail that only goes to the log.
type oauthError struct {
	code        error  // one of go-oauth2's RFC 6749 errors, e.g. oerrors.ErrInvalidGrant
	description string // public; "" uses the library's standard description
	detail      string // private
	cause       error  // private, may be nil
}

func (e *oauthError) Error() string {
	s := e.code.Error() + ": " + e.detail
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Unwrap lets errors.Is find both the RFC 6749 code and the cause.
func (e *oauthError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.code}
	}
	return []error{e.code, e.cause}
}

// publicDescription is what the client may read.
func (e *oauthError) publicDescription() string {
	if e.description != "" {
		return e.description
	}
	return oerrors.Descriptions[e.code]
}

func refuse(code error, format string, a ...any) error {
	return &oauthError{code: code, detail: fmt.Sprintf(format, a...)}
}

func refuseWith(code error, public string, format string, a ...any) error {
	return &oauthError{code: code, description: public, detail: fmt.Sprintf(format, a...)}
}

func serverError(cause error, format string, a ...any) error {
	return &oauthError{code: oerrors.ErrServerError, detail: fmt.Sprintf(format, a...), cause: cause}
}

// asOAuthError classifies any error from the token machinery: our own refusals keep
// their face; the library's bare RFC 6749 errors get their standard description;
// anything else is a server_error whose detail is only logged.
func asOAuthError(err error) *oauthError {
	var oe *oauthError
	if errors.As(err, &oe) {
		return oe
	}
	if _, ok := oerrors.Descriptions[err]; ok {
		return &oauthError{code: err, detail: "refused by the protocol layer"}
	}
	return &oauthError{code: oerrors.ErrServerError, detail: "unexpected", cause: err}
}

// status is the HTTP status of an RFC 6749 token or revocation error (section 5.2:
// 400, except invalid_client 401 and server errors 5xx).
func (e *oauthError) status() int {
	switch e.code {
	case oerrors.ErrInvalidClient:
		return http.StatusUnauthorized
	case oerrors.ErrServerError:
		return http.StatusInternalServerError
	case oerrors.ErrTemporarilyUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// errUnsupportedTokenType is RFC 7009's error for a token type we cannot revoke.
var errUnsupportedTokenType = errors.New("unsupported_token_type")
