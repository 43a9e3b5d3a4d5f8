package accesstoken

import (
	"context"
	"crypto/ecdsa"
	"time"
)

// PrivateKeyForTest exposes a file signer's key so tests can forge tokens with it.
func PrivateKeyForTest(s *FileSigner) *ecdsa.PrivateKey { return s.key }

// DERToJOSE exposes derToJOSE.
var DERToJOSE = derToJOSE

// NewCachedKeysForTest returns a cached key source with a clock.
func NewCachedKeysForTest(fetch func() (map[string]*ecdsa.PublicKey, error), now func() time.Time) KeySource {
	c := newCachedKeys(time.Hour, func(ctxIgnored context.Context) (map[string]*ecdsa.PublicKey, error) { return fetch() })
	c.now = now
	return c
}
