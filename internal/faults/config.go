package faults

import (
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// Config returns a copy of base whose HTTP client sends every request through t (with
// a 30 s timeout), and whose SDK retries back off at most 20 ms: a client built from
// it takes the SDK's real retry path around each injected fault without making the
// test wait.
//
//	ft := faults.New(nil)
//	db := dynamodb.NewFromConfig(ft.Config(awstest.Config(t)))
func (t *Transport) Config(base aws.Config) aws.Config {
	cfg := base.Copy()
	cfg.HTTPClient = &http.Client{Transport: t, Timeout: 30 * time.Second}
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = 20 * time.Millisecond })
	}
	return cfg
}
