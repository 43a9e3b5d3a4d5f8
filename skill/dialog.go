package skill

import (
	"slices"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
)

// The Dialog directives of a change: which instance the slot means, asking for it
// again, and asking to confirm.

// resolveSlot finds the instance the slot means: an instance ID that Alexa's
// dynamic entities resolved (only IDs among the tenant's own instances count),
// else the spoken name.
func resolveSlot(slot alexa.RequestSlot, all []account.Instance) resolution {
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
		var found []account.Instance
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
func examples(msg *catalog, all []account.Instance) []alexa.SSML {
	sorted := slices.Clone(all)
	sortInstances(sorted)
	var out []alexa.SSML
	for _, in := range sorted {
		if len(out) == 3 {
			break
		}
		out = append(out, spoken(msg, in))
	}
	return out
}

// elicitInstance asks for the instance slot of intent again (Dialog.ElicitSlot) and
// teaches Alexa the instance names when it has them.
func elicitInstance(intent *alexa.RequestIntent, s alexa.SSML, all []account.Instance) reply {
	in := *intent
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
func confirmChange(s alexa.SSML, action string, target account.Instance) reply {
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
