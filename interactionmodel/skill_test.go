package interactionmodel_test

import (
	"strings"
	"testing"

	"github.com/easytocloud/easytocloud/interactionmodel"
	"github.com/easytocloud/easytocloud/skill"
)

// TestModelsMatchSkillRouter keeps every model in step with the skill's router
// (TestCompareRouter proves on mutated copies that a difference fails it).
func TestModelsMatchSkillRouter(t *testing.T) {
	routed := skill.Intents()
	for _, loc := range interactionmodel.Locales() {
		f, err := interactionmodel.Load(loc)
		if err != nil {
			t.Fatal(err)
		}
		if err := interactionmodel.CompareRouter(loc, f, routed); err != nil {
			t.Errorf("model and router disagree:\n%v", err)
		}
	}
}

// TestModelsMatchSkillRouterMutated removes an intent from a copy of the real
// router: the comparison must name it for every locale.
func TestModelsMatchSkillRouterMutated(t *testing.T) {
	routed := skill.Intents()
	delete(routed, "StartInstanceIntent")
	for _, loc := range interactionmodel.Locales() {
		f, err := interactionmodel.Load(loc)
		if err != nil {
			t.Fatal(err)
		}
		err = interactionmodel.CompareRouter(loc, f, routed)
		if err == nil || !strings.Contains(err.Error(), "StartInstanceIntent is in the model but not handled by the skill") {
			t.Errorf("%s: CompareRouter with StartInstanceIntent unrouted = %v", loc, err)
		}
	}
}
