// Package emulator runs moto, the local AWS emulator, as a child process on a free
// loopback port: for the tests (through internal/awstest) and for the local stack of
// make demo. The child serves moto plus read-only routes for the SMS messages and the
// e-mails moto recorded, and exits by itself when the process that started it ends,
// however it ends.
package emulator

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

//go:embed moto_launcher.py
var launcherScript []byte

// InstallHint is the command that installs the emulator; failures name it.
const InstallHint = "make test (it creates .venv with moto), or: python3 -m pip install 'moto[server]>=5.2,<6'"

// Emulator is one running moto process.
type Emulator struct {
	// Endpoint is the emulator's base URL, http://127.0.0.1:port.
	Endpoint string

	cmd      *exec.Cmd
	stdin    io.WriteCloser
	dir      string
	stopOnce sync.Once
}

// Options configure Start.
type Options struct {
	// Root is the directory whose .venv is searched for moto; "" searches upwards from
	// the working directory for go.mod.
	Root string
	// Port is the loopback port to listen on; 0 lets the kernel choose.
	Port int
	// Stderr receives moto's log; nil discards it.
	Stderr io.Writer
}

// Start starts moto and waits until it answers. The error names the install command
// when moto is missing. The caller must call Stop; if the caller's process dies
// first, the emulator exits when its standard input (a pipe) closes.
func Start(opts Options) (*Emulator, error) {
	root := opts.Root
	if root == "" {
		root = RepoRoot()
	}
	python, err := FindPython(root, exec.LookPath)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "easytocloud-emulator-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	script := filepath.Join(dir, "moto_launcher.py")
	if err := os.WriteFile(script, launcherScript, 0o600); err != nil {
		return nil, fmt.Errorf("write launcher: %w", err)
	}
	cmd := exec.Command(python, script, fmt.Sprint(opts.Port))
	// A process group of its own, so Ctrl-C in a terminal reaches only our process,
	// which then stops the emulator in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = append(os.Environ(), "PYTHONUNBUFFERED=1")
	cmd.Stderr = opts.Stderr
	if cmd.Stderr == nil {
		cmd.Stderr = io.Discard
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
	e := &Emulator{cmd: cmd, stdin: stdin, dir: dir}
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
			e.Stop()
			return nil, fmt.Errorf("moto did not start (it said %q; set AWSTEST_VERBOSE=1 to see its log); install it with: %s", line, InstallHint)
		}
		e.Endpoint = "http://127.0.0.1:" + port
	case <-time.After(60 * time.Second):
		e.Stop()
		return nil, errors.New("moto did not start within 60s")
	}
	if err := waitHealthy(e.Endpoint); err != nil {
		e.Stop()
		return nil, err
	}
	return e, nil
}

// PID returns the emulator's process ID.
func (e *Emulator) PID() int { return e.cmd.Process.Pid }

// Stop ends the emulator and waits for it; it is safe to call more than once.
func (e *Emulator) Stop() {
	e.stopOnce.Do(func() {
		_ = e.stdin.Close()
		done := make(chan struct{})
		go func() { _ = e.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-e.cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		_ = os.RemoveAll(e.dir)
	})
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

// FindPython returns a Python interpreter that can import moto's server: the one in
// root/.venv (where the Makefile installs moto) or, when moto_server is on PATH, the
// python3 on PATH. The error names the install command.
func FindPython(root string, lookPath func(string) (string, error)) (string, error) {
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

// RepoRoot returns the nearest directory above the working directory holding go.mod,
// or "" when there is none.
func RepoRoot() string {
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

// Message is one SMS the emulator's SNS recorded.
type Message struct {
	Account     string `json:"account"`
	Region      string `json:"region"`
	ID          string `json:"id"`
	PhoneNumber string `json:"phone_number"`
	Text        string `json:"text"`
}

// ReadSMS returns every SMS message published through the emulator at endpoint,
// oldest first. The emulator must have been started by this package.
func ReadSMS(endpoint string) ([]Message, error) {
	var msgs []Message
	if err := readRoute(endpoint, "sms", &msgs); err != nil {
		return nil, err
	}
	return msgs, nil
}

// Email is one e-mail the emulator's SES recorded (through SES v1 or v2).
type Email struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	ID      string `json:"id"`
	// Source is the sender as the request named it.
	Source string `json:"source"`
	// To, Cc and Bcc are bare addresses; a raw message has every recipient in To.
	To  []string `json:"to"`
	Cc  []string `json:"cc"`
	Bcc []string `json:"bcc"`
	// Subject and Body are the message's; Body is the HTML part when a simple message
	// has one, else its text. A raw message's are read from Raw.
	Subject string `json:"subject"`
	Body    string `json:"body"`
	// Raw is the MIME message of SendRawEmail (or SES v2 raw content), else "".
	Raw string `json:"raw"`
	// Template names the template of a templated message (Body is then its data).
	Template string `json:"template"`
}

// SentTo reports whether address is among the message's recipients (To, Cc or Bcc),
// compared without regard to case.
func (e Email) SentTo(address string) bool {
	for _, list := range [][]string{e.To, e.Cc, e.Bcc} {
		for _, a := range list {
			if strings.EqualFold(a, address) {
				return true
			}
		}
	}
	return false
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"']+`)

// Links returns the http and https URLs in the body, in order, without the
// punctuation that ends a sentence after them.
func (e Email) Links() []string {
	var out []string
	for _, l := range linkRE.FindAllString(e.Body, -1) {
		out = append(out, strings.TrimRight(l, ".,;:!?)"))
	}
	return out
}

// ReadEmail returns every e-mail sent through the emulator at endpoint, oldest first
// in each account and region. The emulator must have been started by this package.
func ReadEmail(endpoint string) ([]Email, error) {
	var msgs []Email
	if err := readRoute(endpoint, "email", &msgs); err != nil {
		return nil, err
	}
	return msgs, nil
}

// readRoute decodes the JSON of the emulator's read-only route /_easytocloud/<name>.
func readRoute(endpoint, name string, out any) error {
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(strings.TrimRight(endpoint, "/") + "/_easytocloud/" + name)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("read %s: emulator answered %s (was it started by internal/emulator?)", name, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}
