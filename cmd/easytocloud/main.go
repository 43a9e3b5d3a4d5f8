// Command easytocloud is the operator's tool: it administers tenants, users and OAuth
// clients, creates the table, renders the skill package, runs the local stack and talks
// to the skill like an Echo would. Run "easytocloud --help" for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// cliEnv is what a command may touch of the process, so tests can run commands in
// process with their own streams and environment.
type cliEnv struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// usageError is a mistake in how the command was called; it exits with status 2.
// One with an empty message has been explained already (the help was printed).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a usageError with a formatted message.
func usagef(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &cliEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run executes the command args name and returns the process exit status: 0 on
// success, 2 on a usage error, 1 on any other error. Errors are printed as one line
// on stderr, prefixed with the command's name.
func run(ctx context.Context, env *cliEnv, args []string) int {
	root := newRootCmd(env)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	var ue *usageError
	isUsage := errors.As(err, &ue)
	if msg := strings.ReplaceAll(err.Error(), "\n", " "); msg != "" {
		fmt.Fprintf(env.stderr, "%s: %s\n", commandName(cmd), msg)
	}
	if isUsage {
		return 2
	}
	return 1
}

// commandName is how errors name cmd: "easytocloud" and its top-level command.
func commandName(cmd *cobra.Command) string {
	name := "easytocloud"
	for c := cmd; c != nil && c.HasParent(); c = c.Parent() {
		if !c.Parent().HasParent() {
			name += " " + c.Name()
		}
	}
	return name
}
