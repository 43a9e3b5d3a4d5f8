package skill

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/alexa"
)

// modelFile is the part of an interaction model file these tests read. The files
// are read from disk, never through package interactionmodel, which skill must not
// import.
type modelFile struct {
	InteractionModel struct {
		LanguageModel struct {
			Intents []struct {
				Name    string   `json:"name"`
				Samples []string `json:"samples"`
				Slots   []struct {
					Name string `json:"name"`
				} `json:"slots"`
			} `json:"intents"`
			Types []struct {
				Name   string `json:"name"`
				Values []struct {
					ID   string `json:"id"`
					Name struct {
						Value string `json:"value"`
					} `json:"name"`
				} `json:"values"`
			} `json:"types"`
		} `json:"languageModel"`
	} `json:"interactionModel"`
}

var modelLocales = []string{"en-US", "en-GB", "de-DE"}

func loadModel(t *testing.T, locale string) modelFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "interactionmodel", locale+".json"))
	if err != nil {
		t.Fatalf("read model: %v", err)
	}
	var m modelFile
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("parse model %s: %v", locale, err)
	}
	return m
}

func TestRegionPlacesMatchModels(t *testing.T) {
	for _, loc := range modelLocales {
		m := loadModel(t, loc)
		model := map[string]string{}
		for _, typ := range m.InteractionModel.LanguageModel.Types {
			if typ.Name == "REGION" {
				for _, v := range typ.Values {
					model[v.ID] = v.Name.Value
				}
			}
		}
		ours := map[string]string{}
		for _, code := range RegionCodes() {
			ours[code] = RegionPlace(loc, code)
		}
		if diff := cmp.Diff(model, ours); diff != "" {
			t.Errorf("%s: REGION values (-model +skill):\n%s", loc, diff)
		}
	}
}

func TestIntentsMatchModels(t *testing.T) {
	routed := Intents()
	for _, req := range []string{"LaunchRequest", "SessionEndedRequest"} {
		if _, ok := routed[req]; !ok {
			t.Errorf("Intents() lacks %s", req)
		}
	}
	for _, loc := range modelLocales {
		m := loadModel(t, loc)
		model := map[string][]string{"LaunchRequest": nil, "SessionEndedRequest": nil}
		for _, in := range m.InteractionModel.LanguageModel.Intents {
			var slots []string
			for _, s := range in.Slots {
				slots = append(slots, s.Name)
			}
			slices.Sort(slots)
			model[in.Name] = slots
		}
		ours := map[string][]string{}
		for k, v := range routed {
			v = slices.Clone(v)
			slices.Sort(v)
			ours[k] = v
		}
		if diff := cmp.Diff(model, ours); diff != "" {
			t.Errorf("%s: intents and slots (-model +skill):\n%s", loc, diff)
		}
	}
}

// TestCatalogsComplete checks that every sentence exists in every language and is
// well-formed SSML, with awkward values in every argument.
func TestCatalogsComplete(t *testing.T) {
	for _, c := range []*catalog{&english, &german} {
		v := reflect.ValueOf(c).Elem()
		for i := range v.NumField() {
			// The fields are unexported; reach them through their address.
			f := reflect.NewAt(v.Field(i).Type(), unsafe.Pointer(v.Field(i).UnsafeAddr())).Elem()
			name := v.Type().Field(i).Name
			switch f.Kind() {
			case reflect.String:
				if f.String() == "" {
					t.Errorf("%s: %s is empty", c.lang, name)
				}
				if f.Type() == reflect.TypeOf(alexa.SSML("")) {
					mustWellFormed(t, alexa.Speak(alexa.SSML(f.String())))
				}
			case reflect.Func:
				if f.IsNil() {
					t.Errorf("%s: %s is nil", c.lang, name)
					continue
				}
				var args []reflect.Value
				for j := range f.Type().NumIn() {
					args = append(args, sampleArg(f.Type().In(j)))
				}
				out := f.Call(args)[0]
				if out.String() == "" {
					t.Errorf("%s: %s says nothing", c.lang, name)
				}
				if out.Type() == reflect.TypeOf(alexa.SSML("")) {
					mustWellFormed(t, alexa.Speak(alexa.SSML(out.String())))
				}
			}
		}
	}
}

func sampleArg(t reflect.Type) reflect.Value {
	switch t {
	case reflect.TypeOf(alexa.SSML("")):
		return reflect.ValueOf(alexa.Sayf("%s", "R&D <test>"))
	case reflect.TypeOf([]alexa.SSML{}):
		return reflect.ValueOf([]alexa.SSML{alexa.Sayf("a&b"), alexa.Sayf("<c>")})
	case reflect.TypeOf([]string{}):
		return reflect.ValueOf([]string{"São Paulo", "R&D"})
	case reflect.TypeOf([]stateCount{}):
		return reflect.ValueOf([]stateCount{{"running", 3}, {"stopped", 1}})
	}
	switch t.Kind() {
	case reflect.String:
		return reflect.ValueOf("R&D <test>").Convert(t)
	case reflect.Int, reflect.Int64:
		return reflect.ValueOf(2).Convert(t)
	}
	return reflect.Zero(t)
}

func TestNumberWords(t *testing.T) {
	tests := []struct {
		lang string
		n    int
		want string
	}{
		{"en", 4, "four"}, {"en", 17, "seventeen"}, {"en", 21, "twenty-one"}, {"en", 40, "forty"}, {"en", 120, "120"},
		{"de", 1, "eins"}, {"de", 4, "vier"}, {"de", 17, "siebzehn"}, {"de", 21, "einundzwanzig"}, {"de", 35, "fünfunddreißig"},
	}
	for _, tt := range tests {
		if got := numberWord(tt.lang, tt.n); got != tt.want {
			t.Errorf("numberWord(%s, %d) = %q, want %q", tt.lang, tt.n, got, tt.want)
		}
	}
	for n, want := range map[int]string{1: "a", 4: "a", 8: "an", 11: "an", 18: "an", 80: "an", 84: "an", 100: "a"} {
		if got := enArticle(n); got != want {
			t.Errorf("enArticle(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestStreamSpeech(t *testing.T) {
	if got := alexa.PlainText(english.oneStream(4, "Ireland", "clickstream")); got != "You have a four shard Kinesis stream in Ireland, called clickstream." {
		t.Errorf("en = %q", got)
	}
	if got := alexa.PlainText(english.oneStream(8, "Ireland", "x")); !strings.HasPrefix(got, "You have an eight shard") {
		t.Errorf("en article = %q", got)
	}
	if got := alexa.PlainText(german.oneStream(4, "Irland", "clickstream")); got != "Du hast einen Kinesis Stream mit vier Shards in Irland, namens clickstream." {
		t.Errorf("de = %q", got)
	}
}

// TestSuggestedUtterancesExist: what the skill tells people to say is in the model.
func TestSuggestedUtterancesExist(t *testing.T) {
	for _, loc := range modelLocales {
		m := loadModel(t, loc)
		samples := map[string]bool{}
		for _, in := range m.InteractionModel.LanguageModel.Intents {
			for _, s := range in.Samples {
				samples[strings.ToLower(s)] = true
			}
		}
		for _, u := range catalogFor(loc).suggests {
			if !samples[u] {
				t.Errorf("%s: the skill suggests %q, which is no sample of the model", loc, u)
			}
		}
	}
}
