package skill

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

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

// change answers StartInstanceIntent and StopInstanceIntent. In order: a declined
// confirmation ends it; a missing name is asked for; the name is resolved against
// the tenant's instances (or the instance remembered in the session for this
// action); the instance must be controllable and in a state the action changes;
// the user must be elevated, else the action is remembered and they are asked to
// authenticate; a stop must be confirmed; then the action runs in the instance's
// region. Every attempt that names an instance is one audit line.
func (t *turn) change(ctx context.Context, action string) reply {
	intent := t.env.Request.Intent
	slot, filled := t.env.Slot("instance")
	p, hasPending := t.pending()
	matchesPending := hasPending && p.Action == action &&
		(!filled || nameKey(slot.Value) == nameKey(p.Name) || slot.Value == p.ID)
	a := attempt{action: action, spoken: slot.Value}
	defer func() { t.audit(ctx, a) }()

	if intent.ConfirmationStatus == alexa.ConfirmationDenied {
		a.outcome = outcomeDeclined
		name := alexa.Sayf("%s", slot.Value)
		if matchesPending {
			a.target = p.instance()
			name = a.target.spoken(t.msg)
			t.clearPending()
		}
		return t.answer(t.msg.cancelled(action, name))
	}
	if !filled && !(matchesPending && intent.ConfirmationStatus == alexa.ConfirmationConfirmed) {
		a.outcome = ""
		return t.elicitInstance(t.msg.whichInstance(action), nil)
	}

	var target *instance
	if matchesPending {
		in, err := t.describeOne(ctx, p.Region, p.ID)
		switch {
		case err == nil:
			target = &in
		case classify(err) != failNotFound:
			a.outcome, a.target = outcomeError, p.instance()
			return t.failed(ctx, action+" instance", err)
		}
	}
	if target == nil {
		regions, err := t.tenantRegions(ctx)
		if err != nil {
			a.outcome = outcomeError
			return t.failed(ctx, "list regions", err)
		}
		all, fails := t.readInstances(ctx, regions)
		if fails.fatal != nil {
			a.outcome = outcomeError
			return t.failed(ctx, "list instances", fails.fatal)
		}
		res := t.resolveSlot(slot, all)
		switch {
		case res.match != nil:
			target = res.match
		case len(res.options) > 0:
			a.outcome = outcomeAmbiguous
			opts := res.options[:min(len(res.options), maxOptions)]
			names := make([]alexa.SSML, len(opts))
			for i, in := range opts {
				names[i] = t.msg.instanceIn(in.spoken(t.msg), placeName(t.msg.lang, in.Region))
			}
			return t.elicitInstance(t.msg.didYouMean(names), all)
		default:
			a.outcome = outcomeNotFound
			return t.elicitInstance(alexa.Join(t.msg.notFound(slot.Value, t.examples(all)), fails.speak(t.msg), t.msg.whichInstance(action)), all)
		}
	}
	a.target = *target
	name := target.spoken(t.msg)

	if !target.Controllable {
		a.outcome = outcomeNotControllable
		return t.answer(t.msg.notControllable(name))
	}
	want := "running"
	if action == actionStop {
		want = "stopped"
	}
	switch {
	case target.State == want:
		a.outcome = outcomeAlready
		t.clearPending()
		return t.answer(t.msg.already(name, want))
	case action == actionStart && target.State == "pending", action == actionStop && target.State == "stopping":
		a.outcome = outcomeAlready
		t.clearPending()
		return t.answer(t.msg.already(name, target.State))
	case target.State != "running" && target.State != "stopped":
		a.outcome = outcomeBusy
		return t.answer(t.msg.busy(name, target.State))
	}

	if r, ok := t.requireElevation(ctx, &a); !ok {
		t.setPending(pendingAction{Action: action, ID: target.ID, Region: target.Region, Name: target.Name, Type: target.Type})
		return r
	}
	if action == actionStop && intent.ConfirmationStatus != alexa.ConfirmationConfirmed {
		a.outcome = outcomeConfirm
		t.setPending(pendingAction{Action: action, ID: target.ID, Region: target.Region, Name: target.Name, Type: target.Type})
		return t.confirm(t.msg.confirmStop(name, placeName(t.msg.lang, target.Region)), action, *target)
	}

	err := t.act(ctx, action, *target)
	if err != nil && outcomeUnknown(err) && t.happened(ctx, action, *target) {
		t.log.WarnContext(ctx, action+" instance: its answer was lost, but the instance shows the change",
			slog.String("instance", target.ID), slog.String("error", err.Error()))
		err = nil
	}
	if err != nil {
		a.outcome, a.err = outcomeError, err
		if classify(err) == failNotFound {
			t.clearPending()
			return t.answer(t.msg.notFound(slot.Value, nil))
		}
		return t.failed(ctx, action+" instance", err)
	}
	a.outcome = outcomeDone
	t.clearPending()
	return t.answer(t.msg.done(name, action))
}

