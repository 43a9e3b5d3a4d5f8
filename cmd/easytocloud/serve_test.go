package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
	"github.com/easytocloud/easytocloud/internal/localalexa"
)

var listeningRE = regexp.MustCompile(`listening on (http://\S+)`)

// runningServe is "easytocloud serve" running in process.
type runningServe struct {
	url            string
	stdout, stderr *leakcheck.Buffer
	// leak gets everything serve prints (its JSON logs on stdout, its summary on
	// stderr) and fails the test, once serve has stopped, on a registered secret, a
	// JWT or a full phone number.
	leak *leakcheck.Log
	stop context.CancelFunc
	code chan int
}

// startServe runs "easytocloud serve args…" with c's environment and waits for its
// summary.
func startServe(t *testing.T, c *awsCLI, args ...string) *runningServe {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &runningServe{stdout: &leakcheck.Buffer{}, stderr: &leakcheck.Buffer{}, leak: leakcheck.New(t), stop: cancel, code: make(chan int, 1)}
	env := &cliEnv{stdin: strings.NewReader(""), stdout: io.MultiWriter(s.stdout, s.leak), stderr: io.MultiWriter(s.stderr, s.leak),
		getenv: func(k string) string { return c.vars[k] }}
	go func() { s.code <- run(ctx, env, append([]string{"serve"}, args...)) }()
	t.Cleanup(func() {
		cancel()
		<-s.code
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(s.stderr.String()); m != nil {
			s.url = m[1]
			return s
		}
		select {
		case code := <-s.code:
			s.code <- code
			t.Fatalf("serve exited with %d before listening: %s", code, s.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve printed no address within 30s: %s", s.stderr.String())
		}
	}
}

// alexaRequest is a signed (when signer is non-nil) POST of a LaunchRequest for skillID.
func alexaRequest(t *testing.T, url, skillID string, signer *localalexa.Signer) *http.Response {
	t.Helper()
	env := alexa.RequestEnvelope{
		Version: "1.0",
		Session: alexa.Session{New: true, SessionID: "amzn1.echo-api.session.serve-test", Application: alexa.Application{ApplicationID: skillID},
			User: alexa.User{UserID: "amzn1.ask.account.serve-test"}},
		Context: alexa.Context{System: alexa.System{Application: alexa.Application{ApplicationID: skillID},
			User: alexa.User{UserID: "amzn1.ask.account.serve-test"}, Device: alexa.Device{DeviceID: "amzn1.ask.device.serve-test"}}},
		Request: alexa.Request{Type: alexa.LaunchRequestType, RequestID: "amzn1.echo-api.request.serve-test",
			Timestamp: time.Now().UTC().Format(time.RFC3339), Locale: "en-US"},
	}
	body, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url+"/alexa", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if signer != nil {
		if err := signer.Sign(req); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServe runs "easytocloud serve" against the emulator and checks every route of
// docs/ARCHITECTURE.md's local stack answers as the part behind it should, and that Ctrl-C
// (the context ending) stops it cleanly and frees the port.
func TestServe(t *testing.T) {
	c := newAWSCLI(t)
	dir := t.TempDir()
	keyFile, idDir := filepath.Join(dir, "signing.pem"), filepath.Join(dir, "alexa")
	s := startServe(t, c, "--addr", "127.0.0.1:0", "--signing-key-file", keyFile, "--alexa-identity", idDir, "--skill-id", "amzn1.ask.skill.serve-test")
	for _, want := range []string{"/oauth/authorize", "/oauth/token", "/.well-known/oauth-authorization-server", "/.well-known/jwks.json",
		"/alexa", "/mfa/v1/", "/healthz", "amzn1.ask.skill.serve-test", "local Alexa identity in " + idDir, keyFile} {
		if !strings.Contains(s.stderr.String(), want) {
			t.Errorf("the summary does not mention %s:\n%s", want, s.stderr.String())
		}
	}

	if code, body := get(t, s.url+"/healthz"); code != http.StatusOK || !strings.Contains(body, `"ok"`) {
		t.Errorf("GET /healthz: %d %s", code, body)
	}
	var meta struct {
		Issuer                string `json:"issuer"`
		AuthorizationEndpoint string `json:"authorization_endpoint"`
	}
	code, body := get(t, s.url+"/.well-known/oauth-authorization-server")
	if err := json.Unmarshal([]byte(body), &meta); err != nil || code != http.StatusOK || meta.Issuer != s.url || meta.AuthorizationEndpoint != s.url+"/oauth/authorize" {
		t.Errorf("discovery: %d %s", code, body)
	}
	signer, err := accesstoken.NewFileSigner(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	pemKey, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if block, _ := pem.Decode(pemKey); block != nil {
		s.leak.Plaintext("signing key", block.Bytes)
	}
	if code, body := get(t, s.url+"/.well-known/jwks.json"); code != http.StatusOK || !strings.Contains(body, `"kid":"`+signer.KeyID()+`"`) {
		t.Errorf("jwks does not publish the signing key file's key %s: %d %s", signer.KeyID(), code, body)
	}
	if code, body := get(t, s.url+"/oauth/authorize?response_type=code&client_id=nosuchclient"); code != http.StatusBadRequest {
		t.Errorf("authorize for an unknown client: %d %s", code, body)
	}

	id, err := localalexa.Load(idDir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp := alexaRequest(t, s.url, "amzn1.ask.skill.serve-test", id.Signer())
	var out alexa.ResponseEnvelope
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("signed launch: %s, %v", resp.Status, err)
	} else if out.Response.Card == nil || out.Response.Card.Type != alexa.CardLinkAccount {
		t.Errorf("a launch without a linked account gets no LinkAccount card: %+v", out.Response)
	}
	resp.Body.Close()
	for name, r := range map[string]*http.Response{
		"Unsigned":   alexaRequest(t, s.url, "amzn1.ask.skill.serve-test", nil),
		"OtherSkill": alexaRequest(t, s.url, "amzn1.ask.skill.another", id.Signer()),
	} {
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: /alexa answered %s, want 400", name, r.Status)
		}
		r.Body.Close()
	}

	req, _ := http.NewRequest(http.MethodPost, s.url+"/mfa/v1/challenges", strings.NewReader(`{"tenant_id":"t-nosuchtenant","user_id":"u-nosuchuser"}`))
	req.Header.Set("Content-Type", "application/json")
	mresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	mbody, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	if !strings.HasPrefix(mresp.Header.Get("Content-Type"), "application/json") || mresp.StatusCode < 400 || mresp.StatusCode >= 500 {
		t.Errorf("the MFA API does not answer for an unknown user with a JSON 4xx: %s %s", mresp.Status, mbody)
	}
	if code, _ := get(t, s.url+"/nothing-here"); code != http.StatusNotFound {
		t.Errorf("unknown path: %d", code)
	}

	s.stop()
	if code := <-s.code; code != 0 {
		t.Errorf("serve exited %d after Ctrl-C: %s", code, s.stderr.String())
	}
	s.code <- 0
	if !strings.Contains(s.stderr.String(), "stopped") {
		t.Errorf("serve did not say it stopped: %s", s.stderr.String())
	}
	host := strings.TrimPrefix(s.url, "http://")
	if conn, err := net.DialTimeout("tcp", host, time.Second); err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after serve stopped", host)
	}
	for _, line := range strings.Split(strings.TrimSpace(s.stdout.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("stdout holds a line that is not JSON: %q", line)
		}
	}
}

// TestServeRefusesOtherHosts: a request whose Host is not the stack's own (a page of
// evil.example whose name was rebound to 127.0.0.1, or one calling 0.0.0.0) is
// answered 421 before any route, on every route; the loopback names of the listen
// port and the issuer's host are served.
func TestServeRefusesOtherHosts(t *testing.T) {
	c := newAWSCLI(t)
	dir := t.TempDir()
	s := startServe(t, c, "--addr", "127.0.0.1:0", "--signing-key-file", filepath.Join(dir, "signing.pem"),
		"--issuer", "https://stack.example.test")
	_, port, err := net.SplitHostPort(strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	send := func(method, path, host string) (int, string) {
		t.Helper()
		var body io.Reader
		if method == http.MethodPost {
			body = strings.NewReader(`{}`)
		}
		req, err := http.NewRequest(method, s.url+path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, host := range []string{"evil.example", "evil.example:" + port, "EVIL.example:" + port, "0.0.0.0:" + port,
		"127.0.0.1.evil.example:" + port, "localhost.evil.example", "stack.example.test.evil.example", "127.0.0.1:1"} {
		for _, route := range [][2]string{{"GET", "/healthz"}, {"GET", "/oauth/authorize"}, {"POST", "/mfa/v1/challenges"}, {"POST", "/alexa"}} {
			if code, body := send(route[0], route[1], host); code != http.StatusMisdirectedRequest || len(body) > 200 {
				t.Errorf("Host %s, %s %s: %d with %d bytes, want 421 with a short body", host, route[0], route[1], code, len(body))
			}
		}
	}
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST:" + port, "stack.example.test", "stack.example.test:443"} {
		if code, body := send(http.MethodGet, "/healthz", host); code != http.StatusOK || !strings.Contains(body, `"ok"`) {
			t.Errorf("Host %s: /healthz %d %.80q, want 200", host, code, body)
		}
	}
	if !strings.Contains(s.stdout.String(), "request for another host refused") {
		t.Errorf("the log does not say why it refused: %s", s.stdout.String())
	}
}

func TestOwnHosts(t *testing.T) {
	for name, tc := range map[string]struct {
		listen, issuer string
		ok, refused    []string
	}{
		"Loopback": {"127.0.0.1:8080", "http://127.0.0.1:8080",
			[]string{"127.0.0.1:8080", "localhost:8080", "[::1]:8080", "127.0.0.1", "localhost"},
			[]string{"evil.example:8080", "evil.example", "0.0.0.0:8080", "127.0.0.1:9090", "[::]:8080", "", "localhost.:8080", "[::1]:8081"}},
		"IPv6": {"[::1]:8080", "http://[::1]:8080",
			[]string{"[::1]:8080", "[::1]", "localhost:8080"}, []string{"[::2]:8080", "evil.example:8080"}},
		"RemoteWithIssuer": {"0.0.0.0:8443", "https://stack.example.test",
			[]string{"stack.example.test", "Stack.Example.Test:443", "stack.example.test:8443", "127.0.0.1:8443"},
			[]string{"0.0.0.0:8443", "192.168.1.10:8443", "evil.example", "stack.example.test:444"}},
		"SpecificAddress": {"192.168.1.10:8080", "https://stack.example.test:8443",
			[]string{"192.168.1.10:8080", "stack.example.test:8443", "stack.example.test"},
			[]string{"stack.example.test:443", "192.168.1.11:8080"}},
	} {
		t.Run(name, func(t *testing.T) {
			addr, err := net.ResolveTCPAddr("tcp", tc.listen)
			if err != nil {
				t.Fatal(err)
			}
			h, err := newOwnHosts(addr, tc.issuer)
			if err != nil {
				t.Fatal(err)
			}
			for _, host := range tc.ok {
				if !h.allows(host) {
					t.Errorf("refuses its own host %q", host)
				}
			}
			for _, host := range tc.refused {
				if h.allows(host) {
					t.Errorf("allows %q", host)
				}
			}
		})
	}
}

// signedLaunch is a LaunchRequest for skillID with its own request ID, signed by signer.
func signedLaunch(t *testing.T, skillID, requestID string, signer *localalexa.Signer) ([]byte, http.Header) {
	t.Helper()
	env := alexa.RequestEnvelope{
		Version: "1.0",
		Session: alexa.Session{New: true, SessionID: "amzn1.echo-api.session.serve-test", Application: alexa.Application{ApplicationID: skillID},
			User: alexa.User{UserID: "amzn1.ask.account.serve-test"}},
		Context: alexa.Context{System: alexa.System{Application: alexa.Application{ApplicationID: skillID},
			User: alexa.User{UserID: "amzn1.ask.account.serve-test"}, Device: alexa.Device{DeviceID: "amzn1.ask.device.serve-test"}}},
		Request: alexa.Request{Type: alexa.LaunchRequestType, RequestID: requestID,
			Timestamp: time.Now().UTC().Format(time.RFC3339), Locale: "en-US"},
	}
	body, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if err := signer.SignHeader(h, body); err != nil {
		t.Fatal(err)
	}
	return body, h
}

func postAlexa(t *testing.T, url string, body []byte, h http.Header) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/alexa", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestServeRefusesReplayAcrossInstances: two local stacks on one table are two
// instances of one endpoint; a signed request the first accepted is refused by the
// second, and different requests are accepted by either.
func TestServeRefusesReplayAcrossInstances(t *testing.T) {
	c := newAWSCLI(t)
	dir := t.TempDir()
	idDir := filepath.Join(dir, "alexa")
	const skillID = "amzn1.ask.skill.serve-test"
	args := func(key string) []string {
		return []string{"--addr", "127.0.0.1:0", "--signing-key-file", filepath.Join(dir, key), "--alexa-identity", idDir, "--skill-id", skillID}
	}
	first := startServe(t, c, args("first.pem")...)
	second := startServe(t, c, args("second.pem")...)
	id, err := localalexa.Load(idDir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a, ah := signedLaunch(t, skillID, "amzn1.echo-api.request.replay-a", id.Signer())
	b, bh := signedLaunch(t, skillID, "amzn1.echo-api.request.replay-b", id.Signer())
	for _, step := range []struct {
		name string
		url  string
		body []byte
		h    http.Header
		want int
	}{
		{"A on the first", first.url, a, ah, http.StatusOK},
		{"A replayed on the second", second.url, a, ah, http.StatusBadRequest},
		{"A replayed on the first", first.url, a, ah, http.StatusBadRequest},
		{"B on the second", second.url, b, bh, http.StatusOK},
		{"B replayed on the first", first.url, b, bh, http.StatusBadRequest},
	} {
		if got := postAlexa(t, step.url, step.body, step.h); got != step.want {
			t.Errorf("%s: %d, want %d", step.name, got, step.want)
		}
	}
}

// TestAlexaVerifier: with --alexa-identity, /alexa accepts that identity's signatures
// and no other's, without touching the network; without it, the verifier is the one
// for real Alexa (system roots, Amazon's chain downloaded), which this test does not
// exercise because that would reach the network.
func TestAlexaVerifier(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "alexa")
	v, trust, err := alexaVerifier(dir, nil)
	if err != nil || !strings.Contains(trust, dir) {
		t.Fatalf("alexaVerifier(%s) = %q, %v", dir, trust, err)
	}
	id, err := localalexa.Load(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	other, err := localalexa.New(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"version":"1.0","request":{"type":"LaunchRequest","timestamp":"` + time.Now().UTC().Format(time.RFC3339) + `"}}`)
	for name, tc := range map[string]struct {
		signer *localalexa.Signer
		ok     bool
	}{"Local": {id.Signer(), true}, "OtherIdentity": {other.Signer(), false}} {
		h := http.Header{}
		if err := tc.signer.SignHeader(h, body); err != nil {
			t.Fatal(err)
		}
		if err := v.Verify(context.Background(), h, body); (err == nil) != tc.ok {
			t.Errorf("%s: Verify = %v", name, err)
		}
	}

	real, trust, err := alexaVerifier("", nil)
	if err != nil || real.Roots != nil || real.Client != nil || !strings.Contains(trust, "real Alexa requests only") {
		t.Errorf("without an identity: roots %v, client %v, %q, %v; want the system roots and Amazon's download", real.Roots, real.Client, trust, err)
	}
}

func TestServeRefusesRemoteAddressesAndMissingConfig(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:0": true, "[::1]:0": true, "127.0.0.2:80": true,
		"0.0.0.0:8080": false, ":8080": false, "[::]:0": false, "192.168.1.10:80": false, "example.com:80": false,
	} {
		err := checkListenAddr(addr, false)
		if (err == nil) != ok {
			t.Errorf("checkListenAddr(%q) = %v", addr, err)
		}
		if err := checkListenAddr(addr, true); err != nil {
			t.Errorf("checkListenAddr(%q, allowRemote) = %v", addr, err)
		}
	}
	c := newAWSCLI(t)
	key := filepath.Join(t.TempDir(), "k.pem")
	for name, tc := range map[string]struct {
		args  []string
		unset string
		want  string
	}{
		"Remote":           {args: []string{"--addr", "0.0.0.0:0", "--signing-key-file", key}, want: "--allow-remote"},
		"RemoteNoIssuer":   {args: []string{"--addr", "0.0.0.0:0", "--allow-remote", "--signing-key-file", key}, want: "--issuer"},
		"NoSigningKey":     {args: []string{"--addr", "127.0.0.1:0"}, want: envSigningKeyFile},
		"NoTable":          {args: []string{"--addr", "127.0.0.1:0", "--signing-key-file", key}, unset: envTable, want: envTable},
		"NoSecretsKey":     {args: []string{"--addr", "127.0.0.1:0", "--signing-key-file", key}, unset: envSecretsKey, want: envSecretsKey},
		"HTTPIssuerRemote": {args: []string{"--addr", "127.0.0.1:0", "--signing-key-file", key, "--issuer", "http://example.com"}, want: "issuer"},
		"Argument":         {args: []string{"now"}, want: "no arguments"},
	} {
		t.Run(name, func(t *testing.T) {
			prev, had := c.vars[tc.unset]
			if tc.unset != "" {
				delete(c.vars, tc.unset)
				defer func() {
					if had {
						c.vars[tc.unset] = prev
					}
				}()
			}
			code, _, stderr := c.run("", append([]string{"serve"}, tc.args...)...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 naming %s", code, stderr, tc.want)
			}
		})
	}
}
