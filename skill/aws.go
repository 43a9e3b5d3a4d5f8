package skill

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/smithy-go"

	"github.com/easytocloud/easytocloud/tenants"
)

// TenantIAMActions are the AWS actions the skill calls in a tenant's account, with
// the credentials of the tenant's role. The tenant module's role policy must allow
// them (a test in terraform reads this list).
var TenantIAMActions = []string{
	"ec2:DescribeRegions",
	"ec2:DescribeInstances",
	"ec2:StartInstances",
	"ec2:StopInstances",
	"kinesis:ListStreams",
	"kinesis:DescribeStreamSummary",
}

// EC2API is the part of the EC2 client the skill calls in a tenant's account.
type EC2API interface {
	DescribeRegions(ctx context.Context, in *ec2.DescribeRegionsInput, opts ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error)
	DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, opts ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	StartInstances(ctx context.Context, in *ec2.StartInstancesInput, opts ...func(*ec2.Options)) (*ec2.StartInstancesOutput, error)
	StopInstances(ctx context.Context, in *ec2.StopInstancesInput, opts ...func(*ec2.Options)) (*ec2.StopInstancesOutput, error)
}

// KinesisAPI is the part of the Kinesis client the skill calls in a tenant's account.
type KinesisAPI interface {
	ListStreams(ctx context.Context, in *kinesis.ListStreamsInput, opts ...func(*kinesis.Options)) (*kinesis.ListStreamsOutput, error)
	DescribeStreamSummary(ctx context.Context, in *kinesis.DescribeStreamSummaryInput, opts ...func(*kinesis.Options)) (*kinesis.DescribeStreamSummaryOutput, error)
}

func defaultEC2(cfg aws.Config, region string) EC2API {
	return ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.Region = region })
}

func defaultKinesis(cfg aws.Config, region string) KinesisAPI {
	return kinesis.NewFromConfig(cfg, func(o *kinesis.Options) { o.Region = region })
}

// failure classifies an error from the tenant's account into what the user is told.
type failure int

const (
	failOther     failure = iota
	failRole              // the tenant's role could not be assumed
	failDenied            // the role may not do this
	failThrottled         // AWS throttled us
	failTimeout           // no answer in time, or the region is unreachable
	failNotFound          // the instance is gone
)

// classify maps an AWS SDK error to a failure.
func classify(err error) failure {
	if errors.Is(err, tenants.ErrAccessDenied) {
		return failRole
	}
	if errors.Is(err, errInstanceGone) {
		return failNotFound
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return failTimeout
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code := ae.ErrorCode()
		switch {
		case code == "Throttling" || code == "ThrottlingException" || code == "RequestLimitExceeded" ||
			code == "LimitExceededException" || code == "TooManyRequestsException":
			return failThrottled
		case code == "UnauthorizedOperation" || code == "AccessDenied" || code == "AccessDeniedException":
			return failDenied
		case code == "AuthFailure" || code == "OptInRequired" || code == "UnrecognizedClientException" ||
			code == "InvalidClientTokenId" || code == "ExpiredToken":
			return failRole
		case strings.HasPrefix(code, "InvalidInstanceID"):
			return failNotFound
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return failTimeout
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return failTimeout
	}
	return failOther
}
