package skill

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/tenants"
)

// The fuzz targets run the skill against in-memory EC2 and Kinesis (memoryEC2,
// memoryKinesis) rather than the emulator: a fuzzer needs thousands of executions a
// second, and what is fuzzed here is decoding, routing, matching and speech, not AWS.
// The emulator-backed tests (conversation_test.go, isolation_test.go) cover AWS.

// memoryEC2 is a tenant account's EC2 in one region, in memory: DescribeInstances
// (all, or by ID), StartInstances and StopInstances, which it records.
type memoryEC2 struct {
	region    string
	instances []ec2types.Instance
	changes   *changeLog
}

// changeLog records the start and stop calls made in any region.
type changeLog struct {
	mu  sync.Mutex
	ops []string
}

func (c *changeLog) add(op string) { c.mu.Lock(); c.ops = append(c.ops, op); c.mu.Unlock() }
func (c *changeLog) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.ops)
}

func (m memoryEC2) DescribeRegions(context.Context, *ec2.DescribeRegionsInput, ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error) {
	return &ec2.DescribeRegionsOutput{Regions: []ec2types.Region{
		{RegionName: aws.String("eu-west-1"), OptInStatus: aws.String("opt-in-not-required")},
		{RegionName: aws.String("us-east-1"), OptInStatus: aws.String("opt-in-not-required")},
		{RegionName: aws.String("af-south-1"), OptInStatus: aws.String("not-opted-in")},
	}}, nil
}

func (m memoryEC2) DescribeInstances(_ context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	var out []ec2types.Instance
	for _, i := range m.instances {
		if len(in.InstanceIds) == 0 || slices.Contains(in.InstanceIds, aws.ToString(i.InstanceId)) {
			out = append(out, i)
		}
	}
	if len(in.InstanceIds) > 0 && len(out) == 0 {
		return nil, &smithy.GenericAPIError{Code: "InvalidInstanceID.NotFound", Message: "The instance IDs do not exist"}
	}
	return &ec2.DescribeInstancesOutput{Reservations: []ec2types.Reservation{{Instances: out}}}, nil
}

func (m memoryEC2) StartInstances(_ context.Context, in *ec2.StartInstancesInput, _ ...func(*ec2.Options)) (*ec2.StartInstancesOutput, error) {
	m.changes.add(fmt.Sprintf("start %s %v", m.region, in.InstanceIds))
	return &ec2.StartInstancesOutput{}, nil
}

func (m memoryEC2) StopInstances(_ context.Context, in *ec2.StopInstancesInput, _ ...func(*ec2.Options)) (*ec2.StopInstancesOutput, error) {
	m.changes.add(fmt.Sprintf("stop %s %v", m.region, in.InstanceIds))
	return &ec2.StopInstancesOutput{}, nil
}

// memoryKinesis is one region's streams in memory: name → open shards.
type memoryKinesis map[string]int

func (m memoryKinesis) ListStreams(context.Context, *kinesis.ListStreamsInput, ...func(*kinesis.Options)) (*kinesis.ListStreamsOutput, error) {
	var names []string
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return &kinesis.ListStreamsOutput{StreamNames: names, HasMoreStreams: aws.Bool(false)}, nil
}

func (m memoryKinesis) DescribeStreamSummary(_ context.Context, in *kinesis.DescribeStreamSummaryInput, _ ...func(*kinesis.Options)) (*kinesis.DescribeStreamSummaryOutput, error) {
	n, ok := m[aws.ToString(in.StreamName)]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "ResourceNotFoundException"}
	}
	return &kinesis.DescribeStreamSummaryOutput{StreamDescriptionSummary: &kinesistypes.StreamDescriptionSummary{
		StreamName: in.StreamName, OpenShardCount: aws.Int32(int32(n))}}, nil
}

func ec2Instance(id, name, state string, tags ...ec2types.Tag) ec2types.Instance {
	i := ec2types.Instance{InstanceId: aws.String(id), InstanceType: "t3.micro",
		State: &ec2types.InstanceState{Name: ec2types.InstanceStateName(state)}}
	if name != "" {
		tags = append(tags, ec2types.Tag{Key: aws.String("Name"), Value: aws.String(name)})
	}
	i.Tags = tags
	return i
}

