package accesstoken

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"golang.org/x/sync/singleflight"
)

// KeySource gives the public keys tokens may be signed with, by kid. Keys fails only
// when no keys can be had at all (the source is unreachable and nothing is cached).
type KeySource interface {
	Keys(ctx context.Context) (map[string]*ecdsa.PublicKey, error)
}

// refresher is a KeySource that can fetch again when a token names a kid it does not
// know; it decides itself how often it really fetches.
type refresher interface {
	Refresh(ctx context.Context) (map[string]*ecdsa.PublicKey, error)
}

// GetPublicKeyAPI is the part of the KMS client that reads a key's public half.
type GetPublicKeyAPI interface {
	GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, opts ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
}

// StaticKeys returns a KeySource of fixed keys, each filed under its thumbprint.
func StaticKeys(keys ...*ecdsa.PublicKey) (KeySource, error) {
	m := map[string]*ecdsa.PublicKey{}
	for _, k := range keys {
		kid, err := Thumbprint(k)
		if err != nil {
			return nil, err
		}
		m[kid] = k
	}
	return staticKeys(m), nil
}

type staticKeys map[string]*ecdsa.PublicKey

func (s staticKeys) Keys(context.Context) (map[string]*ecdsa.PublicKey, error) { return s, nil }

// KMSKeys returns the public key of the KMS key keyID (kms:GetPublicKey) as a
// KeySource, filed under its thumbprint. It is fetched once and kept for a day; an
// unknown kid fetches again at most once a minute (the alias may now name another key).
func KMSKeys(client GetPublicKeyAPI, keyID string) KeySource { return newKMSKeys(client, keyID) }

// JWKSKeys returns the keys published at a JWKS URL as a KeySource, cached for an
// hour; an unknown kid fetches again at most once a minute. client nil uses a client
// with a 10-second timeout.
func JWKSKeys(url string, client *http.Client) KeySource {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return newCachedKeys(time.Hour, func(ctx context.Context) (map[string]*ecdsa.PublicKey, error) {
		return fetchJWKS(ctx, client, url)
	})
}

// cachedKeys is a key set fetched on demand, kept for ttl, fetched again on Refresh
// at most once per minInterval, with one fetch in flight for all callers. When a
// fetch fails it serves the keys it has.
type cachedKeys struct {
	fetch       func(ctx context.Context) (map[string]*ecdsa.PublicKey, error)
	ttl         time.Duration
	minInterval time.Duration
	now         func() time.Time

	group     singleflight.Group
	mu        sync.Mutex
	keys      map[string]*ecdsa.PublicKey
	fetchedAt time.Time // last successful fetch
	triedAt   time.Time // last attempt
}

func newCachedKeys(ttl time.Duration, fetch func(context.Context) (map[string]*ecdsa.PublicKey, error)) *cachedKeys {
	return &cachedKeys{fetch: fetch, ttl: ttl, minInterval: time.Minute, now: time.Now}
}

// Keys returns the cached keys, fetching when there are none or they are older than ttl.
func (c *cachedKeys) Keys(ctx context.Context) (map[string]*ecdsa.PublicKey, error) {
	c.mu.Lock()
	keys, fresh := c.keys, c.keys != nil && c.now().Sub(c.fetchedAt) < c.ttl
	recentTry := c.now().Sub(c.triedAt) < c.minInterval
	c.mu.Unlock()
	if fresh || (keys != nil && recentTry) {
		return keys, nil
	}
	return c.load(ctx)
}

// Refresh fetches again unless the last attempt was less than minInterval ago, and
// returns the keys it then has.
func (c *cachedKeys) Refresh(ctx context.Context) (map[string]*ecdsa.PublicKey, error) {
	c.mu.Lock()
	keys, recentTry := c.keys, !c.triedAt.IsZero() && c.now().Sub(c.triedAt) < c.minInterval
	c.mu.Unlock()
	if recentTry {
		if keys == nil {
			return nil, errors.New("public keys unavailable (last fetch failed moments ago)")
		}
		return keys, nil
	}
	return c.load(ctx)
}

func (c *cachedKeys) load(ctx context.Context) (map[string]*ecdsa.PublicKey, error) {
	ch := c.group.DoChan("keys", func() (any, error) {
		// Detached from the first caller's context: its cancellation must not fail
		// the others waiting on the same fetch.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		keys, err := c.fetch(fctx)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.triedAt = c.now()
		if err != nil {
			if c.keys != nil {
				return c.keys, nil
			}
			return nil, err
		}
		c.keys, c.fetchedAt = keys, c.now()
		return keys, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(map[string]*ecdsa.PublicKey), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func fetchJWKS(ctx context.Context, client *http.Client, url string) (map[string]*ecdsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch jwks %s: %w", url, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch jwks %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch jwks %s: status %s", url, resp.Status)
	}
	var set JWKS
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("fetch jwks %s: decode: %w", url, err)
	}
	keys, err := set.PublicKeys()
	if err != nil {
		return nil, fmt.Errorf("fetch jwks %s: %w", url, err)
	}
	return keys, nil
}

// kmsKeys is the cached public key of one KMS key.
type kmsKeys struct {
	*cachedKeys
}

func newKMSKeys(client GetPublicKeyAPI, keyID string) *kmsKeys {
	return &kmsKeys{newCachedKeys(24*time.Hour, func(ctx context.Context) (map[string]*ecdsa.PublicKey, error) {
		pub, err := kmsPublicKey(ctx, client, keyID)
		if err != nil {
			return nil, err
		}
		kid, err := Thumbprint(pub)
		if err != nil {
			return nil, err
		}
		return map[string]*ecdsa.PublicKey{kid: pub}, nil
	})}
}

// publicKey returns the one key.
func (k *kmsKeys) publicKey(ctx context.Context) (*ecdsa.PublicKey, error) {
	keys, err := k.Keys(ctx)
	if err != nil {
		return nil, err
	}
	for _, pub := range keys {
		return pub, nil
	}
	return nil, errors.New("kms: no public key")
}

// cachedKID returns the kid of the cached key, or "" when none is cached.
func (k *kmsKeys) cachedKID() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	for kid := range k.keys {
		return kid
	}
	return ""
}

func kmsPublicKey(ctx context.Context, client GetPublicKeyAPI, keyID string) (*ecdsa.PublicKey, error) {
	out, err := client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(keyID)})
	if err != nil {
		return nil, fmt.Errorf("kms get public key %s: %w", keyID, err)
	}
	if out.KeyUsage != kmstypes.KeyUsageTypeSignVerify ||
		(len(out.SigningAlgorithms) > 0 && !slices.Contains(out.SigningAlgorithms, kmstypes.SigningAlgorithmSpecEcdsaSha256)) {
		return nil, fmt.Errorf("kms key %s is not an ECDSA_SHA_256 signing key (usage %s)", keyID, out.KeyUsage)
	}
	key, err := x509.ParsePKIXPublicKey(out.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("kms public key %s: %w", keyID, err)
	}
	ec, ok := key.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, fmt.Errorf("kms key %s is %T, not a P-256 ECDSA key", keyID, key)
	}
	return ec, nil
}
