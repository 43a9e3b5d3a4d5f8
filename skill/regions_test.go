package skill

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/alexa/sigverify"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// The project's implementations fit the skill's interfaces.
var (
	_ TokenVerifier         = (*accesstoken.Verifier)(nil)
	_ Directory             = (*dynamo.Store)(nil)
	_ AccountAccess         = (*account.Access)(nil)
	_ SecondFactor          = (*mfa.Service)(nil)
	_ SecondFactor          = (*mfa.Client)(nil)
	_ alexa.RequestVerifier = (*sigverify.Verifier)(nil)
	_ alexa.ProgressSender  = (*alexa.ProgressClient)(nil)
)

// countingEC2 counts the calls made through it, by operation and region.
type countingEC2 struct {
	account.EC2API
	region string
	calls  *callLog
}

type callLog struct {
	mu    sync.Mutex
	calls map[string][]string // operation → regions
}

func (c *callLog) add(op, region string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[op] = append(c.calls[op], region)
}

func (c *callLog) get(op string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Sorted(slices.Values(c.calls[op]))
}

func (c countingEC2) DescribeRegions(ctx context.Context, in *ec2.DescribeRegionsInput, opts ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error) {
	c.calls.add("DescribeRegions", c.region)
	return c.EC2API.DescribeRegions(ctx, in, opts...)
}

func (c countingEC2) DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, opts ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	c.calls.add("DescribeInstances", c.region)
	return c.EC2API.DescribeInstances(ctx, in, opts...)
}

// TestRegionsDiscovered: without a region list, the tenant's enabled regions come
// from DescribeRegions in its account, opt-in regions not opted into are skipped,
// other partitions too, and the answer is cached for RegionsTTL.
func TestRegionsDiscovered(t *testing.T) {
	s := newStack(t)
	accountID := awstest.NewAccountID(t)
	acct := awstest.AccountConfig(t, accountID)
	awstest.SeedInstance(t, acct, "ap-northeast-1", "tokyo-1", "running")
	awstest.WarmRegions(t, acct)
	_, token := s.newUser(t, accountID, nil)
	log := &callLog{calls: map[string][]string{}}
	s.h.Clients.EC2 = func(cfg aws.Config, region string) account.EC2API {
		return countingEC2{EC2API: account.NewEC2(cfg, region), region: region, calls: log}
	}
	now := time.Now()
	s.h.Now = func() time.Time { return now }
	d := s.device(t, token)
	d.launch()
	for range 2 {
		if got := speech(d.intent("ListInstancesIntent", nil)); got != "You have the following instances. In Tokyo: tokyo-1, running." {
			t.Errorf("speech = %q", got)
		}
	}
	want := []string{
		"af-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
		"ap-southeast-3", "ca-central-1", "eu-central-1", "eu-north-1", "eu-south-1", "eu-west-1", "eu-west-2", "eu-west-3",
		"sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
	}
	seen := slices.Compact(log.get("DescribeInstances"))
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("regions looked in (-want +got):\n%s", diff)
	}
	if got := log.get("DescribeRegions"); len(got) != 1 {
		t.Errorf("DescribeRegions called %d times for two requests, want 1 (cached)", len(got))
	}
	now = now.Add(DefaultRegionsTTL + time.Second)
	d.intent("ListInstancesIntent", nil)
	if got := log.get("DescribeRegions"); len(got) != 2 {
		t.Errorf("DescribeRegions called %d times after the cache expired, want 2", len(got))
	}
}

