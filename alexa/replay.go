package alexa

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"
)

// ReplayWindow is how long past its timestamp a request can still pass a verifier:
// alexa/sigverify accepts a timestamp up to this far from its clock, either way (a
// test checks the two agree). HTTPHandler remembers a request at least this long
// after it arrived, and this long past its timestamp when Alexa's clock is ahead.
const ReplayWindow = 150 * time.Second

// ReplayGuard remembers the verified requests an endpoint accepted, for every
// instance that serves it, so that one is accepted once (internal/replay keeps them
// in the table; MemoryReplayGuard in one process). A request is known by the SHA-256
// of its body, not of its Signature-256 header: the signature covers the exact bytes
// of the body, which therefore cannot change without failing verification, while the
// header's base64 text can (its last character's unused bits, and a second valid
// signature, are not excluded), and each variant would be a new request.
type ReplayGuard interface {
	// Seen records sum, the SHA-256 of a verified request body, until expires, and
	// reports whether it was already recorded and had not expired (a record is live
	// up to and including its expiry, as a timestamp passes up to and including the
	// tolerance): true is a replay. Of two concurrent calls with one sum, exactly one reports false. An
	// error means it could not tell; HTTPHandler then refuses the request.
	Seen(ctx context.Context, sum [sha256.Size]byte, expires time.Time) (replayed bool, err error)
}

// maxSeenBodies bounds the memory of a MemoryReplayGuard (about 6 MB); past it the
// oldest are forgotten first.
const maxSeenBodies = 100_000

// MemoryReplayGuard is a ReplayGuard in memory: it guards one process only, so it
// fits the tests and a single server, not a fleet behind one endpoint. It remembers
// at most 100,000 requests. The zero value is ready to use; it is safe for
// concurrent use.
type MemoryReplayGuard struct {
	// Now is the clock expiries are compared with; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	expires map[[sha256.Size]byte]time.Time
	order   []seenBody // oldest first
}

type seenBody struct {
	sum     [sha256.Size]byte
	expires time.Time
}

// Seen implements ReplayGuard; it never fails.
func (g *MemoryReplayGuard) Seen(_ context.Context, sum [sha256.Size]byte, expires time.Time) (bool, error) {
	now := time.Now()
	if g.Now != nil {
		now = g.Now()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for len(g.order) > 0 && (g.order[0].expires.Before(now) || len(g.order) >= maxSeenBodies) {
		// A sum recorded again after it expired has a newer entry further on: only
		// the entry it was last recorded with deletes it.
		if old := g.order[0]; g.expires[old.sum].Equal(old.expires) {
			delete(g.expires, old.sum)
		}
		g.order = g.order[1:]
	}
	if e, ok := g.expires[sum]; ok && !now.After(e) {
		return true, nil
	}
	if g.expires == nil {
		g.expires = map[[sha256.Size]byte]time.Time{}
	}
	g.expires[sum] = expires
	g.order = append(g.order, seenBody{sum, expires})
	return false, nil
}
