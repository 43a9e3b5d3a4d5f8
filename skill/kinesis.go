package skill

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/easytocloud/easytocloud/alexa"
)

// stream is a Kinesis data stream with its open shards.
type stream struct {
	Name, Region string
	OpenShards   int
}

const (
	// maxStreamPages bounds ListStreams paging in one region.
	maxStreamPages = 20
	// streamConcurrency bounds DescribeStreamSummary calls in flight per region.
	streamConcurrency = 8
)

// regionStreams lists the streams of one region with their open shard counts.
// ListStreams is paged by NextToken, or by the last name when an implementation
// gives no token; a page that adds no new name ends the listing.
func (t *turn) regionStreams(ctx context.Context, region string) ([]stream, error) {
	client := t.h.kinesis(t.cfg, region)
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
	streams := make([]stream, len(names))
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
			streams[i] = stream{Name: name, Region: region}
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

// describeKinesis answers DescribeKinesisIntent: the streams with their open shard
// counts, by region ("You have a four shard Kinesis stream in Ireland, called
// clickstream").
func (t *turn) describeKinesis(ctx context.Context) reply {
	sc, r, ok := t.scope(ctx)
	if !ok {
		return r
	}
	wait := func() {}
	if len(sc.regions) >= progressAfter {
		wait = t.progress(ctx, t.msg.checkingStreams(len(sc.regions)))
	}
	vals, errs := fanOut(ctx, t.h, t.log, sc.regions, t.regionStreams)
	wait()
	fails := t.failures(ctx, "list streams", len(vals), errs)
	if fails.fatal != nil {
		return t.failed(ctx, "list streams", fails.fatal)
	}
	missing := fails.speak(t.msg)
	if len(vals) == 0 && len(errs) > 0 {
		return t.answer(missing)
	}
	var all []stream
	for _, region := range sc.regions {
		all = append(all, vals[region]...)
	}
	msg := t.msg
	place := func(s stream) string { return placeName(msg.lang, s.Region) }
	slices.SortFunc(all, func(a, b stream) int {
		return cmp.Or(cmp.Compare(place(a), place(b)), cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)))
	})
	var speech alexa.SSML
	switch len(all) {
	case 0:
		speech = msg.noStreams(sc.place)
	case 1:
		speech = msg.oneStream(all[0].OpenShards, place(all[0]), all[0].Name)
	default:
		parts := []alexa.SSML{msg.streamsIntro(len(all))}
		for i := 0; i < len(all); {
			j := i
			var items []alexa.SSML
			for ; j < len(all) && all[j].Region == all[i].Region; j++ {
				items = append(items, msg.streamItem(all[j].Name, all[j].OpenShards))
			}
			parts = append(parts, msg.regionGroup(place(all[i]), items))
			i = j
		}
		speech = alexa.Join(parts...)
	}
	return t.answer(alexa.Join(speech, missing)).withCard(msg.cardTitle, "")
}
