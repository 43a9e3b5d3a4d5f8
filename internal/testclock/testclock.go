// Package testclock is the settable clock of the tests: code under test takes a
// Now func() time.Time, the test hands it Clock.Now and moves the time itself.
//
//	clk := testclock.New(time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC))
//	svc.Now = clk.Now
//	clk.Advance(5 * time.Minute)
package testclock

import (
	"sync"
	"time"
)

// Clock is a time that moves only when told to. It is safe for concurrent use: the
// server under test reads it while the test advances it.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a Clock that reads start.
func New(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (backward when d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
