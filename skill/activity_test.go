package skill

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/faults"
	"github.com/easytocloud/easytocloud/tenants"
)

// TestChangesGoIntoTheActivity: a start and a stop the skill makes, and a start that
// fails, are in the user's activity, newest first, with the instance, its region and
// the Echo they were asked from; reads, refusals and questions are not. Against the
// emulator's EC2 and table.
func TestChangesGoIntoTheActivity(t *testing.T) {
	s := newStack(t)
	s.h.Activity = s.store
	account := awstest.NewAccountID(t)
	acct := awstest.AccountConfig(t, account)
	splunk := awstest.SeedInstance(t, acct, "eu-west-1", "splunk", "stopped")
	jenkins := awstest.SeedInstance(t, acct, "eu-west-1", "jenkins", "running")
	awstest.WarmRegions(t, acct)
	p, token := s.newUser(t, account, func(tn *tenants.Tenant) { tn.Regions = []string{"eu-west-1"} })
	ctx := context.Background()
	d := s.device(t, token)

	d.intent("ListInstancesIntent", nil)
	if got := speech(d.intent("StartInstanceIntent", map[string]string{"instance": "splunk"})); got != "You need to authenticate. Say authenticate and the code from your token, or say authenticate text." {
		t.Fatalf("start before elevating: %q", got)
	}
	s.mfa.elevate(p)
	if got := speech(d.intent("StartInstanceIntent", map[string]string{"instance": "splunk"})); got != "I have started splunk." {
		t.Fatalf("start: %q", got)
	}
	d.intent("StartInstanceIntent", map[string]string{"instance": "splunk"}) // already running: nothing done
	if got := speech(d.intentStatus("StopInstanceIntent", map[string]string{"instance": "jenkins"}, "CONFIRMED")); got != "I have stopped jenkins." {
		t.Fatalf("stop: %q", got)
	}
	// A start that AWS refuses every time, from another Echo.
	ft := faults.New(nil)
	ft.Add(faults.Rule{Service: "ec2", Action: "StartInstances", Kind: faults.ServerError})
	s.h.AWS = ft.Config(s.h.AWS)
	other := s.device(t, token)
	other.deviceID = "amzn1.ask.device.OFFICE"
	if got := speech(other.intent("StartInstanceIntent", map[string]string{"instance": "jenkins"})); got != "Sorry, something went wrong on my side. Please try again." {
		t.Fatalf("failing start: %q", got)
	}

	got, err := s.store.Activity(ctx, p.TenantID, p.UserID, 10)
	if err != nil {
		t.Fatal(err)
	}
	echo := func(deviceID string) string {
		sum := sha256.Sum256([]byte(deviceID))
		return "Echo ·" + hex.EncodeToString(sum[:])[:4]
	}
	want := []tenants.Activity{
		{Action: "start", Target: "jenkins", Region: "eu-west-1", ResourceID: jenkins, Device: echo(other.deviceID), Door: "alexa", Outcome: "failed"},
		{Action: "stop", Target: "jenkins", Region: "eu-west-1", ResourceID: jenkins, Device: echo(d.deviceID), Door: "alexa", Outcome: "done"},
		{Action: "start", Target: "splunk", Region: "eu-west-1", ResourceID: splunk, Device: echo(d.deviceID), Door: "alexa", Outcome: "done"},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(tenants.Activity{}, "At")); diff != "" {
		t.Errorf("activity (-want +got):\n%s", diff)
	}
	for _, a := range got {
		if time.Since(a.At) > time.Minute || a.At.After(time.Now()) {
			t.Errorf("activity at %v, want about now", a.At)
		}
	}
}

// failingActivity refuses every record.
type failingActivity struct{ calls int }

func (f *failingActivity) RecordActivity(context.Context, string, string, tenants.Activity) error {
	f.calls++
	return errors.New("table unavailable")
}

// TestActivityWriteFailureKeepsTheAnswer: when the activity cannot be written, the
// user still hears that the change was made, and an error is logged.
func TestActivityWriteFailureKeepsTheAnswer(t *testing.T) {
	s := newStack(t)
	log := &failingActivity{}
	s.h.Activity = log
	account := awstest.NewAccountID(t)
	acct := awstest.AccountConfig(t, account)
	splunk := awstest.SeedInstance(t, acct, "eu-west-1", "splunk", "stopped")
	awstest.WarmRegions(t, acct)
	p, token := s.newUser(t, account, func(tn *tenants.Tenant) { tn.Regions = []string{"eu-west-1"} })
	s.mfa.elevate(p)
	if got := speech(s.device(t, token).intent("StartInstanceIntent", map[string]string{"instance": "splunk"})); got != "I have started splunk." {
		t.Errorf("start: %q", got)
	}
	if st := awstest.InstanceState(t, acct, "eu-west-1", splunk); st != "running" && st != "pending" {
		t.Errorf("splunk is %s", st)
	}
	lines := s.logs.lines(t, "recording the change in the user's activity failed")
	if log.calls != 1 || len(lines) != 1 || lines[0]["level"] != "ERROR" || lines[0]["instance"] != splunk {
		t.Errorf("%d records tried, log lines %v; want one, logged as an error naming the instance", log.calls, lines)
	}
}

// TestDeviceLabel: the label is short, the same for the same Echo, another for
// another, and holds nothing of the device ID.
func TestDeviceLabel(t *testing.T) {
	a, b := deviceLabel("amzn1.ask.device.KITCHEN"), deviceLabel("amzn1.ask.device.OFFICE")
	if a != deviceLabel("amzn1.ask.device.KITCHEN") || a == b || len([]rune(a)) != len([]rune("Echo ·"))+4 {
		t.Errorf("labels %q and %q", a, b)
	}
	if deviceLabel("") != "" {
		t.Errorf("no device: %q", deviceLabel(""))
	}
}
