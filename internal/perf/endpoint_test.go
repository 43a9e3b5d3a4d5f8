package perf

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// defaultRegions are the 17 commercial regions enabled in every account (no opt-in).
var defaultRegions = []string{
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1",
	"ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1",
	"eu-west-2", "eu-west-3", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
}

// regionDelay is how long the fake endpoint takes to answer in a region.
const regionDelay = 200 * time.Millisecond

// regionalEndpoint is a fake EC2 endpoint for every region at once: it tells the
// region from the request's SigV4 credential scope, as AWS's regional endpoints know
// theirs, answers DescribeInstances after the region's delay with that region's
// instances, and never answers in a hanging region (until the caller hangs up).
type regionalEndpoint struct {
	*httptest.Server
	delay   time.Duration
	hanging string // region that never answers; "" for none
	perReg  int    // instances per region

	mu     sync.Mutex
	bodies map[string][]byte // region → response, built once
}

var credentialScope = regexp.MustCompile(`Credential=[^/]+/[^/]+/([^/]+)/([^/]+)/aws4_request`)

func newRegionalEndpoint(tb testing.TB, delay time.Duration, perRegion int, hanging string) *regionalEndpoint {
	e := &regionalEndpoint{delay: delay, hanging: hanging, perReg: perRegion, bodies: map[string][]byte{}}
	e.Server = httptest.NewServer(e)
	tb.Cleanup(e.Close)
	return e
}

func (e *regionalEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The body is read first, so that the server notices when the caller hangs up.
	b, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(b))
	m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil || m[2] != "ec2" || form.Get("Action") != "DescribeInstances" {
		http.Error(w, "fake endpoint: only signed ec2:DescribeInstances", http.StatusBadRequest)
		return
	}
	region := m[1]
	wait := e.delay
	if region == e.hanging {
		wait = time.Hour
	}
	select {
	case <-time.After(wait):
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	_, _ = w.Write(e.body(region))
}

// body is the DescribeInstances answer of a region: perReg running instances named
// after it, in one reservation.
func (e *regionalEndpoint) body(region string) []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	if b, ok := e.bodies[region]; ok {
		return b
	}
	var s strings.Builder
	s.WriteString(`<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>perf</requestId><reservationSet><item><reservationId>r-perf</reservationId><ownerId>222222222222</ownerId><instancesSet>`)
	for i := range e.perReg {
		fmt.Fprintf(&s, `<item><instanceId>i-%s%04d</instanceId><instanceType>t3.micro</instanceType><instanceState><code>16</code><name>running</name></instanceState><tagSet><item><key>Name</key><value>%s-%d</value></item></tagSet></item>`,
			strings.ReplaceAll(region, "-", ""), i, region, i)
	}
	s.WriteString(`</instancesSet></item></reservationSet></DescribeInstancesResponse>`)
	e.bodies[region] = []byte(s.String())
	return e.bodies[region]
}
