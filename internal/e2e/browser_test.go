package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"image/png"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/internal/emulator"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "write the sign-in page's screenshot to docs/login.png (the README shows it)")

// chromiumInstall is the command that installs the browser; the test names it.
const chromiumInstall = "apt-get install chromium (make test runs it when chromium is missing and it runs as root)"

// chromiumPath returns Debian's headless-capable Chromium, failing the test (never
// skipping it) with the install command when it is missing.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatalf("headless Chromium is not installed; install it with: %s", chromiumInstall)
	return ""
}

// browserLog is what the browser reported that a page should never cause: console
// errors and warnings (CSP violations among them), exceptions, and requests to
// anywhere but the local stack and the Alexa redirect.
type browserLog struct {
	mu         sync.Mutex
	problems   []string
	unexpected []string
	redirects  []string
}

func (b *browserLog) add(list *[]string, format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	*list = append(*list, fmt.Sprintf(format, args...))
}

func (b *browserLog) take() (problems, unexpected, redirects []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	problems, unexpected, redirects = b.problems, b.unexpected, b.redirects
	b.problems, b.unexpected = nil, nil
	return problems, unexpected, redirects
}

// cspListener reports every CSP violation on the console, where browserLog sees it.
// DevTools runs it in the page whatever the page's CSP says.
const cspListener = `document.addEventListener("securitypolicyviolation", e =>
	console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")))`

// TestSignInInBrowser opens the authorization URL an Alexa app opens (Alexa's
// layla redirect URI, state, S256 PKCE) in headless Chromium: the sign-in page
// renders with its stylesheet, the form signs in, the consent page names the tenant
// and Link sends the browser to the Alexa redirect URI with a code and the unchanged
// state. That navigation is intercepted (the browser reaches nothing but the local
// stack), the code is redeemed as Alexa would, and no page reports a CSP violation,
// a console error or an exception. -update-screenshot writes docs/login.png.
func TestSignInInBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	w := newSignInWorld(t)
	vars := maps.Clone(w.vars)
	vars["EASYTOCLOUD_SIGNING_KEY_FILE"] = filepath.Join(t.TempDir(), "signing-key.pem")
	vars["EASYTOCLOUD_SKILL_ID"] = skillID
	srv := startServe(t, vars, "--addr", "127.0.0.1:0")

	redirect := "https://layla.amazon.com/api/skill/link/" + vendorID
	oc := &oauth2.Config{
		ClientID: w.clientID, ClientSecret: w.clientSecret, RedirectURL: redirect, Scopes: []string{"easytocloud"},
		Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/oauth/authorize", TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
	state, verifier := rand.Text(), oauth2.GenerateVerifier()
	authURL := oc.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))

	ctx := newBrowser(t, chromium)
	blog := watchBrowser(t, ctx, srv.URL, redirect)
	clean := func(page string) {
		t.Helper()
		problems, unexpected, _ := blog.take()
		for _, p := range problems {
			t.Errorf("%s: the browser reports %s", page, p)
		}
		for _, u := range unexpected {
			t.Errorf("%s: the page asked for %s (blocked: only the local stack may be reached)", page, u)
		}
	}

	// The sign-in page.
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(420, 760, chromedp.EmulateScale(2)),
		chromedp.Navigate(authURL),
		chromedp.WaitVisible(chromedp.CSS(`button[type="submit"]`)),
	); err != nil {
		t.Fatalf("open the authorization URL: %v", err)
	}
	if title := run(t, ctx, chromedp.Title()); title != "Sign in to easytocloud" {
		t.Errorf("sign-in page title %q", title)
	}
	styled(t, ctx, "the sign-in page")
	shot := run(t, ctx, chromedp.CaptureScreenshot())
	if img, err := png.Decode(bytes.NewReader(shot)); err != nil || img.Bounds().Dx() != 840 {
		t.Errorf("the screenshot is not an 840-pixel-wide PNG: %v", err)
	}
	if *updateScreenshot {
		path := filepath.Join(emulator.RepoRoot(), "docs", "login.png")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
	}
	clean("the sign-in page")
	canary(t, ctx, blog)

	// Sign in: the consent page names the tenant and the user.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#email"), w.acme.email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value="allow"]`)),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	text := run(t, ctx, chromedp.Text(chromedp.CSS("main")))
	for _, want := range []string{"acme", w.acme.email, "Link"} {
		if !strings.Contains(text, want) {
			t.Errorf("the consent page does not show %q:\n%s", want, text)
		}
	}
	styled(t, ctx, "the consent page")
	clean("the consent page")

	// Link: a 303 to Alexa's redirect URI, which the browser would open.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[value="allow"]`))); err != nil {
		t.Fatalf("choose Link: %v", err)
	}
	var redirects []string
	for deadline := time.Now().Add(20 * time.Second); len(redirects) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		_, _, redirects = blog.take()
	}
	clean("after Link")
	if len(redirects) != 1 {
		t.Fatalf("the browser was not sent to %s (CSP form-action?): %v", redirect, redirects)
	}
	loc, err := url.Parse(redirects[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Query().Get("state"); got != state {
		t.Errorf("the redirect carries state %q, want the unchanged %q", got, state)
	}
	tctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if tok, err := oc.Exchange(tctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier)); err != nil || tok.AccessToken == "" {
		t.Errorf("Alexa cannot redeem the code the browser brought: %v", err)
	}
}

