package interactionmodel

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/alexa"
)

const testSkillID = "amzn1.ask.skill.test"

// representative returns a spoken value for a slot type and the slot a request
// should carry for it.
func representative(t *testing.T, locale string, m *InteractionModel, typ, name string) (string, alexa.RequestSlot) {
	t.Helper()
	if typ == "AMAZON.NUMBER" {
		spoken := "five one four three zero nine"
		if strings.HasPrefix(locale, "de") {
			spoken = "fünf eins vier drei null neun"
		}
		return spoken, alexa.RequestSlot{Name: name, Value: "514309", ConfirmationStatus: alexa.ConfirmationNone}
	}
	st := m.Type(typ)
	if st == nil || len(st.Values) == 0 {
		t.Fatalf("no values for type %s", typ)
	}
	v := st.Values[0]
	spoken := v.Name.Value
	return spoken, alexa.RequestSlot{
		Name: name, Value: strings.Join(Normalize(spoken), " "), ConfirmationStatus: alexa.ConfirmationNone,
		Resolutions: &alexa.Resolutions{ResolutionsPerAuthority: []alexa.Resolution{{
			Authority: "amzn1.er-authority.echo-sdk." + testSkillID + "." + typ,
			Status:    alexa.ResolutionStatus{Code: alexa.ERSuccessMatch},
			Values:    []alexa.ResolutionValues{{Value: alexa.ResolvedValue{Name: v.Name.Value, ID: v.ID}}},
		}}},
	}
}

// fillSample puts a representative value in each slot of a sample utterance and
// returns what the user says and the slots a request should carry for it.
func fillSample(t *testing.T, loc string, f *File, in Intent, sample string) (string, map[string]alexa.RequestSlot) {
	t.Helper()
	want := map[string]alexa.RequestSlot{}
	for _, s := range in.Slots {
		want[s.Name] = alexa.RequestSlot{Name: s.Name, ConfirmationStatus: alexa.ConfirmationNone}
	}
	utterance := sample
	for _, s := range in.Slots {
		if !strings.Contains(sample, "{"+s.Name+"}") {
			continue
		}
		spoken, slot := representative(t, loc, &f.InteractionModel, s.Type, s.Name)
		utterance = strings.ReplaceAll(utterance, "{"+s.Name+"}", spoken)
		want[s.Name] = slot
	}
	return utterance, want
}

