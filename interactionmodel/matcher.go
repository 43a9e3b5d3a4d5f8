package interactionmodel

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/easytocloud/easytocloud/alexa"
)

// maxWords bounds the utterances the matcher considers; nobody says more to a
// speaker, and it keeps the wildcard search small.
const maxWords = 40

// ErrNoMatch is returned when an utterance matches no intent of the model.
var ErrNoMatch = errors.New("no intent matches the utterance")

// Match is what the matcher understood: the intent and every slot of it, filled or not.
type Match struct {
	Intent string
	Slots  map[string]alexa.RequestSlot
}

// Matcher finds the intent and slots of a typed utterance in an interaction model,
// standing in for Alexa's speech understanding: an utterance matches a sample when the
// words agree, each {slot} taking one or more words; custom slot values resolve to
// their ids through values and synonyms, AMAZON.NUMBER reads digits or number words.
// A Matcher is not safe for concurrent use while SetDynamicEntities runs.
type Matcher struct {
	model    *InteractionModel
	lang     string
	skillID  string
	patterns []pattern
	builtins map[string]string
	dynamic  map[string][]TypeValue
}

type pattern struct {
	intent string
	elems  []elem
	// slotOnly marks a slot-elicitation sample, used only by MatchSlot.
	slotOnly string
}

type elem struct {
	word string // literal word, or "" for a slot
	slot string
	typ  string
}

// builtinPhrases are the phrases of the built-in intents the models declare without
// samples (Alexa brings its own).
var builtinPhrases = map[string]map[string]string{
	"en": {
		"help": "AMAZON.HelpIntent", "help me": "AMAZON.HelpIntent", "what can i say": "AMAZON.HelpIntent", "what can i do": "AMAZON.HelpIntent",
		"stop": "AMAZON.StopIntent", "exit": "AMAZON.StopIntent", "quit": "AMAZON.StopIntent", "goodbye": "AMAZON.StopIntent", "shut up": "AMAZON.StopIntent",
		"cancel": "AMAZON.CancelIntent", "never mind": "AMAZON.CancelIntent", "forget it": "AMAZON.CancelIntent",
		"go home": "AMAZON.NavigateHomeIntent", "home": "AMAZON.NavigateHomeIntent",
	},
	"de": {
		"hilfe": "AMAZON.HelpIntent", "hilf mir": "AMAZON.HelpIntent", "was kann ich sagen": "AMAZON.HelpIntent",
		"stopp": "AMAZON.StopIntent", "stop": "AMAZON.StopIntent", "beenden": "AMAZON.StopIntent", "ende": "AMAZON.StopIntent", "tschüss": "AMAZON.StopIntent",
		"abbrechen": "AMAZON.CancelIntent", "vergiss es": "AMAZON.CancelIntent", "egal": "AMAZON.CancelIntent",
		"startseite": "AMAZON.NavigateHomeIntent", "geh nach hause": "AMAZON.NavigateHomeIntent",
	},
}

var answers = map[string]map[string]string{
	"en": {
		"yes": alexa.ConfirmationConfirmed, "yeah": alexa.ConfirmationConfirmed, "yep": alexa.ConfirmationConfirmed, "sure": alexa.ConfirmationConfirmed,
		"of course": alexa.ConfirmationConfirmed, "do it": alexa.ConfirmationConfirmed, "yes please": alexa.ConfirmationConfirmed, "ok": alexa.ConfirmationConfirmed, "okay": alexa.ConfirmationConfirmed,
		"no": alexa.ConfirmationDenied, "nope": alexa.ConfirmationDenied, "no thanks": alexa.ConfirmationDenied, "don't": alexa.ConfirmationDenied, "no don't": alexa.ConfirmationDenied,
	},
	"de": {
		"ja": alexa.ConfirmationConfirmed, "jawohl": alexa.ConfirmationConfirmed, "klar": alexa.ConfirmationConfirmed, "genau": alexa.ConfirmationConfirmed, "ja bitte": alexa.ConfirmationConfirmed, "mach das": alexa.ConfirmationConfirmed, "okay": alexa.ConfirmationConfirmed,
		"nein": alexa.ConfirmationDenied, "nee": alexa.ConfirmationDenied, "lieber nicht": alexa.ConfirmationDenied, "nein danke": alexa.ConfirmationDenied,
	},
}

