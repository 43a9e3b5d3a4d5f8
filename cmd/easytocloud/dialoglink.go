package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/internal/htmlform"
)

// linkConfig is what account linking needs: the authorization server, the client
// registered for the dialog, and the person signing in.
type linkConfig struct {
	AuthorizeURL string
	TokenURL     string
	ClientID     string
	ClientSecret string
	Scopes       []string
	Email        string
	Password     string
	RedirectPort int // 0 picks a free port
}

// errLinkFailed marks a linking failure caused by the authorization server's answer
// (wrong password, denied request) rather than by the network.
var errLinkFailed = errors.New("account linking failed")

// linkAccount links the account the way the Alexa app does: an authorization-code
// grant with PKCE (S256), signing in on the server's login form with the email and
// password and choosing Link on its consent page, the code delivered to a loopback redirect URI on 127.0.0.1. It returns
// the access token. client carries the transport (tests use their own); its cookie
// jar and redirect policy are replaced.
func linkAccount(ctx context.Context, cfg linkConfig, client *http.Client) (string, error) {
	tok, err := linkToken(ctx, cfg, client)
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// linkToken is linkAccount returning the whole token (access and refresh).
func linkToken(ctx context.Context, cfg linkConfig, client *http.Client) (*oauth2.Token, error) {
	redirect, err := listenForRedirect(cfg.RedirectPort)
	if err != nil {
		return nil, err
	}
	defer redirect.srv.Close()

	oc := &oauth2.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: cfg.AuthorizeURL, TokenURL: cfg.TokenURL, AuthStyle: oauth2.AuthStyleInHeader},
		RedirectURL:  redirect.uri,
		Scopes:       cfg.Scopes,
	}
	state, err := randomToken()
	if err != nil {
		return nil, err
	}
	verifier := oauth2.GenerateVerifier()
	authURL := oc.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{
		Transport:     client.Transport,
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	location, err := signIn(ctx, browser, authURL, cfg.Email, cfg.Password)
	if err != nil {
		return nil, err
	}
	cb, err := redirect.await(ctx, location)
	if err != nil {
		return nil, err
	}
	if cb.errCode != "" {
		return nil, fmt.Errorf("%w: %s %s", errLinkFailed, cb.errCode, cb.errDesc)
	}
	if cb.state != state {
		return nil, fmt.Errorf("%w: the redirect carries the wrong state", errLinkFailed)
	}
	if cb.code == "" {
		return nil, fmt.Errorf("%w: the redirect carries no code", errLinkFailed)
	}
	tok, err := oc.Exchange(context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Transport: client.Transport, Timeout: 30 * time.Second}),
		cb.code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return nil, fmt.Errorf("%w: token endpoint: %s %s", errLinkFailed, re.ErrorCode, re.ErrorDescription)
		}
		return nil, fmt.Errorf("link account: token request: %w", err)
	}
	return tok, nil
}

// linkCallback is what the authorization server's redirect carries.
type linkCallback struct{ code, state, errCode, errDesc string }

// redirectListener serves the loopback redirect URI the code is delivered to.
type redirectListener struct {
	uri string
	got chan linkCallback
	srv *http.Server
}

// listenForRedirect serves http://127.0.0.1:port/callback (port 0: a free one);
// close its srv when done.
func listenForRedirect(port int) (*redirectListener, error) {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil, fmt.Errorf("link account: listen for the redirect: %w", err)
	}
	l := &redirectListener{uri: "http://" + ln.Addr().String() + "/callback", got: make(chan linkCallback, 1)}
	l.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		select {
		case l.got <- linkCallback{q.Get("code"), q.Get("state"), q.Get("error"), q.Get("error_description")}:
		default:
		}
		fmt.Fprintln(w, "Account linked. You can close this window.")
	})}
	go func() { _ = l.srv.Serve(ln) }()
	return l, nil
}

// await follows the server's redirect to location as the browser would, so that
// the listener receives it, and returns what it carried.
func (l *redirectListener) await(ctx context.Context, location string) (linkCallback, error) {
	if !strings.HasPrefix(location, l.uri+"?") {
		return linkCallback{}, fmt.Errorf("%w: the authorization server redirected to %s, not to the redirect URI", errLinkFailed, redactQuery(location))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, location, nil)
	if err != nil {
		return linkCallback{}, fmt.Errorf("link account: %w", err)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return linkCallback{}, fmt.Errorf("link account: deliver the redirect: %w", err)
	}
	resp.Body.Close()
	select {
	case cb := <-l.got:
		return cb, nil
	case <-ctx.Done():
		return linkCallback{}, ctx.Err()
	}
}