// TestEverySampleMatchesItsIntent runs every sample utterance of every model, with a
// representative value in each slot, through the matcher: intent samples through
// Match, slot-elicitation samples through MatchSlot.
func TestEverySampleMatchesItsIntent(t *testing.T) {
	for _, loc := range Locales() {
		t.Run(loc, func(t *testing.T) {
			f := mustLoad(t, loc)
			m := NewMatcher(f, loc, testSkillID)
			intents, slots := 0, 0
			for _, in := range f.InteractionModel.LanguageModel.Intents {
				for _, sample := range in.Samples {
					utterance, wantSlots := fillSample(t, loc, f, in, sample)
					got, err := m.Match(utterance)
					if err != nil {
						t.Errorf("Match(%q): %v", utterance, err)
						continue
					}
					if diff := cmp.Diff(Match{Intent: in.Name, Slots: wantSlots}, got); diff != "" {
						t.Errorf("Match(%q) (-want +got):\n%s", utterance, diff)
					}
					intents++
				}
				for _, s := range in.Slots {
					for _, sample := range s.Samples {
						utterance, wantSlots := fillSample(t, loc, f, in, sample)
						got, err := m.MatchSlot(in.Name, s.Name, utterance)
						if err != nil {
							t.Errorf("MatchSlot(%s, %s, %q): %v", in.Name, s.Name, utterance, err)
							continue
						}
						if diff := cmp.Diff(wantSlots[s.Name], got); diff != "" {
							t.Errorf("MatchSlot(%s, %s, %q) (-want +got):\n%s", in.Name, s.Name, utterance, diff)
						}
						slots++
					}
				}
			}
			if intents < 50 {
				t.Errorf("only %d samples checked", intents)
			}
			t.Logf("%d intent samples and %d slot samples resolved to their intent and slots", intents, slots)
		})
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name, locale, utterance string
		wantIntent              string
		wantValues              map[string]string // slot → value
		wantIDs                 map[string]string // slot → resolved id
	}{
		{"RegionSynonym", "en-US", "What's running in Dublin?", "ListInstancesIntent", map[string]string{"region": "dublin"}, map[string]string{"region": "eu-west-1"}},
		{"RegionTwoWords", "en-GB", "list instances in north virginia", "ListInstancesIntent", map[string]string{"region": "north virginia"}, map[string]string{"region": "us-east-1"}},
		{"RegionAccent", "en-US", "list instances in sao paulo", "ListInstancesIntent", nil, map[string]string{"region": "sa-east-1"}},
		{"NoRegion", "en-US", "list instances", "ListInstancesIntent", map[string]string{"region": ""}, nil},
		{"CodeDigitWords", "en-US", "authenticate five one four three zero nine", "AuthenticateIntent", map[string]string{"code": "514309", "method": ""}, nil},
		{"CodeDigits", "en-US", "authenticate 123456", "AuthenticateIntent", map[string]string{"code": "123456"}, nil},
		{"CodeSequence", "en-GB", "my code is one two three four five six", "AuthenticateIntent", map[string]string{"code": "123456"}, nil},
		{"CodeCardinal", "en-US", "code twenty three", "AuthenticateIntent", map[string]string{"code": "23"}, nil},
		{"CodeLeadingZero", "en-US", "authenticate zero one two three four five", "AuthenticateIntent", map[string]string{"code": "012345"}, nil},
		{"MethodText", "en-US", "authenticate text", "AuthenticateIntent", map[string]string{"method": "text", "code": ""}, map[string]string{"method": "text"}},
		{"MethodSMS", "en-US", "authenticate by S.M.S.", "AuthenticateIntent", nil, map[string]string{"method": "sms"}},
		{"TextMe", "en-US", "text me a code", "AuthenticateIntent", nil, map[string]string{"method": "text"}},
		{"StartLongestLiteral", "en-US", "turn on the splunk server", "StartInstanceIntent", map[string]string{"instance": "splunk"}, map[string]string{"instance": "splunk"}},
		{"StartUnknownInstance", "en-US", "start build box", "StartInstanceIntent", map[string]string{"instance": "build box"}, nil},
		{"StopInstance", "en-US", "please stop jenkins", "StopInstanceIntent", map[string]string{"instance": "jenkins"}, nil},
		{"BuiltInStop", "en-US", "Stop.", "AMAZON.StopIntent", nil, nil},
		{"BuiltInHelp", "en-GB", "help", "AMAZON.HelpIntent", nil, nil},
		{"BuiltInCancel", "en-US", "never mind", "AMAZON.CancelIntent", nil, nil},
		{"GermanRegion", "de-DE", "was läuft in Irland", "ListInstancesIntent", nil, map[string]string{"region": "eu-west-1"}},
		{"GermanCode", "de-DE", "authentifiziere fünf eins vier drei null neun", "AuthenticateIntent", map[string]string{"code": "514309"}, nil},
		{"GermanCompoundNumber", "de-DE", "code dreiundzwanzig", "AuthenticateIntent", map[string]string{"code": "23"}, nil},
		{"GermanMethod", "de-DE", "authentifiziere per SMS", "AuthenticateIntent", nil, map[string]string{"method": "sms"}},
		{"GermanStop", "de-DE", "stopp", "AMAZON.StopIntent", nil, nil},
		{"GermanStart", "de-DE", "starte den server splunk", "StartInstanceIntent", map[string]string{"instance": "splunk"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewLocaleMatcher(tt.locale, testSkillID)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Match(tt.utterance)
			if err != nil {
				t.Fatalf("Match(%q): %v", tt.utterance, err)
			}
			if got.Intent != tt.wantIntent {
				t.Fatalf("Match(%q) intent = %s, want %s", tt.utterance, got.Intent, tt.wantIntent)
			}
			for slot, want := range tt.wantValues {
				if v := got.Slots[slot].Value; v != want {
					t.Errorf("slot %s value = %q, want %q", slot, v, want)
				}
			}
			for slot, want := range tt.wantIDs {
				if id := resolvedID(got.Slots[slot]); id != want {
					t.Errorf("slot %s resolved id = %q, want %q", slot, id, want)
				}
			}
		})
	}
}

func resolvedID(s alexa.RequestSlot) string {
	if s.Resolutions == nil {
		return ""
	}
	for _, r := range s.Resolutions.ResolutionsPerAuthority {
		if r.Status.Code == alexa.ERSuccessMatch {
			return r.Values[0].Value.ID
		}
	}
	return ""
}

func TestMatchNoMatch(t *testing.T) {
	m, err := NewLocaleMatcher("en-US", testSkillID)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"", "   ", "what is the weather", "authenticate", "start", "please", strings.Repeat("start ", 50) + "splunk"} {
		if got, err := m.Match(u); !errors.Is(err, ErrNoMatch) {
			t.Errorf("Match(%q) = %+v, %v; want ErrNoMatch", u, got, err)
		}
	}
}

func TestUnresolvedRegionStillMatches(t *testing.T) {
	m, _ := NewLocaleMatcher("en-US", testSkillID)
	got, err := m.Match("list instances in narnia")
	if err != nil {
		t.Fatal(err)
	}
	want := &alexa.Resolutions{ResolutionsPerAuthority: []alexa.Resolution{{
		Authority: "amzn1.er-authority.echo-sdk." + testSkillID + ".REGION",
		Status:    alexa.ResolutionStatus{Code: alexa.ERSuccessNoMatch},
	}}}
	if diff := cmp.Diff(want, got.Slots["region"].Resolutions); diff != "" {
		t.Errorf("resolutions (-want +got):\n%s", diff)
	}
}

