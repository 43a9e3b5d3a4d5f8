package skill

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/tenants"
)

// cmd/skill wires an accesstoken.Verifier as Tokens: SkillDisabled relies on it
// having VerifyExpired.
var _ ExpiredTokenVerifier = (*accesstoken.Verifier)(nil)

// TestSkillDisabledWithAnExpiredToken: Alexa sends the last access token it holds,
// often long expired. A genuine one (our key, iss, aud) still names the user for
// revocation within the refresh token's lifetime; a forged or foreign one does not.
func TestSkillDisabledWithAnExpiredToken(t *testing.T) {
	const iss, aud = "https://auth.example.com", "amzn1.ask.skill.7c1f2a3b-4d5e-6f70-8192-a3b4c5d6e7f8"
	ours, theirs := mustSigner(t), mustSigner(t)
	issued := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	claims := accesstoken.Claims{Issuer: iss, Audience: aud, Subject: alice.UserID, TenantID: alice.TenantID,
		IssuedAt: issued, ExpiresAt: issued.Add(time.Hour)}
	for _, tc := range []struct {
		name   string
		signer accesstoken.Signer
		iss    string
		now    time.Time
		want   []tenants.Principal
	}{
		{"ExpiredYesterday", ours, iss, issued.Add(25 * time.Hour), []tenants.Principal{alice}},
		{"ExpiredBeyondTheRefreshLifetime", ours, iss, issued.Add(181 * 24 * time.Hour), nil},
		{"OtherKey", theirs, iss, issued.Add(25 * time.Hour), nil},
		{"OtherIssuer", ours, "https://evil.example", issued.Add(25 * time.Hour), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := claims
			c.Issuer = tc.iss
			tok, err := accesstoken.Mint(context.Background(), tc.signer, c)
			if err != nil {
				t.Fatal(err)
			}
			h, _, _ := newFakeHandler(t)
			h.SkillID = aud
			h.Tokens = &accesstoken.Verifier{Issuer: iss, Audience: aud, Keys: ours, Now: func() time.Time { return tc.now }}
			rev := &fakeRevoker{}
			h.Revoker = rev
			env := mustDecode(t, "skill_disabled.json")
			env.Context.System.User.AccessToken = tok
			if _, err := h.Handle(context.Background(), env); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, rev.revoked); diff != "" {
				t.Errorf("revoked (-want +got):\n%s", diff)
			}
		})
	}
}

func mustSigner(tb testing.TB) *accesstoken.FileSigner {
	tb.Helper()
	s, err := accesstoken.NewFileSigner(filepath.Join(tb.TempDir(), "signing.pem"))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
