package oauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	"github.com/go-oauth2/oauth2/v4/generates"
	"github.com/go-oauth2/oauth2/v4/manage"
	"github.com/go-oauth2/oauth2/v4/models"
	"github.com/go-oauth2/oauth2/v4/server"
	"github.com/golang-jwt/jwt/v5"
)

// These tests pin down what go-oauth2 v4.5.4 does with its defaults, which is why
// this package configures the library's server tightly and brings its own Manager
// and stores. Each is the "before" of an attack test in attacks_test.go; if one of
// them starts failing, the library changed and this package's choices can be revisited.

// memStore is a token store like the library's own, with a read delay standing in for
// a network round trip to the database.
type memStore struct {
	mu    sync.Mutex
	delay time.Duration
	items map[string]oauth2.TokenInfo
}

func (s *memStore) put(k string, ti oauth2.TokenInfo) {
	if k != "" {
		s.items[k] = ti
	}
}

func (s *memStore) Create(_ context.Context, ti oauth2.TokenInfo) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put("code:"+ti.GetCode(), ti)
	s.put("access:"+ti.GetAccess(), ti)
	s.put("refresh:"+ti.GetRefresh(), ti)
	return nil
}

// get reads the item, then takes the delay to answer, as a database's reply travels
// back over the network.
func (s *memStore) get(k string) (oauth2.TokenInfo, error) {
	s.mu.Lock()
	ti := s.items[k]
	s.mu.Unlock()
	time.Sleep(s.delay)
	return ti, nil
}

func (s *memStore) del(k string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.items, k)
	return nil
}

func (s *memStore) RemoveByCode(_ context.Context, c string) error    { return s.del("code:" + c) }
func (s *memStore) RemoveByAccess(_ context.Context, a string) error  { return s.del("access:" + a) }
func (s *memStore) RemoveByRefresh(_ context.Context, r string) error { return s.del("refresh:" + r) }
func (s *memStore) GetByCode(_ context.Context, c string) (oauth2.TokenInfo, error) {
	return s.get("code:" + c)
}
func (s *memStore) GetByAccess(_ context.Context, a string) (oauth2.TokenInfo, error) {
	return s.get("access:" + a)
}
func (s *memStore) GetByRefresh(_ context.Context, r string) (oauth2.TokenInfo, error) {
	return s.get("refresh:" + r)
}

type memClients map[string]oauth2.ClientInfo

func (c memClients) GetByID(_ context.Context, id string) (oauth2.ClientInfo, error) {
	if ci, ok := c[id]; ok {
		return ci, nil
	}
	return nil, errors.New("not found")
}

// libraryDefaults is go-oauth2 as its README sets it up, with two clients: alexa
// (secret, domain layla.amazon.com) and keyless (no secret).
func libraryDefaults(delay time.Duration) (*manage.Manager, *server.Server) {
	m := manage.NewDefaultManager()
	m.MapTokenStorage(&memStore{delay: delay, items: map[string]oauth2.TokenInfo{}})
	m.MapClientStorage(memClients{
		"alexa":   &models.Client{ID: "alexa", Secret: "s3cret", Domain: "https://layla.amazon.com"},
		"other":   &models.Client{ID: "other", Secret: "other-secret", Domain: "https://other.example"},
		"keyless": &models.Client{ID: "keyless", Domain: "https://layla.amazon.com"},
	})
	srv := server.NewDefaultServer(m)
	srv.UserAuthorizationHandler = func(http.ResponseWriter, *http.Request) (string, error) { return "user-1", nil }
	return m, srv
}

func libraryCode(t *testing.T, m *manage.Manager, client, redirect string) string {
	t.Helper()
	ti, err := m.GenerateAuthToken(context.Background(), oauth2.Code, &oauth2.TokenGenerateRequest{
		ClientID: client, UserID: "user-1", RedirectURI: redirect})
	if err != nil {
		t.Fatalf("library code: %v", err)
	}
	return ti.GetCode()
}

func TestLibraryDefaultRedirectMatchingIsUnsafe(t *testing.T) {
	_, srv := libraryDefaults(0)
	for _, evil := range []string{"https://evillayla.amazon.com/steal", "http://layla.amazon.com/api/skill/link/X"} {
		r := httptest.NewRequest(http.MethodGet, "/authorize?"+url.Values{"response_type": {"code"}, "client_id": {"alexa"},
			"redirect_uri": {evil}}.Encode(), nil)
		w := httptest.NewRecorder()
		_ = srv.HandleAuthorizeRequest(w, r)
		if loc := w.Header().Get("Location"); !strings.HasPrefix(loc, evil+"?code=") {
			t.Errorf("library: redirect_uri %s got Location %q; the defect is gone", evil, loc)
		}
	}
}