// watchBrowser makes the browser of ctx report to the returned browserLog what a
// page should never cause (console errors and warnings, CSP violations through
// cspListener, exceptions, log entries) and lets it reach nothing but the local
// stack at stackURL: a navigation to the Alexa redirect URI redirect is answered
// with a stand-in page and recorded, any other request is blocked and recorded.
func watchBrowser(t *testing.T, ctx context.Context, stackURL, redirect string) *browserLog {
	t.Helper()
	blog := &browserLog{}
	paused := make(chan *fetch.EventRequestPaused, 64)
	if err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range e.Args {
					args = append(args, strings.Trim(string(a.Value), `"`))
				}
				blog.add(&blog.problems, "console.%s: %s", e.Type, strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			blog.add(&blog.problems, "exception: %s", e.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			// The browser asks for /favicon.ico on its own; the pages name no icon.
			if strings.HasSuffix(e.Entry.URL, "/favicon.ico") {
				return
			}
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
				blog.add(&blog.problems, "%s %s: %s (%s)", e.Entry.Source, e.Entry.Level, e.Entry.Text, e.Entry.URL)
			}
		case *fetch.EventRequestPaused:
			paused <- e
		}
	}); err != nil {
		t.Fatal(err)
	}
	go func() {
		for e := range paused {
			u := e.Request.URL
			switch {
			case strings.HasPrefix(u, stackURL+"/"):
				_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID})
			case strings.HasPrefix(u, redirect+"?"):
				blog.add(&blog.redirects, "%s", u)
				_, _ = chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: e.RequestID, ResponseCode: 200,
					ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/html"}},
					Body:            []byte(`<!doctype html><link rel="icon" href="data:,"><title>Alexa</title><p>Stand-in for Amazon's account-linking page.</p>`)})
			default:
				blog.add(&blog.unexpected, "%s", u)
				_, _ = chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: e.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
			}
		}
	}()
	for _, err := range []error{
		call(ctx, log.Enable, cdp.Empty{}),
		call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspListener}),
		call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*", RequestStage: fetch.RequestStageRequest}}}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return blog
}

// newBrowser starts headless Chromium with the flags this machine needs and a fresh
// profile, and stops it when the test ends.
func newBrowser(t *testing.T, chromium string) context.Context {
	t.Helper()
	profile, err := os.MkdirTemp("", "easytocloud-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Chromium's helpers may still write for a moment after it stops.
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		// Belt and braces: no name but the loopback address resolves.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
	)
	ctx, cancelTab := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	return ctx
}

func call[P, R any](ctx context.Context, cmd cdp.Command[P, R], params P) error {
	_, err := chromedp.Call(ctx, cmd, params)
	return err
}

func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// styled checks that the page's own stylesheet applies (the CSP lets its one inline
// style in): main is a 26rem card on a grey page, not the browser's default.
func styled(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	got := run(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("main")).maxWidth + " " + getComputedStyle(document.body).backgroundColor`))
	if got != "416px rgb(244, 245, 247)" {
		t.Errorf("%s is not styled by its stylesheet: main max-width and body background %q", page, got)
	}
}

// canary makes the page break its CSP once (an image from elsewhere) and checks that
// both the page's violation listener and the browser's own log report it, so that
// an empty log means something.
func canary(t *testing.T, ctx context.Context, blog *browserLog) {
	t.Helper()
	run(t, ctx, chromedp.Evaluate[bool](`(() => { const i = new Image(); i.src = "https://csp-canary.invalid/x.png"; document.body.append(i); return true })()`))
	var seen []string
	listener, browser := false, false
	for deadline := time.Now().Add(5 * time.Second); !(listener && browser) && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		problems, _, _ := blog.take()
		for _, p := range problems {
			seen = append(seen, p)
			switch {
			case strings.HasPrefix(p, "console.error: CSP violation: img-src blocked https://csp-canary.invalid/"):
				listener = true
			case strings.Contains(p, "csp-canary.invalid") && !strings.HasPrefix(p, "console."):
				browser = true
			default:
				t.Errorf("the browser reports %s", p)
			}
		}
	}
	if !listener || !browser {
		t.Errorf("a deliberate CSP violation was not reported by both the page's listener (%v) and the browser's log (%v): %q", listener, browser, seen)
	}
}
