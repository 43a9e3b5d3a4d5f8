package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/internal/webui"
)

// Keyring hands out the MAC key codes, refresh tokens, CSRF tokens and login-failure
// counters are keyed with (dynamo.Keyring of package tenants/dynamo fits).
type Keyring interface {
	Key(ctx context.Context, purpose string) ([]byte, error)
}

// KeyPurpose names the one Keyring key of this package; subkeys are derived from it
// per use, so that a hash of one kind can never stand for another.
const KeyPurpose = "oauth-token"

// Labels of the derived subkeys.
const (
	labelCode    = "code"
	labelRefresh = "refresh"
	labelCSRF    = "csrf"
	labelLogin   = "login"
	labelConsent = "consent"
)

// macs computes the keyed hashes under which secrets are stored.
type macs struct{ keyring Keyring }

// sum returns base64url(HMAC-SHA256(HMAC-SHA256(key, label), value)).
func (m macs) sum(ctx context.Context, label, value string) (string, error) {
	k, err := m.subkey(ctx, label)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, k)
	mac.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}

func (m macs) subkey(ctx context.Context, label string) ([]byte, error) {
	master, err := m.keyring.Key(ctx, KeyPurpose)
	if err != nil {
		return nil, fmt.Errorf("mac key: %w", err)
	}
	mac := hmac.New(sha256.New, master)
	mac.Write([]byte("easytocloud oauth " + label))
	return mac.Sum(nil), nil
}

// randomToken returns 256 random bits, base64url (43 characters).
func randomToken() string { return webui.RandomToken() }

// errNoItem is the stores' answer for an item that is missing (table.ErrNoItem) or
// expired.
var errNoItem = table.ErrNoItem
