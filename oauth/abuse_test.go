package oauth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants"
)

// login_test.go checks the lockout and the identical answers once each. These run a
// guessing campaign against the sign-in form from many source addresses (so that
// only the per-account limit stands in the way) and compare what an attacker sees.

// countingUsers counts the password checks the server makes, and their successes.
type countingUsers struct {
	oauth.Users
	mu              sync.Mutex
	checks, success int
}

func (c *countingUsers) Authenticate(ctx context.Context, email, password string) (tenants.User, error) {
	u, err := c.Users.Authenticate(ctx, email, password)
	c.mu.Lock()
	c.checks++
	if err == nil {
		c.success++
	}
	c.mu.Unlock()
	return u, err
}

func (c *countingUsers) counts() (checks, success int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.checks, c.success
}

// signInFrom signs in with email and pw from the source address ip, in process (so
// that the address can be any), and returns the answer to the login form's POST.
func (e *env) signInFrom(tb testing.TB, authURL, ip, email, pw string) *httptest.ResponseRecorder {
	tb.Helper()
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, e.loginPost(tb, authURL, ip, email, pw))
	return rec
}

// TestPasswordGuessingCampaign: an attacker guesses one account's password from a new
// source address each time, two a minute for an hour of the server's clock. Only the
// per-account limit applies: at most PerAccount passwords are checked per Window,
// none succeeds, and while locked even the right password gets the locked page
// without being checked.
func TestPasswordGuessingCampaign(t *testing.T) {
	users := &countingUsers{}
	e := newEnv(t, func(c *oauth.Config) { users.Users = c.Users; c.Users = users })
	auth := e.config(alexaRedirect()).AuthCodeURL("s")
	const (
		d        = time.Hour
		step     = time.Minute
		perRound = 2
	)
	guesses, locked := 0, 0
	for end := e.clock.Now().Add(d); e.clock.Now().Before(end); e.clock.Advance(step) {
		for range perRound {
			guesses++
			r := e.signInFrom(t, auth, fmt.Sprintf("198.51.100.%d", guesses%250+1), e.user.Email, fmt.Sprintf("guess-%05d", guesses))
			switch r.Code {
			case http.StatusOK:
			case http.StatusTooManyRequests:
				locked++
			default:
				t.Fatalf("guess %d: %d", guesses, r.Code)
			}
		}
	}
	checks, success := users.counts()
	limits := oauth.DefaultLoginLimits
	bound := limits.PerAccount * int(d/limits.Window+1)
	t.Logf("%d password guesses from %d addresses over %v of clock: %d checked (bound %d), %d refused as locked, %d successes",
		guesses, min(guesses, 250), d, checks, bound, locked, success)
	if success != 0 {
		t.Errorf("%d guesses succeeded", success)
	}
	if checks > bound {
		t.Errorf("%d passwords checked in %v, more than %d", checks, d, bound)
	}

	// Locked: the right password is not even checked, and its page is the wrong one's.
	for i := 0; e.signInFrom(t, auth, "203.0.113.6", e.user.Email, "wrong again").Code != http.StatusTooManyRequests; i++ {
		if i > limits.PerAccount {
			t.Fatal("the account does not lock")
		}
	}
	before, _ := users.counts()
	right := e.signInFrom(t, auth, "203.0.113.7", e.user.Email, password)
	wrong := e.signInFrom(t, auth, "203.0.113.8", e.user.Email, "still wrong")
	if after, _ := users.counts(); after != before {
		t.Errorf("%d passwords checked while the account is locked", after-before)
	}
	norm := func(r *httptest.ResponseRecorder) string { return withoutCSRF(t, r.Body.String()) }
	if right.Code != http.StatusTooManyRequests || right.Code != wrong.Code || norm(right) != norm(wrong) {
		t.Errorf("while locked, the right password gets %d and a wrong one %d; the pages differ: %v", right.Code, wrong.Code, norm(right) != norm(wrong))
	}
}

// TestLockedPagesTellNothing: the locked page of an address that has an account and
// of one that does not are the same, and so is the page of the failure that locks.
func TestLockedPagesTellNothing(t *testing.T) {
	e := newEnv(t)
	auth := e.config(alexaRedirect()).AuthCodeURL("s")
	const unknown = "nobody-here@example.com"
	pages := map[string][]*httptest.ResponseRecorder{}
	for _, email := range []string{e.user.Email, unknown} {
		for i := range oauth.DefaultLoginLimits.PerAccount + 2 {
			pages[email] = append(pages[email], e.signInFrom(t, auth, fmt.Sprintf("192.0.2.%d", i+1), email, "wrong password!"))
		}
	}
	norm := func(r *httptest.ResponseRecorder) string {
		return withoutCSRF(t, strings.ReplaceAll(r.Body.String(), unknown, e.user.Email))
	}
	for i := range pages[unknown] {
		k, u := pages[e.user.Email][i], pages[unknown][i]
		if k.Code != u.Code || norm(k) != norm(u) {
			t.Errorf("attempt %d: known address %d, unknown %d; pages differ: %v", i+1, k.Code, u.Code, norm(k) != norm(u))
		}
	}
	if last := pages[unknown][len(pages[unknown])-1]; last.Code != http.StatusTooManyRequests {
		t.Errorf("no lockout for the unknown address: %d", last.Code)
	}
}
