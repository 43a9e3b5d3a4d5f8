package perf

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
)

// memEC2 answers DescribeInstances from memory: the instances of one region, as
// the SDK would have decoded them.
type memEC2 struct {
	account.EC2API // other calls panic: a read request makes none
	out            *ec2.DescribeInstancesOutput
}

func (m memEC2) DescribeInstances(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	return m.out, nil
}

// instancesOutput is n instances, web-0 … web-n-1, alternately running and stopped.
func instancesOutput(n int) *ec2.DescribeInstancesOutput {
	r := ec2types.Reservation{ReservationId: aws.String("r-perf")}
	for i := range n {
		state := ec2types.InstanceStateNameRunning
		if i%2 == 1 {
			state = ec2types.InstanceStateNameStopped
		}
		r.Instances = append(r.Instances, ec2types.Instance{
			InstanceId:   aws.String(fmt.Sprintf("i-0perf%012d", i)),
			InstanceType: ec2types.InstanceTypeT3Micro,
			State:        &ec2types.InstanceState{Name: state},
			Tags:         []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(fmt.Sprintf("web-%d", i))}},
		})
	}
	return &ec2.DescribeInstancesOutput{Reservations: []ec2types.Reservation{r}}
}

// responseSink is a reusable http.ResponseWriter that keeps the last body.
type responseSink struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *responseSink) Header() http.Header         { return w.header }
func (w *responseSink) WriteHeader(status int)      { w.status = status }
func (w *responseSink) Write(p []byte) (int, error) { return w.body.Write(p) }

func (w *responseSink) reset() {
	clear(w.header)
	w.status = http.StatusOK
	w.body.Reset()
}

// BenchmarkOverhead is the skill's own work for one request arriving over HTTPS, AWS
// left out (the tenant's account answers from memory): read the body, verify
// Alexa's signature (certificate chain cached), decode, verify the access token (key
// cached), find tenant and user (in memory), route, build the speech, card and
// directives, encode. Launch is the welcome; List50 lists 50 instances of a region.
func BenchmarkOverhead(b *testing.B) {
	for _, tt := range []struct {
		name, intent, want string
		slots              map[string]slotValue
	}{
		{"Launch", "", "Welcome to easy to cloud", nil},
		{"List50", "ListInstancesIntent", "50 instances", map[string]slotValue{"region": {"Ireland", "eu-west-1"}}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			tn := perfTenant
			tn.Regions = []string{"eu-west-1"}
			m := newMemSkill(b, tn, aws.Config{Region: "us-east-1"})
			out := instancesOutput(50)
			m.h.Clients.EC2 = func(aws.Config, string) account.EC2API { return memEC2{out: out} }
			p := mustPKI(b)
			downloads := 0
			srv := alexa.NewHTTPHandler(m.h, p.verifier(&downloads), m.h.Log)

			req, err := http.NewRequest(http.MethodPost, "https://skill.perf.test/alexa", nil)
			if err != nil {
				b.Fatal(err)
			}
			w := &responseSink{header: http.Header{}}
			// Every request is a new one (the endpoint refuses replays): its own
			// request ID, signed by Alexa, both outside the timer.
			n := 0
			next := func() {
				n++
				body := alexaRequest(m.token, tt.intent, tt.slots, fmt.Sprintf("amzn1.echo-api.request.perf-%d", n))
				req.Header = p.sign(body)
				req.Body = io.NopCloser(bytes.NewReader(body))
				w.reset()
			}
			next()
			srv.ServeHTTP(w, req) // the certificate chain is downloaded and cached
			if w.status != http.StatusOK || !strings.Contains(w.body.String(), tt.want) {
				b.Fatalf("answer %d %s, want 200 with %q", w.status, w.body.String(), tt.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				next()
				b.StartTimer()
				srv.ServeHTTP(w, req)
			}
			if w.status != http.StatusOK || downloads != 1 {
				b.Fatalf("last answer %d, %d certificate downloads; want 200 and 1", w.status, downloads)
			}
		})
	}
}
