package alexa

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/alexa/sigverify"
	"github.com/easytocloud/easytocloud/internal/localalexa"
	"github.com/easytocloud/easytocloud/internal/testclock"
)

// TestMemoryReplayGuardForgets: a remembered body is refused until its expiry and
// accepted after it, and the memory stays bounded however many arrive.
func TestMemoryReplayGuardForgets(t *testing.T) {
	clk := testclock.New(time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC))
	g := &MemoryReplayGuard{Now: clk.Now}
	seen := func(body string, expires time.Time) bool {
		replayed, err := g.Seen(context.Background(), sha256.Sum256([]byte(body)), expires)
		if err != nil {
			t.Fatal(err)
		}
		return replayed
	}
	exp := clk.Now().Add(ReplayWindow)
	if seen("a", exp) {
		t.Fatal("a first body is taken for a replay")
	}
	clk.Advance(ReplayWindow)
	if !seen("a", exp) {
		t.Fatal("a body is not refused at its expiry")
	}
	clk.Advance(time.Nanosecond)
	if seen("a", clk.Now().Add(ReplayWindow)) {
		t.Error("a body is still refused after its expiry")
	}
	if !seen("a", clk.Now().Add(ReplayWindow)) {
		t.Error("a body recorded again after its expiry is not refused")
	}
	for i := range maxSeenBodies + 10 {
		seen(fmt.Sprintf("body %d", i), clk.Now().Add(ReplayWindow))
	}
	if len(g.expires) > maxSeenBodies || len(g.order) > maxSeenBodies {
		t.Errorf("remembers %d bodies, more than %d", len(g.expires), maxSeenBodies)
	}
}

// TestReplayWindowIsVerifierTolerance: the window the handler remembers requests for
// is the verifier's timestamp tolerance.
func TestReplayWindowIsVerifierTolerance(t *testing.T) {
	if ReplayWindow != sigverify.Tolerance {
		t.Errorf("ReplayWindow = %s, sigverify.Tolerance = %s", ReplayWindow, sigverify.Tolerance)
	}
}

func TestReplayExpiry(t *testing.T) {
	now := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		timestamp, want time.Time
	}{
		"NoTimestamp":      {time.Time{}, now.Add(ReplayWindow)},
		"Old":              {now.Add(-time.Minute), now.Add(ReplayWindow)},
		"AlexaClockAhead":  {now.Add(100 * time.Second), now.Add(100*time.Second + ReplayWindow)},
		"BeyondTolerance":  {now.Add(time.Hour), now.Add(2 * ReplayWindow)},
		"AtTheMoment":      {now, now.Add(ReplayWindow)},
		"JustBeforeWindow": {now.Add(-ReplayWindow), now.Add(ReplayWindow)},
	} {
		if got := replayExpiry(now, tc.timestamp); !got.Equal(tc.want) {
			t.Errorf("%s: replayExpiry = %s, want %s", name, got, tc.want)
		}
	}
}

// countingSkill answers every request with an empty response and counts them.
type countingSkill struct{ calls atomic.Int64 }

func (s *countingSkill) Handle(context.Context, *RequestEnvelope) (*ResponseEnvelope, error) {
	s.calls.Add(1)
	return &ResponseEnvelope{Version: "1.0"}, nil
}

// signedLaunch is a LaunchRequest with timestamp ts and its Alexa signature headers.
func signedLaunch(tb testing.TB, s *localalexa.Signer, requestID string, ts time.Time) ([]byte, http.Header) {
	tb.Helper()
	body, err := json.Marshal(RequestEnvelope{Version: "1.0", Request: Request{
		Type: LaunchRequestType, RequestID: requestID, Timestamp: ts.UTC().Format(time.RFC3339), Locale: "en-US"}})
	if err != nil {
		tb.Fatal(err)
	}
	h := http.Header{}
	if err := s.SignHeader(h, body); err != nil {
		tb.Fatal(err)
	}
	return body, h
}

