package skill

import (
	"context"
	"errors"
	"log/slog"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/mfa"
)

// Outcomes of a change attempt, as the audit line records them.
const (
	outcomeDone            = "done"
	outcomeAlready         = "already"
	outcomeBusy            = "wrong_state"
	outcomeNotFound        = "not_found"
	outcomeAmbiguous       = "ambiguous"
	outcomeNotControllable = "not_controllable"
	outcomeNotElevated     = "not_elevated"
	outcomeConfirm         = "confirmation_requested"
	outcomeDeclined        = "declined"
	outcomeError           = "error"
)

// maxOptions is how many candidates "did you mean" names.
const maxOptions = 4

// changing is one StartInstanceIntent or StopInstanceIntent: the turn, the action,
// the slot, the change remembered in the session, and the attempt for the audit.
type changing struct {
	*turn
	action string
	slot   alexa.RequestSlot
	filled bool
	// remembered is the session's pending change; matches is true when it is this
	// action on the instance the slot names (or the slot is empty).
	remembered pendingAction
	matches    bool
	a          attempt
}

// change answers StartInstanceIntent and StopInstanceIntent. In order: a declined
// confirmation ends it; a missing name is asked for; the name is resolved against
// the tenant's instances (or the instance remembered in the session for this
// action); the instance must be controllable and in a state the action changes;
// the user must be elevated, else the action is remembered and they are asked to
// authenticate; a stop must be confirmed; then the action runs in the instance's
// region. Every attempt that names an instance is one audit line.
func (t *turn) change(ctx context.Context, action string) reply {
	slot, filled := t.env.Slot("instance")
	p, hasPending := t.attrs.pending()
	c := &changing{turn: t, action: action, slot: slot, filled: filled, remembered: p,
		matches: hasPending && p.Action == action &&
			(!filled || nameKey(slot.Value) == nameKey(p.Name) || slot.Value == p.ID),
		a: attempt{action: action, spoken: slot.Value}}
	defer c.audit(ctx)
	return c.run(ctx)
}

func (c *changing) run(ctx context.Context) reply {
	intent := c.env.Request.Intent
	if intent.ConfirmationStatus == alexa.ConfirmationDenied {
		return c.declined()
	}
	if !c.filled && !(c.matches && intent.ConfirmationStatus == alexa.ConfirmationConfirmed) {
		c.a.outcome = ""
		return elicitInstance(intent, c.msg.whichInstance(c.action), nil)
	}
	target, r, ok := c.target(ctx)
	if !ok {
		return r
	}
	c.a.target = target
	if r, ok := c.ready(target); !ok {
		return r
	}
	if r, ok := c.requireElevation(ctx); !ok {
		c.remember(target)
		return r
	}
	if c.action == actionStop && intent.ConfirmationStatus != alexa.ConfirmationConfirmed {
		c.a.outcome = outcomeConfirm
		c.remember(target)
		return confirmChange(c.msg.confirmStop(spoken(c.msg, target), placeName(c.msg.lang, target.Region)), c.action, target)
	}
	return c.perform(ctx, target)
}

// declined answers a confirmation the user declined, forgetting the change.
func (c *changing) declined() reply {
	c.a.outcome = outcomeDeclined
	name := alexa.Sayf("%s", c.slot.Value)
	if c.matches {
		c.a.target = c.remembered.instance()
		name = spoken(c.msg, c.a.target)
		c.attrs.clearPending()
	}
	return c.answer(c.msg.cancelled(c.action, name))
}

// remember keeps the change in the session for the next turn.
func (c *changing) remember(target account.Instance) {
	c.attrs.setPending(pendingAction{Action: c.action, ID: target.ID, Region: target.Region, Name: target.Name, Type: target.Type})
}

// target finds the instance meant: the one remembered for this action, read afresh,
// else the slot resolved against the tenant's instances. ok false comes with the
// reply to give instead (which instance, or a failure).
func (c *changing) target(ctx context.Context) (account.Instance, reply, bool) {
	if c.matches {
		p := c.remembered
		in, err := c.describeOne(ctx, p.Region, p.ID)
		switch {
		case err == nil:
			return in, reply{}, true
		case account.Classify(err) != account.NotFound:
			c.a.outcome, c.a.target = outcomeError, p.instance()
			return account.Instance{}, c.failed(ctx, c.action+" instance", err), false
		}
	}
	rd := reader{c.turn}
	regions, err := rd.tenantRegions(ctx)
	if err != nil {
		c.a.outcome = outcomeError
		return account.Instance{}, c.failed(ctx, "list regions", err), false
	}
	all, fails := rd.readInstances(ctx, regions)
	if fails.fatal != nil {
		c.a.outcome = outcomeError
		return account.Instance{}, c.failed(ctx, "list instances", fails.fatal), false
	}
	res := resolveSlot(c.slot, all)
	intent, msg := c.env.Request.Intent, c.msg
	switch {
	case res.match != nil:
		return *res.match, reply{}, true
	case len(res.options) > 0:
		c.a.outcome = outcomeAmbiguous
		opts := res.options[:min(len(res.options), maxOptions)]
		names := make([]alexa.SSML, len(opts))
		for i, in := range opts {
			names[i] = msg.instanceIn(spoken(msg, in), placeName(msg.lang, in.Region))
		}
		return account.Instance{}, elicitInstance(intent, msg.didYouMean(names), all), false
	default:
		c.a.outcome = outcomeNotFound
		return account.Instance{}, elicitInstance(intent, alexa.Join(msg.notFound(c.slot.Value, examples(msg, all)), fails.speak(msg), msg.whichInstance(c.action)), all), false
	}
}

