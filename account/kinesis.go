package account

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// KinesisAPI is the part of the Kinesis client the account calls.
type KinesisAPI interface {
	ListStreams(ctx context.Context, in *kinesis.ListStreamsInput, opts ...func(*kinesis.Options)) (*kinesis.ListStreamsOutput, error)
	DescribeStreamSummary(ctx context.Context, in *kinesis.DescribeStreamSummaryInput, opts ...func(*kinesis.Options)) (*kinesis.DescribeStreamSummaryOutput, error)
}

// NewKinesis is the SDK's Kinesis client for a region.
func NewKinesis(cfg aws.Config, region string) KinesisAPI {
	return kinesis.NewFromConfig(cfg, func(o *kinesis.Options) { o.Region = region })
}

const (
	// maxStreamPages bounds ListStreams paging in one region.
	maxStreamPages = 20
	// streamConcurrency bounds DescribeStreamSummary calls in flight per region.
	streamConcurrency = 8
)

// kinesisAccount is the adapter of Streams.
type kinesisAccount struct {
	cfg    aws.Config
	client func(cfg aws.Config, region string) KinesisAPI // nil: NewKinesis
}

// List pages ListStreams by NextToken, or by the last name when an implementation
// gives no token; a page that adds no new name ends the listing. Then it describes
// the streams, a few at a time.
func (a *kinesisAccount) List(ctx context.Context, region string) ([]Stream, error) {
	client := NewKinesis
	if a.client != nil {
		client = a.client
	}
	c := client(a.cfg, region)
	names, err := streamNames(ctx, c, region)
	if err != nil {
		return nil, err
	}
	return describeStreams(ctx, c, region, names)
}

func streamNames(ctx context.Context, client KinesisAPI, region string) ([]string, error) {
	var names []string
	seen := map[string]bool{}
	in := &kinesis.ListStreamsInput{}
	for range maxStreamPages {
		out, err := client.ListStreams(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list streams in %s: %w", region, err)
		}
		added := 0
		for _, n := range out.StreamNames {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
				added++
			}
		}
		if !aws.ToBool(out.HasMoreStreams) || added == 0 {
			break
		}
		in = &kinesis.ListStreamsInput{}
		if out.NextToken != nil {
			in.NextToken = out.NextToken
		} else {
			in.ExclusiveStartStreamName = aws.String(names[len(names)-1])
		}
	}
	return names, nil
}

func describeStreams(ctx context.Context, client KinesisAPI, region string, names []string) ([]Stream, error) {
	streams := make([]Stream, len(names))
	errs := make([]error, len(names))
	sem := make(chan struct{}, streamConcurrency)
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			out, err := client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
			if err != nil {
				errs[i] = fmt.Errorf("describe stream %s in %s: %w", name, region, err)
				return
			}
			streams[i] = Stream{Name: name, Region: region}
			if s := out.StreamDescriptionSummary; s != nil {
				streams[i].OpenShards = int(aws.ToInt32(s.OpenShardCount))
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return streams, nil
}
