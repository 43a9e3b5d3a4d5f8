package awstest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/internal/emulator"
)

func TestFindPythonMissingMoto(t *testing.T) {
	notFound := func(string) (string, error) { return "", errors.New("not found") }
	_, err := emulator.FindPython(t.TempDir(), notFound)
	if err == nil {
		t.Fatal("findPython succeeded with no moto_server anywhere")
	}
	for _, want := range []string{"moto_server", "not installed", "pip install 'moto[server]>=5.2,<6'", "make test"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// TestEmulatorDiesWithPanickingTests runs this test binary again with a test that
// starts the emulator and panics, and checks that the emulator process exits with it.
func TestEmulatorDiesWithPanickingTests(t *testing.T) {
	if os.Getenv("AWSTEST_PANIC_CHILD") == "1" {
		Endpoint(t)
		fmt.Printf("EMULATOR_PID %d\n", current.PID())
		panic("deliberate panic with a running emulator")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestEmulatorDiesWithPanickingTests$", "-test.count=1")
	cmd.Env = append(os.Environ(), "AWSTEST_PANIC_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("child test binary did not fail:\n%s", out)
	}
	m := regexp.MustCompile(`EMULATOR_PID (\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("child did not report its emulator:\n%s", out)
	}
	pid, _ := strconv.Atoi(string(m[1]))
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("emulator %d still runs 10s after its test binary panicked", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
