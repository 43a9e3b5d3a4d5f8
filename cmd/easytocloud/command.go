package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// command is one entry of the command table: what its help says, how it checks its
// arguments, and setup, which defines its flags and returns what it runs. A command
// with subs only groups them; its short help is followed by their names.
type command struct {
	use, short, long, example string
	args                      cobra.PositionalArgs
	setup                     func(env *cliEnv, fs *pflag.FlagSet) action
	// usage, when set, refuses a call with arguments or without one of the string
	// flags named in required, with this text.
	usage    string
	required []string
	// complete lists the values shell completion offers for a flag.
	complete map[string][]string
	subs     []command
}

// action runs a command on its positional arguments; its flags are bound already.
type action func(ctx context.Context, args []string) error

// commands is the command table under the root, in the order of their help.
var commands = []command{
	tenantCommand,
	userCommand,
	oauthClientCommand,
	signUpCodeCommand,
	tableCommand,
	skillPackageCommand,
	serveCommand,
	demoCommand,
	localRoleCommand,
	dialogCommand,
}

// build returns the cobra command of c, bound to env.
func (c command) build(env *cliEnv) *cobra.Command {
	cmd := &cobra.Command{Use: c.use, Short: c.short, Long: c.long, Example: c.example, Args: c.args}
	if len(c.subs) > 0 {
		names := make([]string, len(c.subs))
		for i, sub := range c.subs {
			cmd.AddCommand(sub.build(env))
			names[i] = strings.Fields(sub.use)[0]
		}
		cmd.Short += ": " + strings.Join(names, ", ")
		cmd.Args, cmd.RunE = cobra.ArbitraryArgs, runGroup
		// It runs only to refuse a call without a subcommand: its usage shows none.
		cmd.DisableFlagsInUseLine = true
		return cmd
	}
	run := c.setup(env, cmd.Flags())
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return run(cmd.Context(), args) }
	if c.usage != "" {
		cmd.Args = c.checkUsage
	}
	for flag, values := range c.complete {
		_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
	}
	return cmd
}

// checkUsage refuses arguments, and a required flag left empty, with c.usage.
func (c command) checkUsage(cmd *cobra.Command, args []string) error {
	for _, name := range c.required {
		if v, _ := cmd.Flags().GetString(name); v == "" {
			return usagef("%s", c.usage)
		}
	}
	if len(args) > 0 {
		return usagef("%s", c.usage)
	}
	return nil
}