// NewMatcher builds a matcher for a model. The skill ID names the entity resolution
// authorities ("amzn1.er-authority.echo-sdk.<skill ID>.<TYPE>").
func NewMatcher(f *File, locale, skillID string) *Matcher {
	lang := "en"
	if strings.HasPrefix(locale, "de") {
		lang = "de"
	}
	m := &Matcher{model: &f.InteractionModel, lang: lang, skillID: skillID, builtins: builtinPhrases[lang], dynamic: map[string][]TypeValue{}}
	for _, in := range f.InteractionModel.LanguageModel.Intents {
		for _, s := range in.Samples {
			m.patterns = append(m.patterns, pattern{intent: in.Name, elems: compile(in, s)})
		}
		for _, sl := range in.Slots {
			for _, s := range sl.Samples {
				m.patterns = append(m.patterns, pattern{intent: in.Name, elems: compile(in, s), slotOnly: sl.Name})
			}
		}
	}
	return m
}

// NewLocaleMatcher loads the model of a locale and builds its matcher.
func NewLocaleMatcher(locale, skillID string) (*Matcher, error) {
	f, err := Load(locale)
	if err != nil {
		return nil, err
	}
	return NewMatcher(f, locale, skillID), nil
}

// InvocationName returns the model's invocation name.
func (m *Matcher) InvocationName() string { return m.model.LanguageModel.InvocationName }

// Model returns the model the matcher reads.
func (m *Matcher) Model() *InteractionModel { return m.model }

// SetDynamicEntities replaces the runtime values of slot types, as the skill's
// Dialog.UpdateDynamicEntities directive (updateBehavior REPLACE) does; CLEAR passes nil.
func (m *Matcher) SetDynamicEntities(types []alexa.DynamicEntity) {
	m.dynamic = map[string][]TypeValue{}
	for _, t := range types {
		values := make([]TypeValue, len(t.Values))
		for i, v := range t.Values {
			values[i] = TypeValue{ID: v.ID, Name: ValueName{Value: v.Name.Value, Synonyms: v.Name.Synonyms}}
		}
		m.dynamic[t.Name] = values
	}
}

func compile(in Intent, sample string) []elem {
	var out []elem
	rest := sample
	for rest != "" {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			out = append(out, words(rest)...)
			break
		}
		out = append(out, words(rest[:i])...)
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			out = append(out, words(rest[i:])...)
			break
		}
		name := rest[i+1 : i+j]
		typ := ""
		if s := in.Slot(name); s != nil {
			typ = s.Type
		}
		out = append(out, elem{slot: name, typ: typ})
		rest = rest[i+j+1:]
	}
	return out
}

func words(s string) []elem {
	var out []elem
	for _, w := range Normalize(s) {
		out = append(out, elem{word: w})
	}
	return out
}

