package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/easytocloud/easytocloud/tenants"
)

// tenantSuspendCommand suspends a tenant.
var tenantSuspendCommand = command{
	use:   "suspend ID",
	short: "Suspend a tenant: its people can no longer use the skill, link Alexa or change anything in the console",
	long: "Suspend a tenant. Its users' requests to the skill are refused with a spoken explanation (within a\n" +
		"minute on every running instance), they cannot link Alexa, and the console lets them look but\n" +
		"change nothing. Nothing is deleted: easytocloud tenant resume undoes it.",
	example: "  easytocloud tenant suspend t-6dqbkpz4rxm2wj7a",
	args:    oneTenantID,
	setup: func(env *cliEnv, _ *pflag.FlagSet) action {
		return func(ctx context.Context, args []string) error { return runTenantSuspend(ctx, env, args[0], true) }
	},
}

// tenantResumeCommand lifts a tenant's suspension.
var tenantResumeCommand = command{
	use:     "resume ID",
	short:   "Resume a suspended tenant: its people can use easytocloud again",
	example: "  easytocloud tenant resume t-6dqbkpz4rxm2wj7a",
	args:    oneTenantID,
	setup: func(env *cliEnv, _ *pflag.FlagSet) action {
		return func(ctx context.Context, args []string) error { return runTenantSuspend(ctx, env, args[0], false) }
	},
}

// errUnchanged stops an update that would change nothing.
var errUnchanged = errors.New("unchanged")

// runTenantSuspend sets the tenant's suspension to suspend.
func runTenantSuspend(ctx context.Context, env *cliEnv, id string, suspend bool) error {
	s, _, err := openStore(ctx, env, false)
	if err != nil {
		return err
	}
	var cur tenants.Tenant
	t, err := s.UpdateTenant(ctx, id, "", func(t *tenants.Tenant) error {
		cur = *t
		if t.Suspended == suspend {
			return errUnchanged
		}
		t.Suspended = suspend
		return nil
	})
	switch {
	case errors.Is(err, errUnchanged) && suspend:
		fmt.Fprintf(env.stdout, "Tenant %s (%s) is suspended already; resume it with: easytocloud tenant resume %s\n", cur.ID, cur.Name, cur.ID)
		return nil
	case errors.Is(err, errUnchanged):
		fmt.Fprintf(env.stdout, "Tenant %s (%s) is not suspended.\n", cur.ID, cur.Name)
		return nil
	case err != nil:
		return notFoundHint(err, "tenant list")
	case suspend:
		fmt.Fprintf(env.stdout, "Suspended tenant %s (%s), now at version %d: its people can no longer use the skill, link Alexa or change anything in the console.\n", t.ID, t.Name, t.Version)
		fmt.Fprintf(env.stdout, "Resume it with: easytocloud tenant resume %s\n", t.ID)
	default:
		fmt.Fprintf(env.stdout, "Resumed tenant %s (%s), now at version %d: its people can use easytocloud again.\n", t.ID, t.Name, t.Version)
	}
	return nil
}
