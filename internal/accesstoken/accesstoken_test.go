package accesstoken_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/tenants"
)

func TestMain(m *testing.M) { awstest.Main(m) }

const (
	issuer   = "https://auth.example.com"
	audience = "amzn1.ask.skill.test"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func claims() accesstoken.Claims {
	return accesstoken.Claims{
		Issuer: issuer, Audience: audience, Subject: "user-1", TenantID: "tenant-1",
		Scope: "aws", IssuedAt: t0, ExpiresAt: t0.Add(time.Hour),
	}
}

func at(t time.Time) func() time.Time { return func() time.Time { return t } }

func mustMint(tb testing.TB, s accesstoken.Signer, c accesstoken.Claims) string {
	tb.Helper()
	tok, err := accesstoken.Mint(context.Background(), s, c)
	if err != nil {
		tb.Fatalf("mint: %v", err)
	}
	return tok
}

func mustFileSigner(tb testing.TB) *accesstoken.FileSigner {
	tb.Helper()
	s, err := accesstoken.NewFileSigner(filepath.Join(tb.TempDir(), "signing.pem"))
	if err != nil {
		tb.Fatalf("file signer: %v", err)
	}
	return s
}

func TestKMSMintVerify(t *testing.T) {
	client := kms.NewFromConfig(awstest.Config(t))
	keyID := awstest.SigningKey(t)
	signer := accesstoken.NewKMSSigner(client, keyID)
	tok := mustMint(t, signer, claims())

	header := decodeSegment(t, tok, 0)
	pub, err := signer.PublicKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := accesstoken.Thumbprint(pub)
	if diff := cmp.Diff(map[string]any{"alg": "ES256", "kid": kid, "typ": "at+jwt"}, header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	body := decodeSegment(t, tok, 1)
	for _, k := range []string{"iss", "aud", "sub", "tid", "scope", "iat", "exp", "jti"} {
		if _, ok := body[k]; !ok {
			t.Errorf("claim %s missing from %v", k, body)
		}
	}

	if body["aud"] != audience {
		t.Errorf("aud = %#v, want the single string %q", body["aud"], audience)
	}
	v := &accesstoken.Verifier{Issuer: issuer, Audience: audience, Keys: accesstoken.KMSKeys(client, keyID), Now: at(t0.Add(time.Minute))}
	p, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if diff := cmp.Diff(tenants.Principal{TenantID: "tenant-1", UserID: "user-1"}, p); diff != "" {
		t.Errorf("principal (-want +got):\n%s", diff)
	}
	// The same signature checked by the standard library, independently of jwt.
	parts := strings.Split(tok, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsaVerify(pub, digest[:], sig) {
		t.Error("the KMS-signed JWT does not verify with crypto/ecdsa")
	}
}

func ecdsaVerify(pub *ecdsa.PublicKey, digest, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(pub, digest, r, s)
}

func decodeSegment(tb testing.TB, tok string, i int) map[string]any {
	tb.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		tb.Fatalf("token has %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		tb.Fatalf("segment %d: %v", i, err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatalf("segment %d: %v", i, err)
	}
	return m
}

func TestJWKSKeysVerify(t *testing.T) {
	signer := mustFileSigner(t)
	keys, _ := signer.Keys(context.Background())
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		set, err := accesstoken.NewJWKS(keys)
		if err != nil {
			t.Error(err)
		}
		_ = json.NewEncoder(w).Encode(set)
	}))
	defer srv.Close()

	v := &accesstoken.Verifier{Issuer: issuer, Audience: audience, Keys: accesstoken.JWKSKeys(srv.URL, srv.Client()), Now: at(t0)}
	for range 3 {
		if _, err := v.Verify(context.Background(), mustMint(t, signer, claims())); err != nil {
			t.Fatalf("verify: %v", err)
		}
	}
	if got := fetches.Load(); got != 1 {
		t.Errorf("JWKS fetched %d times for 3 tokens, want 1 (cached)", got)
	}
	// Tokens of an unknown key are refused without hammering the JWKS URL: a refetch
	// happens at most once a minute (TestCachedKeysRateLimitsRefresh moves the clock).
	other := mustFileSigner(t)
	for range 3 {
		if _, err := v.Verify(context.Background(), mustMint(t, other, claims())); !errors.Is(err, accesstoken.ErrInvalidToken) {
			t.Fatalf("token of an unknown key: err = %v, want ErrInvalidToken", err)
		}
	}
	if got := fetches.Load(); got != 1 {
		t.Errorf("JWKS fetched %d times after 3 unknown kids within a minute, want 1 (rate-limited)", got)
	}
}

func TestJWKSUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	v := &accesstoken.Verifier{Issuer: issuer, Audience: audience, Keys: accesstoken.JWKSKeys(srv.URL, srv.Client()), Now: at(t0)}
	_, err := v.Verify(context.Background(), mustMint(t, mustFileSigner(t), claims()))
	if !errors.Is(err, accesstoken.ErrKeysUnavailable) || errors.Is(err, accesstoken.ErrInvalidToken) {
		t.Errorf("err = %v, want ErrKeysUnavailable (not ErrInvalidToken)", err)
	}
}

// TestRefused is the attacker's list: each token must be refused with ErrInvalidToken.
func TestRefused(t *testing.T) {
	signer := mustFileSigner(t)
	keys, _ := signer.Keys(context.Background())
	pub, _ := signer.PublicKey(context.Background())
	kid := signer.KeyID()
	der, _ := x509.MarshalPKIXPublicKey(pub)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	other := mustFileSigner(t)
	otherKey := loadKey(t, other)

	wire := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		m := jwt.MapClaims{"iss": issuer, "aud": audience, "sub": "user-1", "tid": "tenant-1",
			"iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix(), "jti": "j"}
		if mod != nil {
			mod(m)
		}
		return m
	}
	sign := func(method jwt.SigningMethod, key any, c jwt.MapClaims, hdr map[string]any) string {
		tok := jwt.NewWithClaims(method, c)
		tok.Header["kid"] = kid
		tok.Header["typ"] = "at+jwt"
		for k, v := range hdr {
			if v == nil {
				delete(tok.Header, k)
			} else {
				tok.Header[k] = v
			}
		}
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatalf("sign %s: %v", method.Alg(), err)
		}
		return s
	}
	hs256 := func(secret []byte) string {
		h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","kid":"` + kid + `","typ":"at+jwt"}`))
		b, _ := json.Marshal(wire(nil))
		input := h + "." + base64.RawURLEncoding.EncodeToString(b)
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(input))
		return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	}
	good := mustMint(t, signer, claims())
	parts := strings.Split(good, ".")

	tests := []struct {
		name  string
		token string
	}{
		{"AlgNone", sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, wire(nil), nil)},
		{"AlgNoneStrippedSignature", parts[0] + "." + parts[1] + "."},
		{"HS256WithPublicKeyPEMAsSecret", hs256(pubPEM)},
		{"HS256WithPublicKeyDERAsSecret", hs256(der)},
		{"AnotherKeyClaimingOurKID", sign(jwt.SigningMethodES256, otherKey, wire(nil), nil)},
		{"AnotherKeyItsOwnKID", mustMint(t, other, claims())},
		{"ES384", sign(jwt.SigningMethodES384, mustP384(t), wire(nil), nil)},
		{"Expired", mustMint(t, signer, func() accesstoken.Claims {
			c := claims()
			c.IssuedAt, c.ExpiresAt = t0.Add(-2*time.Hour), t0.Add(-time.Hour)
			return c
		}())},
		{"WrongAudience", sign(jwt.SigningMethodES256, loadKey(t, signer), wire(func(m jwt.MapClaims) { m["aud"] = "amzn1.ask.skill.other" }), nil)},
		{"WrongIssuer", sign(jwt.SigningMethodES256, loadKey(t, signer), wire(func(m jwt.MapClaims) { m["iss"] = "https://evil.example.com" }), nil)},
		{"MissingExp", sign(jwt.SigningMethodES256, loadKey(t, signer), wire(func(m jwt.MapClaims) { delete(m, "exp") }), nil)},
		{"MissingIss", sign(jwt.SigningMethodES256, loadKey(t, signer), wire(func(m jwt.MapClaims) { delete(m, "iss") }), nil)},
		{"MissingAud", sign(jwt.SigningMethodES256, loadKey(t, signer), wire(func(m jwt.MapClaims) { delete(m, "aud") }), nil)},
		{"MissingTenant", sign(jwt.SigningMethodES256, loadKey(t, signer), wire(func(m jwt.MapClaims) { delete(m, "tid") }), nil)},
		{"MissingSubject", sign(jwt.SigningMethodES256, loadKey(t, signer), wire(func(m jwt.MapClaims) { delete(m, "sub") }), nil)},
		{"IssuedInTheFuture", sign(jwt.SigningMethodES256, loadKey(t, signer), wire(func(m jwt.MapClaims) { m["iat"] = t0.Add(10 * time.Minute).Unix() }), nil)},
		{"NotYetValid", sign(jwt.SigningMethodES256, loadKey(t, signer), wire(func(m jwt.MapClaims) { m["nbf"] = t0.Add(10 * time.Minute).Unix() }), nil)},
		{"NoTyp", sign(jwt.SigningMethodES256, loadKey(t, signer), wire(nil), map[string]any{"typ": nil})},
		{"TypJWT", sign(jwt.SigningMethodES256, loadKey(t, signer), wire(nil), map[string]any{"typ": "JWT"})},
		{"NoKID", sign(jwt.SigningMethodES256, loadKey(t, signer), wire(nil), map[string]any{"kid": nil})},
		{"TamperedClaims", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"`+issuer+`","aud":"`+audience+`","sub":"admin","tid":"tenant-2","iat":`+jsonInt(t0.Unix())+`,"exp":`+jsonInt(t0.Add(time.Hour).Unix())+`}`)) + "." + parts[2]},
		{"Garbage", "not.a.jwt"},
		{"Empty", ""},
	}
	v := &accesstoken.Verifier{Issuer: issuer, Audience: audience, Keys: staticKeys(keys), Now: at(t0.Add(time.Minute))}
	if _, err := v.Verify(context.Background(), good); err != nil {
		t.Fatalf("the good token is refused: %v", err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), tc.token)
			if !errors.Is(err, accesstoken.ErrInvalidToken) {
				t.Fatalf("Verify = %+v, %v; want ErrInvalidToken", p, err)
			}
			t.Logf("refused: %v", err)
			if p != (tenants.Principal{}) {
				t.Errorf("refused token still yields principal %+v", p)
			}
		})
	}
}

func TestVerifierWithoutConfigRefuses(t *testing.T) {
	signer := mustFileSigner(t)
	for _, v := range []*accesstoken.Verifier{
		{Audience: audience, Keys: signer, Now: at(t0)},
		{Issuer: issuer, Keys: signer, Now: at(t0)},
		{Issuer: issuer, Audience: audience, Now: at(t0)},
	} {
		if _, err := v.Verify(context.Background(), mustMint(t, signer, claims())); !errors.Is(err, accesstoken.ErrInvalidToken) {
			t.Errorf("verifier %+v accepted a token: %v", v, err)
		}
	}
}

func TestMintRequiresClaims(t *testing.T) {
	signer := mustFileSigner(t)
	for name, mod := range map[string]func(*accesstoken.Claims){
		"NoIssuer":   func(c *accesstoken.Claims) { c.Issuer = "" },
		"NoAudience": func(c *accesstoken.Claims) { c.Audience = "" },
		"NoSubject":  func(c *accesstoken.Claims) { c.Subject = "" },
		"NoTenant":   func(c *accesstoken.Claims) { c.TenantID = "" },
		"NoExpiry":   func(c *accesstoken.Claims) { c.ExpiresAt = time.Time{} },
		"NoIssuedAt": func(c *accesstoken.Claims) { c.IssuedAt = time.Time{} },
	} {
		t.Run(name, func(t *testing.T) {
			c := claims()
			mod(&c)
			if tok, err := accesstoken.Mint(context.Background(), signer, c); err == nil {
				t.Errorf("Mint = %q, want an error", tok)
			}
		})
	}
	a, b := mustMint(t, signer, claims()), mustMint(t, signer, claims())
	if decodeSegment(t, a, 1)["jti"] == decodeSegment(t, b, 1)["jti"] {
		t.Error("two tokens share a jti")
	}
}

func TestFileSignerKeepsItsKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.pem")
	a, err := accesstoken.NewFileSigner(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	b, err := accesstoken.NewFileSigner(path)
	if err != nil {
		t.Fatal(err)
	}
	if a.KeyID() != b.KeyID() {
		t.Errorf("reloaded key has kid %s, want %s", b.KeyID(), a.KeyID())
	}
	if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := accesstoken.NewFileSigner(path); err == nil {
		t.Error("a file that holds no key was accepted")
	}
}

// TestFileSignerRefusesOpenKeyFile: a key file group or others may read or write is
// refused, with the chmod that fixes it; once chmod 600, it loads.
func TestFileSignerRefusesOpenKeyFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix mode bits")
	}
	path := filepath.Join(t.TempDir(), "k.pem")
	want, err := accesstoken.NewFileSigner(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o620, 0o602, 0o610, 0o601} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := accesstoken.NewFileSigner(path)
		if err == nil || !strings.Contains(err.Error(), "chmod 600 "+path) {
			t.Errorf("mode %04o: NewFileSigner = %v, want a refusal naming chmod 600 %s", mode, err, path)
		}
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		if s, err := accesstoken.NewFileSigner(path); err != nil || s.KeyID() != want.KeyID() {
			t.Errorf("mode %04o: NewFileSigner = %v, want the key", mode, err)
		}
	}
}

func TestThumbprintIsRFC7638(t *testing.T) {
	pub, _ := mustFileSigner(t).PublicKey(context.Background())
	set, err := accesstoken.NewJWKS(map[string]*ecdsa.PublicKey{"k": pub})
	if err != nil {
		t.Fatal(err)
	}
	k := set.Keys[0]
	canonical := `{"crv":"P-256","kty":"EC","x":"` + k.X + `","y":"` + k.Y + `"}`
	sum := sha256.Sum256([]byte(canonical))
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	if got, _ := accesstoken.Thumbprint(pub); got != want {
		t.Errorf("Thumbprint = %s, want %s", got, want)
	}
	back, err := set.PublicKeys()
	if err != nil || !back["k"].Equal(pub) {
		t.Errorf("JWKS round trip: %v, %v", back, err)
	}
}

func TestJWKSRejectsPointOffCurve(t *testing.T) {
	x := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	set := accesstoken.JWKS{Keys: []accesstoken.JWK{{Kty: "EC", Crv: "P-256", X: x, Y: x, Kid: "bad"}}}
	if _, err := set.PublicKeys(); err == nil {
		t.Error("a point off the curve was accepted")
	}
}

func loadKey(tb testing.TB, s *accesstoken.FileSigner) *ecdsa.PrivateKey {
	tb.Helper()
	return accesstoken.PrivateKeyForTest(s)
}

func mustP384(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

type staticKeys map[string]*ecdsa.PublicKey

func (s staticKeys) Keys(context.Context) (map[string]*ecdsa.PublicKey, error) { return s, nil }
