package emulator

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// WarmRegions makes the emulator build EC2 and Kinesis in every region the account
// of cfg reports, concurrently. moto builds a region lazily on first use (a quarter
// of a second or so each, one at a time), which would otherwise eat the first
// request's time budget. The error joins every region that failed.
func WarmRegions(ctx context.Context, cfg aws.Config) error {
	out, err := ec2.NewFromConfig(cfg).DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		return fmt.Errorf("describe regions: %w", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(out.Regions))
	for i, r := range out.Regions {
		region := aws.ToString(r.RegionName)
		wg.Go(func() {
			_, err := ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.Region = region }).DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
			if err == nil {
				_, err = kinesis.NewFromConfig(cfg, func(o *kinesis.Options) { o.Region = region }).ListStreams(ctx, &kinesis.ListStreamsInput{})
			}
			if err != nil {
				errs[i] = fmt.Errorf("warm region %s: %w", region, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
