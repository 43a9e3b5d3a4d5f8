package ratelimit_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/ratelimit"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/internal/testclock"
)

func TestMain(m *testing.M) { awstest.Main(m) }

func newLimiter(t *testing.T) (*ratelimit.Limiter, *testclock.Clock) {
	t.Helper()
	clock := testclock.New(time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC))
	tbl := table.New(dynamodb.NewFromConfig(awstest.Config(t)), awstest.Table(t))
	return &ratelimit.Limiter{Table: tbl, SK: "#LIMIT", Now: clock.Now}, clock
}

// TestTakeUpToTheLimit: three attempts pass, the fourth is refused uncounted, and a
// lapsed window starts again at one.
func TestTakeUpToTheLimit(t *testing.T) {
	l, clock := newLimiter(t)
	ctx := awstest.Context(t)
	for i := 1; i <= 3; i++ {
		s, err := l.Take(ctx, "L#a", 3, time.Minute)
		if err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
		if s.Count != i || s.Full() != (i == 3) {
			t.Fatalf("attempt %d: count %d full %v", i, s.Count, s.Full())
		}
	}
	if _, err := l.Take(ctx, "L#a", 3, time.Minute); !errors.Is(err, ratelimit.ErrLimited) {
		t.Fatalf("fourth attempt: %v, want ErrLimited", err)
	}
	if _, err := l.Take(ctx, "L#b", 3, time.Minute); err != nil {
		t.Fatalf("another key: %v", err)
	}
	clock.Advance(time.Minute)
	s, err := l.Take(ctx, "L#a", 3, time.Minute)
	if err != nil || s.Count != 1 {
		t.Fatalf("after the window: %+v, %v", s, err)
	}
}

// TestGiveOnlyToItsWindow: an attempt given back frees a place in its own window, and
// one from a lapsed window changes nothing in the next.
func TestGiveOnlyToItsWindow(t *testing.T) {
	l, clock := newLimiter(t)
	ctx := awstest.Context(t)
	a, _ := l.Take(ctx, "L#g", 2, time.Minute)
	if _, err := l.Take(ctx, "L#g", 2, time.Minute); err != nil {
		t.Fatal(err)
	}
	l.Give(ctx, a)
	if _, err := l.Take(ctx, "L#g", 2, time.Minute); err != nil {
		t.Fatalf("after giving one back: %v", err)
	}
	old, _ := l.Take(ctx, "L#h", 2, time.Minute)
	clock.Advance(2 * time.Minute)
	if _, err := l.Take(ctx, "L#h", 2, time.Minute); err != nil {
		t.Fatal(err)
	}
	l.Give(ctx, old) // from the lapsed window: must not count here
	s, err := l.Take(ctx, "L#h", 2, time.Minute)
	if err != nil || s.Count != 2 {
		t.Fatalf("second attempt of the new window: %+v, %v (a give-back from the old window counted)", s, err)
	}
}

// TestConcurrentTakes: of 30 attempts at once on a limit of 5, exactly 5 pass.
func TestConcurrentTakes(t *testing.T) {
	l, _ := newLimiter(t)
	ctx := context.Background()
	var passed, limited atomic.Int32
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			_, err := l.Take(ctx, "L#c", 5, time.Minute)
			switch {
			case err == nil:
				passed.Add(1)
			case errors.Is(err, ratelimit.ErrLimited):
				limited.Add(1)
			default:
				t.Errorf("take: %v", err)
			}
		})
	}
	wg.Wait()
	if passed.Load() != 5 || limited.Load() != 25 {
		t.Fatalf("passed %d, limited %d; want 5 and 25", passed.Load(), limited.Load())
	}
}
