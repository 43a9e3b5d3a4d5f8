package alexa

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
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

// NewHTTPHandler serves a skill as an HTTPS web service (POST /alexa), as
// HTTPHandler describes, with a MemoryReplayGuard of its own: replays are recognised
// within this process only. A fleet of servers behind one endpoint needs an
// HTTPHandler whose Replays they share (internal/replay). Rejections are logged to
// log (slog.Default() when nil).
func NewHTTPHandler(s Skill, v RequestVerifier, log *slog.Logger) http.Handler {
	return &HTTPHandler{Skill: s, Verifier: v, Replays: &MemoryReplayGuard{}, Log: log}
}

// HTTPHandler serves a skill as an HTTPS web service (POST /alexa): the request is
// verified by Verifier (signature, certificate chain, timestamp) before it is
// decoded, must not be a replay of a verified request (the same body, recorded in
// Replays until ReplayWindow after its arrival or its timestamp, whichever is
// later), then Skill answers it (refusing it with ErrWrongApplication when it is for
// another skill ID). Any refusal is HTTP 400 with a generic body; the reason is
// logged, the body never is. When Replays cannot tell whether a request is a replay
// (the table cannot be reached), the answer is HTTP 500: a request is never served
// unguarded. A nil Verifier or Replays refuses every request rather than skipping
// the check. Set the fields before the first request; it is safe for concurrent use.
type HTTPHandler struct {
	Skill    Skill
	Verifier RequestVerifier
	Replays  ReplayGuard
	// Now is the clock of the replay window; nil means time.Now. Give it the
	// verifier's clock.
	Now func() time.Time
	// Log receives the rejections; nil means slog.Default().
	Log *slog.Logger
}

// replayExpiry is when a request that arrived at now, with the timestamp it carries
// (zero when it carries none), can no longer pass a verifier: ReplayWindow after its
// timestamp, or after now when the timestamp is older. A timestamp later than a
// verifier accepts counts as the latest it does.
func replayExpiry(now, timestamp time.Time) time.Time {
	t := now
	if timestamp.After(t) {
		t = timestamp
	}
	if latest := now.Add(ReplayWindow); t.After(latest) {
		t = latest
	}
	return t.Add(ReplayWindow)
}

func (s *HTTPHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := s.Log
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
	if s.Verifier == nil {
		reject("no request verifier configured", nil)
		return
	}
	if s.Replays == nil {
		reject("no replay guard configured", nil)
		return
	}
	if err := s.Verifier.Verify(r.Context(), r.Header, body); err != nil {
		reject("signature verification", err)
		return
	}
	var env RequestEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		reject("decode request", err)
		return
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	ts, _ := env.Request.Time() // the verifier checked it; none means now
	replayed, err := s.Replays.Seen(r.Context(), sha256.Sum256(body), replayExpiry(now, ts))
	if err != nil {
		// Fail closed: a request whose freshness cannot be checked is not served.
		log.ErrorContext(r.Context(), "alexa request refused: replay guard unavailable",
			slog.String("remote", r.RemoteAddr), slog.String("error", err.Error()))
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	if replayed {
		reject("replayed request", nil)
		return
	}
	resp, err := s.Skill.Handle(r.Context(), &env)
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
