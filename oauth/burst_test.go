package oauth_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants"
)

// burst_test.go sends sign-ins all at once, as an attacker with many connections
// would: the lockout must hold however the requests interleave.

// queueTolerant lets requests wait for the emulator as long as they need: it takes
// DynamoDB requests one at a time, so a few hundred at once queue past
// DefaultRequestTimeout, which DynamoDB, serving them in parallel, would not. These
// tests measure what gets checked and answered, and the table writes it costs.
func queueTolerant(c *oauth.Config) { c.RequestTimeout = time.Minute }

// writeCounter counts the PutItem and UpdateItem calls made through it.
type writeCounter struct {
	table.DB
	n *atomic.Int64
}

func (w writeCounter) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	w.n.Add(1)
	return w.DB.PutItem(ctx, in, opts...)
}

func (w writeCounter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	w.n.Add(1)
	return w.DB.UpdateItem(ctx, in, opts...)
}

// countWrites counts the server's table writes in n.
func countWrites(tb testing.TB, n *atomic.Int64) envOption {
	return func(c *oauth.Config) {
		c.Table = table.New(writeCounter{dynamodb.NewFromConfig(awstest.Config(tb)), n}, c.Table.Name())
	}
}

// countUsers makes the server check passwords through users, which counts them.
func countUsers(users *countingUsers) envOption {
	return func(c *oauth.Config) { users.Users = c.Users; c.Users = users }
}

