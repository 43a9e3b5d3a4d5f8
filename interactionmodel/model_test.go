package interactionmodel

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/tenants"
)

// wantIntents is the contract from the design: intent name → slot name → slot type.
var wantIntents = map[string]map[string]string{
	"ListInstancesIntent":       {"region": "REGION"},
	"DescribeKinesisIntent":     {"region": "REGION"},
	"StartInstanceIntent":       {"instance": "INSTANCE_NAME"},
	"StopInstanceIntent":        {"instance": "INSTANCE_NAME"},
	"AuthenticateIntent":        {"code": "AMAZON.NUMBER", "method": "AUTH_METHOD"},
	"LockIntent":                {},
	"AMAZON.HelpIntent":         {},
	"AMAZON.StopIntent":         {},
	"AMAZON.CancelIntent":       {},
	"AMAZON.FallbackIntent":     {},
	"AMAZON.NavigateHomeIntent": {},
}

func mustLoad(tb testing.TB, locale string) *File {
	tb.Helper()
	f, err := Load(locale)
	if err != nil {
		tb.Fatalf("Load(%s): %v", locale, err)
	}
	return f
}

func TestLocales(t *testing.T) {
	if diff := cmp.Diff([]string{"de-DE", "en-GB", "en-US"}, Locales()); diff != "" {
		t.Errorf("Locales() (-want +got):\n%s", diff)
	}
	if _, err := Load("fr-FR"); !errors.Is(err, ErrUnknownLocale) {
		t.Errorf("Load(fr-FR) error = %v, want ErrUnknownLocale", err)
	}
}

func TestModelsValid(t *testing.T) {
	for _, loc := range Locales() {
		t.Run(loc, func(t *testing.T) {
			f := mustLoad(t, loc)
			if err := Validate(f); err != nil {
				t.Errorf("Validate: %v", err)
			}
			got := map[string]map[string]string{}
			for _, in := range f.InteractionModel.LanguageModel.Intents {
				slots := map[string]string{}
				for _, s := range in.Slots {
					slots[s.Name] = s.Type
				}
				got[in.Name] = slots
			}
			if diff := cmp.Diff(wantIntents, got); diff != "" {
				t.Errorf("intents and slots (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInvocationNames(t *testing.T) {
	want := map[string]string{"en-US": "easy to cloud", "en-GB": "easy to cloud", "de-DE": "einfach cloud"}
	for loc, name := range want {
		if got := mustLoad(t, loc).InteractionModel.LanguageModel.InvocationName; got != name {
			t.Errorf("%s invocation name = %q, want %q", loc, got, name)
		}
	}
}

func TestCheckInvocationName(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		{"OK", "easy to cloud", ""},
		{"OKGerman", "einfach cloud", ""},
		{"UpperCase", "Easy to cloud", "only lower case"},
		{"Digit", "cloud 9 ops", "only lower case"},
		{"OneWord", "cloud", "at least two words"},
		{"WakeWord", "alexa cloud", `may not contain "alexa"`},
		{"Skill", "cloud skill", `may not contain "skill"`},
		{"App", "cloud app", `may not contain "app"`},
		{"LaunchWord", "open cloud", `may not contain "open"`},
		{"GermanLaunchWord", "starte wolke", `may not contain "starte"`},
		{"TwoWordArticle", "the cloud", `two-word name may not contain "the"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckInvocationName(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckInvocationName(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("CheckInvocationName(%q) = %v, want error containing %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

// TestValidateCatchesMistakes mutates a copy of a real model and checks that each
// kind of mistake is reported.
func TestValidateCatchesMistakes(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(m *InteractionModel)
		wantErr string
	}{
		{"DuplicateSample", func(m *InteractionModel) {
			m.Intent("StopInstanceIntent").Samples = append(m.Intent("StopInstanceIntent").Samples, "Start {instance}")
		}, `sample "Start {instance}" appears under StartInstanceIntent and StopInstanceIntent`},
		{"UndeclaredSlot", func(m *InteractionModel) {
			m.Intent("LockIntent").Samples = append(m.Intent("LockIntent").Samples, "lock {region}")
		}, "uses undeclared slot {region}"},
		{"Digit", func(m *InteractionModel) {
			m.Intent("LockIntent").Samples = append(m.Intent("LockIntent").Samples, "lock 2 things")
		}, "spell numbers out"},
		{"MissingBuiltIn", func(m *InteractionModel) {
			m.LanguageModel.Intents = slices.DeleteFunc(m.LanguageModel.Intents, func(in Intent) bool { return in.Name == "AMAZON.HelpIntent" })
		}, "required built-in intent AMAZON.HelpIntent is missing"},
		{"TooFewSamples", func(m *InteractionModel) {
			m.Intent("LockIntent").Samples = m.Intent("LockIntent").Samples[:3]
		}, "LockIntent has 3 sample utterances"},
		{"UndeclaredType", func(m *InteractionModel) {
			m.Intent("LockIntent").Slots = []Slot{{Name: "x", Type: "NOPE"}}
		}, "undeclared type NOPE"},
		{"UndeclaredPrompt", func(m *InteractionModel) {
			m.DialogIntent("StopInstanceIntent").Prompts["confirmation"] = "Missing.Prompt"
		}, `undeclared prompt "Missing.Prompt"`},
		{"DuplicateValueID", func(m *InteractionModel) {
			t := m.Type("REGION")
			t.Values = append(t.Values, TypeValue{ID: "eu-west-1", Name: ValueName{Value: "Eire"}})
		}, `id "eu-west-1" is used twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := Raw("en-US")
			f, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			tt.mutate(&f.InteractionModel)
			err = Validate(f)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate = %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseRejectsUnknownFields(t *testing.T) {
	_, err := Parse([]byte(`{"interactionModel":{"languageModel":{"invocationName":"easy to cloud","intents":[],"typos":[]}}}`))
	if err == nil || !strings.Contains(err.Error(), "typos") {
		t.Fatalf("Parse = %v, want error naming the unknown field", err)
	}
}

// TestRegionType: the REGION type resolves exactly the region codes a tenant may
// name. That each value's name is the place the skill speaks, per locale, is checked
// on the skill's side (skill's TestRegionPlacesMatchModels).
func TestRegionType(t *testing.T) {
	for _, loc := range Locales() {
		t.Run(loc, func(t *testing.T) {
			typ := mustLoad(t, loc).InteractionModel.Type("REGION")
			if typ == nil {
				t.Fatal("no REGION type")
			}
			var ids []string
			for _, v := range typ.Values {
				ids = append(ids, v.ID)
			}
			slices.Sort(ids)
			if diff := cmp.Diff(tenants.RegionCodes(), ids); diff != "" {
				t.Errorf("REGION value ids vs tenants.RegionCodes (-want +got):\n%s", diff)
			}
		})
	}
}
