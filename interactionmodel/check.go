package interactionmodel

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// RequiredBuiltIns are the built-in intents every model must declare: Alexa requires
// Help, Stop and Cancel, and the skill handles Fallback and NavigateHome.
var RequiredBuiltIns = []string{
	"AMAZON.CancelIntent",
	"AMAZON.FallbackIntent",
	"AMAZON.HelpIntent",
	"AMAZON.NavigateHomeIntent",
	"AMAZON.StopIntent",
}

// nonIntentRequests are request types the router handles that are not intents of the
// interaction model, so they are exempt from the "routed intent exists" check.
var nonIntentRequests = map[string]bool{
	"LaunchRequest":       true,
	"SessionEndedRequest": true,
}

var (
	slotRef        = regexp.MustCompile(`\{([^{}]*)\}`)
	invocationChar = regexp.MustCompile(`^[\p{Ll} .']+$`)
)

// forbiddenInvocationWords may not appear in an invocation name: wake words, the
// words "skill" and "app", and the launch phrases Alexa reserves (English and German).
var forbiddenInvocationWords = []string{
	"alexa", "amazon", "echo", "computer", "skill", "app",
	"ask", "begin", "enable", "launch", "load", "open", "play", "resume", "run", "start", "tell", "use",
	"aktiviere", "beginne", "frage", "lade", "öffne", "sage", "spiele", "starte",
}

// twoWordFillers may not be one of the words of a two-word invocation name.
var twoWordFillers = []string{"a", "an", "the", "for", "to", "of", "ein", "eine", "der", "die", "das", "für", "zu"}

// CheckInvocationName returns an error describing every rule the invocation name
// breaks, or nil: lower case letters, spaces, periods and apostrophes only, at least
// two words, no wake word, "skill", "app" or launch phrase, and no filler word in a
// two-word name.
func CheckInvocationName(name string) error {
	var errs []error
	if !invocationChar.MatchString(name) {
		errs = append(errs, fmt.Errorf("invocation name %q: only lower case letters, spaces, periods and apostrophes are allowed", name))
	}
	words := strings.Fields(name)
	if len(words) < 2 {
		errs = append(errs, fmt.Errorf("invocation name %q: needs at least two words", name))
	}
	for _, w := range words {
		if slices.Contains(forbiddenInvocationWords, strings.Trim(w, ".'")) {
			errs = append(errs, fmt.Errorf("invocation name %q: may not contain %q", name, w))
		}
		if len(words) == 2 && slices.Contains(twoWordFillers, w) {
			errs = append(errs, fmt.Errorf("invocation name %q: a two-word name may not contain %q", name, w))
		}
	}
	return errors.Join(errs...)
}

// Validate checks a model against the structure the ASK CLI expects and the rules
// the skill relies on. It returns an error listing every problem found, or nil.
func Validate(f *File) error {
	m := &f.InteractionModel
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	if err := CheckInvocationName(m.LanguageModel.InvocationName); err != nil {
		errs = append(errs, err)
	}
	seenIntent := map[string]bool{}
	seenSample := map[string]string{}
	for _, in := range m.LanguageModel.Intents {
		if in.Name == "" {
			add("an intent has no name")
			continue
		}
		if seenIntent[in.Name] {
			add("intent %s is declared twice", in.Name)
		}
		seenIntent[in.Name] = true
		custom := !strings.HasPrefix(in.Name, "AMAZON.")
		if custom && len(in.Samples) < 8 {
			add("intent %s has %d sample utterances, want at least 8", in.Name, len(in.Samples))
		}
		for _, s := range in.Slots {
			if s.Name == "" || s.Type == "" {
				add("intent %s: a slot lacks a name or type", in.Name)
				continue
			}
			if !strings.HasPrefix(s.Type, "AMAZON.") && m.Type(s.Type) == nil {
				add("intent %s: slot %s has undeclared type %s", in.Name, s.Name, s.Type)
			}
			for _, u := range s.Samples {
				errs = append(errs, checkRefs(in, u, "slot sample")...)
			}
		}
		for _, u := range in.Samples {
			errs = append(errs, checkRefs(in, u, "sample")...)
			key := normalizeSample(u)
			if other, dup := seenSample[key]; dup {
				add("sample %q appears under %s and %s", u, other, in.Name)
			}
			seenSample[key] = in.Name
		}
	}
	for _, b := range RequiredBuiltIns {
		if !seenIntent[b] {
			add("required built-in intent %s is missing", b)
		}
	}
	errs = append(errs, validateTypes(m)...)
	errs = append(errs, validateDialog(m)...)
	return errors.Join(errs...)
}

