package sigverify

import (
	"context"
	"fmt"
	"time"
)

// maxCacheEntries bounds the certificate cache. Alexa uses one or two chain URLs at a
// time, and only verified chains are cached, so forged URLs cannot fill it.
const maxCacheEntries = 16

// call is one download in flight, shared by every request that needs the same URL.
type call struct {
	done chan struct{} // closed when cert and err are set
	cert signingCert
	err  error
}

// signingCert returns the verified signing certificate behind url (a URL certURL
// returned), from the cache while its chain is in date, otherwise downloaded and
// verified. Concurrent callers for the same URL share one download; each stops waiting
// when its own ctx ends, while the download continues for the others (bounded by the
// fetch timeout).
func (v *Verifier) signingCert(ctx context.Context, url string, now time.Time) (signingCert, error) {
	v.mu.Lock()
	if c, ok := v.cache[url]; ok {
		if c.inDate(now) {
			v.mu.Unlock()
			return c, nil
		}
		delete(v.cache, url)
	}
	cl, ok := v.inflight[url]
	if !ok {
		cl = &call{done: make(chan struct{})}
		if v.inflight == nil {
			v.inflight = make(map[string]*call)
		}
		v.inflight[url] = cl
		go v.load(context.WithoutCancel(ctx), url, now, cl)
	}
	v.mu.Unlock()

	select {
	case <-cl.done:
		return cl.cert, cl.err
	case <-ctx.Done():
		return signingCert{}, fmt.Errorf("wait for cert chain: %w", ctx.Err())
	}
}

// load downloads and verifies the chain for cl, caches it on success, and wakes the
// waiters. Failures are not cached: the next request tries again.
func (v *Verifier) load(ctx context.Context, url string, now time.Time, cl *call) {
	b, err := v.fetchChain(ctx, url)
	if err == nil {
		cl.cert, err = verifyChain(b, v.Roots, now)
	}
	cl.err = err

	v.mu.Lock()
	delete(v.inflight, url)
	if err == nil {
		v.store(url, cl.cert, now)
	}
	v.mu.Unlock()
	close(cl.done)
}

// store adds c under url, first dropping entries out of date and then, if the cache is
// still full, the entry that expires first. v.mu must be held.
func (v *Verifier) store(url string, c signingCert, now time.Time) {
	if v.cache == nil {
		v.cache = make(map[string]signingCert)
	}
	if _, ok := v.cache[url]; !ok && len(v.cache) >= maxCacheEntries {
		for k, e := range v.cache {
			if !e.inDate(now) {
				delete(v.cache, k)
			}
		}
		for len(v.cache) >= maxCacheEntries {
			first := ""
			for k, e := range v.cache {
				if first == "" || e.notAfter.Before(v.cache[first].notAfter) {
					first = k
				}
			}
			delete(v.cache, first)
		}
	}
	v.cache[url] = c
}
