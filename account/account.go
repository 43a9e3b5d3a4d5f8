// Package account is the port to a tenant's AWS account: what the conversation
// reads and changes there, as small interfaces (Regions, Instances, Streams), their
// types and the kinds of failure (Classify). Each AWS service has one adapter file
// (ec2.go, kinesis.go) holding its client subset, its adapter and the IAM actions it
// calls; credentials.go assumes the tenant's role. Adding a service means one adapter
// file, its line in Account, Clients.Open and TenantIAMActions, and the skill's
// speech and intents for it.
package account

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/easytocloud/easytocloud/tenants"
)

// TenantIAMActions are the AWS actions the adapters call in a tenant's account,
// with the credentials of the tenant's role. The tenant module's role policy must
// allow them (a test in terraform reads this list).
var TenantIAMActions = []string{
	"ec2:DescribeRegions",
	"ec2:DescribeInstances",
	"ec2:StartInstances",
	"ec2:StopInstances",
	"kinesis:ListStreams",
	"kinesis:DescribeStreamSummary",
}

// Regions are the regions of an account.
type Regions interface {
	// Enabled returns the regions enabled in the account (opted in, or needing no
	// opt-in) of the commercial partition, sorted.
	Enabled(ctx context.Context) ([]string, error)
}

// Instance is an EC2 instance of the tenant's account.
type Instance struct {
	ID, Region, Name, Type, State string
	// Controllable is true when the instance may be changed by voice: it carries
	// the tenant's control tag, or the tenant has none.
	Controllable bool
}

// Instances are the EC2 instances of an account. Errors are the SDK's, wrapped with
// the operation; Classify sorts them.
type Instances interface {
	// List returns the instances of a region, terminated ones left out.
	List(ctx context.Context, region string) ([]Instance, error)
	// Get reads one instance afresh; an instance that is not the account's, or is
	// terminated, gives an error that Classify calls NotFound.
	Get(ctx context.Context, region, id string) (Instance, error)
	// Start and Stop ask EC2 to start or stop an instance. They are retried only
	// after throttling, which AWS answers before doing anything: after another
	// failure the change may or may not have happened.
	Start(ctx context.Context, region, id string) error
	Stop(ctx context.Context, region, id string) error
}

// Stream is a Kinesis data stream with its open shards.
type Stream struct {
	Name, Region string
	OpenShards   int
}

// Streams are the Kinesis data streams of an account.
type Streams interface {
	// List returns the streams of a region with their open shard counts.
	List(ctx context.Context, region string) ([]Stream, error)
}

// Account is a tenant's AWS account as one user acts in it.
type Account struct {
	Regions   Regions
	Instances Instances
	Streams   Streams
}

// Clients builds the SDK client of each service for one region; a nil field means
// the SDK's own client (NewEC2, NewKinesis). Tests put fakes or wrappers here.
type Clients struct {
	EC2     func(cfg aws.Config, region string) EC2API
	Kinesis func(cfg aws.Config, region string) KinesisAPI
}

// Open returns t's account reached with cfg, which carries credentials of t's role
// (Access.Config); its Region is where the regions are asked (us-east-1 when
// empty). It does no I/O.
func (c Clients) Open(cfg aws.Config, t tenants.Tenant) Account {
	ec2 := &ec2Account{cfg: cfg, client: c.EC2, controlTag: t.ControlTag, owner: t.ID}
	return Account{
		Regions:   ec2,
		Instances: ec2,
		Streams:   &kinesisAccount{cfg: cfg, client: c.Kinesis},
	}
}