func checkRefs(in Intent, utterance, what string) []error {
	var errs []error
	for _, ref := range slotRef.FindAllStringSubmatch(utterance, -1) {
		if in.Slot(ref[1]) == nil {
			errs = append(errs, fmt.Errorf("intent %s: %s %q uses undeclared slot {%s}", in.Name, what, utterance, ref[1]))
		}
	}
	if strings.ContainsAny(slotRef.ReplaceAllString(utterance, ""), "{}0123456789") {
		errs = append(errs, fmt.Errorf("intent %s: %s %q has a stray brace or a digit (spell numbers out)", in.Name, what, utterance))
	}
	return errs
}

// normalizeSample makes two samples that Alexa would treat as the same compare equal.
func normalizeSample(u string) string {
	return strings.Join(strings.Fields(strings.ToLower(u)), " ")
}

func validateTypes(m *InteractionModel) []error {
	var errs []error
	for _, t := range m.LanguageModel.Types {
		if len(t.Values) == 0 {
			errs = append(errs, fmt.Errorf("slot type %s has no values", t.Name))
		}
		ids := map[string]bool{}
		for _, v := range t.Values {
			if v.Name.Value == "" {
				errs = append(errs, fmt.Errorf("slot type %s: a value has no name", t.Name))
			}
			if v.ID == "" {
				errs = append(errs, fmt.Errorf("slot type %s: value %q has no id", t.Name, v.Name.Value))
			} else if ids[v.ID] {
				errs = append(errs, fmt.Errorf("slot type %s: id %q is used twice", t.Name, v.ID))
			}
			ids[v.ID] = true
		}
	}
	return errs
}

func validateDialog(m *InteractionModel) []error {
	if m.Dialog == nil {
		return nil
	}
	var errs []error
	prompts := map[string]bool{}
	for _, p := range m.Prompts {
		prompts[p.ID] = true
		if len(p.Variations) == 0 {
			errs = append(errs, fmt.Errorf("prompt %s has no variations", p.ID))
		}
	}
	checkPrompt := func(where, id string) {
		if !prompts[id] {
			errs = append(errs, fmt.Errorf("%s references undeclared prompt %q", where, id))
		}
	}
	for _, di := range m.Dialog.Intents {
		in := m.Intent(di.Name)
		if in == nil {
			errs = append(errs, fmt.Errorf("dialog model names undeclared intent %s", di.Name))
			continue
		}
		if di.ConfirmationRequired {
			checkPrompt("dialog intent "+di.Name, di.Prompts["confirmation"])
		}
		for _, ds := range di.Slots {
			s := in.Slot(ds.Name)
			if s == nil {
				errs = append(errs, fmt.Errorf("dialog intent %s names undeclared slot %s", di.Name, ds.Name))
				continue
			}
			if s.Type != ds.Type {
				errs = append(errs, fmt.Errorf("dialog intent %s slot %s: type %s, language model says %s", di.Name, ds.Name, ds.Type, s.Type))
			}
			if ds.ElicitationRequired {
				checkPrompt("dialog slot "+di.Name+"."+ds.Name, ds.Prompts["elicitation"])
			}
		}
	}
	return errs
}

// CompareRouter checks a model against the skill's router, given as intent name →
// names of the slots it reads (skill.Intents()). Every intent and slot of the model
// must be handled, and every routed intent (request types such as LaunchRequest
// excepted) must exist in the model with the slots it reads. The error names each
// missing intent or slot; nil means the two agree.
func CompareRouter(locale string, f *File, routed map[string][]string) error {
	m := &f.InteractionModel
	var errs []error
	for _, in := range m.LanguageModel.Intents {
		slots, ok := routed[in.Name]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: intent %s is in the model but not handled by the skill", locale, in.Name))
			continue
		}
		for _, s := range in.Slots {
			if !slices.Contains(slots, s.Name) {
				errs = append(errs, fmt.Errorf("%s: slot %s of intent %s is in the model but not read by the skill", locale, s.Name, in.Name))
			}
		}
	}
	names := make([]string, 0, len(routed))
	for n := range routed {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if nonIntentRequests[n] {
			continue
		}
		in := m.Intent(n)
		if in == nil {
			errs = append(errs, fmt.Errorf("%s: intent %s is handled by the skill but missing from the model", locale, n))
			continue
		}
		for _, s := range routed[n] {
			if in.Slot(s) == nil {
				errs = append(errs, fmt.Errorf("%s: slot %s of intent %s is read by the skill but missing from the model", locale, s, n))
			}
		}
	}
	return errors.Join(errs...)
}
