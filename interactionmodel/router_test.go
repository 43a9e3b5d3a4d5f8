package interactionmodel

import (
	"slices"
	"strings"
	"testing"
)

// routerFromModel builds the router map a skill that handles exactly the model would
// export, so CompareRouter can be tested without the skill package.
func routerFromModel(f *File) map[string][]string {
	r := map[string][]string{"LaunchRequest": nil, "SessionEndedRequest": nil}
	for _, in := range f.InteractionModel.LanguageModel.Intents {
		var slots []string
		for _, s := range in.Slots {
			slots = append(slots, s.Name)
		}
		r[in.Name] = slots
	}
	return r
}

func TestCompareRouter(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(f *File, router map[string][]string)
		wantErrs []string
	}{
		{"Agree", func(*File, map[string][]string) {}, nil},
		{"IntentRemovedFromModel", func(f *File, _ map[string][]string) {
			lm := &f.InteractionModel.LanguageModel
			lm.Intents = slices.DeleteFunc(lm.Intents, func(in Intent) bool { return in.Name == "LockIntent" })
		}, []string{"en-US: intent LockIntent is handled by the skill but missing from the model"}},
		{"IntentRemovedFromRouter", func(_ *File, r map[string][]string) {
			delete(r, "DescribeKinesisIntent")
		}, []string{"en-US: intent DescribeKinesisIntent is in the model but not handled by the skill"}},
		{"SlotRemovedFromModel", func(f *File, _ map[string][]string) {
			f.InteractionModel.Intent("AuthenticateIntent").Slots = f.InteractionModel.Intent("AuthenticateIntent").Slots[:1]
		}, []string{"slot method of intent AuthenticateIntent is read by the skill but missing from the model"}},
		{"SlotNotReadByRouter", func(_ *File, r map[string][]string) {
			r["ListInstancesIntent"] = nil
		}, []string{"slot region of intent ListInstancesIntent is in the model but not read by the skill"}},
		{"BothSides", func(f *File, r map[string][]string) {
			lm := &f.InteractionModel.LanguageModel
			lm.Intents = slices.DeleteFunc(lm.Intents, func(in Intent) bool { return in.Name == "AMAZON.NavigateHomeIntent" })
			delete(r, "StartInstanceIntent")
		}, []string{"intent AMAZON.NavigateHomeIntent is handled by the skill but missing", "intent StartInstanceIntent is in the model but not handled"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustLoad(t, "en-US")
			router := routerFromModel(f)
			tt.mutate(f, router)
			err := CompareRouter("en-US", f, router)
			if len(tt.wantErrs) == 0 {
				if err != nil {
					t.Fatalf("CompareRouter = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("CompareRouter = nil, want an error")
			}
			for _, want := range tt.wantErrs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("CompareRouter error %q does not contain %q", err, want)
				}
			}
		})
	}
}
