package main

import (
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/internal/app"
)

// The outputs skill-package reads are app.SkillPackageOutputs, which the Terraform
// tests check the stack has.
func TestTerraformOutputsAreTheAppOnes(t *testing.T) {
	if diff := cmp.Diff(slices.Sorted(slices.Values(app.SkillPackageOutputs)), slices.Sorted(maps.Keys(terraformOutputs))); diff != "" {
		t.Errorf("terraformOutputs (-app.SkillPackageOutputs +read):\n%s", diff)
	}
}