// attempt is one change attempt, for the audit line.
type attempt struct {
	action, spoken, outcome string
	target                  instance
	err                     error
}

// audit writes the one audit line of a change attempt (none when the user was only
// asked which instance they meant).
func (t *turn) audit(ctx context.Context, a attempt) {
	if a.outcome == "" {
		return
	}
	attrs := []slog.Attr{
		slog.String("event", "instance."+a.action),
		slog.String("request_id", t.env.Request.RequestID),
		slog.String("tenant", t.who.TenantID),
		slog.String("user", t.who.UserID),
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
	t.h.log().LogAttrs(ctx, slog.LevelInfo, "audit", attrs...)
}

// resolveSlot finds the instance the slot means: an instance ID that Alexa's
// dynamic entities resolved (only IDs among the tenant's own instances count),
// else the spoken name.
func (t *turn) resolveSlot(slot alexa.RequestSlot, all []instance) resolution {
	if slot.Resolutions != nil {
		var ids []string
		for _, r := range slot.Resolutions.ResolutionsPerAuthority {
			if r.Status.Code != alexa.ERSuccessMatch || !r.IsDynamic() {
				continue
			}
			for _, v := range r.Values {
				ids = append(ids, v.Value.ID)
			}
		}
		var found []instance
		for _, in := range all {
			if slices.Contains(ids, in.ID) {
				found = append(found, in)
			}
		}
		switch len(found) {
		case 0:
		case 1:
			return resolution{match: &found[0]}
		default:
			sortInstances(found)
			return resolution{options: found}
		}
	}
	return resolveName(slot.Value, all)
}

// examples names a few instances that exist.
func (t *turn) examples(all []instance) []alexa.SSML {
	sorted := slices.Clone(all)
	sortInstances(sorted)
	var out []alexa.SSML
	for _, in := range sorted {
		if len(out) == 3 {
			break
		}
		out = append(out, in.spoken(t.msg))
	}
	return out
}

// elicitInstance asks for the instance slot again (Dialog.ElicitSlot) and teaches
// Alexa the instance names when it has them.
func (t *turn) elicitInstance(s alexa.SSML, all []instance) reply {
	in := *t.env.Request.Intent
	in.ConfirmationStatus = alexa.ConfirmationNone
	slots := map[string]alexa.RequestSlot{}
	for k, v := range in.Slots {
		slots[k] = v
	}
	slots["instance"] = alexa.RequestSlot{Name: "instance", ConfirmationStatus: alexa.ConfirmationNone}
	in.Slots = slots
	r := ask(s, s)
	r.directives = []alexa.Directive{{Type: alexa.DirectiveElicitSlot, SlotToElicit: "instance", UpdatedIntent: &in}}
	if d, ok := instanceEntities(all); ok {
		r.directives = append(r.directives, d)
	}
	return r
}

// confirm asks to confirm an action on target (Dialog.ConfirmIntent on the
// action's intent, with the instance slot filled).
func (t *turn) confirm(s alexa.SSML, action string, target instance) reply {
	name := "StartInstanceIntent"
	if action == actionStop {
		name = "StopInstanceIntent"
	}
	value := target.Name
	if value == "" {
		value = target.ID
	}
	r := ask(s, s)
	r.directives = []alexa.Directive{{Type: alexa.DirectiveConfirmIntent, UpdatedIntent: &alexa.RequestIntent{
		Name: name, ConfirmationStatus: alexa.ConfirmationNone,
		Slots: map[string]alexa.RequestSlot{"instance": {Name: "instance", Value: value, ConfirmationStatus: alexa.ConfirmationNone}},
	}}}
	return r
}

// requireElevation checks that the user is elevated. ok false comes with the reply:
// the request to authenticate, or the failure to check.
func (t *turn) requireElevation(ctx context.Context, a *attempt) (reply, bool) {
	el, err := t.h.MFA.Elevation(ctx, t.who.TenantID, t.who.UserID)
	switch {
	case err == nil && el.Until.After(t.h.now()):
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

// describeOne reads one instance of the tenant's account afresh (state, tags). An
// ID that is not the tenant's gives an InvalidInstanceID error.
func (t *turn) describeOne(ctx context.Context, region, id string) (instance, error) {
	ctx, cancel := context.WithTimeout(ctx, t.h.callTimeout())
	defer cancel()
	out, err := t.h.ec2(t.cfg, region).DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		return instance{}, fmt.Errorf("describe instance %s in %s: %w", id, region, err)
	}
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			if aws.ToString(i.InstanceId) == id {
				if in := t.toInstance(region, i); in.State != "terminated" {
					return in, nil
				}
			}
		}
	}
	return instance{}, fmt.Errorf("describe instance %s in %s: %w", id, region, errInstanceGone)
}

