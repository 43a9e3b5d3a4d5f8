package awstest

import (
	"os"
	"sync"
	"testing"

	"github.com/easytocloud/easytocloud/internal/emulator"
)

// InstallHint is the command that installs the emulator; failures name it.
const InstallHint = emulator.InstallHint

var (
	startOnce sync.Once
	current   *emulator.Emulator
	startErr  error
)

// Main runs the tests of a package and stops the emulator afterwards. Call it from
// TestMain: func TestMain(m *testing.M) { awstest.Main(m) }. It exits the process with
// the tests' status. If a test panics the process dies without reaching the stop, and
// the emulator exits by itself when its standard input (a pipe from this process) closes.
func Main(m *testing.M) {
	code := m.Run()
	if current != nil {
		current.Stop()
	}
	os.Exit(code)
}

// Endpoint returns the emulator's base URL (http://127.0.0.1:port), starting the
// emulator on first use. It fails the test, never skips it, when moto is missing.
func Endpoint(tb testing.TB) string {
	tb.Helper()
	startOnce.Do(func() {
		var opts emulator.Options
		if os.Getenv("AWSTEST_VERBOSE") != "" {
			opts.Stderr = os.Stderr
		}
		current, startErr = emulator.Start(opts)
	})
	if startErr != nil {
		tb.Fatalf("awstest: %v", startErr)
	}
	return current.Endpoint
}
