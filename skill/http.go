package skill

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
)

// RequestVerifier proves that an HTTPS request comes from Alexa
// (sigverify.Verifier fits). Any error means it does not.
type RequestVerifier interface {
	Verify(ctx context.Context, h http.Header, body []byte) error
}

// maxRequestBytes bounds the body read from the network.
const maxRequestBytes = 256 << 10

// NewHTTPHandler serves the skill as an HTTPS web service (POST /alexa): the request
// is verified by v (signature, certificate chain, timestamp) before it is decoded,
// then it must be for h.SkillID, then h answers it. Any failure before the handler
// is HTTP 400 with a generic body; the reason is logged, the body never is. A nil v
// refuses every request rather than skipping verification.
func NewHTTPHandler(h *Handler, v RequestVerifier) http.Handler {
	return &httpHandler{h: h, v: v}
}

type httpHandler struct {
	h *Handler
	v RequestVerifier
}

func (s *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := s.h.log()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	reject := func(reason string, err error) {
		attrs := []any{slog.String("reason", reason), slog.String("remote", r.RemoteAddr)}
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		log.WarnContext(r.Context(), "alexa request rejected", attrs...)
		http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		reject("read body", err)
		return
	}
	if s.v == nil {
		reject("no request verifier configured", nil)
		return
	}
	if err := s.v.Verify(r.Context(), r.Header, body); err != nil {
		reject("signature verification", err)
		return
	}
	var env RequestEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		reject("decode request", err)
		return
	}
	resp, err := s.h.Handle(r.Context(), &env)
	if errors.Is(err, ErrWrongApplication) {
		reject("wrong application ID", nil)
		return
	}
	if err != nil {
		reject("handle", err)
		return
	}
	b, err := json.Marshal(resp)
	if err != nil {
		log.ErrorContext(r.Context(), "encode response", slog.String("error", err.Error()))
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_, _ = w.Write(b)
}
