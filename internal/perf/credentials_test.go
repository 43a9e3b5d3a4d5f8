package perf

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/alexa"
)

// BenchmarkCredentials counts the AssumeRole calls behind list requests of one
// tenant's user (one region of the fake endpoint, answering at once), through the
// skill and the real account.Access:
//   - Concurrent1000: 1,000 requests at once on a cold cache, the fake STS taking
//     50 ms; sts-calls/1000req should be 1.
//   - Warm: one request with the credentials cached; sts-calls/op should be 0.
//   - RefreshAhead: with the cached credentials 5 minutes from expiry (inside the
//     refresh window, outside the 2-minute stale margin) and STS holding every call,
//     a request is answered at once while the refresh runs in the background;
//     waited/op counts requests that waited for it (should be 0).
func BenchmarkCredentials(b *testing.B) {
	tn := perfTenant
	tn.Regions = []string{"eu-west-1"}
	ep := newRegionalEndpoint(b, 0, 2, "")
	cfg := endpointConfig(ep.URL)
	check := func(tb testing.TB, resp *alexa.ResponseEnvelope) {
		if s := spoken(resp); !strings.Contains(s, "eu-west-1-0") {
			tb.Errorf("speech = %q, want the instances of Ireland", s)
		}
	}

	b.Run("Concurrent1000", func(b *testing.B) {
		const n = 1000
		var calls int64
		for b.Loop() {
			m := newMemSkill(b, tn, cfg)
			m.sts.delay = 50 * time.Millisecond
			body := alexaRequest(m.token, "ListInstancesIntent", nil)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for range n {
				wg.Go(func() {
					<-start
					check(b, handle(b, m.h, body))
				})
			}
			close(start)
			wg.Wait()
			if n := m.sts.calls.Load(); n != 1 {
				b.Errorf("1,000 concurrent requests made %d AssumeRole calls, want 1", n)
			}
			calls += m.sts.calls.Load()
		}
		b.ReportMetric(float64(calls)/float64(b.N), "sts-calls/1000req")
	})

	b.Run("Warm", func(b *testing.B) {
		m := newMemSkill(b, tn, cfg)
		body := alexaRequest(m.token, "ListInstancesIntent", nil)
		check(b, handle(b, m.h, body))
		before := m.sts.calls.Load()
		for b.Loop() {
			check(b, handle(b, m.h, body))
		}
		b.ReportMetric(float64(m.sts.calls.Load()-before)/float64(b.N), "sts-calls/op")
	})

	b.Run("RefreshAhead", func(b *testing.B) {
		var waited, refreshes int64
		for b.Loop() {
			m := newMemSkill(b, tn, cfg)
			body := alexaRequest(m.token, "ListInstancesIntent", nil)
			check(b, handle(b, m.h, body)) // credentials valid for an hour
			issued := m.sts.calls.Load()
			old, err := m.access.Credentials(context.Background(), tn, perfUser.UserID)
			if err != nil {
				b.Fatal(err)
			}
			// 55 minutes later, with STS holding every call.
			later := func() time.Time { return time.Now().Add(55 * time.Minute) }
			m.access.Now, m.sts.now = later, later
			gate := make(chan struct{})
			m.sts.mu.Lock()
			m.sts.gate = gate
			m.sts.mu.Unlock()
			done := make(chan struct{})
			go func() {
				defer close(done)
				check(b, handle(b, m.h, body))
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				waited++
			}
			close(gate)
			<-done
			// The refresh started by that request now completes: the next request
			// is served the new credentials.
			deadline := time.Now().Add(5 * time.Second)
			for {
				c, err := m.access.Credentials(context.Background(), tn, perfUser.UserID)
				if err != nil {
					b.Fatal(err)
				}
				if c.AccessKeyID != old.AccessKeyID {
					break
				}
				if time.Now().After(deadline) {
					b.Fatal("the background refresh never stored new credentials")
				}
				time.Sleep(time.Millisecond)
			}
			n := m.sts.calls.Load() - issued
			if n != 1 {
				b.Errorf("the refresh ahead made %d AssumeRole calls, want 1", n)
			}
			refreshes += n
		}
		b.ReportMetric(float64(waited)/float64(b.N), "waited/op")
		b.ReportMetric(float64(refreshes)/float64(b.N), "sts-calls/op")
	})
}
