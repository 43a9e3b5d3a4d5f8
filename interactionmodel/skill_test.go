//go:build skillready

package interactionmodel_test

import (
	"testing"

	"github.com/easytocloud/easytocloud/interactionmodel"
	"github.com/easytocloud/easytocloud/skill"
)

// TestModelsMatchSkillRouter keeps every model in step with the skill's router. It
// is behind the skillready build tag until the skill package exports Intents.
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