func TestLibraryDefaultRedirectsOnInvalidClient(t *testing.T) {
	_, srv := libraryDefaults(0)
	r := httptest.NewRequest(http.MethodGet, "/authorize?"+url.Values{"response_type": {"code"}, "client_id": {"nosuch"},
		"redirect_uri": {"https://evil.example/cb"}}.Encode(), nil)
	w := httptest.NewRecorder()
	_ = srv.HandleAuthorizeRequest(w, r)
	if loc := w.Header().Get("Location"); !strings.HasPrefix(loc, "https://evil.example/cb?") {
		t.Errorf("library: unknown client got %d, Location %q; the defect is gone", w.Code, loc)
	}
}

func TestLibraryDefaultAcceptsAnySecretForEmptySecret(t *testing.T) {
	m, _ := libraryDefaults(0)
	code := libraryCode(t, m, "keyless", "https://layla.amazon.com/cb")
	_, err := m.GenerateAccessToken(context.Background(), oauth2.AuthorizationCode, &oauth2.TokenGenerateRequest{
		ClientID: "keyless", ClientSecret: "anything at all", Code: code, RedirectURI: "https://layla.amazon.com/cb"})
	if err != nil {
		t.Errorf("library: a client without secret refused a made-up secret (%v); the defect is gone", err)
	}
}

func TestLibraryDefaultRedeemsOneCodeManyTimes(t *testing.T) {
	m, _ := libraryDefaults(5 * time.Millisecond)
	code := libraryCode(t, m, "alexa", "https://layla.amazon.com/cb")
	var granted atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := m.GenerateAccessToken(context.Background(), oauth2.AuthorizationCode, &oauth2.TokenGenerateRequest{
				ClientID: "alexa", ClientSecret: "s3cret", Code: code, RedirectURI: "https://layla.amazon.com/cb"})
			if err == nil {
				granted.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	t.Logf("library: 20 concurrent redemptions of one code gave %d token sets", granted.Load())
	if granted.Load() <= 1 {
		t.Error("library: one code gave at most one token set; the defect is gone")
	}
}

func TestLibraryDefaultRefreshIgnoresClient(t *testing.T) {
	m, _ := libraryDefaults(0)
	code := libraryCode(t, m, "alexa", "https://layla.amazon.com/cb")
	ti, err := m.GenerateAccessToken(context.Background(), oauth2.AuthorizationCode, &oauth2.TokenGenerateRequest{
		ClientID: "alexa", ClientSecret: "s3cret", Code: code, RedirectURI: "https://layla.amazon.com/cb"})
	if err != nil {
		t.Fatal(err)
	}
	// Another client, with a wrong secret, refreshes alexa's token.
	if _, err := m.RefreshAccessToken(context.Background(), &oauth2.TokenGenerateRequest{
		ClientID: "other", ClientSecret: "wrong", Refresh: ti.GetRefresh()}); err != nil {
		t.Errorf("library: refresh by another client failed (%v); the defect is gone", err)
	}
}

func TestLibraryDefaultGrantsAndPKCE(t *testing.T) {
	cfg := server.NewConfig()
	if !slices.Contains(cfg.AllowedResponseTypes, oauth2.Token) ||
		!slices.Contains(cfg.AllowedGrantTypes, oauth2.PasswordCredentials) ||
		!slices.Contains(cfg.AllowedGrantTypes, oauth2.ClientCredentials) ||
		!slices.Contains(cfg.AllowedCodeChallengeMethods, oauth2.CodeChallengePlain) {
		t.Errorf("library defaults changed: %+v", cfg)
	}
}

func TestLibraryJWTGeneratorOmitsClaims(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(key)
	gen := generates.NewJWTAccessGenerate("kid", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), jwt.SigningMethodES256)
	ti := models.NewToken()
	ti.SetAccessCreateAt(time.Now())
	ti.SetAccessExpiresIn(time.Hour)
	access, _, err := gen.Token(context.Background(), &oauth2.GenerateBasic{Client: &models.Client{ID: "alexa"}, UserID: "u", TokenInfo: ti}, false)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(strings.Split(access, ".")[1])
	var claims map[string]any
	_ = json.Unmarshal(raw, &claims)
	for _, c := range []string{"iss", "iat", "jti"} {
		if _, ok := claims[c]; ok {
			t.Errorf("library JWT now has %s; the defect is gone", c)
		}
	}
}