// signIn opens the authorization URL, fills the login form with the email and
// password (keeping csrf_token and the hidden request parameters), chooses Link on the
// consent page that follows, and returns where the server then redirects.
func signIn(ctx context.Context, browser *http.Client, authURL, email, password string) (string, error) {
	page, pageURL, err := getPage(ctx, browser, authURL)
	if err != nil {
		return "", err
	}
	action, fields, err := parseLoginForm(page)
	if err != nil {
		return "", fmt.Errorf("%w: %v", errLinkFailed, err)
	}
	fields.Set("email", email)
	fields.Set("password", password)
	resp, body, err := postPage(ctx, browser, pageURL, action, fields, "sign in")
	if err != nil {
		return "", err
	}
	switch resp.StatusCode {
	case http.StatusSeeOther, http.StatusFound: // a server without a consent step
		return resp.Header.Get("Location"), nil
	case http.StatusOK:
	default:
		return "", fmt.Errorf("%w: sign in answered %s", errLinkFailed, resp.Status)
	}
	action, fields, err = parseConsentForm(body)
	if err != nil {
		return "", fmt.Errorf("%w: the authorization server did not accept the email and password", errLinkFailed)
	}
	resp, _, err = postPage(ctx, browser, resp.Request.URL, action, fields, "link")
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		return "", fmt.Errorf("%w: choosing Link answered %s", errLinkFailed, resp.Status)
	}
	return resp.Header.Get("Location"), nil
}

// postPage submits a form found on the page at pageURL (action relative to it) and
// returns the response, whose body it has read (at most 1 MiB) and closed.
func postPage(ctx context.Context, browser *http.Client, pageURL *url.URL, action string, fields url.Values, what string) (*http.Response, string, error) {
	target, err := pageURL.Parse(action)
	if err != nil {
		return nil, "", fmt.Errorf("%w: form action %q: %v", errLinkFailed, action, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), strings.NewReader(fields.Encode()))
	if err != nil {
		return nil, "", fmt.Errorf("link account: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := browser.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("link account: %s: %w", what, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, "", fmt.Errorf("link account: %s: read the answer: %w", what, err)
	}
	return resp, string(body), nil
}

// getPage GETs a page, following plain redirects, and returns its HTML and final URL.
func getPage(ctx context.Context, browser *http.Client, rawURL string) (string, *url.URL, error) {
	for range 5 {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			return "", nil, fmt.Errorf("link account: %w", err)
		}
		resp, err := browser.Do(req)
		if err != nil {
			return "", nil, fmt.Errorf("link account: open the login page: %w", err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			return "", nil, fmt.Errorf("link account: read the login page: %w", err)
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			return string(body), resp.Request.URL, nil
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			next, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
			if err != nil {
				return "", nil, fmt.Errorf("%w: bad redirect from the login page", errLinkFailed)
			}
			if q := next.Query(); q.Get("error") != "" {
				return "", nil, fmt.Errorf("%w: %s %s", errLinkFailed, q.Get("error"), q.Get("error_description"))
			}
			rawURL = next.String()
		default:
			return "", nil, fmt.Errorf("%w: the login page answered %s", errLinkFailed, resp.Status)
		}
	}
	return "", nil, fmt.Errorf("%w: too many redirects opening the login page", errLinkFailed)
}

// parseLoginForm finds the POST form with email and password inputs and returns its
// action and the values of its inputs (the hidden ones carry csrf_token and the
// authorization request).
func parseLoginForm(page string) (string, url.Values, error) {
	p, err := htmlform.Parse(page)
	if err != nil {
		return "", nil, err
	}
	for _, f := range p.PostForms() {
		fields := f.Fields()
		if _, ok := fields["email"]; !ok {
			continue
		}
		if _, ok := fields["password"]; !ok {
			continue
		}
		if fields.Get("csrf_token") == "" {
			return "", nil, errors.New("the login form has no csrf_token")
		}
		return f.Action, fields, nil
	}
	return "", nil, errors.New("the login page has no POST form with email and password")
}

// parseConsentForm finds the POST form with a submit button named decision valued
// allow (Link) and returns its action and its input values with decision=allow, as
// a browser sends them when Link is pressed.
func parseConsentForm(page string) (string, url.Values, error) {
	p, err := htmlform.Parse(page)
	if err != nil {
		return "", nil, err
	}
	for _, f := range p.PostForms() {
		if _, ok := f.Button("decision", "allow"); !ok {
			continue
		}
		fields := f.Fields()
		if fields.Get("csrf_token") == "" {
			return "", nil, errors.New("the consent form has no csrf_token")
		}
		fields.Set("decision", "allow")
		return f.Action, fields, nil
	}
	return "", nil, errors.New("the page has no POST form with a Link (decision=allow) button")
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("link account: random state: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// redactQuery drops the query of a URL for an error message: it may hold a code.
func redactQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "an unparsable URL"
	}
	u.RawQuery = ""
	return u.String()
}
