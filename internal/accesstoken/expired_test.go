package accesstoken_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/tenants"
)

// TestVerifyExpired: VerifyExpired accepts a genuine token whose exp passed less than
// the grace ago, and refuses everything Verify refuses for another reason.
func TestVerifyExpired(t *testing.T) {
	signer, other := mustFileSigner(t), mustFileSigner(t)
	const grace = 180 * 24 * time.Hour
	with := func(f func(*accesstoken.Claims)) accesstoken.Claims { c := claims(); f(&c); return c }
	for _, tc := range []struct {
		name   string
		signer accesstoken.Signer
		claims accesstoken.Claims
		now    time.Time
		grace  time.Duration
		ok     bool
	}{
		{"Valid", signer, claims(), t0.Add(time.Minute), grace, true},
		{"ExpiredDaysAgo", signer, claims(), t0.Add(3 * 24 * time.Hour), grace, true},
		{"ExpiredBeyondGrace", signer, claims(), t0.Add(time.Hour + grace + time.Minute), grace, false},
		{"OtherKey", other, claims(), t0.Add(3 * 24 * time.Hour), grace, false},
		{"OtherIssuer", signer, with(func(c *accesstoken.Claims) { c.Issuer = "https://evil.example" }), t0.Add(3 * 24 * time.Hour), grace, false},
		{"OtherAudience", signer, with(func(c *accesstoken.Claims) { c.Audience = "amzn1.ask.skill.other" }), t0.Add(3 * 24 * time.Hour), grace, false},
		{"IssuedInTheFuture", signer, claims(), t0.Add(-time.Hour), grace, false},
		{"NoGrace", signer, claims(), t0.Add(3 * 24 * time.Hour), 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := mustMint(t, tc.signer, tc.claims)
			v := &accesstoken.Verifier{Issuer: issuer, Audience: audience, Keys: signer, Now: at(tc.now)}
			p, err := v.VerifyExpired(context.Background(), tok, tc.grace)
			if !tc.ok {
				if !errors.Is(err, accesstoken.ErrInvalidToken) {
					t.Fatalf("VerifyExpired = %+v, %v; want ErrInvalidToken", p, err)
				}
				return
			}
			if err != nil || p != (tenants.Principal{TenantID: "tenant-1", UserID: "user-1"}) {
				t.Fatalf("VerifyExpired = %+v, %v", p, err)
			}
			// Verify itself still refuses an expired token.
			if _, err := v.Verify(context.Background(), tok); (err == nil) != tc.now.Before(tc.claims.ExpiresAt) {
				t.Errorf("Verify = %v at %v", err, tc.now)
			}
		})
	}
}

// TestVerifyIssued: VerifyIssued names the principal Verify names, the token's iat to
// the second and its grant (none for a token minted without one, which still
// verifies), and refuses what Verify refuses.
func TestVerifyIssued(t *testing.T) {
	signer := mustFileSigner(t)
	v := &accesstoken.Verifier{Issuer: issuer, Audience: audience, Keys: signer, Now: at(t0.Add(time.Minute))}
	for _, tc := range []struct {
		name, grant string
	}{
		{"WithGrant", "g-kitchen-echo"},
		{"WithoutGrant", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := claims()
			c.IssuedAt = t0.Add(1500 * time.Millisecond)
			c.GrantID = tc.grant
			tok := mustMint(t, signer, c)
			p, issued, err := v.VerifyIssued(context.Background(), tok)
			want := accesstoken.Issued{At: t0.Add(time.Second), GrantID: tc.grant}
			if err != nil || p != (tenants.Principal{TenantID: "tenant-1", UserID: "user-1"}) || !issued.At.Equal(want.At) || issued.GrantID != want.GrantID {
				t.Fatalf("VerifyIssued = %+v, %+v, %v; want tenant-1/user-1 and %+v", p, issued, err, want)
			}
			expired := &accesstoken.Verifier{Issuer: issuer, Audience: audience, Keys: signer, Now: at(t0.Add(2 * time.Hour))}
			if _, _, err := expired.VerifyIssued(context.Background(), tok); !errors.Is(err, accesstoken.ErrInvalidToken) {
				t.Errorf("VerifyIssued of an expired token = %v, want ErrInvalidToken", err)
			}
		})
	}
}