// loginPost opens the login page from the source address ip, in process, and
// returns the login form's POST with email and pw, ready to be served.
func (e *env) loginPost(tb testing.TB, authURL, ip, email, pw string) *http.Request {
	tb.Helper()
	u, _ := url.Parse(authURL)
	get := httptest.NewRequest(http.MethodGet, "/oauth/authorize?"+u.RawQuery, nil)
	get.RemoteAddr = ip + ":40000"
	page := httptest.NewRecorder()
	e.srv.ServeHTTP(page, get)
	if page.Code != http.StatusOK {
		tb.Fatalf("GET authorize: %d", page.Code)
	}
	form := formFields(tb, page.Body.String())
	form.Set("email", email)
	form.Set("password", pw)
	post := httptest.NewRequest(http.MethodPost, "/oauth/authorize", strings.NewReader(form.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.RemoteAddr = ip + ":40001"
	for _, c := range page.Result().Cookies() {
		post.AddCookie(c)
	}
	return post
}

// burst serves reqs all at once, each on its own goroutine, and returns the answers
// in the order of reqs.
func (e *env) burst(reqs []*http.Request) []*httptest.ResponseRecorder {
	recs := make([]*httptest.ResponseRecorder, len(reqs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, r := range reqs {
		recs[i] = httptest.NewRecorder()
		wg.Go(func() {
			<-start
			e.srv.ServeHTTP(recs[i], r)
		})
	}
	close(start)
	wg.Wait()
	return recs
}

// statusCounts tallies the answers' statuses, for the log and the checks.
func statusCounts(recs []*httptest.ResponseRecorder) map[int]int {
	n := map[int]int{}
	for _, r := range recs {
		n[r.Code]++
	}
	return n
}

func fiveXX(n map[int]int) int {
	bad := 0
	for code, k := range n {
		if code >= 500 {
			bad += k
		}
	}
	return bad
}

// TestConcurrentWrongPasswords: bursts of 50 and 200 wrong passwords for one account,
// sent at once from as many addresses (so that only the per-account limit stands in
// the way), get at most PerAccount passwords checked, no 5xx, and leave the account
// locked: the right password afterwards gets the locked page without being checked.
func TestConcurrentWrongPasswords(t *testing.T) {
	limit := oauth.DefaultLoginLimits.PerAccount
	for _, n := range []int{50, 200} {
		t.Run(fmt.Sprintf("Burst%d", n), func(t *testing.T) {
			users := &countingUsers{}
			var writes atomic.Int64
			e := newEnv(t, countUsers(users), countWrites(t, &writes), queueTolerant)
			auth := e.config(alexaRedirect()).AuthCodeURL("s")
			reqs := make([]*http.Request, n)
			for i := range reqs {
				reqs[i] = e.loginPost(t, auth, fmt.Sprintf("198.51.%d.%d", 100+i/200, i%200+1), e.user.Email, fmt.Sprintf("guess-%03d", i))
			}
			writes.Store(0)
			start := time.Now()
			statuses := statusCounts(e.burst(reqs))
			checks, success := users.counts()
			t.Logf("%d concurrent wrong passwords: %d checked (limit %d), statuses %v, %d table writes, in %v",
				n, checks, limit, statuses, writes.Load(), time.Since(start).Round(time.Millisecond))
			if checks > limit || success != 0 {
				t.Errorf("%d passwords checked (%d right), want at most %d", checks, success, limit)
			}
			// One write per attempt for the account; one more for the source of each
			// attempt checked.
			if w := writes.Load(); w > int64(n+limit) {
				t.Errorf("%d table writes for %d attempts, want at most %d", w, n, n+limit)
			}
			if bad := fiveXX(statuses); bad != 0 {
				t.Errorf("%d of %d answers were 5xx", bad, n)
			}
			after := e.signInFrom(t, auth, "203.0.113.9", e.user.Email, password)
			if got, _ := users.counts(); after.Code != http.StatusTooManyRequests || !strings.Contains(after.Body.String(), "Too many failed sign-in attempts") || got != checks {
				t.Errorf("the right password after the burst: %d, %d more checks; want 429, the locked page and no check", after.Code, got-checks)
			}
		})
	}
}

// TestConcurrentWrongPasswordsAfterLapse: once the lock has lapsed, a second burst
// of 50 races to start the new window; still at most PerAccount more passwords are
// checked, nothing answers 5xx, and the account is locked again.
func TestConcurrentWrongPasswordsAfterLapse(t *testing.T) {
	limit := oauth.DefaultLoginLimits.PerAccount
	users := &countingUsers{}
	e := newEnv(t, countUsers(users), queueTolerant)
	auth := e.config(alexaRedirect()).AuthCodeURL("s")
	round := func(name string) map[int]int {
		reqs := make([]*http.Request, 50)
		for i := range reqs {
			reqs[i] = e.loginPost(t, auth, fmt.Sprintf("198.51.100.%d", i+1), e.user.Email, fmt.Sprintf("%s-%03d", name, i))
		}
		return statusCounts(e.burst(reqs))
	}
	first := round("first")
	before, _ := users.counts()
	e.clock.Advance(oauth.DefaultLoginLimits.Window + time.Second)
	second := round("second")
	after, _ := users.counts()
	t.Logf("first burst: %d checked, %v; after the lapse: %d checked, %v", before, first, after-before, second)
	if before > limit || after-before > limit {
		t.Errorf("%d then %d passwords checked, want at most %d each", before, after-before, limit)
	}
	if bad := fiveXX(first) + fiveXX(second); bad != 0 {
		t.Errorf("%d answers were 5xx", bad)
	}
	if r := e.signInFrom(t, auth, "203.0.113.9", e.user.Email, password); r.Code != http.StatusTooManyRequests {
		t.Errorf("the right password after the second burst: %d, want 429", r.Code)
	}
}

// TestConcurrentSprayFromOneSource: 200 wrong passwords for 200 accounts, sent at
// once from one address, get at most PerSource passwords checked and no 5xx, and
// leave the address locked for every account.
func TestConcurrentSprayFromOneSource(t *testing.T) {
	users := &countingUsers{}
	e := newEnv(t, countUsers(users), queueTolerant)
	auth := e.config(alexaRedirect()).AuthCodeURL("s")
	const n, ip = 200, "198.51.100.7"
	reqs := make([]*http.Request, n)
	for i := range reqs {
		reqs[i] = e.loginPost(t, auth, ip, fmt.Sprintf("spray%03d@example.com", i), "wrong password!!")
	}
	start := time.Now()
	statuses := statusCounts(e.burst(reqs))
	checks, _ := users.counts()
	limit := oauth.DefaultLoginLimits.PerSource
	t.Logf("%d concurrent wrong passwords from one address: %d checked (limit %d), statuses %v, in %v", n, checks, limit, statuses, time.Since(start).Round(time.Millisecond))
	if checks > limit {
		t.Errorf("%d passwords checked, want at most %d", checks, limit)
	}
	if bad := fiveXX(statuses); bad != 0 {
		t.Errorf("%d of %d answers were 5xx", bad, n)
	}
	if r := e.signInFrom(t, auth, ip, e.user.Email, password); r.Code != http.StatusTooManyRequests {
		t.Errorf("the right password from the locked address: %d, want 429", r.Code)
	}
}

// heldUsers holds the first hold password checks until release is closed, so that a
// test can send more sign-ins while those are still being checked.
type heldUsers struct {
	countingUsers
	hold    int
	held    chan struct{} // one value per check held
	release chan struct{}
	mu      sync.Mutex
	started int
}

func (h *heldUsers) Authenticate(ctx context.Context, email, password string) (tenants.User, error) {
	h.mu.Lock()
	h.started++
	wait := h.started <= h.hold
	h.mu.Unlock()
	if wait {
		h.held <- struct{}{}
		<-h.release
	}
	return h.countingUsers.Authenticate(ctx, email, password)
}

// TestRightPasswordInBurstAfterLimit: while PerAccount wrong passwords for the account
// are still being checked, the right password sent with 20 more wrong ones is
// refused as locked (it does not reach the consent page), no more password is
// checked, and nothing answers 5xx.
func TestRightPasswordInBurstAfterLimit(t *testing.T) {
	limit := oauth.DefaultLoginLimits.PerAccount
	users := &heldUsers{hold: limit, held: make(chan struct{}, limit), release: make(chan struct{})}
	e := newEnv(t, func(c *oauth.Config) { users.Users = c.Users; c.Users = users }, queueTolerant)
	auth := e.config(alexaRedirect()).AuthCodeURL("s")
	first := make([]*http.Request, limit)
	for i := range first {
		first[i] = e.loginPost(t, auth, fmt.Sprintf("198.51.100.%d", i+1), e.user.Email, fmt.Sprintf("guess-%03d", i))
	}
	more := []*http.Request{e.loginPost(t, auth, "203.0.113.1", e.user.Email, password)}
	for i := range 20 {
		more = append(more, e.loginPost(t, auth, fmt.Sprintf("192.0.2.%d", i+1), e.user.Email, fmt.Sprintf("more-%03d", i)))
	}
	var firstRecs []*httptest.ResponseRecorder
	done := make(chan struct{})
	go func() { firstRecs = e.burst(first); close(done) }()
	for range limit {
		<-users.held
	}
	moreRecs := e.burst(more)
	close(users.release)
	<-done
	right := moreRecs[0]
	checks, success := users.counts()
	all := statusCounts(append(firstRecs, moreRecs...))
	t.Logf("%d wrong passwords in check, then the right one with 20 wrong: right %d, %d checked (limit %d), %d right; statuses %v",
		limit, right.Code, checks, limit, success, all)
	if strings.Contains(right.Body.String(), `name="consent"`) || success != 0 {
		t.Errorf("the right password reached the consent page (%d) after the limit was reached", right.Code)
	}
	if right.Code != http.StatusTooManyRequests || !strings.Contains(right.Body.String(), "Too many failed sign-in attempts") {
		t.Errorf("the right password got %d, want 429 and the locked page", right.Code)
	}
	if checks > limit {
		t.Errorf("%d passwords checked, want at most %d", checks, limit)
	}
	if bad := fiveXX(all); bad != 0 {
		t.Errorf("%d answers were 5xx: %v", bad, slices.Sorted(maps.Keys(all)))
	}
}
