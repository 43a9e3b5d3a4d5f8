package account

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/easytocloud/easytocloud/tenants"
)

// EC2API is the part of the EC2 client the account calls.
type EC2API interface {
	DescribeRegions(ctx context.Context, in *ec2.DescribeRegionsInput, opts ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error)
	DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, opts ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	StartInstances(ctx context.Context, in *ec2.StartInstancesInput, opts ...func(*ec2.Options)) (*ec2.StartInstancesOutput, error)
	StopInstances(ctx context.Context, in *ec2.StopInstancesInput, opts ...func(*ec2.Options)) (*ec2.StopInstancesOutput, error)
}

// NewEC2 is the SDK's EC2 client for a region.
func NewEC2(cfg aws.Config, region string) EC2API {
	return ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.Region = region })
}

// ec2Account is the adapter of Regions and Instances.
type ec2Account struct {
	cfg        aws.Config
	client     func(cfg aws.Config, region string) EC2API // nil: NewEC2
	controlTag *tenants.Tag
	owner      string // the tenant's ID, for errors
}

func (a *ec2Account) ec2(region string) EC2API {
	if a.client != nil {
		return a.client(a.cfg, region)
	}
	return NewEC2(a.cfg, region)
}

// Enabled asks DescribeRegions in the configuration's region (us-east-1 when none).
func (a *ec2Account) Enabled(ctx context.Context) ([]string, error) {
	home := a.cfg.Region
	if home == "" {
		home = "us-east-1"
	}
	out, err := a.ec2(home).DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("describe regions of tenant %s: %w", a.owner, err)
	}
	var regions []string
	for _, r := range out.Regions {
		code := aws.ToString(r.RegionName)
		switch aws.ToString(r.OptInStatus) {
		case "opt-in-not-required", "opted-in", "":
		default:
			continue
		}
		if Commercial(code) {
			regions = append(regions, code)
		}
	}
	slices.Sort(regions)
	return regions, nil
}

// Commercial reports whether code is a region of the commercial partition ("aws"):
// DescribeRegions in a commercial account never returns others, but an emulator may.
func Commercial(code string) bool {
	for _, p := range []string{"cn-", "us-gov-", "us-iso", "eu-isoe-"} {
		if strings.HasPrefix(code, p) {
			return false
		}
	}
	return code != ""
}

func (a *ec2Account) List(ctx context.Context, region string) ([]Instance, error) {
	p := ec2.NewDescribeInstancesPaginator(a.ec2(region), &ec2.DescribeInstancesInput{MaxResults: aws.Int32(1000)})
	var out []Instance
	for pages := 0; p.HasMorePages() && pages < 20; pages++ {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe instances in %s: %w", region, err)
		}
		for _, r := range page.Reservations {
			for _, i := range r.Instances {
				if in := a.instance(region, i); in.State != "terminated" {
					out = append(out, in)
				}
			}
		}
	}
	return out, nil
}

func (a *ec2Account) Get(ctx context.Context, region, id string) (Instance, error) {
	out, err := a.ec2(region).DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		return Instance{}, fmt.Errorf("describe instance %s in %s: %w", id, region, err)
	}
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			if aws.ToString(i.InstanceId) == id {
				if in := a.instance(region, i); in.State != "terminated" {
					return in, nil
				}
			}
		}
	}
	return Instance{}, fmt.Errorf("describe instance %s in %s: %w", id, region, ErrInstanceGone)
}

// instance converts an EC2 instance.
func (a *ec2Account) instance(region string, i ec2types.Instance) Instance {
	in := Instance{ID: aws.ToString(i.InstanceId), Region: region, Type: string(i.InstanceType)}
	if i.State != nil {
		in.State = string(i.State.Name)
	}
	ctl := a.controlTag
	in.Controllable = ctl == nil
	for _, tag := range i.Tags {
		k, v := aws.ToString(tag.Key), aws.ToString(tag.Value)
		if k == "Name" {
			in.Name = strings.TrimSpace(v)
		}
		if ctl != nil && k == ctl.Key && v == ctl.Value {
			in.Controllable = true
		}
	}
	return in
}

func (a *ec2Account) Start(ctx context.Context, region, id string) error {
	if _, err := a.ec2(region).StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}}, retryOnlyThrottling); err != nil {
		return fmt.Errorf("start instance %s in %s: %w", id, region, err)
	}
	return nil
}

func (a *ec2Account) Stop(ctx context.Context, region, id string) error {
	if _, err := a.ec2(region).StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}, retryOnlyThrottling); err != nil {
		return fmt.Errorf("stop instance %s in %s: %w", id, region, err)
	}
	return nil
}

// retryOnlyThrottling makes the SDK retry an operation only after a throttling
// error, which AWS answers before doing anything: after a server error or a timeout
// the outcome is unknown, and sending it again blind is not the way to learn it.
func retryOnlyThrottling(o *ec2.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.Retryables = []retry.IsErrorRetryable{
			retry.NoRetryCanceledError{},
			retry.RetryableErrorCode{Codes: retry.DefaultThrottleErrorCodes},
		}
	})
}
