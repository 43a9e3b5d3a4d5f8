package accesstoken_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/internal/accesstoken"
)

func TestDERToJOSE(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	digest := sha256.Sum256([]byte("x"))
	// Many signatures, so that short r or s (leading zero bytes) occur and get padded.
	for range 200 {
		der, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		jose, err := accesstoken.DERToJOSE(der)
		if err != nil {
			t.Fatalf("DERToJOSE: %v", err)
		}
		if len(jose) != 64 {
			t.Fatalf("JOSE signature has %d bytes", len(jose))
		}
		r, s := new(big.Int).SetBytes(jose[:32]), new(big.Int).SetBytes(jose[32:])
		if !ecdsa.Verify(&key.PublicKey, digest[:], r, s) {
			t.Fatal("converted signature does not verify")
		}
	}
	for _, bad := range [][]byte{nil, {0x30, 0x00}, []byte("garbage"), {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01}} {
		if _, err := accesstoken.DERToJOSE(bad); err == nil {
			t.Errorf("DERToJOSE(%x) succeeded", bad)
		}
	}
}

func TestCachedKeysRateLimitsRefresh(t *testing.T) {
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	fetches, fail := 0, false
	src := accesstoken.NewCachedKeysForTest(func() (map[string]*ecdsa.PublicKey, error) {
		mu.Lock()
		defer mu.Unlock()
		fetches++
		if fail {
			return nil, errors.New("down")
		}
		return map[string]*ecdsa.PublicKey{"a": nil}, nil
	}, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	refresh := src.(interface {
		Refresh(context.Context) (map[string]*ecdsa.PublicKey, error)
	}).Refresh
	ctx := context.Background()
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	count := func() int { mu.Lock(); defer mu.Unlock(); return fetches }

	if _, err := src.Keys(ctx); err != nil || count() != 1 {
		t.Fatalf("first Keys: %v, %d fetches", err, count())
	}
	_, _ = refresh(ctx)
	_, _ = refresh(ctx)
	if count() != 1 {
		t.Errorf("refresh within a minute of a fetch fetched: %d fetches", count())
	}
	advance(61 * time.Second)
	_, _ = refresh(ctx)
	if count() != 2 {
		t.Errorf("refresh after a minute did not fetch: %d fetches", count())
	}
	// Expired cache and a failing source: the old keys are served.
	mu.Lock()
	fail = true
	mu.Unlock()
	advance(2 * time.Hour)
	if keys, err := src.Keys(ctx); err != nil || len(keys) != 1 {
		t.Errorf("Keys with a failing source = %v, %v; want the stale keys", keys, err)
	}
}
