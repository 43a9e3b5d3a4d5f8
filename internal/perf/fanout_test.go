package perf

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/skill"
)

// endpointConfig is the base configuration of clients in tenants' accounts, aimed at
// url, with one shared HTTP client as config.LoadDefaultConfig gives the skill.
func endpointConfig(url string) aws.Config {
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url), HTTPClient: awshttp.NewBuildableClient()}
}

// handle answers body as the Lambda entry does and fails on an error.
func handle(tb testing.TB, h *skill.Handler, body []byte) *alexa.ResponseEnvelope {
	tb.Helper()
	resp, err := h.Handle(context.Background(), decodeRequest(tb, body))
	if err != nil {
		tb.Fatalf("Handle: %v", err)
	}
	return resp
}

// BenchmarkFanOut lists instances in 17 regions of a fake endpoint that answers each
// after 200 ms: through the skill, which asks every region at once (Concurrent), and
// one region after the other with the same clients (OneByOne). x-slowest is the time
// taken over the slowest region's 200 ms. Hanging has one region never answering:
// the skill answers within its default budget and names the region it missed.
func BenchmarkFanOut(b *testing.B) {
	b.Run("Concurrent", func(b *testing.B) {
		ep := newRegionalEndpoint(b, regionDelay, 2, "")
		tn := perfTenant
		tn.Regions = defaultRegions
		m := newMemSkill(b, tn, endpointConfig(ep.URL))
		body := alexaRequest(m.token, "ListInstancesIntent", nil)
		check := func(resp *alexa.ResponseEnvelope) {
			if s := spoken(resp); !strings.Contains(s, "34 instances in seventeen regions") || strings.Contains(s, "couldn") {
				b.Fatalf("speech = %q, want 34 instances in 17 regions, none missing", s)
			}
		}
		check(handle(b, m.h, body)) // credentials and connections, as on a warm Lambda
		for b.Loop() {
			check(handle(b, m.h, body))
		}
		b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(regionDelay), "x-slowest")
	})
	b.Run("OneByOne", func(b *testing.B) {
		ep := newRegionalEndpoint(b, regionDelay, 2, "")
		m := newMemSkill(b, perfTenant, endpointConfig(ep.URL))
		cfg := m.access.Config(m.h.AWS, perfTenant, perfUser.UserID)
		clients := make([]*ec2.Client, len(defaultRegions))
		for i, region := range defaultRegions {
			clients[i] = ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.Region = region })
		}
		list := func() {
			n := 0
			for _, c := range clients {
				out, err := c.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{})
				if err != nil {
					b.Fatal(err)
				}
				n += len(out.Reservations[0].Instances)
			}
			if n != 34 {
				b.Fatalf("%d instances, want 34", n)
			}
		}
		list()
		for b.Loop() {
			list()
		}
		b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(regionDelay), "x-slowest")
	})
	b.Run("Hanging", func(b *testing.B) {
		const hanging, place = "eu-north-1", "Stockholm"
		ep := newRegionalEndpoint(b, regionDelay, 2, hanging)
		tn := perfTenant
		tn.Regions = defaultRegions
		m := newMemSkill(b, tn, endpointConfig(ep.URL))
		body := alexaRequest(m.token, "ListInstancesIntent", nil)
		var worst time.Duration
		for b.Loop() {
			start := time.Now()
			resp := handle(b, m.h, body)
			worst = max(worst, time.Since(start))
			if s := spoken(resp); !strings.Contains(s, "32 instances in sixteen regions") || !strings.Contains(s, "reach "+place+" in time") {
				b.Fatalf("speech = %q, want 32 instances in 16 regions and %s named as not reached", s, place)
			}
		}
		b.ReportMetric(worst.Seconds(), "s-answer")
		b.ReportMetric(skill.DefaultBudget.Seconds(), "s-budget")
	})
}
