package interactionmodel

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/easytocloud/easytocloud/alexa"
)

// Conversation is a simulated Echo talking to one skill: it turns typed utterances
// into the request envelopes Alexa would send, and reads the skill's responses to
// carry the session (attributes, dialog directives, dynamic entities) to the next
// turn. The exported fields are set before the first turn; Now and NewID default to
// the clock and random IDs.
type Conversation struct {
	Matcher     *Matcher
	Locale      string
	SkillID     string
	UserID      string
	DeviceID    string
	AccessToken string // the linked account's access token, "" when unlinked
	APIEndpoint string // default https://api.amazonalexa.com (api.eu for en-GB and de-DE)
	Now         func() time.Time
	NewID       func(kind string) string

	sessionID  string
	attributes map[string]any
	last       *alexa.RequestIntent // intent of the last IntentRequest, for dialog directives
	pending    *pending
}

type pending struct {
	directive string // Dialog.ConfirmIntent, Dialog.ConfirmSlot or Dialog.ElicitSlot
	intent    alexa.RequestIntent
	slot      string
}

// InSession reports whether a skill session is open.
func (c *Conversation) InSession() bool { return c.sessionID != "" }

// Launch returns a LaunchRequest in a new session ("Alexa, open easy to cloud").
func (c *Conversation) Launch() alexa.RequestEnvelope {
	c.endSession()
	return c.envelope(alexa.Request{Type: alexa.LaunchRequestType})
}

// EndSession returns the SessionEndedRequest Alexa sends when the session ends
// without the skill ending it (reason USER_INITIATED, EXCEEDED_MAX_REPROMPTS or
// ERROR), and closes the session.
func (c *Conversation) EndSession(reason string) alexa.RequestEnvelope {
	env := c.envelope(alexa.Request{Type: alexa.SessionEndedRequestType, Reason: reason})
	c.endSession()
	return env
}

// Utter returns the request a device sends for what the user said. It understands
// the launch phrases ("open easy to cloud", "ask easy to cloud to list instances"),
// answers to a pending confirmation ("yes", "no") and slot elicitation, and otherwise
// matches the utterance against the model. It returns an error wrapping ErrNoMatch
// when no intent matches (a device would send AMAZON.FallbackIntent; see Fallback).
func (c *Conversation) Utter(utterance string) (alexa.RequestEnvelope, error) {
	rest, launch, oneShot := c.invocation(utterance)
	if launch {
		return c.Launch(), nil
	}
	if oneShot {
		c.endSession()
		m, err := c.Matcher.Match(rest)
		if err != nil {
			return alexa.RequestEnvelope{}, err
		}
		return c.intentRequest(m.Intent, m.Slots, alexa.ConfirmationNone, false), nil
	}
	if p := c.pending; p != nil {
		c.pending = nil
		switch p.directive {
		case alexa.DirectiveConfirmIntent, alexa.DirectiveConfirmSlot:
			if status, ok := c.Matcher.Answer(utterance); ok {
				in := cloneIntent(p.intent)
				if p.directive == alexa.DirectiveConfirmIntent {
					in.ConfirmationStatus = status
				} else if s, ok := in.Slots[p.slot]; ok {
					s.ConfirmationStatus = status
					in.Slots[p.slot] = s
				}
				return c.intentRequest(in.Name, in.Slots, in.ConfirmationStatus, true), nil
			}
		case alexa.DirectiveElicitSlot:
			m, err := c.Matcher.Match(utterance)
			if err == nil && m.Intent == p.intent.Name {
				in := cloneIntent(p.intent)
				for name, s := range m.Slots {
					if s.Value != "" {
						in.Slots[name] = s
					}
				}
				return c.intentRequest(in.Name, in.Slots, in.ConfirmationStatus, true), nil
			}
			if err == nil {
				return c.intentRequest(m.Intent, m.Slots, alexa.ConfirmationNone, false), nil
			}
			if s, err := c.Matcher.MatchSlot(p.intent.Name, p.slot, utterance); err == nil {
				in := cloneIntent(p.intent)
				in.Slots[p.slot] = s
				return c.intentRequest(in.Name, in.Slots, in.ConfirmationStatus, true), nil
			}
		}
	}
	m, err := c.Matcher.Match(utterance)
	if err != nil {
		return alexa.RequestEnvelope{}, err
	}
	return c.intentRequest(m.Intent, m.Slots, alexa.ConfirmationNone, false), nil
}

// Fallback returns the AMAZON.FallbackIntent request a device sends for an utterance
// that matches nothing.
func (c *Conversation) Fallback() alexa.RequestEnvelope {
	c.pending = nil
	return c.intentRequest("AMAZON.FallbackIntent", nil, alexa.ConfirmationNone, false)
}

