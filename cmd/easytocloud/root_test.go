package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runCLI runs the CLI in process with an empty environment and returns its exit
// status, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &cliEnv{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	code := run(context.Background(), env, args)
	return code, stdout.String(), stderr.String()
}

// TestHelpEverywhere: every command answers --help (and -h) on stdout with its
// usage, flags and examples, and exits 0.
func TestHelpEverywhere(t *testing.T) {
	var walk func(path []string, want []string)
	root := newRootCmd(&cliEnv{getenv: func(string) string { return "" }})
	cases := map[string][]string{}
	for _, c := range root.Commands() {
		cases[c.Name()] = []string{c.Name()}
		for _, sub := range c.Commands() {
			cases[c.Name()+" "+sub.Name()] = []string{c.Name(), sub.Name()}
		}
	}
	cases["easytocloud"] = nil
	walk = func(path []string, want []string) {
		for _, flag := range []string{"--help", "-h"} {
			code, stdout, stderr := runCLI(t, append(append([]string{}, path...), flag)...)
			if code != 0 || stderr != "" {
				t.Errorf("%v %s: exit %d, stderr %q; want 0 and nothing", path, flag, code, stderr)
			}
			for _, w := range want {
				if !strings.Contains(stdout, w) {
					t.Errorf("%v %s lacks %q:\n%s", path, flag, w, stdout)
				}
			}
		}
	}
	for name, path := range cases {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			walk(path, []string{"Usage:", "easytocloud " + strings.Join(path, " ")})
		})
	}
	// Examples and flag help where an operator looks first.
	for _, tc := range []struct {
		path []string
		want []string
	}{
		{[]string{"tenant", "create"}, []string{"Examples:", "--role-arn", "--mfa", "--elevation duration", "(default 10m0s)"}},
		{[]string{"user", "set-phone"}, []string{"Examples:", "EMAIL|USER_ID PHONE", "--tenant"}},
		{[]string{"skill-package"}, []string{"Examples:", "--skill-id", "ask-states.json"}},
		{[]string{"oauth-client", "create"}, []string{"--redirect-uri stringArray", "repeatable"}},
		{nil, []string{"tenant", "user", "oauth-client", "table", "skill-package", "serve", "demo", "local-role", "dialog", "completion"}},
	} {
		walk(tc.path, tc.want)
	}
}

// TestUsageExits: a call the CLI cannot understand exits 2 with one line on stderr
// and nothing on stdout.
func TestUsageExits(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"UnknownCommand":    {[]string{"frobnicate"}, `easytocloud: unknown command "frobnicate"`},
		"Suggestion":        {[]string{"tenat"}, `did you mean "tenant"?`},
		"UnknownSubcommand": {[]string{"tenant", "frobnicate"}, `easytocloud tenant: unknown subcommand "frobnicate"`},
		"NoSubcommand":      {[]string{"user"}, "give a subcommand: add, delete, list, set-password, set-phone, show, unlock-mfa (see easytocloud user --help)"},
		"UnknownFlag":       {[]string{"tenant", "list", "--nope"}, "tenant list: flag provided but not defined: -nope"},
		"SingleDashFlag":    {[]string{"tenant", "list", "-json"}, "long flags take two dashes"},
		"BadFlagValue":      {[]string{"tenant", "create", "--elevation", "soon"}, "--elevation"},
		"MissingValue":      {[]string{"tenant", "create", "--name"}, "flag needs an argument"},
		"MissingArgument":   {[]string{"tenant", "show"}, "easytocloud tenant show needs one tenant ID"},
		"ExtraArgument":     {[]string{"oauth-client", "delete", "a", "b"}, "needs one client ID"},
		"OnlySubcommand":    {[]string{"table"}, "usage: easytocloud table create [flags]"},
		"TopLevelArgument":  {[]string{"serve", "now"}, "easytocloud serve: serve takes no arguments"},
		"CompletionShell":   {[]string{"completion", "tcsh"}, "tcsh"},
	} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing on stdout and one line with %q", code, stdout, stderr, tc.want)
			}
		})
	}
	// No command at all: the help, on stdout, and a usage exit.
	if code, stdout, stderr := runCLI(t); code != 2 || !strings.Contains(stdout, "Available Commands:") || stderr != "" {
		t.Errorf("no arguments: exit %d, stdout %q, stderr %q; want 2 and the help", code, stdout, stderr)
	}
	// "help" is an answer, not a mistake.
	for _, args := range [][]string{{"help"}, {"help", "tenant"}, {"tenant", "help"}} {
		if code, stdout, _ := runCLI(t, args...); code != 0 || !strings.Contains(stdout, "Usage:") {
			t.Errorf("%v: exit %d, stdout %q", args, code, stdout)
		}
	}
}

// TestCompletion: cobra's completion scripts for the shells operators use.
func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{
		"bash": "__start_easytocloud",
		"zsh":  "#compdef easytocloud",
		"fish": "complete -c easytocloud",
	} {
		code, stdout, stderr := runCLI(t, "completion", shell)
		if code != 0 || !strings.Contains(stdout, want) || stderr != "" {
			t.Errorf("completion %s: exit %d, stderr %q, stdout lacks %q", shell, code, stderr, want)
		}
	}
	// The completion of subcommands and flags comes from the command table.
	code, stdout, _ := runCLI(t, "__complete", "tenant", "")
	for _, want := range []string{"create", "verify-role"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("__complete tenant: exit %d, lacks %q:\n%s", code, want, stdout)
		}
	}
	code, stdout, _ = runCLI(t, "__complete", "tenant", "create", "--")
	if code != 0 || !strings.Contains(stdout, "--role-arn") {
		t.Errorf("__complete tenant create --: exit %d:\n%s", code, stdout)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"tenant", "update", "t-x", "--mfa", ""}, "sms\ntoken\n"},
		{[]string{"dialog", "--locale", ""}, "de-DE\nen-GB\nen-US\n"},
	} {
		code, stdout, _ := runCLI(t, append([]string{"__complete"}, tc.args...)...)
		if code != 0 || !strings.HasPrefix(stdout, tc.want) {
			t.Errorf("__complete %v: exit %d:\n%s", tc.args, code, stdout)
		}
	}
}