// TestRegionSlot covers "in <place>": one region, a region the tenant does not use,
// an unknown place, and the German answer.
func TestRegionSlot(t *testing.T) {
	s := newStack(t)
	accountID := awstest.NewAccountID(t)
	acct := awstest.AccountConfig(t, accountID)
	awstest.SeedInstance(t, acct, "eu-west-1", "splunk", "stopped")
	awstest.SeedInstance(t, acct, "eu-central-1", "", "running", awstest.InstanceType("m5.large"))
	awstest.SeedStream(t, acct, "eu-west-1", "clickstream", 4)
	awstest.SeedStream(t, acct, "eu-central-1", "logs", 1)
	_, token := s.newUser(t, accountID, func(tn *tenants.Tenant) { tn.Regions = []string{"eu-central-1", "eu-west-1"} })
	tests := []struct {
		locale, intent, region, want string
	}{
		{"en-GB", "ListInstancesIntent", "Ireland", "You have the following instances. In Ireland: splunk, stopped."},
		{"en-GB", "ListInstancesIntent", "Tokyo", "Tokyo isn't one of the regions easy to cloud looks at in your account."},
		{"en-GB", "ListInstancesIntent", "Atlantis", "I don't know a region called Atlantis. Try a city, such as Ireland or Frankfurt."},
		{"en-US", "ListInstancesIntent", "", "You have the following instances. In Frankfurt: an unnamed m5 large ending in "},
		{"de-DE", "ListInstancesIntent", "Irland", "Du hast folgende Instanzen. In Irland: splunk, gestoppt."},
		{"en-GB", "DescribeKinesisIntent", "", "You have two Kinesis streams. In Frankfurt: logs, one shard. In Ireland: clickstream, four shards."},
		{"en-GB", "DescribeKinesisIntent", "Frankfurt", "You have a one shard Kinesis stream in Frankfurt, called logs."},
		{"de-DE", "DescribeKinesisIntent", "", "Du hast zwei Kinesis Streams. In Frankfurt: logs, ein Shard. In Irland: clickstream, vier Shards."},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s/%s", tt.locale, tt.intent, tt.region), func(t *testing.T) {
			d := s.device(t, token)
			d.locale = tt.locale
			d.launch()
			slots := map[string]string{}
			if tt.region != "" {
				slots["region"] = tt.region
			}
			got := speech(d.intent(tt.intent, slots))
			if len(got) < len(tt.want) || got[:len(tt.want)] != tt.want {
				t.Errorf("speech = %q, want %q", got, tt.want)
			}
		})
	}
}

// failingEC2 fails DescribeInstances with err (what moto cannot do: throttle, or
// break one region).
type failingEC2 struct {
	account.EC2API
	err error
}

func (f failingEC2) DescribeInstances(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	return nil, f.err
}

// TestFailuresAreSpoken: throttling everywhere, or one region failing, is said in
// words and the session stays usable.
func TestFailuresAreSpoken(t *testing.T) {
	s := newStack(t)
	accountID := awstest.NewAccountID(t)
	acct := awstest.AccountConfig(t, accountID)
	awstest.SeedInstance(t, acct, "eu-west-1", "splunk", "stopped")
	awstest.SeedInstance(t, acct, "ap-northeast-1", "", "running")
	_, token := s.newUser(t, accountID, func(tn *tenants.Tenant) { tn.Regions = []string{"eu-west-1", "ap-northeast-1"} })
	throttled := &smithy.GenericAPIError{Code: "RequestLimitExceeded", Message: "Request limit exceeded."}
	tests := []struct {
		name string
		fail func(region string) error
		want string
	}{
		{"ThrottledEverywhere", func(string) error { return throttled }, "AWS is busy right now. Please try again in a moment."},
		{"OneRegionDown", func(region string) error {
			if region == "ap-northeast-1" {
				return &smithy.GenericAPIError{Code: "InternalError", Message: "An internal error has occurred"}
			}
			return nil
		}, "You have the following instances. In Ireland: splunk, stopped. I couldn't read Tokyo."},
		{"DeniedEverywhere", func(string) error { return &smithy.GenericAPIError{Code: "UnauthorizedOperation"} },
			"The easy to cloud role in your AWS account isn't allowed to do that. Ask your administrator to check its permissions."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.h.Clients.EC2 = func(cfg aws.Config, region string) account.EC2API {
				if err := tt.fail(region); err != nil {
					return failingEC2{account.NewEC2(cfg, region), err}
				}
				return account.NewEC2(cfg, region)
			}
			d := s.device(t, token)
			d.launch()
			for _, intent := range []string{"ListInstancesIntent", "StartInstanceIntent"} {
				resp := d.intent(intent, map[string]string{"instance": "splunk"})
				if got := speech(resp); intent == "ListInstancesIntent" && got != tt.want {
					t.Errorf("speech = %q, want %q", got, tt.want)
				}
				if ended(resp) {
					t.Errorf("%s: the session ended", intent)
				}
			}
		})
	}
}
