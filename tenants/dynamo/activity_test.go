package dynamo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// TestActivity: changes come back newest first, at most limit of them, each user's
// own; two in the same nanosecond both stay; an entry past its 90 days is not listed.
func TestActivity(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := fixedNow
	e.store.Now = func() time.Time { return now }
	entry := func(action, target string, at time.Time) tenants.Activity {
		return tenants.Activity{At: at, Action: action, Target: target, Region: "eu-west-1", ResourceID: "i-0" + target,
			Device: "Echo ·3f9a", Door: "alexa", Outcome: "done"}
	}
	started := entry("start", "splunk", now.Add(-48*time.Hour))
	stopped := entry("stop", "splunk", now.Add(-time.Hour))
	failed := entry("start", "jenkins", now.Add(-time.Hour)) // the same nanosecond
	failed.Outcome = "failed"
	for _, a := range []tenants.Activity{started, stopped, failed} {
		if err := e.store.RecordActivity(ctx, "t-1", "u-1", a); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.store.RecordActivity(ctx, "t-1", "u-2", entry("stop", "other", now)); err != nil {
		t.Fatal(err)
	}
	// At is set from the clock when zero.
	latest := entry("stop", "jenkins", time.Time{})
	if err := e.store.RecordActivity(ctx, "t-1", "u-1", latest); err != nil {
		t.Fatal(err)
	}
	latest.At = now

	got, err := e.store.Activity(ctx, "t-1", "u-1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || !cmp.Equal(got[0], latest) || !cmp.Equal(got[3], started) {
		t.Fatalf("Activity = %+v; want 4, newest (%+v) first and oldest (%+v) last", got, latest, started)
	}
	if mid := []tenants.Activity{got[1], got[2]}; !cmp.Equal(mid, []tenants.Activity{stopped, failed}) && !cmp.Equal(mid, []tenants.Activity{failed, stopped}) {
		t.Errorf("the two of the same nanosecond: %+v", mid)
	}
	if two, err := e.store.Activity(ctx, "t-1", "u-1", 2); err != nil || len(two) != 2 || !cmp.Equal(two[0], latest) {
		t.Errorf("Activity(limit 2) = %+v, %v", two, err)
	}
	if all, err := e.store.Activity(ctx, "t-1", "u-1", 0); err != nil || len(all) != 4 {
		t.Errorf("Activity(limit 0) = %d entries, %v; want all 4", len(all), err)
	}
	if none, err := e.store.Activity(ctx, "t-1", "nobody", 10); err != nil || len(none) != 0 {
		t.Errorf("Activity of a user without any = %+v, %v", none, err)
	}
	now = started.At.Add(dynamo.ActivityRetention)
	if got, err := e.store.Activity(ctx, "t-1", "u-1", 10); err != nil || len(got) != 3 {
		t.Errorf("90 days after the first: %d entries, %v; want 3", len(got), err)
	}
}

// TestRecordActivityRefusesMalformed: IDs with the keys' separator, or an entry
// without an action or an outcome, are ErrInvalid.
func TestRecordActivityRefusesMalformed(t *testing.T) {
	e := newEnv(t)
	ok := tenants.Activity{Action: "start", Target: "splunk", Outcome: "done"}
	for name, tc := range map[string]struct {
		tenant, user string
		a            tenants.Activity
	}{
		"UserWithSeparator": {"t-1", "u#1", ok},
		"NoTenant":          {"", "u-1", ok},
		"NoAction":          {"t-1", "u-1", tenants.Activity{Target: "splunk", Outcome: "done"}},
		"NoOutcome":         {"t-1", "u-1", tenants.Activity{Action: "start", Target: "splunk"}},
	} {
		if err := e.store.RecordActivity(context.Background(), tc.tenant, tc.user, tc.a); !errors.Is(err, tenants.ErrInvalid) {
			t.Errorf("%s: RecordActivity = %v, want ErrInvalid", name, err)
		}
	}
}