// ready reports whether target may be changed by voice and is in a state the
// action changes. ok false comes with the answer.
func (c *changing) ready(target account.Instance) (reply, bool) {
	name := spoken(c.msg, target)
	if !target.Controllable {
		c.a.outcome = outcomeNotControllable
		return c.answer(c.msg.notControllable(name)), false
	}
	want := "running"
	if c.action == actionStop {
		want = "stopped"
	}
	switch {
	case target.State == want:
		c.a.outcome = outcomeAlready
		c.attrs.clearPending()
		return c.answer(c.msg.already(name, want)), false
	case c.action == actionStart && target.State == "pending", c.action == actionStop && target.State == "stopping":
		c.a.outcome = outcomeAlready
		c.attrs.clearPending()
		return c.answer(c.msg.already(name, target.State)), false
	case target.State != "running" && target.State != "stopped":
		c.a.outcome = outcomeBusy
		return c.answer(c.msg.busy(name, target.State)), false
	}
	return reply{}, true
}

// perform runs the action on target in its region and says how it went. A failure
// whose outcome is unknown is checked by reading the instance again. Either way the
// attempt goes into the user's activity.
func (c *changing) perform(ctx context.Context, target account.Instance) reply {
	err := c.act(ctx, target)
	if err != nil && outcomeUnknown(err) && c.happened(ctx, target) {
		c.log.WarnContext(ctx, c.action+" instance: its answer was lost, but the instance shows the change",
			slog.String("instance", target.ID), slog.String("error", err.Error()))
		err = nil
	}
	outcome := activityDone
	if err != nil {
		outcome = activityFailed
	}
	c.recordActivity(ctx, target, outcome)
	if err != nil {
		c.a.outcome, c.a.err = outcomeError, err
		if account.Classify(err) == account.NotFound {
			c.attrs.clearPending()
			return c.answer(c.msg.notFound(c.slot.Value, nil))
		}
		return c.failed(ctx, c.action+" instance", err)
	}
	c.a.outcome = outcomeDone
	c.attrs.clearPending()
	return c.answer(c.msg.done(spoken(c.msg, target), c.action))
}

// attempt is one change attempt, for the audit line.
type attempt struct {
	action, spoken, outcome string
	target                  account.Instance
	err                     error
}

// audit writes the one audit line of the change attempt (none when the user was
// only asked which instance they meant).
func (c *changing) audit(ctx context.Context) {
	a := c.a
	if a.outcome == "" {
		return
	}
	attrs := []slog.Attr{
		slog.String("event", "instance."+a.action),
		slog.String("request_id", c.env.Request.RequestID),
		slog.String("tenant", c.who.TenantID),
		slog.String("user", c.who.UserID),
		slog.String("action", a.action),
		slog.String("instance", a.target.ID),
		slog.String("name", a.target.Name),
		slog.String("region", a.target.Region),
		slog.String("spoken", a.spoken),
		slog.String("outcome", a.outcome),
	}
	if a.err != nil {
		attrs = append(attrs, slog.String("error", a.err.Error()))
	}
	c.h.log().LogAttrs(ctx, slog.LevelInfo, "audit", attrs...)
}

// requireElevation checks that the user is elevated where this request comes from
// (turn.origin): an elevation granted on another device, for another Alexa account
// or for another person does not count, nor does one granted before the user's tokens
// were revoked (turn.elevationRevoked). ok false comes with the reply: the request to
// authenticate, or the failure to check.
func (c *changing) requireElevation(ctx context.Context) (reply, bool) {
	t, a := c.turn, &c.a
	el, err := t.h.MFA.Elevation(ctx, t.who.TenantID, t.who.UserID, t.origin())
	switch {
	case err == nil && el.Until.After(t.h.now()) && !t.elevationRevoked(el):
		return reply{}, true
	case err == nil, errors.Is(err, mfa.ErrNotElevated):
		a.outcome = outcomeNotElevated
		return ask(t.msg.needAuth, t.msg.needAuthShort), false
	case errors.Is(err, mfa.ErrThrottled):
		a.outcome, a.err = outcomeError, err
		return t.answer(t.msg.checkBusy), false
	default:
		a.outcome, a.err = outcomeError, err
		t.log.ErrorContext(ctx, "elevation check failed", slog.String("error", err.Error()))
		return t.answer(t.msg.mfaDown), false
	}
}

// describeOne reads one instance of the tenant's account afresh (state, tags).
func (c *changing) describeOne(ctx context.Context, region, id string) (account.Instance, error) {
	ctx, cancel := context.WithTimeout(ctx, c.h.callTimeout())
	defer cancel()
	return c.acct.Instances.Get(ctx, region, id)
}

// act starts or stops target in its region.
func (c *changing) act(ctx context.Context, target account.Instance) error {
	ctx, cancel := context.WithTimeout(ctx, c.h.callTimeout())
	defer cancel()
	if c.action == actionStop {
		return c.acct.Instances.Stop(ctx, target.Region, target.ID)
	}
	return c.acct.Instances.Start(ctx, target.Region, target.ID)
}

// outcomeUnknown reports whether a failed change may still have happened: a server
// error, a lost answer or a timeout, as opposed to a refusal (throttled, denied,
// role not assumable, instance gone).
func outcomeUnknown(err error) bool {
	k := account.Classify(err)
	return k == account.Other || k == account.Timeout
}

// happened reads target again and reports whether it shows the action done (or
// under way).
func (c *changing) happened(ctx context.Context, target account.Instance) bool {
	in, err := c.describeOne(ctx, target.Region, target.ID)
	if err != nil {
		return false
	}
	if c.action == actionStop {
		return in.State == "stopping" || in.State == "stopped"
	}
	return in.State == "pending" || in.State == "running"
}
