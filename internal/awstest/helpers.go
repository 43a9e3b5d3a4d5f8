package awstest

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// Context returns a context that ends with the test, or after two minutes: longer
// than any emulator call takes, short enough that a hung call fails the test.
func Context(tb testing.TB) context.Context {
	tb.Helper()
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	tb.Cleanup(cancel)
	return c
}

// InstanceNames lists the Name tags of every instance in region of cfg's account.
func InstanceNames(tb testing.TB, cfg aws.Config, region string) []string {
	tb.Helper()
	out, err := ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.Region = region }).
		DescribeInstances(Context(tb), &ec2.DescribeInstancesInput{})
	if err != nil {
		tb.Fatalf("describe instances: %v", err)
	}
	var names []string
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			for _, tag := range i.Tags {
				if aws.ToString(tag.Key) == "Name" {
					names = append(names, aws.ToString(tag.Value))
				}
			}
		}
	}
	return names
}
