package sigverify

import (
	"fmt"
	"testing"
	"time"
)

func TestStoreIsBounded(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	v := &Verifier{}
	entry := func(expiresIn time.Duration) signingCert {
		return signingCert{notBefore: now.Add(-time.Hour), notAfter: now.Add(expiresIn)}
	}
	v.store("expired", entry(-time.Minute), now.Add(-2*time.Minute))
	v.store("soonest", entry(time.Hour), now)
	for i := range maxCacheEntries - 2 {
		v.store(fmt.Sprintf("u%d", i), entry(48*time.Hour), now)
	}
	if len(v.cache) != maxCacheEntries {
		t.Fatalf("%d entries, want %d", len(v.cache), maxCacheEntries)
	}

	v.store("new1", entry(48*time.Hour), now) // drops the out-of-date entry
	if _, ok := v.cache["expired"]; ok {
		t.Error("out-of-date entry kept while the cache was full")
	}
	if _, ok := v.cache["soonest"]; !ok {
		t.Error("in-date entry dropped while an out-of-date one could go")
	}
	// Expiring after every other entry, so that no tie can make it the one to evict
	// when the cache is full of entries that all expire at the same time.
	v.store("new2", entry(72*time.Hour), now) // drops the entry expiring first
	if _, ok := v.cache["soonest"]; ok {
		t.Error("the entry expiring first was kept")
	}
	for i := range 100 {
		v.store(fmt.Sprintf("more%d", i), entry(24*time.Hour), now)
	}
	if len(v.cache) > maxCacheEntries {
		t.Errorf("%d entries, want at most %d", len(v.cache), maxCacheEntries)
	}
	if _, ok := v.cache["new2"]; !ok {
		t.Error("the entry expiring last was evicted before those expiring sooner")
	}
	v.store("new2", entry(time.Minute), now) // replacing never evicts
	if len(v.cache) != maxCacheEntries {
		t.Errorf("%d entries after replacing one, want %d", len(v.cache), maxCacheEntries)
	}
}
