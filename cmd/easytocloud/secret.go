package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// readSecret reads a secret for what: from a terminal, prompting on stderr without
// echo (twice when confirm); otherwise the first line of stdin. It never prints it.
func readSecret(env *cliEnv, what string, confirm bool) (string, error) {
	if f, ok := env.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(env.stderr, "%s: ", what)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.stderr)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", what, err)
		}
		if confirm {
			fmt.Fprintf(env.stderr, "%s again: ", what)
			again, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(env.stderr)
			if err != nil {
				return "", fmt.Errorf("read %s: %w", what, err)
			}
			if string(again) != string(b) {
				return "", usagef("the two %ss differ; try again", what)
			}
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(io.LimitReader(env.stdin, 64<<10)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read %s from stdin: %w", what, err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usagef("no %s on stdin: pipe it in, for example from a password manager", what)
	}
	return line, nil
}

// isTerminal reports whether env's stdin is a terminal.
func isTerminal(env *cliEnv) bool {
	f, ok := env.stdin.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
