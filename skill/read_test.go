package skill

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/tenants"
)

// slowRegion is an EC2 endpoint that answers after 10 seconds (or when the caller
// gives up), standing for a region that is down or far away.
func slowRegion(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the body, so the server notices when the caller hangs up.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-time.After(10 * time.Second):
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprint(w, `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>slow</requestId><reservationSet/></DescribeInstancesResponse>`)
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestDeadline: with one region answering after 10 s, the answer still comes within
// the budget and names that region.
func TestDeadline(t *testing.T) {
	s := newStack(t)
	accountID := awstest.NewAccountID(t)
	acct := awstest.AccountConfig(t, accountID)
	awstest.SeedInstance(t, acct, "eu-west-1", "splunk", "stopped")
	awstest.SeedInstance(t, acct, "us-east-1", "web-1", "running")
	_, token := s.newUser(t, accountID, func(tn *tenants.Tenant) {
		tn.Regions = []string{"eu-west-1", "us-east-1", "sa-east-1"}
	})
	slow := slowRegion(t)
	s.h.Clients.EC2 = func(cfg aws.Config, region string) account.EC2API {
		if region == "sa-east-1" {
			return ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.Region = region; o.BaseEndpoint = aws.String(slow.URL) })
		}
		return account.NewEC2(cfg, region)
	}
	const want = "You have the following instances. In Ireland: splunk, stopped. In North Virginia: web-1, running. I couldn't reach São Paulo in time."
	tests := []struct {
		name                string
		budget, callTimeout time.Duration
	}{
		{"Defaults", 0, 0}, // the per-call timeout (4 s) cuts the slow region
		{"OverallBudget", 2 * time.Second, 30 * time.Second}, // the overall budget does
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.h.Budget, s.h.CallTimeout = tt.budget, tt.callTimeout
			d := s.device(t, token)
			d.launch()
			start := time.Now()
			resp := d.intent("ListInstancesIntent", nil)
			took := time.Since(start)
			t.Logf("answered in %s (budget %s)", took.Round(time.Millisecond), s.h.budget())
			if took > s.h.budget() {
				t.Errorf("answered in %s, over the budget of %s", took, s.h.budget())
			}
			if got := speech(resp); got != want {
				t.Errorf("speech = %q, want %q", got, want)
			}
		})
	}
}

// TestSummarises: hundreds of instances are counted, not read out, and the
// response stays within Alexa's limits.
func TestSummarises(t *testing.T) {
	s := newStack(t)
	accountID := awstest.NewAccountID(t)
	acct := awstest.AccountConfig(t, accountID)
	runMany(t, acct, "eu-west-1", 180, "running")
	runMany(t, acct, "us-east-1", 120, "stopped")
	_, token := s.newUser(t, accountID, func(tn *tenants.Tenant) { tn.Regions = []string{"eu-west-1", "us-east-1"} })
	d := s.device(t, token)
	d.launch()

	resp := d.intent("ListInstancesIntent", nil)
	want := "You have 300 instances in two regions: 180 running and 120 stopped. In Ireland, 180 instances: 180 running. " +
		"In North Virginia, 120 instances: 120 stopped. To hear their names, say list instances in, and a region."
	if got := speech(resp); got != want {
		t.Errorf("speech = %q, want %q", got, want)
	}
	checkLimits(t, resp)

	resp = d.intent("ListInstancesIntent", map[string]string{"region": "Ireland"})
	got := speech(resp)
	if !strings.HasPrefix(got, "In Ireland, 180 instances: 180 running. Here are the first twenty, and 160 more are on the card in the Alexa app. In Ireland: node-000, running; node-001, running;") {
		t.Errorf("speech = %q", got)
	}
	checkLimits(t, resp)
}

func checkLimits(t *testing.T, resp *alexa.ResponseEnvelope) {
	t.Helper()
	b, _ := json.Marshal(resp)
	t.Logf("speech %d characters, response %d bytes", len(resp.Response.OutputSpeech.SSML), len(b))
	if n := len(resp.Response.OutputSpeech.SSML); n >= 8000 {
		t.Errorf("speech is %d characters", n)
	}
	if len(b) > alexa.MaxResponseBytes {
		t.Errorf("response is %d bytes", len(b))
	}
}

// runMany starts n instances named node-000… in region and leaves them in state.
func runMany(t *testing.T, cfg aws.Config, region string, n int, state string) {
	t.Helper()
	ctx := context.Background()
	client := ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.Region = region })
	out, err := client.RunInstances(ctx, &ec2.RunInstancesInput{
		ImageId: aws.String("ami-12c6146b"), InstanceType: "t3.micro",
		MinCount: aws.Int32(int32(n)), MaxCount: aws.Int32(int32(n)),
	})
	if err != nil {
		t.Fatalf("run instances: %v", err)
	}
	var ids []string
	for i, in := range out.Instances {
		id := aws.ToString(in.InstanceId)
		ids = append(ids, id)
		_, err := client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id},
			Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(fmt.Sprintf("node-%03d", i))}}})
		if err != nil {
			t.Fatalf("tag: %v", err)
		}
	}
	if state == "stopped" {
		if _, err := client.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids}); err != nil {
			t.Fatalf("stop: %v", err)
		}
	}
}
