package alexa

import (
	"fmt"
	"testing"
	"time"
)

// TestSeenBodiesForgets: a remembered body is forgotten after the replay window, and
// the memory stays bounded however many verified requests arrive.
func TestSeenBodiesForgets(t *testing.T) {
	var s seenBodies
	t0 := time.Now()
	if !s.first([]byte("a"), t0) || s.first([]byte("a"), t0.Add(replayWindow)) {
		t.Fatal("a body is not refused within the window")
	}
	if !s.first([]byte("a"), t0.Add(replayWindow+time.Second)) {
		t.Error("a body is still refused after the window")
	}
	for i := range maxSeenBodies + 10 {
		s.first(fmt.Appendf(nil, "body %d", i), t0.Add(replayWindow+2*time.Second))
	}
	if len(s.at) > maxSeenBodies || len(s.order) > maxSeenBodies {
		t.Errorf("remembers %d bodies, more than %d", len(s.at), maxSeenBodies)
	}
}
