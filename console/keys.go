package console

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// Labels of the subkeys derived from the console's key, one per kind of secret, so
// that a hash of one kind can never stand for another.
const (
	labelSession = "session"
	labelCSRF    = "csrf"
	labelLink    = "link" // e-mailed single-use links: sign-up, invitation, reset
	labelCode    = "code" // SMS codes
	labelLimit   = "limit"
)

// subkey returns HMAC-SHA256(console key, "easytocloud console "+label).
func (s *Server) subkey(ctx context.Context, label string) ([]byte, error) {
	master, err := s.cfg.Keyring.Key(ctx, KeyPurpose)
	if err != nil {
		return nil, fmt.Errorf("mac key: %w", err)
	}
	mac := hmac.New(sha256.New, master)
	mac.Write([]byte("easytocloud console " + label))
	return mac.Sum(nil), nil
}

// sum returns base64url(HMAC-SHA256(subkey(label), value)): how a secret is stored.
func (s *Server) sum(ctx context.Context, label, value string) (string, error) {
	k, err := s.subkey(ctx, label)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, k)
	mac.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}