// fuzzWorld is the account the fuzz targets' tenant sees: names that need escaping,
// names that differ only in case or number words, an unnamed instance, and one not
// under voice control.
func fuzzWorld() (map[string][]ec2types.Instance, map[string]memoryKinesis) {
	voice := ec2types.Tag{Key: aws.String("easytocloud"), Value: aws.String("voice")}
	return map[string][]ec2types.Instance{
			"eu-west-1": {
				ec2Instance("i-0000000000000a001", "splunk", "stopped", voice),
				ec2Instance("i-0000000000000a002", "jenkins", "running", voice),
				ec2Instance("i-0000000000000a003", "R&D <test> \"x\"", "stopped", voice),
				ec2Instance("i-0000000000000a004", "web-1", "pending", voice),
				ec2Instance("i-0000000000000a005", "", "running", voice),
				ec2Instance("i-0000000000000a006", "database", "stopped"),
			},
			"us-east-1": {
				ec2Instance("i-0000000000000b001", "Web 1", "running", voice),
				ec2Instance("i-0000000000000b002", "café ]]> ünïcode", "stopping", voice),
				ec2Instance("i-0000000000000b003", "splunk", "terminated", voice),
			},
		}, map[string]memoryKinesis{
			"eu-west-1": {"clickstream": 4},
			"us-east-1": {"logs": 1, "<odd & name>": 0},
		}
}

// acceptAll stands for a request verifier that has accepted the request (the
// signature is fuzzed in alexa/sigverify's FuzzVerify).
type acceptAll struct{}

func (acceptAll) Verify(context.Context, http.Header, []byte) error { return nil }

// fuzzHandler is a Handler on fakes and the in-memory account: token "good" (and the
// fixtures' token) is alice of tnt-a, who may be elevated.
func fuzzHandler(tb testing.TB, logs *logBuffer, m *fakeMFA, changes *changeLog) *Handler {
	instances, streams := fuzzWorld()
	return &Handler{
		SkillID: testSkillID,
		Tokens:  fakeTokens{"good": alice, "eyJhbGciOiJFUzI1NiJ9.e30.sig": alice},
		Directory: &fakeDirectory{
			tenants: map[string]tenants.Tenant{"tnt-a": {ID: "tnt-a", Name: "Acme", RoleARN: "arn:aws:iam::222222222222:role/x", ExternalID: "x",
				ControlTag: &tenants.Tag{Key: "easytocloud", Value: "voice"}}},
			users: map[string]bool{"tnt-a/usr-alice": true},
		},
		Access: baseAccess{},
		MFA:    m,
		AWS:    aws.Config{Region: "us-east-1"},
		Clients: account.Clients{
			EC2: func(_ aws.Config, region string) account.EC2API {
				return memoryEC2{region: region, instances: instances[region], changes: changes}
			},
			Kinesis: func(_ aws.Config, region string) account.KinesisAPI { return streams[region] },
		},
		Log: newLogger(logs),
	}
}

// fuzzSeeds are request bodies for every request type and intent, as the device
// helper builds them, plus the decoded fixtures of alexa/testdata/.
func fuzzSeeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	files, _ := filepath.Glob(filepath.Join("..", "alexa", "testdata", "*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, bytes.ReplaceAll(b, []byte("amzn1.ask.skill.7c1f2a3b-4d5e-6f70-8192-a3b4c5d6e7f8"), []byte(testSkillID)))
	}
	h := &Handler{SkillID: testSkillID}
	add := func(env *alexa.RequestEnvelope) {
		b, err := json.Marshal(env)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	d := newDevice(tb, h, "good")
	add(d.envelope(alexa.Request{Type: alexa.LaunchRequestType}))
	slots := map[string]map[string]string{
		"ListInstancesIntent":   {"region": "Ireland"},
		"DescribeKinesisIntent": {"region": "North Virginia"},
		"StartInstanceIntent":   {"instance": "splunk"},
		"StopInstanceIntent":    {"instance": "jenkins"},
		"AuthenticateIntent":    {"code": "123456"},
	}
	for name := range Intents() {
		in := &alexa.RequestIntent{Name: name, ConfirmationStatus: alexa.ConfirmationNone, Slots: map[string]alexa.RequestSlot{}}
		for k, v := range slots[name] {
			in.Slots[k] = alexa.RequestSlot{Name: k, Value: v, ConfirmationStatus: alexa.ConfirmationNone}
		}
		add(d.envelope(alexa.Request{Type: alexa.IntentRequestType, Intent: in}))
	}
	// A confirmed stop with a remembered pending change.
	d.attrs = map[string]any{attrPending: map[string]any{"action": "stop", "id": "i-0000000000000a002", "region": "eu-west-1", "name": "jenkins"}}
	add(d.envelope(alexa.Request{Type: alexa.IntentRequestType, Intent: &alexa.RequestIntent{Name: "StopInstanceIntent", ConfirmationStatus: alexa.ConfirmationConfirmed,
		Slots: map[string]alexa.RequestSlot{"instance": {Name: "instance", Value: "jenkins"}}}}))
	return seeds
}

// FuzzAlexaRequest sends arbitrary bodies through the HTTPS entry (verification
// accepted) to the handler, with the user elevated or not. Whatever the body: no
// panic, an answer within the budget, 200 or 400 and never 500, a 200 answer that is
// a well-formed response within Alexa's limits, and no instance started or stopped
// unless the user was elevated before the request.
func FuzzAlexaRequest(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, body []byte, elevated bool) {
		logs := &logBuffer{}
		m := newFakeMFA("123456")
		if elevated {
			m.elevate(alice)
		}
		changes := &changeLog{}
		h := fuzzHandler(t, logs, m, changes)
		req := httptest.NewRequest(http.MethodPost, "/alexa", bytes.NewReader(body))
		rec := httptest.NewRecorder()
		start := time.Now()
		alexa.NewHTTPHandler(h, acceptAll{}, h.Log).ServeHTTP(rec, req)
		if took := time.Since(start); took > h.budget()+time.Second {
			t.Errorf("answered in %v, over the budget", took)
		}
		if strings.Contains(logs.String(), `"panic`) {
			t.Fatalf("the handler panicked:\n%s", logs)
		}
		switch rec.Code {
		case http.StatusOK:
		case http.StatusBadRequest:
			if n := len(changes.list()); n > 0 {
				t.Fatalf("a refused request changed %d instances", n)
			}
			return
		default:
			t.Fatalf("status %d for body %q", rec.Code, body)
		}
		if !elevated {
			if ops := changes.list(); len(ops) > 0 {
				t.Fatalf("changed %v without an elevation, body %q", ops, body)
			}
		}
		checkFuzzResponse(t, rec.Body.Bytes())
	})
}

