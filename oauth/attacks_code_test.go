package oauth_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
)

// Attacks on authorization codes and PKCE (see attacks_test.go).

// TestConcurrentRedemption: 20 concurrent redemptions of one code yield exactly one
// token set, and (the code having been replayed) its refresh token is revoked.
func TestConcurrentRedemption(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(alexaRedirect())
	v := oauth2.GenerateVerifier()
	code := e.authorize(t, cfg, v)
	const n = 20
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		granted []*oauth2.Token
		refused = map[string]int{}
		start   = make(chan struct{})
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			tok, err := e.exchange(cfg, code, v)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				refused[oauthErrorCode(err)]++
				return
			}
			granted = append(granted, tok)
		}()
	}
	close(start)
	wg.Wait()
	t.Logf("%d concurrent redemptions: %d granted, refused %v", n, len(granted), refused)
	if len(granted) != 1 || refused["invalid_grant"] != n-1 {
		t.Fatalf("%d token sets and refusals %v; want exactly 1 and %d invalid_grant", len(granted), refused, n-1)
	}
	if _, err := e.refresh(cfg, granted[0].RefreshToken); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("refresh token of a replayed code: %v, want invalid_grant (revoked)", err)
	}
}

// TestCodeReplayRevokes: redeeming a code twice fails and revokes the refresh token
// issued from it.
func TestCodeReplayRevokes(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(alexaRedirect())
	v := oauth2.GenerateVerifier()
	code := e.authorize(t, cfg, v)
	tok, err := e.exchange(cfg, code, v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.refresh(cfg, tok.RefreshToken); err != nil {
		t.Fatalf("refresh before the replay: %v", err)
	}
	if _, err := e.exchange(cfg, code, v); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("second redemption: %v, want invalid_grant", err)
	}
	if _, err := e.refresh(cfg, tok.RefreshToken); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("refresh after the replay: %v, want invalid_grant", err)
	}
	if !strings.Contains(e.logs.String(), "replayed") {
		t.Error("the replay is not in the log")
	}
}

// TestOnlyCodeFlowWithS256: implicit, password and client-credentials grants and the
// plain PKCE method are refused.
func TestOnlyCodeFlowWithS256(t *testing.T) {
	e := newEnv(t)
	t.Run("Implicit", func(t *testing.T) {
		q := validQuery(e)
		q.Set("response_type", "token")
		r := get(t, e.browser(), authorizeURL(e, q))
		loc, _ := url.Parse(r.header.Get("Location"))
		if r.status != http.StatusSeeOther || loc == nil || loc.Query().Get("error") != "unsupported_response_type" || loc.Fragment != "" {
			t.Fatalf("response_type=token: %d %q; want 303 with error=unsupported_response_type", r.status, r.header.Get("Location"))
		}
		if loc.Query().Get("state") != "xyz" {
			t.Error("the error redirect lost the state")
		}
	})
	t.Run("Password", func(t *testing.T) {
		_, err := e.config(alexaRedirect()).PasswordCredentialsToken(context.Background(), e.user.Email, password)
		if oauthErrorCode(err) != "unsupported_grant_type" {
			t.Fatalf("password grant: %v, want unsupported_grant_type", err)
		}
	})
	t.Run("ClientCredentials", func(t *testing.T) {
		cc := &clientcredentials.Config{ClientID: e.client.ID, ClientSecret: e.secret, TokenURL: e.issuer + "/oauth/token"}
		if _, err := cc.Token(context.Background()); oauthErrorCode(err) != "unsupported_grant_type" {
			t.Fatalf("client_credentials grant: %v, want unsupported_grant_type", err)
		}
	})
	for name, mod := range map[string]func(url.Values){
		"PlainPKCE":         func(q url.Values) { q.Set("code_challenge_method", "plain") },
		"ChallengeNoMethod": func(q url.Values) { q.Del("code_challenge_method") }, // means plain (RFC 7636)
		"MethodNoChallenge": func(q url.Values) { q.Del("code_challenge") },
		"ShortChallenge":    func(q url.Values) { q.Set("code_challenge", "abc") },
		"UnknownScope":      func(q url.Values) { q.Set("scope", "admin") },
		"NoResponseType":    func(q url.Values) { q.Del("response_type") },
		"RepeatedState":     func(q url.Values) { q.Add("state", "other") },
	} {
		t.Run(name, func(t *testing.T) {
			q := validQuery(e)
			mod(q)
			r := get(t, e.browser(), authorizeURL(e, q))
			loc, _ := url.Parse(r.header.Get("Location"))
			if r.status != http.StatusSeeOther || loc == nil || loc.Query().Get("error") == "" || loc.Query().Get("code") != "" {
				t.Fatalf("%d %q; want a 303 error redirect", r.status, r.header.Get("Location"))
			}
			if !strings.HasPrefix(loc.String(), alexaRedirect()+"?") {
				t.Errorf("error redirect to %s, not to the registered URI", loc.Redacted())
			}
		})
	}
	t.Run("GrantTypeMissing", func(t *testing.T) {
		r := e.tokenPost(t, url.Values{"code": {"x"}}, e.client.ID, e.secret)
		if got := errorCode(t, r); got != "invalid_request" || r.status != 400 {
			t.Fatalf("no grant_type: %d %s", r.status, got)
		}
	})
}

