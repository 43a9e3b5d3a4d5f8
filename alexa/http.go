package alexa

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// RequestVerifier proves that an HTTPS request comes from Alexa
// (sigverify.Verifier fits). Any error means it does not.
type RequestVerifier interface {
	Verify(ctx context.Context, h http.Header, body []byte) error
}

// Skill answers decoded requests (skill.Handler fits). It returns
// ErrWrongApplication for a request that is not for it.
type Skill interface {
	Handle(ctx context.Context, env *RequestEnvelope) (*ResponseEnvelope, error)
}

// ErrWrongApplication means a request was not for the configured skill ID (or no
// skill ID is configured). The Lambda entry returns it, so Alexa gets no answer; the
// HTTPS entry answers 400.
var ErrWrongApplication = errors.New("skill: request is for another application ID")

// MaxRequestBytes bounds the body read from the network.
const MaxRequestBytes = 256 << 10

// NewHTTPHandler serves a skill as an HTTPS web service (POST /alexa): the request
// is verified by v (signature, certificate chain, timestamp) before it is decoded,
// must not be a replay of a verified request (the same body within the timestamp
// window), then s answers it (refusing it with ErrWrongApplication when it is for
// another skill ID). Any failure before the handler
// is HTTP 400 with a generic body; the reason is logged, the body never is. A nil v
// refuses every request rather than skipping verification. Replays are recognised
// within one process (the local stack, or one server behind the endpoint). Rejections
// are logged to log (slog.Default() when nil).
func NewHTTPHandler(s Skill, v RequestVerifier, log *slog.Logger) http.Handler {
	return &httpHandler{s: s, v: v, log: log}
}

type httpHandler struct {
	s    Skill
	v    RequestVerifier
	log  *slog.Logger
	seen seenBodies
}

// replayWindow is how long a verified body is remembered. A verifier accepts a
// timestamp up to 150 seconds either side of its clock, so a body can pass for at
// most five minutes; a minute more covers a clock that moves in between.
const replayWindow = 6 * time.Minute

// maxSeenBodies bounds the memory of seenBodies (about 5 MB); past it the oldest are
// forgotten first. Only requests that passed verification are remembered.
const maxSeenBodies = 100_000

// seenBodies remembers the SHA-256 of the verified bodies of the last replayWindow.
type seenBodies struct {
	mu    sync.Mutex
	at    map[[sha256.Size]byte]time.Time
	order []seenBody // oldest first
}

type seenBody struct {
	sum [sha256.Size]byte
	at  time.Time
}

// first reports whether body was not seen within replayWindow before now, and
// remembers it.
func (s *seenBodies) first(body []byte, now time.Time) bool {
	sum := sha256.Sum256(body)
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.order) > 0 && (now.Sub(s.order[0].at) > replayWindow || len(s.order) >= maxSeenBodies) {
		delete(s.at, s.order[0].sum)
		s.order = s.order[1:]
	}
	if _, ok := s.at[sum]; ok {
		return false
	}
	if s.at == nil {
		s.at = map[[sha256.Size]byte]time.Time{}
	}
	s.at[sum] = now
	s.order = append(s.order, seenBody{sum, now})
	return true
}

func (s *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := s.log
	if log == nil {
		log = slog.Default()
	}
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
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
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
	if !s.seen.first(body, time.Now()) {
		reject("replayed request", nil)
		return
	}
	var env RequestEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		reject("decode request", err)
		return
	}
	resp, err := s.s.Handle(r.Context(), &env)
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
