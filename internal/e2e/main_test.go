package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/emulator"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
)

func TestMain(m *testing.M) { awstest.Main(m) }

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary returns the path of the easytocloud binary built from this tree, building
// it once per test binary. It lives in one directory per checkout under the temp
// directory, replaced atomically, so repeated runs reuse one file and leave no more.
func binary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		root := emulator.RepoRoot()
		sum := sha256.Sum256([]byte(root))
		dir := filepath.Join(os.TempDir(), "easytocloud-e2e-"+hex.EncodeToString(sum[:6]))
		if buildErr = os.MkdirAll(dir, 0o700); buildErr != nil {
			return
		}
		tmp, err := os.CreateTemp(dir, "easytocloud-*.tmp")
		if err != nil {
			buildErr = err
			return
		}
		tmp.Close()
		defer os.Remove(tmp.Name())
		cmd := exec.Command("go", "build", "-o", tmp.Name(), "./cmd/easytocloud")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/easytocloud: %v\n%s", err, out)
			return
		}
		binPath = filepath.Join(dir, "easytocloud")
		buildErr = os.Rename(tmp.Name(), binPath)
	})
	if buildErr != nil {
		tb.Fatalf("build easytocloud: %v", buildErr)
	}
	return binPath
}

// processEnv is the environment of a child: this process's, without any AWS or
// easytocloud setting (so no test can reach a real account), plus vars.
func processEnv(vars map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "EASYTOCLOUD_") {
			env = append(env, kv)
		}
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// emulatorVars are the variables that aim the CLI at the test binary's emulator.
func emulatorVars(tb testing.TB) map[string]string {
	return map[string]string{
		"AWS_ENDPOINT_URL":      awstest.Endpoint(tb),
		"AWS_REGION":            awstest.DefaultRegion,
		"AWS_ACCESS_KEY_ID":     "testing",
		"AWS_SECRET_ACCESS_KEY": "testing",
	}
}

// runCLI runs the easytocloud binary at bin and returns its stdout, or an error with
// its stderr unless it exits 0. It is safe to call from any goroutine.
func runCLI(bin string, vars map[string]string, stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = processEnv(vars)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("easytocloud %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// waitFor polls until buf matches re or the process ends or the timeout passes, and
// returns the submatches.
func waitFor(tb testing.TB, what string, buf *leakcheck.Buffer, re *regexp.Regexp, exited <-chan struct{}, timeout time.Duration) []string {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if m := re.FindStringSubmatch(buf.String()); m != nil {
			return m
		}
		select {
		case <-exited:
			if m := re.FindStringSubmatch(buf.String()); m != nil {
				return m
			}
			tb.Fatalf("%s: the process ended first; its output:\n%s", what, buf.String())
		case <-time.After(25 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: not within %s; output so far:\n%s", what, timeout, buf.String())
		}
	}
}

// serveProcess is "easytocloud serve" running as a child process.
type serveProcess struct {
	URL    string
	cmd    *exec.Cmd
	stdout *leakcheck.Buffer // the JSON log lines
	stderr *leakcheck.Buffer
	// leak gets the JSON log lines too, and stderr once serve has stopped: the test
	// fails at its end if they hold a secret registered here (tests register what they
	// handle), a JWT or a full phone number.
	leak   *leakcheck.Log
	exited chan struct{}
	err    error
}

var listeningRE = regexp.MustCompile(`listening on (http://\S+)`)

// startServe starts "easytocloud serve args…" with vars, waits for its summary, and
// stops it with SIGTERM when the test ends, checking that it stops cleanly.
func startServe(t *testing.T, vars map[string]string, args ...string) *serveProcess {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"serve"}, args...)...)
	cmd.Env = processEnv(vars)
	p := &serveProcess{cmd: cmd, stdout: &leakcheck.Buffer{}, stderr: &leakcheck.Buffer{}, leak: leakcheck.New(t), exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = io.MultiWriter(p.stdout, p.leak), p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
			if p.err != nil || !strings.Contains(p.stderr.String(), "stopped") {
				t.Errorf("serve did not stop cleanly on SIGTERM: %v\n%s", p.err, p.stderr.String())
			}
			p.leak.Scan(t, "serve's stderr", p.stderr.String())
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("serve did not stop within 15s of SIGTERM")
		}
	})
	p.URL = waitFor(t, "serve's address", p.stderr, listeningRE, p.exited, 30*time.Second)[1]
	return p
}

// descendants returns the process IDs below pid (children, their children, …).
func descendants(tb testing.TB, pid int) []int {
	tb.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		tb.Fatalf("read /proc: %v", err)
	}
	children := map[int][]int{}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, _, ok := procStat(child); ok {
			children[ppid] = append(children[ppid], child)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// procStat returns a process's parent and state from /proc/PID/stat.
func procStat(pid int) (ppid int, state byte, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	// The command name is in parentheses and may hold spaces; the fields follow the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0, 0, false
	}
	ppid, err = strconv.Atoi(f[1])
	return ppid, f[0][0], err == nil
}

// running returns those of pids that still run (exist and are not zombies).
func running(pids []int) []int {
	var out []int
	for _, pid := range pids {
		if _, state, ok := procStat(pid); ok && state != 'Z' {
			out = append(out, pid)
		}
	}
	return out
}