// TestPKCEVerifier: a wrong or missing verifier, or one sent for a code issued
// without a challenge, fails; a client that requires PKCE refuses requests without it.
func TestPKCEVerifier(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(alexaRedirect())
	v := oauth2.GenerateVerifier()
	t.Run("Wrong", func(t *testing.T) {
		code := e.authorize(t, cfg, v)
		if _, err := e.exchange(cfg, code, oauth2.GenerateVerifier()); oauthErrorCode(err) != "invalid_grant" {
			t.Fatalf("wrong verifier: %v", err)
		}
	})
	t.Run("Missing", func(t *testing.T) {
		code := e.authorize(t, cfg, v)
		if _, err := cfg.Exchange(context.Background(), code); oauthErrorCode(err) != "invalid_grant" {
			t.Fatalf("missing verifier: %v", err)
		}
	})
	t.Run("WithoutChallenge", func(t *testing.T) {
		resp := e.signInAndLink(t, cfg.AuthCodeURL("s"), e.user.Email, password)
		loc, _ := url.Parse(resp.header.Get("Location"))
		code := loc.Query().Get("code")
		e.remember(code)
		if code == "" {
			t.Fatalf("no code without PKCE for a client that does not require it: %d %s", resp.status, resp.header.Get("Location"))
		}
		if _, err := e.exchange(cfg, code, v); oauthErrorCode(err) != "invalid_grant" {
			t.Fatalf("verifier for a code without challenge: %v", err)
		}
	})
	t.Run("RequiredByClient", func(t *testing.T) {
		strict, secret, err := oauth.NewClients(table.New(e.db, e.table)).Create(context.Background(),
			oauth.Client{Name: "strict", VendorID: vendorID, RequirePKCE: true})
		if err != nil {
			t.Fatal(err)
		}
		e.remember(secret)
		q := validQuery(e)
		q.Set("client_id", strict.ID)
		q.Del("code_challenge")
		q.Del("code_challenge_method")
		r := get(t, e.browser(), authorizeURL(e, q))
		loc, _ := url.Parse(r.header.Get("Location"))
		if r.status != http.StatusSeeOther || loc.Query().Get("error") != "invalid_request" {
			t.Fatalf("no PKCE for a client requiring it: %d %s", r.status, r.header.Get("Location"))
		}
	})
	// A client record that does not say (written by hand, or by a version before the
	// field) requires PKCE: the safe reading of a missing field.
	t.Run("RecordWithoutTheField", func(t *testing.T) {
		clients := oauth.NewClients(table.New(e.db, e.table))
		old, secret, err := clients.Create(context.Background(), oauth.Client{Name: "old", VendorID: vendorID})
		if err != nil {
			t.Fatal(err)
		}
		e.remember(secret)
		if _, err := e.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
			TableName: aws.String(e.table), Key: table.Key("OAUTHCLIENT#"+old.ID, "#CLIENT"),
			UpdateExpression: aws.String("REMOVE require_pkce"),
		}); err != nil {
			t.Fatal(err)
		}
		for name, read := range map[string]func() (oauth.Client, error){
			"Get": func() (oauth.Client, error) { return clients.Get(context.Background(), old.ID) },
			"List": func() (oauth.Client, error) {
				all, err := clients.List(context.Background())
				for _, c := range all {
					if c.ID == old.ID {
						return c, err
					}
				}
				return oauth.Client{}, err
			},
		} {
			if c, err := read(); err != nil || !c.RequirePKCE {
				t.Errorf("%s of a record without require_pkce: RequirePKCE %v, %v; want true", name, c.RequirePKCE, err)
			}
		}
		q := validQuery(e)
		q.Set("client_id", old.ID)
		q.Del("code_challenge")
		q.Del("code_challenge_method")
		r := get(t, e.browser(), authorizeURL(e, q))
		loc, _ := url.Parse(r.header.Get("Location"))
		if r.status != http.StatusSeeOther || loc.Query().Get("error") != "invalid_request" {
			t.Fatalf("no PKCE for a client whose record does not say: %d %s", r.status, r.header.Get("Location"))
		}
	})
}
