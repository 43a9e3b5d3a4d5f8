// Package interactionmodel holds the skill's voice interface: the interaction models
// (one per locale, in the skill-package format the ASK CLI deploys), checks that keep
// them consistent with the skill's router, and the pieces of a local stand-in for the
// Alexa service: an utterance matcher, an Alexa request builder and an SSML renderer.
// The requests and responses are the skill's own envelope types (package skill), so
// the simulator sends exactly what the skill decodes; skill never imports this package.
package interactionmodel

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

//go:embed en-US.json en-GB.json de-DE.json
var files embed.FS

// ErrUnknownLocale is returned for a locale the skill has no model for.
var ErrUnknownLocale = errors.New("no interaction model for locale")

// File is an interaction model file as the ASK CLI stores it in
// skill-package/interactionModels/custom/<locale>.json.
type File struct {
	InteractionModel InteractionModel `json:"interactionModel"`
}

// InteractionModel is the top-level object of an interaction model.
type InteractionModel struct {
	LanguageModel LanguageModel `json:"languageModel"`
	Dialog        *Dialog       `json:"dialog,omitempty"`
	Prompts       []Prompt      `json:"prompts,omitempty"`
}

// LanguageModel teaches Alexa the invocation name, intents and slot types.
type LanguageModel struct {
	InvocationName string     `json:"invocationName"`
	Intents        []Intent   `json:"intents"`
	Types          []SlotType `json:"types,omitempty"`
}

// Intent is one intent with its slots and sample utterances.
type Intent struct {
	Name    string   `json:"name"`
	Slots   []Slot   `json:"slots,omitempty"`
	Samples []string `json:"samples"`
}

// Slot is a slot of an intent. Samples are the utterances Alexa accepts when it
// elicits this slot on its own.
type Slot struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Samples []string `json:"samples,omitempty"`
}

// SlotType is a custom slot type with its values.
type SlotType struct {
	Name   string      `json:"name"`
	Values []TypeValue `json:"values"`
}

// TypeValue is one value of a custom slot type; ID is what entity resolution reports.
type TypeValue struct {
	ID   string    `json:"id,omitempty"`
	Name ValueName `json:"name"`
}

// ValueName is the spoken value and its synonyms.
type ValueName struct {
	Value    string   `json:"value"`
	Synonyms []string `json:"synonyms,omitempty"`
}

// Dialog is the dialog model: which intents need confirmation or slot elicitation.
type Dialog struct {
	Intents            []DialogIntent `json:"intents"`
	DelegationStrategy string         `json:"delegationStrategy,omitempty"`
}

// DialogIntent is the dialog model of one intent.
type DialogIntent struct {
	Name                 string            `json:"name"`
	ConfirmationRequired bool              `json:"confirmationRequired"`
	Prompts              map[string]string `json:"prompts"`
	Slots                []DialogSlot      `json:"slots,omitempty"`
}

// DialogSlot is the dialog model of one slot.
type DialogSlot struct {
	Name                 string            `json:"name"`
	Type                 string            `json:"type"`
	ConfirmationRequired bool              `json:"confirmationRequired"`
	ElicitationRequired  bool              `json:"elicitationRequired"`
	Prompts              map[string]string `json:"prompts"`
}

// Prompt is a prompt referenced from the dialog model.
type Prompt struct {
	ID         string      `json:"id"`
	Variations []Variation `json:"variations"`
}

// Variation is one wording of a prompt.
type Variation struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Locales returns the locales the skill has a model for, sorted.
func Locales() []string {
	entries, _ := files.ReadDir(".")
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.Name()[:len(e.Name())-len(".json")])
	}
	sort.Strings(out)
	return out
}

// Raw returns the model file of a locale exactly as stored, or ErrUnknownLocale.
func Raw(locale string) ([]byte, error) {
	b, err := files.ReadFile(locale + ".json")
	if err != nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownLocale, locale)
	}
	return b, nil
}

// Load returns the parsed model of a locale, or ErrUnknownLocale.
func Load(locale string) (*File, error) {
	b, err := Raw(locale)
	if err != nil {
		return nil, err
	}
	f, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", locale, err)
	}
	return f, nil
}

// Parse decodes a model file strictly: unknown fields are an error, so a typo in a
// field name fails a test instead of being silently ignored by the ASK CLI.
func Parse(b []byte) (*File, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("parse interaction model: %w", err)
	}
	return &f, nil
}

// Intent returns the intent with the given name, or nil.
func (m *InteractionModel) Intent(name string) *Intent {
	for i := range m.LanguageModel.Intents {
		if m.LanguageModel.Intents[i].Name == name {
			return &m.LanguageModel.Intents[i]
		}
	}
	return nil
}

// Type returns the custom slot type with the given name, or nil.
func (m *InteractionModel) Type(name string) *SlotType {
	for i := range m.LanguageModel.Types {
		if m.LanguageModel.Types[i].Name == name {
			return &m.LanguageModel.Types[i]
		}
	}
	return nil
}

// DialogIntent returns the dialog model of an intent, or nil when it has none.
func (m *InteractionModel) DialogIntent(name string) *DialogIntent {
	if m.Dialog == nil {
		return nil
	}
	for i := range m.Dialog.Intents {
		if m.Dialog.Intents[i].Name == name {
			return &m.Dialog.Intents[i]
		}
	}
	return nil
}

// Slot returns the slot of the intent with the given name, or nil.
func (in *Intent) Slot(name string) *Slot {
	for i := range in.Slots {
		if in.Slots[i].Name == name {
			return &in.Slots[i]
		}
	}
	return nil
}
