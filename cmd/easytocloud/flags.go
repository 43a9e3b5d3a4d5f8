package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"golang.org/x/term"
)

// subcommand is one verb of a command group such as "tenant create".
type subcommand struct {
	usage string // arguments, for the group's help
	run   func(ctx context.Context, env *cliEnv, args []string) error
}

// dispatch runs the subcommand args[0] of group, or prints the group's help.
func dispatch(ctx context.Context, env *cliEnv, group string, subs map[string]subcommand, args []string) error {
	names := make([]string, 0, len(subs))
	for n := range subs {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(args) == 0 {
		return usagef("give a subcommand: %s (see easytocloud %s help)", strings.Join(names, ", "), group)
	}
	if isHelp(args[0]) {
		fmt.Fprintf(env.stdout, "usage: easytocloud %s <subcommand>\n\nsubcommands:\n", group)
		for _, n := range names {
			fmt.Fprintf(env.stdout, "  easytocloud %s %s %s\n", group, n, subs[n].usage)
		}
		return nil
	}
	sub, ok := subs[args[0]]
	if !ok {
		return usagef("unknown subcommand %q; run \"easytocloud %s help\" for the list", args[0], group)
	}
	return helpOK(sub.run(ctx, env, args[1:]))
}

func isHelp(arg string) bool { return arg == "help" || arg == "-h" || arg == "--help" }

// helpOK turns the flag package's ErrHelp (help was printed) into success.
func helpOK(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// parseFlags parses args with fs, allowing flags after positional arguments
// ("tenant show ID --json"), and returns the positional arguments. -h prints the
// flags on env.stdout and returns flag.ErrHelp.
func parseFlags(env *cliEnv, fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(env.stdout)
				fmt.Fprintf(env.stdout, "usage of easytocloud %s:\n", fs.Name())
				fs.PrintDefaults()
				return nil, err
			}
			return nil, usagef("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}

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
