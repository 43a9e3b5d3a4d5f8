package awstest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/easytocloud/easytocloud/internal/emulator"
)

// DefaultRegion is the region of the configs this package returns.
const DefaultRegion = "us-east-1"

// DefaultAccountID is the account moto acts in for the static test credentials.
const DefaultAccountID = "123456789012"

var counter atomic.Int64

// DefaultAccessKeyID is the access key ID of Config's credentials: the key that signs
// what a test's code does with "its own role" (see Calls).
const DefaultAccessKeyID = "testing"

// Config returns an aws.Config aimed at the emulator, with static dummy credentials
// of the default account and DefaultRegion.
func Config(tb testing.TB) aws.Config {
	tb.Helper()
	return configWith(Endpoint(tb), credentials.NewStaticCredentialsProvider(DefaultAccessKeyID, "testing", ""))
}

func configWith(endpoint string, creds aws.CredentialsProvider) aws.Config {
	return aws.Config{
		Region:       DefaultRegion,
		Credentials:  aws.NewCredentialsCache(creds),
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   &http.Client{Timeout: 60 * time.Second},
	}
}

// NewAccountID returns a 12-digit account ID no other test of this binary gets, so
// that a test's resources are invisible to every other test.
func NewAccountID(tb testing.TB) string {
	tb.Helper()
	return fmt.Sprintf("9%011d", counter.Add(1))
}

// AccountConfig returns a config with the credentials of a role assumed in accountID,
// as a tenant's account would be reached; the emulator then acts in that account.
func AccountConfig(tb testing.TB, accountID string) aws.Config {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := sts.NewFromConfig(Config(tb)).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String("arn:aws:iam::" + accountID + ":role/awstest"),
		RoleSessionName: aws.String("awstest"),
	})
	if err != nil {
		tb.Fatalf("awstest: assume role in %s: %v", accountID, err)
	}
	c := out.Credentials
	return configWith(Endpoint(tb), credentials.NewStaticCredentialsProvider(
		aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// TableName returns a DynamoDB table name unique to this call, derived from the test's
// name so that it can be recognised in the emulator.
func TableName(tb testing.TB) string {
	tb.Helper()
	name := unsafeName.ReplaceAllString(tb.Name(), "-")
	if len(name) > 200 {
		name = name[:200]
	}
	return fmt.Sprintf("t-%s-%d", name, counter.Add(1))
}

// InstanceOption changes an instance SeedInstance creates.
type InstanceOption func(*instanceSpec)

type instanceSpec struct {
	tags         []ec2types.Tag
	instanceType ec2types.InstanceType
}

// Tag adds the tag key=value to a seeded instance.
func Tag(key, value string) InstanceOption {
	return func(s *instanceSpec) {
		s.tags = append(s.tags, ec2types.Tag{Key: aws.String(key), Value: aws.String(value)})
	}
}

// InstanceType sets a seeded instance's type (default t3.micro).
func InstanceType(t string) InstanceOption {
	return func(s *instanceSpec) { s.instanceType = ec2types.InstanceType(t) }
}

// SeedInstance creates an EC2 instance in region of cfg's account with the Name tag
// name (none when name is empty) and leaves it in state ("running" or "stopped"). It
// returns the instance ID.
func SeedInstance(tb testing.TB, cfg aws.Config, region, name, state string, opts ...InstanceOption) string {
	tb.Helper()
	spec := instanceSpec{instanceType: "t3.micro"}
	if name != "" {
		Tag("Name", name)(&spec)
	}
	for _, o := range opts {
		o(&spec)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client := ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.Region = region })
	in := &ec2.RunInstancesInput{
		ImageId:      aws.String("ami-12c6146b"),
		InstanceType: spec.instanceType,
		MinCount:     aws.Int32(1),
		MaxCount:     aws.Int32(1),
	}
	if len(spec.tags) > 0 {
		in.TagSpecifications = []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: spec.tags}}
	}
	out, err := client.RunInstances(ctx, in)
	if err != nil {
		tb.Fatalf("awstest: run instance %q in %s: %v", name, region, err)
	}
	id := aws.ToString(out.Instances[0].InstanceId)
	switch state {
	case "running":
	case "stopped":
		if _, err := client.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
			tb.Fatalf("awstest: stop instance %s: %v", id, err)
		}
	default:
		tb.Fatalf("awstest: SeedInstance state must be running or stopped, not %q", state)
	}
	return id
}

// InstanceState returns the state name ("running", "stopped", …) of instance id in
// region of cfg's account.
func InstanceState(tb testing.TB, cfg aws.Config, region, id string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.Region = region }).
		DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		tb.Fatalf("awstest: describe instance %s: %v", id, err)
	}
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			if i.State != nil {
				return string(i.State.Name)
			}
		}
	}
	tb.Fatalf("awstest: instance %s not found in %s", id, region)
	return ""
}

// SeedStream creates a Kinesis stream with shards shards in region of cfg's account.
func SeedStream(tb testing.TB, cfg aws.Config, region, name string, shards int32) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client := kinesis.NewFromConfig(cfg, func(o *kinesis.Options) { o.Region = region })
	if _, err := client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}); err != nil {
		tb.Fatalf("awstest: create stream %s in %s: %v", name, region, err)
	}
	w := kinesis.NewStreamExistsWaiter(client, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay = 50 * time.Millisecond
		o.MaxDelay = time.Second
	})
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, time.Minute); err != nil {
		tb.Fatalf("awstest: wait for stream %s: %v", name, err)
	}
}

// Message is one SMS the emulator's SNS recorded.
type Message = emulator.Message

// SMS returns every SMS message published through the emulator, oldest first.
func SMS(tb testing.TB) []Message {
	tb.Helper()
	msgs, err := emulator.ReadSMS(Endpoint(tb))
	if err != nil {
		tb.Fatalf("awstest: %v", err)
	}
	return msgs
}

// SMSTo returns the messages sent to phone, oldest first.
func SMSTo(tb testing.TB, phone string) []Message {
	tb.Helper()
	var out []Message
	for _, m := range SMS(tb) {
		if m.PhoneNumber == phone {
			out = append(out, m)
		}
	}
	return out
}

// WarmRegions makes the emulator build EC2 and Kinesis in every region enabled in
// each of cfgs' accounts. moto builds a region lazily on first use (about a quarter
// of a second each, one at a time: ~5 s for twenty), which would otherwise eat a
// request's time budget and time the emulator rather than the code under test.
func WarmRegions(tb testing.TB, cfgs ...aws.Config) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	errs := make([]error, len(cfgs))
	var wg sync.WaitGroup
	for i, cfg := range cfgs {
		wg.Go(func() { errs[i] = emulator.WarmRegions(ctx, cfg) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		tb.Fatalf("warm regions: %v", err)
	}
}