// errInstanceGone means the instance no longer exists (or was terminated).
var errInstanceGone = errors.New("instance not found")

// act starts or stops target in its region. The SDK retries the call only when AWS
// refused it as throttled (so it did not run): after a server error or a timeout
// its outcome is unknown, and sending it again blind is not the way to learn it.
func (t *turn) act(ctx context.Context, action string, target instance) error {
	ctx, cancel := context.WithTimeout(ctx, t.h.callTimeout())
	defer cancel()
	client := t.h.ec2(t.cfg, target.Region)
	var err error
	if action == actionStop {
		_, err = client.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{target.ID}}, retryOnlyThrottling)
	} else {
		_, err = client.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{target.ID}}, retryOnlyThrottling)
	}
	if err != nil {
		return fmt.Errorf("%s instance %s in %s: %w", action, target.ID, target.Region, err)
	}
	return nil
}

// retryOnlyThrottling makes the SDK retry an operation only after a throttling
// error, which AWS answers before doing anything.
func retryOnlyThrottling(o *ec2.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.Retryables = []retry.IsErrorRetryable{
			retry.NoRetryCanceledError{},
			retry.RetryableErrorCode{Codes: retry.DefaultThrottleErrorCodes},
		}
	})
}

// outcomeUnknown reports whether a failed change may still have happened: a server
// error, a lost answer or a timeout, as opposed to a refusal (throttled, denied,
// role not assumable, instance gone).
func outcomeUnknown(err error) bool {
	k := classify(err)
	return k == failOther || k == failTimeout
}

// happened reads target again and reports whether it shows action done (or under
// way).
func (t *turn) happened(ctx context.Context, action string, target instance) bool {
	in, err := t.describeOne(ctx, target.Region, target.ID)
	if err != nil {
		return false
	}
	if action == actionStop {
		return in.State == "stopping" || in.State == "stopped"
	}
	return in.State == "pending" || in.State == "running"
}