// checkFuzzResponse checks an answer the way Alexa would reject it.
func checkFuzzResponse(t *testing.T, b []byte) {
	t.Helper()
	if len(b) > alexa.MaxResponseBytes {
		t.Fatalf("response is %d bytes", len(b))
	}
	if !utf8.Valid(b) {
		t.Fatalf("response is not UTF-8: %q", b)
	}
	var r alexa.ResponseEnvelope
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("response is not JSON: %v", err)
	}
	if r.Version != "1.0" {
		t.Fatalf("response version %q", r.Version)
	}
	for _, s := range []*alexa.OutputSpeech{r.Response.OutputSpeech, repromptSpeech(r)} {
		if s == nil {
			continue
		}
		if s.Type != alexa.SpeechSSML || !strings.HasPrefix(s.SSML, "<speak>") || len(s.SSML) > 8000 {
			t.Fatalf("speech %+v", s)
		}
		mustWellFormed(t, s.SSML)
	}
	if r.Response.ShouldEndSession != nil && !*r.Response.ShouldEndSession && r.Response.Reprompt == nil && len(r.Response.Directives) == 0 {
		t.Fatalf("the session stays open without a reprompt: %s", b)
	}
}

func repromptSpeech(r alexa.ResponseEnvelope) *alexa.OutputSpeech {
	if r.Response.Reprompt == nil {
		return nil
	}
	return r.Response.Reprompt.OutputSpeech
}

// FuzzInstanceName feeds arbitrary spoken names, and arbitrary instance names, to
// the instance-name matcher: no panic, a result that is one of the instances, and a
// name said exactly as one instance's is that instance.
func FuzzInstanceName(f *testing.F) {
	for _, s := range [][2]string{
		{"splunk", "splunk\njenkins\nsplunk-test"},
		{"web one", "web-1\nWeb 1\nweb-11"},
		{"the splunk server", "splunk\njenkins"},
		{"splunk in Ireland", "splunk\nsplunk"},
		{"build seven", "build-7\nbuild-17"},
		{"twenty one", "node-21\nnode-201"},
		{"café", "Café\ncafe"},
		{"", "x"},
		{"i-0abc", ""},
		{"R&D test", "R&D <test>\nR and D"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, spoken, names string) {
		var all []account.Instance
		regions := []string{"eu-west-1", "us-east-1"}
		for i, n := range strings.Split(names, "\n") {
			all = append(all, account.Instance{ID: fmt.Sprintf("i-%017d", i), Region: regions[i%2], Name: n, State: "running"})
		}
		res := resolveName(spoken, all)
		if res.match != nil && len(res.options) > 0 {
			t.Fatalf("both a match and options for %q", spoken)
		}
		for _, in := range append(res.options, derefAll(res.match)...) {
			if !slices.ContainsFunc(all, func(a account.Instance) bool { return a.ID == in.ID }) {
				t.Fatalf("resolved to %+v, which is not an instance", in)
			}
		}
		if strings.Contains(strings.ToLower(spoken), " in ") {
			return // a place suffix may narrow the choice first
		}
		key := nameKey(spoken)
		var same []account.Instance
		for _, in := range all {
			k := nameKey(in.Name)
			if k == "" {
				k = nameKey(in.ID)
			}
			if k == key && key != "" {
				same = append(same, in)
			}
		}
		if len(same) == 1 && (res.match == nil || res.match.ID != same[0].ID) {
			t.Fatalf("%q names %q exactly, but resolved to %+v", spoken, same[0].Name, res)
		}
	})
}

func derefAll(in *account.Instance) []account.Instance {
	if in == nil {
		return nil
	}
	return []account.Instance{*in}
}