// Normalize lower-cases an utterance and splits it into words, dropping punctuation
// (apostrophes inside words stay: "what's").
func Normalize(s string) []string {
	s = strings.ToLower(strings.ReplaceAll(s, "’", "'"))
	f := strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'')
	})
	out := f[:0]
	for _, w := range f {
		if w = strings.Trim(w, "'"); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// Answer reads a reply to a confirmation question: CONFIRMED for yes, DENIED for no,
// and ok false for anything else.
func (m *Matcher) Answer(utterance string) (status string, ok bool) {
	status, ok = answers[m.lang][strings.Join(Normalize(utterance), " ")]
	return status, ok
}

// Match returns the intent and slots of an utterance, or ErrNoMatch.
func (m *Matcher) Match(utterance string) (Match, error) {
	toks := trimPolite(Normalize(utterance))
	if len(toks) == 0 || len(toks) > maxWords {
		return Match{}, fmt.Errorf("%w: %q", ErrNoMatch, utterance)
	}
	if name, ok := m.builtins[strings.Join(toks, " ")]; ok {
		return Match{Intent: name, Slots: m.emptySlots(name)}, nil
	}
	best, bestScore := Match{}, -1
	for _, p := range m.patterns {
		if p.slotOnly != "" {
			continue
		}
		if got, score, ok := m.try(p, toks); ok && score > bestScore {
			best, bestScore = got, score
		}
	}
	if bestScore < 0 {
		return Match{}, fmt.Errorf("%w: %q", ErrNoMatch, utterance)
	}
	return best, nil
}

// MatchSlot reads an utterance as the answer to a slot elicitation of an intent: one
// of the slot's own samples ("{instance}", "the {instance} server"). It returns the
// filled slot, or ErrNoMatch.
func (m *Matcher) MatchSlot(intent, slot, utterance string) (alexa.RequestSlot, error) {
	toks := trimPolite(Normalize(utterance))
	if len(toks) > maxWords {
		return alexa.RequestSlot{}, fmt.Errorf("%w: %q as %s.%s", ErrNoMatch, utterance, intent, slot)
	}
	var best alexa.RequestSlot
	bestScore := -1
	for _, p := range m.patterns {
		if p.intent != intent || p.slotOnly != slot {
			continue
		}
		if got, score, ok := m.try(p, toks); ok && score > bestScore {
			best, bestScore = got.Slots[slot], score
		}
	}
	if bestScore < 0 {
		return alexa.RequestSlot{}, fmt.Errorf("%w: %q as %s.%s", ErrNoMatch, utterance, intent, slot)
	}
	return best, nil
}

func trimPolite(toks []string) []string {
	for len(toks) > 0 && (toks[0] == "please" || toks[0] == "bitte") {
		toks = toks[1:]
	}
	for len(toks) > 0 && (toks[len(toks)-1] == "please" || toks[len(toks)-1] == "bitte") {
		toks = toks[:len(toks)-1]
	}
	return toks
}

func (m *Matcher) emptySlots(intent string) map[string]alexa.RequestSlot {
	slots := map[string]alexa.RequestSlot{}
	if in := m.model.Intent(intent); in != nil {
		for _, s := range in.Slots {
			slots[s.Name] = alexa.RequestSlot{Name: s.Name, ConfirmationStatus: alexa.ConfirmationNone}
		}
	}
	return slots
}

// try matches a pattern against the tokens and scores the best way to do it: literal
// words count most, then slot values that resolve. ok is false when nothing fits.
func (m *Matcher) try(p pattern, toks []string) (Match, int, bool) {
	var bestSlots map[string]alexa.RequestSlot
	bestScore := -1
	captured := map[string][]string{}
	var walk func(ei, ti int)
	walk = func(ei, ti int) {
		if ei == len(p.elems) {
			if ti != len(toks) {
				return
			}
			slots, score, ok := m.fill(p, captured)
			if ok && score > bestScore {
				bestSlots, bestScore = slots, score
			}
			return
		}
		e := p.elems[ei]
		if e.slot == "" {
			if ti < len(toks) && toks[ti] == e.word {
				walk(ei+1, ti+1)
			}
			return
		}
		for end := ti + 1; end <= len(toks); end++ {
			captured[e.slot] = toks[ti:end]
			walk(ei+1, end)
		}
		delete(captured, e.slot)
	}
	walk(0, 0)
	if bestScore < 0 {
		return Match{}, 0, false
	}
	return Match{Intent: p.intent, Slots: bestSlots}, bestScore, true
}

func (m *Matcher) fill(p pattern, captured map[string][]string) (map[string]alexa.RequestSlot, int, bool) {
	slots := m.emptySlots(p.intent)
	score := 0
	for _, e := range p.elems {
		if e.slot == "" {
			score += 4
			continue
		}
		toks := captured[e.slot]
		s := alexa.RequestSlot{Name: e.slot, ConfirmationStatus: alexa.ConfirmationNone}
		switch {
		case e.typ == "AMAZON.NUMBER":
			n, ok := parseNumber(m.lang, toks)
			if !ok {
				return nil, 0, false
			}
			s.Value = n
			score += 2
		case strings.HasPrefix(e.typ, "AMAZON."):
			s.Value = strings.Join(toks, " ")
		default:
			s.Value = strings.Join(toks, " ")
			s.Resolutions = m.resolve(e.typ, s.Value)
			for _, r := range s.Resolutions.ResolutionsPerAuthority {
				if r.Status.Code == alexa.ERSuccessMatch {
					score += 2
					break
				}
			}
		}
		slots[e.slot] = s
	}
	return slots, score, true
}

// resolve runs entity resolution of a spoken value against a custom slot type: the
// skill's dynamic entities first (when it sent any), then the static values.
func (m *Matcher) resolve(typ, value string) *alexa.Resolutions {
	var out alexa.Resolutions
	if dyn, ok := m.dynamic[typ]; ok {
		out.ResolutionsPerAuthority = append(out.ResolutionsPerAuthority,
			resolution("amzn1.er-authority.echo-sdk.dynamic."+m.skillID+"."+typ, dyn, value))
	}
	var static []TypeValue
	if t := m.model.Type(typ); t != nil {
		static = t.Values
	}
	out.ResolutionsPerAuthority = append(out.ResolutionsPerAuthority,
		resolution("amzn1.er-authority.echo-sdk."+m.skillID+"."+typ, static, value))
	return &out
}

func resolution(authority string, values []TypeValue, spoken string) alexa.Resolution {
	r := alexa.Resolution{Authority: authority, Status: alexa.ResolutionStatus{Code: alexa.ERSuccessNoMatch}}
	want := strings.Join(Normalize(spoken), " ")
	for _, v := range values {
		names := append([]string{v.Name.Value}, v.Name.Synonyms...)
		for _, n := range names {
			if strings.Join(Normalize(n), " ") == want {
				r.Values = append(r.Values, alexa.ResolutionValues{Value: alexa.ResolvedValue{Name: v.Name.Value, ID: v.ID}})
				break
			}
		}
	}
	if len(r.Values) > 0 {
		r.Status.Code = alexa.ERSuccessMatch
	}
	return r
}
