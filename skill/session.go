package skill

import "github.com/easytocloud/easytocloud/account"

// attrPending is the session attribute holding the change the user asked for and
// has not yet been allowed or confirmed.
const attrPending = "pending"

// pendingAction is a change remembered across turns: asked for before the user
// authenticated, or awaiting confirmation. The instance is re-read from the
// tenant's account before it is changed, so a forged or stale attribute can name
// nothing the user's own account does not hold.
type pendingAction struct {
	Action, ID, Region, Name, Type string
}

func (p pendingAction) instance() account.Instance {
	return account.Instance{ID: p.ID, Region: p.Region, Name: p.Name, Type: p.Type}
}

// session is the session attributes for the next turn, as the request brought
// them and the turn changes them.
type session map[string]any

// pending returns the remembered change, if the session holds a well-formed one.
func (s session) pending() (pendingAction, bool) {
	m, ok := s[attrPending].(map[string]any)
	if !ok {
		return pendingAction{}, false
	}
	get := func(k string) string { s, _ := m[k].(string); return s }
	p := pendingAction{Action: get("action"), ID: get("id"), Region: get("region"), Name: get("name"), Type: get("type")}
	if (p.Action != actionStart && p.Action != actionStop) || p.ID == "" || !account.Commercial(p.Region) {
		return pendingAction{}, false
	}
	return p, true
}

func (s session) setPending(p pendingAction) {
	s[attrPending] = map[string]any{
		"action": p.Action, "id": p.ID, "region": p.Region, "name": p.Name, "type": p.Type,
	}
}

func (s session) clearPending() { delete(s, attrPending) }
