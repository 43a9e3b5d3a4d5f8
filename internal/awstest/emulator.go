package awstest

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

//go:embed moto_launcher.py
var launcherScript []byte

// InstallHint is the command that installs the emulator; failures name it.
const InstallHint = "make test (it creates .venv with moto), or: python3 -m pip install 'moto[server]>=5.2,<6'"

// emulator is one running moto process.
type emulator struct {
	endpoint string
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	dir      string
}

var (
	startOnce sync.Once
	current   *emulator
	startErr  error
)

// Main runs the tests of a package and stops the emulator afterwards. Call it from
// TestMain: func TestMain(m *testing.M) { awstest.Main(m) }. It exits the process with
// the tests' status. If a test panics the process dies without reaching the stop, and
// the emulator exits by itself when its standard input (a pipe from this process) closes.
func Main(m *testing.M) {
	code := m.Run()
	stop()
	os.Exit(code)
}

// Endpoint returns the emulator's base URL (http://127.0.0.1:port), starting the
// emulator on first use. It fails the test, never skips it, when moto is missing.
func Endpoint(tb testing.TB) string {
	tb.Helper()
	startOnce.Do(func() { current, startErr = start() })
	if startErr != nil {
		tb.Fatalf("awstest: %v", startErr)
	}
	return current.endpoint
}

func stop() {
	if current == nil {
		return
	}
	_ = current.stdin.Close()
	done := make(chan struct{})
	go func() { _ = current.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		// Kill the whole process group: werkzeug may have started threads or children.
		_ = syscall.Kill(-current.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	_ = os.RemoveAll(current.dir)
	current = nil
}

func start() (*emulator, error) {
	python, err := findPython(repoRoot(), exec.LookPath)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "awstest-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	script := filepath.Join(dir, "moto_launcher.py")
	if err := os.WriteFile(script, launcherScript, 0o600); err != nil {
		return nil, fmt.Errorf("write launcher: %w", err)
	}
	cmd := exec.Command(python, script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = append(os.Environ(), "PYTHONUNBUFFERED=1")
	cmd.Stderr = io.Discard
	if os.Getenv("AWSTEST_VERBOSE") != "" {
		cmd.Stderr = os.Stderr
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", python, err)
	}
	e := &emulator{cmd: cmd, stdin: stdin, dir: dir}
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-ready:
		port, ok := strings.CutPrefix(line, "READY ")
		if !ok {
			current = e
			stop()
			return nil, fmt.Errorf("moto did not start (said %q); set AWSTEST_VERBOSE=1 to see its errors; install with: %s", line, InstallHint)
		}
		e.endpoint = "http://127.0.0.1:" + port
	case <-time.After(60 * time.Second):
		current = e
		stop()
		return nil, errors.New("moto did not start within 60s")
	}
	if err := waitHealthy(e.endpoint); err != nil {
		current = e
		stop()
		return nil, err
	}
	return e, nil
}

func waitHealthy(endpoint string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(endpoint + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("moto at %s does not answer: %w", endpoint, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// findPython returns a Python interpreter that can import moto's server: the one in
// root/.venv (where the Makefile installs moto) or, when moto_server is on PATH, the
// python3 on PATH. The error names the install command.
func findPython(root string, lookPath func(string) (string, error)) (string, error) {
	var candidates []string
	if root != "" {
		venv := filepath.Join(root, ".venv", "bin")
		if _, err := os.Stat(filepath.Join(venv, "moto_server")); err == nil {
			candidates = append(candidates, filepath.Join(venv, "python3"))
		}
	}
	if _, err := lookPath("moto_server"); err == nil {
		if p, err := lookPath("python3"); err == nil {
			candidates = append(candidates, p)
		}
	}
	for _, p := range candidates {
		if exec.Command(p, "-c", "import moto.server, flask").Run() == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("moto_server (moto[server] 5.2, the AWS emulator) is not installed: not in .venv/bin nor on PATH; install it with: %s", InstallHint)
}

// repoRoot returns the nearest directory above the working directory holding go.mod.
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