func serve(h http.Handler, body []byte, hdr http.Header) int {
	req := httptest.NewRequest(http.MethodPost, "/alexa", bytes.NewReader(body))
	for k, v := range hdr {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

func mustIdentity(tb testing.TB, now time.Time) *localalexa.Identity {
	tb.Helper()
	id, err := localalexa.New(now)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// TestReplayWindowComposesWithTimestamp: a request whose timestamp is 100 s ahead of
// the server's clock (Alexa's clock ahead, within the tolerance) passes the
// timestamp check until 250 s after it arrived; the guard must refuse its replay for
// as long (a guard remembering it for 150 s from arrival would accept it at 160 s),
// and once the guard has forgotten it the timestamp check refuses it.
func TestReplayWindowComposesWithTimestamp(t *testing.T) {
	clk := testclock.New(time.Now().Truncate(time.Second))
	id := mustIdentity(t, clk.Now())
	sk := &countingSkill{}
	v := &sigverify.Verifier{Roots: id.Roots(), Client: id.Client(), Now: clk.Now}
	h := &HTTPHandler{Skill: sk, Verifier: v, Replays: &MemoryReplayGuard{Now: clk.Now}, Now: clk.Now, Log: slog.New(slog.DiscardHandler)}
	body, hdr := signedLaunch(t, id.Signer(), "amzn1.echo-api.request.skew", clk.Now().Add(100*time.Second))

	start := clk.Now()
	for _, step := range []struct {
		at   time.Duration // after the first arrival
		want int
		why  string
	}{
		{0, http.StatusOK, "first arrival"},
		{160 * time.Second, http.StatusBadRequest, "replay while the timestamp still passes (60 s past it)"},
		{250 * time.Second, http.StatusBadRequest, "replay at the last second the timestamp passes"},
		{252 * time.Second, http.StatusBadRequest, "replay once the timestamp is too old"},
	} {
		clk.Set(start.Add(step.at))
		if got := serve(h, body, hdr); got != step.want {
			t.Errorf("%s (+%s): %d, want %d", step.why, step.at, got, step.want)
		}
		err := v.Verify(context.Background(), hdr, body)
		if passes := step.at <= 250*time.Second; (err == nil) != passes {
			t.Errorf("+%s: the timestamp check says %v, want passing %v", step.at, err, passes)
		}
	}
	if n := sk.calls.Load(); n != 1 {
		t.Errorf("the skill answered %d times, want 1", n)
	}
}

// TestReplayWithReencodedSignature: the same body under a Signature-256 header
// spelled differently (the unused bits of its last base64 character set) still
// verifies, and is refused as the replay it is: requests are known by their body.
func TestReplayWithReencodedSignature(t *testing.T) {
	now := time.Now()
	id := mustIdentity(t, now)
	sk := &countingSkill{}
	v := &sigverify.Verifier{Roots: id.Roots(), Client: id.Client()}
	h := NewHTTPHandler(sk, v, slog.New(slog.DiscardHandler))
	body, hdr := signedLaunch(t, id.Signer(), "amzn1.echo-api.request.reencoded", now)

	sig := hdr.Get(localalexa.HeaderSignature256)
	other := reencode(t, sig)
	if other == sig {
		t.Fatalf("no other spelling of %q", sig)
	}
	again := hdr.Clone()
	again.Set(localalexa.HeaderSignature256, other)
	if err := v.Verify(context.Background(), again, body); err != nil {
		t.Fatalf("the re-encoded signature does not verify (%v); the test shows nothing", err)
	}
	if got := serve(h, body, hdr); got != http.StatusOK {
		t.Fatalf("first request: %d", got)
	}
	if got := serve(h, body, again); got != http.StatusBadRequest {
		t.Errorf("the replay under a re-encoded signature: %d, want 400", got)
	}
	if n := sk.calls.Load(); n != 1 {
		t.Errorf("the skill answered %d times, want 1", n)
	}
}

// reencode sets the unused low bits of the last base64 character before the padding,
// which a non-strict decoder ignores: another text for the same bytes.
func reencode(tb testing.TB, sig string) string {
	tb.Helper()
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		tb.Fatal(err)
	}
	pad := strings.Count(sig, "=")
	if pad == 0 {
		return sig // 3-byte aligned: no unused bits
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	i := len(sig) - pad - 1
	unused := 2 * pad // bits of the last character that carry nothing
	c := strings.IndexByte(alphabet, sig[i]) | (1<<unused - 1)
	out := sig[:i] + string(alphabet[c]) + sig[i+1:]
	if back, err := base64.StdEncoding.DecodeString(out); err != nil || !bytes.Equal(back, raw) {
		tb.Fatalf("re-encoding changed the signature: %v", err)
	}
	return out
}

// failingGuard cannot reach its store.
type failingGuard struct{}

func (failingGuard) Seen(context.Context, [sha256.Size]byte, time.Time) (bool, error) {
	return false, errors.New("table unreachable")
}

// TestReplayGuardFailsClosed: when the guard cannot tell, a verified request is
// refused with 500 and a log line, and never reaches the skill; without a guard every
// request is refused.
func TestReplayGuardFailsClosed(t *testing.T) {
	now := time.Now()
	id := mustIdentity(t, now)
	v := &sigverify.Verifier{Roots: id.Roots(), Client: id.Client()}
	for name, tc := range map[string]struct {
		guard ReplayGuard
		want  int
		log   string
	}{
		"GuardFails": {failingGuard{}, http.StatusInternalServerError, "table unreachable"},
		"NoGuard":    {nil, http.StatusBadRequest, "no replay guard configured"},
	} {
		t.Run(name, func(t *testing.T) {
			var logs bytes.Buffer
			sk := &countingSkill{}
			h := &HTTPHandler{Skill: sk, Verifier: v, Replays: tc.guard, Log: slog.New(slog.NewJSONHandler(&logs, nil))}
			body, hdr := signedLaunch(t, id.Signer(), "amzn1.echo-api.request.fail-"+name, now)
			if got := serve(h, body, hdr); got != tc.want {
				t.Errorf("answered %d, want %d", got, tc.want)
			}
			if sk.calls.Load() != 0 {
				t.Error("the skill answered a request the guard did not clear")
			}
			if !strings.Contains(logs.String(), tc.log) {
				t.Errorf("the log does not say %q: %s", tc.log, logs.String())
			}
		})
	}
}
