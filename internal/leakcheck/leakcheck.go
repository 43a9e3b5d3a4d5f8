// Package leakcheck catches secrets in logs. A test that runs the full stack sends its
// log lines to a Log, tells it the secrets it handled (passwords, OTP codes, access
// and refresh tokens, client secrets, KMS plaintexts, phone numbers), and the Log
// fails the test at its end if any of them, or anything shaped like a JWT or a full
// phone number, shows in a line. docs/ARCHITECTURE.md: "No log line ever holds a password, token,
// OTP code, secret key or full phone number."
//
//	logs := leakcheck.New(t)
//	h.Log = logs.Logger()
//	logs.Secret("password", pw)
//	logs.Phone(user.Phone)
//	…                          // the check runs in t.Cleanup
//
// Buffer, the concurrent log capture a Log is built on, serves tests that only read
// what was logged (or printed): it checks nothing.
package leakcheck

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// Buffer is an io.Writer that keeps what is written to it, safe for concurrent use:
// the log capture of a test whose code under test logs from many goroutines while
// the test reads. The zero value is ready to use. It checks nothing; Log does.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write keeps p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Lines returns everything written so far, split into lines (without their line
// ends; lines up to 1 MiB).
func (b *Buffer) Lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// Log is an io.Writer that collects log lines and checks them for secrets. It is
// safe for concurrent use.
type Log struct {
	buf     Buffer
	mu      sync.Mutex // guards the fields below
	needles []needle
	// allowJWT and allowPhone switch off the shape checks (for a suite that logs
	// JWT-shaped values on purpose, such as a forged token's header).
	allowJWT, allowPhone bool
}

// needle is one secret: the substring sub, and when re is set, the pattern that
// decides whether an occurrence of sub stands on its own.
type needle struct {
	kind string
	re   *regexp.Regexp
	sub  string
}

func (n needle) in(line string) bool {
	// The substring test is cheap and almost always false; the pattern runs only on
	// the few lines that hold the value at all.
	if !strings.Contains(line, n.sub) {
		return false
	}
	return n.re == nil || n.re.MatchString(line)
}

// New returns a Log whose check runs when tb ends (tb.Cleanup).
func New(tb testing.TB) *Log {
	tb.Helper()
	l := &Log{}
	tb.Cleanup(func() { l.Check(tb) })
	return l
}

// Write keeps p.
func (l *Log) Write(p []byte) (int, error) { return l.buf.Write(p) }

// String returns everything written so far.
func (l *Log) String() string { return l.buf.String() }

// Logger returns a JSON logger (debug level, the most verbose) that writes to l.
func (l *Log) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// AllowJWTShapes stops the check from failing on JWT-shaped strings that were not
// registered as secrets (registered tokens are still caught).
func (l *Log) AllowJWTShapes() { l.mu.Lock(); l.allowJWT = true; l.mu.Unlock() }

// Secret registers values of a kind ("password", "otp", "access token", "refresh
// token", "client secret", …) that must never be logged. A value is found wherever
// it stands on its own: not as part of a longer run of letters and digits, so that
// the six digits of a code do not match inside a timestamp or an ID. Empty values
// are ignored.
func (l *Log) Secret(kind string, values ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, v := range values {
		if v == "" {
			continue
		}
		// As a JSON log line holds it: with quotes and control characters escaped,
		// and <, > and & escaped or not.
		forms := []string{v}
		for _, html := range []bool{false, true} {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(html)
			if enc.Encode(v) == nil {
				if q := strings.TrimSuffix(b.String(), "\n"); len(q) >= 2 && q[1:len(q)-1] != v {
					forms = append(forms, q[1:len(q)-1])
				}
			}
		}
		for _, f := range forms {
			l.needles = append(l.needles, needle{kind: kind, sub: f, re: regexp.MustCompile(`(^|[^A-Za-z0-9])` + regexp.QuoteMeta(f) + `($|[^A-Za-z0-9])`)})
		}
	}
}

// Plaintext registers secret bytes, such as a KMS data key or a decrypted secret:
// they are looked for as text, standard and URL-safe base64, and hex.
func (l *Log) Plaintext(kind string, b []byte) {
	if len(b) == 0 {
		return
	}
	forms := []string{
		base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b),
		hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b)),
	}
	if len(b) >= 8 && utf8.Valid(b) {
		forms = append(forms, string(b))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, f := range forms {
		l.needles = append(l.needles, needle{kind: kind, sub: f})
	}
}

// Phone registers phone numbers (E.164, "+" and digits): the number with or without
// "+", and its last seven digits, must not be logged. The last two digits, the hint
// the skill speaks, may be.
func (l *Log) Phone(numbers ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, n := range numbers {
		digits := strings.TrimPrefix(n, "+")
		if len(digits) < 7 {
			continue
		}
		for _, f := range []string{digits, digits[len(digits)-7:]} {
			l.needles = append(l.needles, needle{kind: "phone number", sub: f, re: regexp.MustCompile(`(^|[^0-9])` + regexp.QuoteMeta(f) + `($|[^0-9])`)})
		}
	}
}

// jwtShape is a compact JWS whose header is JSON ("eyJ" is base64 of `{"`).
var jwtShape = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`)

// phoneShape is an E.164 number: "+" and 8 to 15 digits.
var phoneShape = regexp.MustCompile(`\+[1-9][0-9]{7,14}`)

// Leak is one secret found in a line.
type Leak struct {
	Kind string
	Line string
}

// Leaks returns every line that holds a registered secret or a JWT or phone shape.
func (l *Log) Leaks() []Leak {
	text := l.buf.String()
	l.mu.Lock()
	defer l.mu.Unlock()
	return scan(text, l.needles, l.allowJWT, l.allowPhone)
}

// Scan checks text that is not a log (an HTTP answer, a card) against l's secrets
// and shapes, failing tb for each leak.
func (l *Log) Scan(tb testing.TB, what, text string) {
	tb.Helper()
	l.mu.Lock()
	leaks := scan(text, l.needles, l.allowJWT, l.allowPhone)
	l.mu.Unlock()
	for _, lk := range leaks {
		tb.Errorf("leakcheck: %s holds a %s: %s", what, lk.Kind, redact(lk.Line))
	}
}

func scan(text string, needles []needle, allowJWT, allowPhone bool) []Leak {
	var out []Leak
	for line := range strings.SplitSeq(text, "\n") {
		if line == "" {
			continue
		}
		kind := ""
		for _, n := range needles {
			if n.in(line) {
				kind = n.kind
				break
			}
		}
		switch {
		case kind != "":
		case !allowJWT && jwtShape.MatchString(line):
			kind = "JWT-shaped string"
		case !allowPhone && phoneShape.MatchString(line):
			kind = "full phone number"
		default:
			continue
		}
		out = append(out, Leak{Kind: kind, Line: line})
	}
	return out
}

// Check fails tb for each log line that holds a secret. New runs it at the end of the
// test; call it directly to check at a point of your choosing.
func (l *Log) Check(tb testing.TB) {
	tb.Helper()
	for _, lk := range l.Leaks() {
		tb.Errorf("leakcheck: a log line holds a %s: %s", lk.Kind, redact(lk.Line))
	}
}

// redact shortens a line for the failure message, so that the test output does not
// spread the secret further than needed to find the line.
func redact(line string) string {
	const max = 160
	if len(line) > max {
		return fmt.Sprintf("%s… (%d bytes)", line[:max], len(line))
	}
	return line
}
