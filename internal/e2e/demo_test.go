package e2e

import (
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/internal/emulator"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
)

// demoRun is "easytocloud demo" running as make demo runs it, from the repository root.
type demoRun struct {
	cmd    *exec.Cmd
	out    *leakcheck.Buffer
	stdin  io.WriteCloser
	exited chan struct{}
	err    error
	start  time.Time
}

func startDemo(t *testing.T, dir string, args ...string) *demoRun {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"demo", "--dir", dir}, args...)...)
	cmd.Dir = emulator.RepoRoot()
	cmd.Env = processEnv(nil)
	d := &demoRun{cmd: cmd, out: &leakcheck.Buffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = d.out, d.out
	var err error
	if d.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	d.start = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.err = cmd.Wait(); close(d.exited) }()
	t.Cleanup(func() {
		select {
		case <-d.exited:
		default:
			_ = cmd.Process.Kill()
			<-d.exited
		}
	})
	return d
}

var (
	emulatorLineRE = regexp.MustCompile(`AWS emulator\s+(http://\S+)`)
	stackLineRE    = regexp.MustCompile(`local stack\s+(http://\S+)`)
)

// children waits until the demo has started the emulator and returns the processes
// below it at that moment (the emulator among them).
func (d *demoRun) children(t *testing.T) []int {
	t.Helper()
	waitFor(t, "the emulator", d.out, emulatorLineRE, d.exited, time.Minute)
	kids := descendants(t, d.cmd.Process.Pid)
	if len(kids) == 0 {
		t.Fatalf("the demo says it started the emulator, but it has no child process")
	}
	return kids
}

// wait waits for the demo to end and checks it exited 0, left none of the processes
// it had started running and no longer listens where it did.
func (d *demoRun) wait(t *testing.T, kids []int) {
	t.Helper()
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("the demo did not end within 30s:\n%s", d.out.String())
	}
	if d.err != nil {
		t.Errorf("the demo exited with %v:\n%s", d.err, d.out.String())
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(running(kids)) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if left := running(kids); len(left) > 0 {
		t.Errorf("processes the demo started are still running after it ended: %v", left)
	}
	for _, re := range []*regexp.Regexp{emulatorLineRE, stackLineRE} {
		if m := re.FindStringSubmatch(d.out.String()); m != nil {
			u, _ := url.Parse(m[1])
			if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
				c.Close()
				t.Errorf("%s still accepts connections after the demo ended", m[1])
			}
		}
	}
	if !strings.Contains(d.out.String(), "Stopped the local stack and the AWS emulator.") {
		t.Errorf("the demo did not say it stopped what it started:\n%s", d.out.String())
	}
}

var codeSMSRE = regexp.MustCompile(`📱 SMS to \+1…00: Your easy to cloud code is (\d{6})\.`)

// TestDemo runs make demo's command three times in one state directory: the scripted
// conversation of demo/conversation.txt (every answer expected, the SMS shown and its
// code said), then interactively, left with Ctrl-C in the middle of a conversation
// and with Ctrl-D at the prompt. Each run must stop everything it started.
func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")

	t.Run("Script", func(t *testing.T) {
		d := startDemo(t, dir, "--script", filepath.Join(emulator.RepoRoot(), "demo", "conversation.txt"))
		_ = d.stdin.Close()
		kids := d.children(t)
		d.wait(t, kids)
		t.Logf("the scripted demo took %s", time.Since(d.start).Round(100*time.Millisecond))
		out := d.out.String()
		m := codeSMSRE.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no SMS with a code shown:\n%s", out)
		}
		for _, line := range []string{
			"Alexa: " + welcome,
			"Alexa: You have the following instances. In Ireland: jenkins, running; splunk, stopped. In North Virginia: web-1, running.",
			"Alexa: You have a four shard Kinesis stream in Ireland, called clickstream.",
			"You: start splunk\nAlexa: " + needAuth,
			"You: authenticate text\nAlexa: I've sent the code to your phone.",
			"You: authenticate " + m[1] + "\nAlexa: Access granted. Shall I start splunk now?",
			"You: start splunk\nAlexa: I have started splunk.",
			"You: yes\nAlexa: I have stopped jenkins.",
			"Alexa: You have the following instances. In Ireland: jenkins, stopped; splunk, running.",
			"You: lock\nAlexa: Done. Any change now needs a new code.",
			"You: start jenkins\nAlexa: " + needAuth,
			"You: stop\nAlexa: Goodbye.",
		} {
			if !strings.Contains(out, line) {
				t.Errorf("the transcript lacks %q:\n%s", line, out)
			}
		}
		readmeTranscriptIsCurrent(t, out)
	})

	for _, leave := range []struct {
		name string
		how  func(d *demoRun)
	}{
		{"CtrlC", func(d *demoRun) {
			if _, err := io.WriteString(d.stdin, "open easy to cloud\nlist instances\n"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "an answer", d.out, regexp.MustCompile(`Alexa: You have the following instances`), d.exited, time.Minute)
			_ = d.cmd.Process.Signal(syscall.SIGINT)
		}},
		{"CtrlD", func(d *demoRun) { _ = d.stdin.Close() }},
	} {
		t.Run(leave.name, func(t *testing.T) {
			d := startDemo(t, dir)
			kids := d.children(t)
			waitFor(t, "the dialog prompt", d.out, regexp.MustCompile(`Ready in \S+s\. Say something`), d.exited, time.Minute)
			t.Logf("reached the dialog prompt in %s (a second run in the same state directory)", time.Since(d.start).Round(100*time.Millisecond))
			kids = append(kids, descendants(t, d.cmd.Process.Pid)...)
			leave.how(d)
			d.wait(t, kids)
		})
	}
}

var (
	readmeTranscriptRE = regexp.MustCompile("(?s)```text\n\\$ make demo DEMO_SCRIPT=demo/conversation.txt\n(.*?)```")
	volatileRE         = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?( UTC)?|\b\d{6}\b|\bi-[0-9a-f]{8,17}\b|127\.0\.0\.1:\d+`)
)

// readmeTranscriptIsCurrent checks that the README's transcript of the scripted demo
// is what the demo says today, from the first "You:" on, codes, instance IDs and
// ports aside: the README shows a real run, not a hand-written one.
func readmeTranscriptIsCurrent(t *testing.T, out string) {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(emulator.RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := readmeTranscriptRE.FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no transcript of make demo DEMO_SCRIPT=demo/conversation.txt")
	}
	dialog := func(s string) string {
		if i := strings.Index(s, "You: "); i >= 0 {
			s = s[i:]
		}
		return volatileRE.ReplaceAllString(strings.TrimSpace(s), "…")
	}
	if got, want := dialog(out), dialog(string(m[1])); got != want {
		t.Errorf("README.md's transcript is out of date: run make demo DEMO_SCRIPT=demo/conversation.txt and paste its output.\nToday:\n%s\nREADME:\n%s", got, want)
	}
}
