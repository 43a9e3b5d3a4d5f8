package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/easytocloud/easytocloud/console"
	"github.com/easytocloud/easytocloud/internal/app"
)

// signUpCodeCommand is the invitation code commands.
var signUpCodeCommand = command{
	use: "signup-code", short: "Invitation codes that let organisations sign up in the console",
	example: signUpCodeCreateCommand.example,
	subs:    []command{signUpCodeCreateCommand},
}

// signUpCodeCreateCommand makes an invitation code.
var signUpCodeCreateCommand = command{
	use:   "create",
	short: "Make an invitation code and print it, once",
	long: "Make an invitation code for the console's sign-up, which asks for one unless $" + app.EnvSignUp + " is\n" +
		"\"open\". Each organisation that signs up with it and confirms its address takes one use. The code is\n" +
		"shown only now: the table keeps only its keyed hash (the console's MAC key, made on first use with\n" +
		"the KMS key $" + envSecretsKey + ").",
	example: "  easytocloud signup-code create\n" +
		"  easytocloud signup-code create --uses 5 --expires 168h --json",
	args: noArgs("signup-code create"),
	setup: func(env *cliEnv, fs *pflag.FlagSet) action {
		uses := fs.Int("uses", 1, "how many organisations may sign up with the code (1 to "+strconv.Itoa(console.MaxSignUpCodeUses)+")")
		expires := fs.Duration("expires", 720*time.Hour, "how long the code works, such as 72h (at most "+console.MaxSignUpCodeTTL.String()+")")
		out := jsonFlag(fs, "the code, its uses and its expiry")
		return func(ctx context.Context, _ []string) error {
			return runSignUpCodeCreate(ctx, env, *uses, *expires, out)
		}
	},
}

// signUpCodeNow is the clock of signup-code create.
var signUpCodeNow = time.Now

// signUpCodeJSON is a new code as --json prints it.
type signUpCodeJSON struct {
	Code      string    `json:"code"`
	Uses      int       `json:"uses"`
	ExpiresAt time.Time `json:"expires_at"`
}

func runSignUpCodeCreate(ctx context.Context, env *cliEnv, uses int, ttl time.Duration, out *jsonOutput) error {
	// The same bounds as console.NewSignUpCode's, checked before any AWS call.
	if uses < 1 || uses > console.MaxSignUpCodeUses {
		return usagef("--uses %d: give 1 to %d", uses, console.MaxSignUpCodeUses)
	}
	if ttl < time.Minute || ttl > console.MaxSignUpCodeTTL {
		return usagef("--expires %s: give a minute to %s", ttl, console.MaxSignUpCodeTTL)
	}
	c, cfg, err := openConfig(ctx, env, true)
	if err != nil {
		return err
	}
	a := app.NewAWS(cfg)
	now := signUpCodeNow().UTC()
	code, err := console.NewSignUpCode(ctx, app.NewTable(c, a), app.NewKeyring(c, a), uses, ttl, now)
	if err != nil {
		return cliError(err)
	}
	v := signUpCodeJSON{Code: code, Uses: uses, ExpiresAt: now.Add(ttl).Truncate(time.Second)}
	return out.print(env.stdout, v, func(w io.Writer) error {
		writeFields(w, [][2]string{{"Invitation code", code}, {"Uses", strconv.Itoa(uses)}, {"Expires", v.ExpiresAt.Format(time.RFC3339)}})
		fmt.Fprintln(w, "The code is shown only now: give it to whoever may sign an organisation up, and keep no other copy.")
		return nil
	})
}