func TestDynamicEntities(t *testing.T) {
	m, _ := NewLocaleMatcher("en-US", testSkillID)
	m.SetDynamicEntities([]alexa.DynamicEntity{{Name: "INSTANCE_NAME", Values: []alexa.EntityValue{
		{ID: "i-0abc", Name: alexa.EntityName{Value: "build box", Synonyms: []string{"builder"}}},
	}}})
	got, err := m.Match("start the builder server")
	if err != nil {
		t.Fatal(err)
	}
	want := &alexa.Resolutions{ResolutionsPerAuthority: []alexa.Resolution{
		{
			Authority: "amzn1.er-authority.echo-sdk.dynamic." + testSkillID + ".INSTANCE_NAME",
			Status:    alexa.ResolutionStatus{Code: alexa.ERSuccessMatch},
			Values:    []alexa.ResolutionValues{{Value: alexa.ResolvedValue{Name: "build box", ID: "i-0abc"}}},
		},
		{
			Authority: "amzn1.er-authority.echo-sdk." + testSkillID + ".INSTANCE_NAME",
			Status:    alexa.ResolutionStatus{Code: alexa.ERSuccessNoMatch},
		},
	}}
	if diff := cmp.Diff(want, got.Slots["instance"].Resolutions); diff != "" {
		t.Errorf("resolutions (-want +got):\n%s", diff)
	}
}

func TestMatchSlot(t *testing.T) {
	m, _ := NewLocaleMatcher("en-US", testSkillID)
	tests := []struct{ utterance, want string }{
		{"splunk", "splunk"},
		{"the jenkins server", "jenkins"},
		{"build box", "build box"},
	}
	for _, tt := range tests {
		got, err := m.MatchSlot("StopInstanceIntent", "instance", tt.utterance)
		if err != nil {
			t.Fatalf("MatchSlot(%q): %v", tt.utterance, err)
		}
		if got.Value != tt.want {
			t.Errorf("MatchSlot(%q) = %q, want %q", tt.utterance, got.Value, tt.want)
		}
	}
	if _, err := m.MatchSlot("AuthenticateIntent", "code", "twelve"); !errors.Is(err, ErrNoMatch) {
		t.Errorf("MatchSlot for a slot without samples: %v, want ErrNoMatch", err)
	}
}

func TestAnswer(t *testing.T) {
	tests := []struct {
		locale, utterance, want string
		ok                      bool
	}{
		{"en-US", "Yes.", alexa.ConfirmationConfirmed, true},
		{"en-US", "no", alexa.ConfirmationDenied, true},
		{"en-GB", "start splunk", "", false},
		{"de-DE", "ja", alexa.ConfirmationConfirmed, true},
		{"de-DE", "Nein!", alexa.ConfirmationDenied, true},
	}
	for _, tt := range tests {
		m, _ := NewLocaleMatcher(tt.locale, testSkillID)
		got, ok := m.Answer(tt.utterance)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s Answer(%q) = %q, %v; want %q, %v", tt.locale, tt.utterance, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		lang, in, want string
		ok             bool
	}{
		{"en", "514309", "514309", true},
		{"en", "five one four three zero nine", "514309", true},
		{"en", "one hundred and five", "105", true},
		{"en", "four", "4", true},
		{"en", "two thousand twenty six", "2026", true},
		{"en", "oh seven", "07", true},
		{"en", "text", "", false},
		{"en", "one banana", "", false},
		{"de", "zwo drei", "23", true},
		{"de", "zweiundvierzig", "42", true},
		{"de", "hundert", "100", true},
		{"de", "eins und", "1", true},
	}
	for _, tt := range tests {
		got, ok := parseNumber(tt.lang, strings.Fields(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseNumber(%s, %q) = %q, %v; want %q, %v", tt.lang, tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNormalize(t *testing.T) {
	got := Normalize("  What’s RUNNING, in eu-west-1?! 'quoted' ")
	want := []string{"what's", "running", "in", "eu", "west", "1", "quoted"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Normalize (-want +got):\n%s", diff)
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("start splunk")
	f.Add("authenticate five one four three zero nine")
	f.Add("what's running in {region}")
	f.Add("")
	m, err := NewLocaleMatcher("en-US", testSkillID)
	if err != nil {
		f.Fatal(err)
	}
	de, _ := NewLocaleMatcher("de-DE", testSkillID)
	f.Fuzz(func(t *testing.T, s string) {
		for _, mm := range []*Matcher{m, de} {
			got, err := mm.Match(s)
			if err == nil && mm.model.Intent(got.Intent) == nil {
				t.Fatalf("Match(%q) returned undeclared intent %q", s, got.Intent)
			}
			_, _ = mm.MatchSlot("StopInstanceIntent", "instance", s)
			_, _ = mm.Answer(s)
		}
	})
}