// Receive reads the skill's response to the last request: it keeps the session
// attributes, remembers a Dialog directive for the next turn, applies dynamic
// entities, and closes the session when the skill ends it. A response without
// shouldEndSession ends the session as on a voice-only Echo, unless it carries a
// Dialog directive, which keeps the session open.
func (c *Conversation) Receive(resp alexa.ResponseEnvelope) error {
	if resp.Version == "" {
		return errors.New("receive: response has no version")
	}
	keepOpen := resp.Response.ShouldEndSession != nil && !*resp.Response.ShouldEndSession
	c.pending = nil
	for _, d := range resp.Response.Directives {
		switch d.Type {
		case alexa.DirectiveConfirmIntent, alexa.DirectiveConfirmSlot, alexa.DirectiveElicitSlot:
			keepOpen = true
			in := d.UpdatedIntent
			if in == nil {
				in = c.last
			}
			if in == nil {
				return fmt.Errorf("receive: %s without updatedIntent and no intent to update", d.Type)
			}
			slot := d.SlotToElicit
			if d.Type == alexa.DirectiveConfirmSlot {
				slot = d.SlotToConfirm
			}
			if d.Type != alexa.DirectiveConfirmIntent && slot == "" {
				return fmt.Errorf("receive: %s names no slot", d.Type)
			}
			c.pending = &pending{directive: d.Type, intent: cloneIntent(*in), slot: slot}
		case alexa.DirectiveUpdateDynamicEntities:
			if d.UpdateBehavior == alexa.UpdateClear {
				c.Matcher.SetDynamicEntities(nil)
			} else {
				c.Matcher.SetDynamicEntities(d.Types)
			}
		}
	}
	if !keepOpen {
		c.endSession()
		return nil
	}
	c.attributes = maps.Clone(resp.SessionAttributes)
	return nil
}

// invocation recognises "open <name>" (launch) and "ask <name> to <utterance>"
// (one-shot), with or without the wake word.
func (c *Conversation) invocation(utterance string) (rest string, launch, oneShot bool) {
	toks := Normalize(utterance)
	if len(toks) > 0 && toks[0] == "alexa" {
		toks = toks[1:]
	}
	name := Normalize(c.Matcher.InvocationName())
	if len(toks) < len(name)+1 || !slicesEqual(toks[1:1+len(name)], name) {
		return "", false, false
	}
	verb, after := toks[0], toks[1+len(name):]
	switch verb {
	case "open", "launch", "start", "begin", "load", "run", "use", "öffne", "starte", "beginne":
		return "", len(after) == 0, false
	case "ask", "tell", "frage", "sage":
		for len(after) > 0 && (after[0] == "to" || after[0] == "for" || after[0] == "dass" || after[0] == "nach") {
			after = after[1:]
		}
		return strings.Join(after, " "), false, len(after) > 0
	}
	return "", false, false
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (c *Conversation) intentRequest(name string, slots map[string]alexa.RequestSlot, confirmation string, inDialog bool) alexa.RequestEnvelope {
	in := alexa.RequestIntent{Name: name, ConfirmationStatus: confirmation, Slots: slots}
	req := alexa.Request{Type: alexa.IntentRequestType, Intent: &in}
	if c.Matcher.Model().DialogIntent(name) != nil {
		req.DialogState = alexa.DialogStarted
		if inDialog {
			req.DialogState = alexa.DialogInProgress
		}
	}
	last := cloneIntent(in)
	c.last = &last
	return c.envelope(req)
}

func cloneIntent(in alexa.RequestIntent) alexa.RequestIntent {
	in.Slots = maps.Clone(in.Slots)
	if in.Slots == nil {
		in.Slots = map[string]alexa.RequestSlot{}
	}
	return in
}

func (c *Conversation) endSession() {
	c.sessionID, c.attributes, c.pending, c.last = "", nil, nil, nil
}

func (c *Conversation) envelope(req alexa.Request) alexa.RequestEnvelope {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	newID := c.NewID
	if newID == nil {
		newID = RandomID
	}
	isNew := c.sessionID == ""
	if isNew {
		c.sessionID = newID("amzn1.echo-api.session.")
	}
	req.RequestID = newID("amzn1.echo-api.request.")
	req.Timestamp = now().UTC().Format("2006-01-02T15:04:05Z")
	req.Locale = c.Locale
	app := alexa.Application{ApplicationID: c.SkillID}
	user := alexa.User{UserID: c.UserID, AccessToken: c.AccessToken}
	endpoint := c.APIEndpoint
	if endpoint == "" {
		endpoint = "https://api.amazonalexa.com"
		if c.Locale == "en-GB" || c.Locale == "de-DE" {
			endpoint = "https://api.eu.amazonalexa.com"
		}
	}
	return alexa.RequestEnvelope{
		Version: "1.0",
		Session: alexa.Session{New: isNew, SessionID: c.sessionID, Application: app, Attributes: maps.Clone(c.attributes), User: user},
		Context: alexa.Context{System: alexa.System{
			Application:    app,
			User:           user,
			Device:         alexa.Device{DeviceID: c.DeviceID, SupportedInterfaces: map[string]any{}},
			APIEndpoint:    endpoint,
			APIAccessToken: newID("simulator."),
		}},
		Request: req,
	}
}

// RandomID returns prefix followed by 128 random bits in hex, the shape of the IDs
// Alexa puts in requests.
func RandomID(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
