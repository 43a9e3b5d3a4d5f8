package mfa

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
)

// maxBodyBytes bounds a request body; the largest valid one is far smaller.
const maxBodyBytes = 4 << 10

// NewHandler returns the HTTP API of api:
//
//	POST   /mfa/v1/challenges                  {"tenant","user","origin"}         → 200 Challenge
//	POST   /mfa/v1/verifications               {"tenant","user","origin","code"}  → 200 Elevation
//	GET    /mfa/v1/elevations/{tenant}/{user}?origin=…                            → 200 Elevation
//	DELETE /mfa/v1/elevations/{tenant}/{user}                                     → 204
//
// origin is an Origin's key (Origin.String). A request without a valid one, such as
// an older client's, is refused with 400 no_origin: an elevation is never granted or
// reported unbound. DELETE ends the user's elevations from every origin. A POST's
// body must be declared JSON (Content-Type application/json, parameters such as
// charset allowed): any other type, or none, is answered 415 unsupported_media_type
// and changes nothing, so that no web page can post to the API as a plain form.
//
// Errors are JSON {"error": code, "message": text, "tries_left", "retry_after"} with a
// stable code per sentinel error: 400 for malformed input (unknown fields, a body over
// 4 KiB, a code that is not six digits, no origin), 403 invalid_code, 404
// not_elevated or not_found, 409 no_challenge or no_phone, 415 for a body not declared
// JSON, 423 locked_out (without Retry-After: only an operator unlocks it), 429 locked
// or rate_limited with Retry-After, 503 throttled. No answer ever holds a code. It
// does not authenticate callers: API Gateway does, with IAM authorization, in front of
// it. Unlock is not served: it is an operator's action.
//
// An error it does not know (a 500) is logged with its detail through api's logger
// when api is a *Service (its Log, read at each request), and slog.Default()
// otherwise.
func NewHandler(api API) http.Handler {
	h := &handler{api: api}
	mux := http.NewServeMux()
	handlers := h.handlers()
	for _, pattern := range Routes {
		mux.HandleFunc(pattern, handlers[pattern])
	}
	return mux
}

// Routes are the net/http.ServeMux patterns NewHandler serves (the HTTP API routes the
// stack must send to the mfa function), each answered by the method handlers names.
// Do not modify it.
var Routes = []string{
	"POST /mfa/v1/challenges",
	"POST /mfa/v1/verifications",
	"GET /mfa/v1/elevations/{tenant}/{user}",
	"DELETE /mfa/v1/elevations/{tenant}/{user}",
}

// handlers answers each pattern of Routes.
func (h *handler) handlers() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"POST /mfa/v1/challenges":                   h.challenge,
		"POST /mfa/v1/verifications":                h.verify,
		"GET /mfa/v1/elevations/{tenant}/{user}":    h.elevation,
		"DELETE /mfa/v1/elevations/{tenant}/{user}": h.lock,
	}
}

type handler struct{ api API }

// logger is the Service's logger (see NewHandler).
func (h *handler) logger() *slog.Logger {
	if l, ok := h.api.(interface{ logger() *slog.Logger }); ok {
		return l.logger()
	}
	return slog.Default()
}

// challengeRequest is the body of POST /mfa/v1/challenges.
type challengeRequest struct {
	Tenant string `json:"tenant"`
	User   string `json:"user"`
	Origin string `json:"origin"`
}

// verifyRequest is the body of POST /mfa/v1/verifications.
type verifyRequest struct {
	Tenant string `json:"tenant"`
	User   string `json:"user"`
	Origin string `json:"origin"`
	Code   string `json:"code"`
}

func (h *handler) challenge(w http.ResponseWriter, r *http.Request) {
	var in challengeRequest
	if !decode(w, r, &in) {
		return
	}
	from, err := ParseOrigin(in.Origin)
	if err != nil {
		h.reply(w, r, nil, err)
		return
	}
	c, err := h.api.Challenge(r.Context(), in.Tenant, in.User, from)
	h.reply(w, r, c, err)
}

func (h *handler) verify(w http.ResponseWriter, r *http.Request) {
	var in verifyRequest
	if !decode(w, r, &in) {
		return
	}
	from, err := ParseOrigin(in.Origin)
	if err != nil {
		h.reply(w, r, nil, err)
		return
	}
	e, err := h.api.Verify(r.Context(), in.Tenant, in.User, from, in.Code)
	h.reply(w, r, e, err)
}

func (h *handler) elevation(w http.ResponseWriter, r *http.Request) {
	from, err := ParseOrigin(r.URL.Query().Get("origin"))
	if err != nil {
		h.reply(w, r, nil, err)
		return
	}
	e, err := h.api.Elevation(r.Context(), r.PathValue("tenant"), r.PathValue("user"), from)
	h.reply(w, r, e, err)
}

func (h *handler) lock(w http.ResponseWriter, r *http.Request) {
	if err := h.api.Lock(r.Context(), r.PathValue("tenant"), r.PathValue("user")); err != nil {
		h.reply(w, r, nil, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// decode reads the JSON body into v, answering 415 and returning false when the
// request does not declare it JSON (what a web page's form or no-cors fetch cannot
// do), and 400 when it is not exactly one JSON object of v's fields, at most
// maxBodyBytes long.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeJSON(w, http.StatusUnsupportedMediaType, errorBody{Error: codeUnsupportedMedia,
			Message: "the body must be JSON, sent with Content-Type: application/json"})
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		badRequest(w, describeJSONError(err))
		return false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		badRequest(w, "the body must hold one JSON object and nothing after it")
		return false
	}
	return true
}

// describeJSONError says in words what is wrong with a request body.
func describeJSONError(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return "the body is empty; send a JSON object"
	case errors.As(err, &tooBig):
		return fmt.Sprintf("the body is larger than %d bytes", tooBig.Limit)
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return "the body is not valid JSON"
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Sprintf("%s must be a JSON %s", typ.Field, typ.Type.Kind())
	case errors.As(err, &typ):
		return "the body must be a JSON object"
	default:
		// json's only other decode error here is "json: unknown field \"name\"".
		if f, ok := unknownField(err); ok {
			return fmt.Sprintf("unknown field %s", f)
		}
		return "the body is not a valid request"
	}
}

func unknownField(err error) (string, bool) {
	const prefix = "json: unknown field "
	msg := err.Error()
	if len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
		return msg[len(prefix):], true
	}
	return "", false
}

func badRequest(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, errorBody{Error: codeBadRequest, Message: msg})
}

// reply writes v as JSON, or err as its error answer.
func (h *handler) reply(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err == nil {
		writeJSON(w, http.StatusOK, v)
		return
	}
	status, body, known := toWire(err)
	if !known {
		h.logger().ErrorContext(r.Context(), "mfa: request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	}
	if body.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(body.RetryAfter))
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
