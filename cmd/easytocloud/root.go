package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/easytocloud/easytocloud/interactionmodel"
)

// newRootCmd returns the command tree, each command bound to env. Every command's
// help is generated from its flags; "completion" and "help" are cobra's.
func newRootCmd(env *cliEnv) *cobra.Command {
	root := &cobra.Command{
		Use:   "easytocloud",
		Short: "The operator's tool of easytocloud",
		Long: "easytocloud administers tenants, users, sign-up codes and OAuth clients, creates the table,\n" +
			"renders the skill package, runs the local stack and talks to the skill like an Echo would.\n\n" +
			"The tenant, user, signup-code, oauth-client and table commands read the table's name from $" + envTable + "\n" +
			"and AWS access as the AWS CLI does (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, …).\n" +
			"Exit status: 0 done, 1 failed, 2 a mistake in the call.",
		Example: "  easytocloud demo\n" +
			"  easytocloud tenant create --name Acme --role-arn arn:aws:iam::123456789012:role/easytocloud --mfa sms\n" +
			"  easytocloud tenant --help\n" +
			"  source <(easytocloud completion bash)",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				_ = cmd.Help()
				return &usageError{}
			}
			hint := ""
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				hint = fmt.Sprintf(" (did you mean %q?)", s[0])
			}
			return usagef("unknown command %q%s; run \"easytocloud help\" for the list", args[0], hint)
		},
		SilenceErrors:              true,
		SilenceUsage:               true,
		DisableFlagsInUseLine:      true,
		SuggestionsMinimumDistance: 2,
	}
	root.SetIn(env.stdin)
	root.SetOut(env.stdout)
	root.SetErr(env.stderr)
	root.SetFlagErrorFunc(flagError)
	for _, c := range commands {
		root.AddCommand(c.build(env))
	}
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Example = "  source <(easytocloud completion bash)\n  easytocloud completion zsh > \"${fpath[1]}/_easytocloud\"\n" +
				"  easytocloud completion fish > ~/.config/fish/completions/easytocloud.fish"
			c.Args, c.RunE = cobra.ArbitraryArgs, runGroup
		}
	}
	usageArgs(root)
	return root
}

// runGroup is what a group command does when no subcommand of it is named: "help"
// prints its help, as --help does; nothing or an unknown name is a usage error.
func runGroup(cmd *cobra.Command, args []string) error {
	if len(args) > 0 && args[0] == "help" {
		return cmd.Help()
	}
	if len(args) > 0 {
		return usagef("unknown subcommand %q; run \"%s --help\" for the list", args[0], cmd.CommandPath())
	}
	var subs []*cobra.Command
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			subs, names = append(subs, c), append(names, c.Name())
		}
	}
	if len(subs) == 1 {
		return usagef("usage: %s", subs[0].UseLine())
	}
	return usagef("give a subcommand: %s (see %s --help)", strings.Join(names, ", "), cmd.CommandPath())
}

// usageArgs makes every argument check in the tree under cmd, cobra's own ones
// included, fail with a usage error (exit status 2).
func usageArgs(cmd *cobra.Command) {
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			err := check(c, args)
			var ue *usageError
			if err != nil && !errors.As(err, &ue) {
				return &usageError{msg: err.Error()}
			}
			return err
		}
	}
	for _, sub := range cmd.Commands() {
		usageArgs(sub)
	}
}

// flagError makes a flag that cannot be parsed a usage error. An unknown flag is
// worded as the standard flag package words it, as this CLI always has.
func flagError(cmd *cobra.Command, err error) error {
	var missing *pflag.NotExistError
	if errors.As(err, &missing) {
		if group := missing.GetSpecifiedShortnames(); group != "" {
			err = fmt.Errorf("flag provided but not defined: -%s (long flags take two dashes)", group)
		} else {
			err = fmt.Errorf("flag provided but not defined: -%s", missing.GetSpecifiedName())
		}
	}
	if path := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" "); cmd.HasParent() && cmd.Parent().HasParent() {
		return usagef("%s: %v", path, err)
	}
	return usagef("%v", err)
}

// noArgs is the argument check of a command that takes flags only.
func noArgs(name string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usagef("%s takes no arguments, got %q", name, args)
		}
		return nil
	}
}

// oneID is the argument check of a command that takes one ID of what, which
// "easytocloud list" lists.
func oneID(what, list string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usagef("%s needs one %s (see easytocloud %s)", cmd.CommandPath(), what, list)
		}
		return nil
	}
}

// unexpectedArgs is the argument check of a command that takes flags only, naming
// the first argument.
func unexpectedArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q", args[0])
	}
	return nil
}

// oneTenantID is the argument check of a command that takes one tenant ID.
var oneTenantID = oneID("tenant ID", "tenant list")

// oneClientID is the argument check of a command that takes one client ID.
var oneClientID = oneID("client ID", "oauth-client list")

// localeCompletion offers the interaction model's locales as the values of --locale.
var localeCompletion = map[string][]string{"locale": interactionmodel.Locales()}
