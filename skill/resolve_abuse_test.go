package skill

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
)

// TestLongSpokenNameIsBounded: a slot value as long as a request may carry, against
// hundreds of instances with the longest names EC2 allows, is resolved well within
// the skill's budget (matching is CPU work that no deadline interrupts).
func TestLongSpokenNameIsBounded(t *testing.T) {
	var all []account.Instance
	for i := range 300 {
		all = append(all, account.Instance{ID: fmt.Sprintf("i-%017d", i), Region: "eu-west-1", State: "running",
			Name: fmt.Sprintf("%s-%03d", strings.Repeat("ab", 126), i)}) // 256 characters
	}
	for _, spoken := range []string{
		strings.Repeat("x y ", alexa.MaxRequestBytes/8),
		strings.Repeat("ab", alexa.MaxRequestBytes/2-1024),
		all[7].Name, // long, and exact: still found
	} {
		start := time.Now()
		res := resolveName(spoken, all)
		took := time.Since(start)
		t.Logf("%d characters against 300 names: %v", len(spoken), took)
		if took > time.Second {
			t.Errorf("resolving %d characters took %v", len(spoken), took)
		}
		if spoken == all[7].Name && (res.match == nil || res.match.ID != all[7].ID) {
			t.Errorf("the exact long name resolved to %+v", res)
		}
	}
}
