package replay_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/alexa/sigverify"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/faults"
	"github.com/easytocloud/easytocloud/internal/localalexa"
	"github.com/easytocloud/easytocloud/internal/replay"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/internal/testclock"
)

func TestMain(m *testing.M) { awstest.Main(m) }

var _ alexa.ReplayGuard = (*replay.Guard)(nil)

// countingSkill answers every request with an empty response and counts them.
type countingSkill struct{ calls atomic.Int64 }

func (s *countingSkill) Handle(context.Context, *alexa.RequestEnvelope) (*alexa.ResponseEnvelope, error) {
	s.calls.Add(1)
	return &alexa.ResponseEnvelope{Version: "1.0"}, nil
}

// fleet is n instances of one HTTPS endpoint: each its own DynamoDB client, guard,
// verifier and handler, on one emulator table, one Alexa identity, one clock.
type fleet struct {
	id        *localalexa.Identity
	clock     *testclock.Clock
	skill     *countingSkill
	instances []http.Handler
	logs      *syncBuffer
	tableName string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newFleet(t *testing.T, n int) *fleet {
	t.Helper()
	clk := testclock.New(time.Now().Truncate(time.Second))
	id, err := localalexa.New(clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	f := &fleet{id: id, clock: clk, skill: &countingSkill{}, logs: &syncBuffer{}, tableName: awstest.Table(t)}
	for range n {
		g := replay.New(table.New(dynamodb.NewFromConfig(awstest.Config(t)), f.tableName))
		g.Now = clk.Now
		f.instances = append(f.instances, &alexa.HTTPHandler{
			Skill:    f.skill,
			Verifier: &sigverify.Verifier{Roots: id.Roots(), Client: id.Client(), Now: clk.Now},
			Replays:  g,
			Now:      clk.Now,
			Log:      slog.New(slog.NewJSONHandler(f.logs, nil)),
		})
	}
	return f
}

// signed is a LaunchRequest with its own request ID and timestamp ts, as Alexa signs it.
type signed struct {
	body []byte
	hdr  http.Header
}

func (f *fleet) request(t *testing.T, requestID string, ts time.Time) signed {
	t.Helper()
	body, err := json.Marshal(alexa.RequestEnvelope{Version: "1.0", Request: alexa.Request{
		Type: alexa.LaunchRequestType, RequestID: requestID, Timestamp: ts.UTC().Format(time.RFC3339), Locale: "en-US"}})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	if err := f.id.Signer().SignHeader(h, body); err != nil {
		t.Fatal(err)
	}
	return signed{body, h}
}

// send posts r to instance i and returns the status.
func (f *fleet) send(i int, r signed) int {
	req := httptest.NewRequest(http.MethodPost, "/alexa", bytes.NewReader(r.body))
	for k, v := range r.hdr {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	f.instances[i].ServeHTTP(rec, req)
	return rec.Code
}

// TestReplayRefusedByAnotherInstance: a signed request accepted by one instance is
// refused by another (and by the first again); other requests are accepted wherever
// they arrive. A guard per process accepted the replay on the second instance.
func TestReplayRefusedByAnotherInstance(t *testing.T) {
	f := newFleet(t, 2)
	now := f.clock.Now()
	a, b, c := f.request(t, "amzn1.echo-api.request.a", now), f.request(t, "amzn1.echo-api.request.b", now),
		f.request(t, "amzn1.echo-api.request.c", now)
	for _, step := range []struct {
		name     string
		instance int
		req      signed
		want     int
	}{
		{"A on the first", 0, a, http.StatusOK},
		{"A replayed on the second", 1, a, http.StatusBadRequest},
		{"A replayed on the first", 0, a, http.StatusBadRequest},
		{"B on the second", 1, b, http.StatusOK},
		{"C on the first", 0, c, http.StatusOK},
		{"B replayed on the first", 0, b, http.StatusBadRequest},
	} {
		if got := f.send(step.instance, step.req); got != step.want {
			t.Errorf("%s: %d, want %d", step.name, got, step.want)
		}
	}
	if n := f.skill.calls.Load(); n != 3 {
		t.Errorf("the skill answered %d requests, want 3 (A, B, C once each)", n)
	}
}

// TestConcurrentReplaysAcrossInstances: one signed request sent at once to eight
// instances, four times each, is answered once; the rest are refused as replays,
// none with a 5xx.
func TestConcurrentReplaysAcrossInstances(t *testing.T) {
	f := newFleet(t, 8)
	r := f.request(t, "amzn1.echo-api.request.burst", f.clock.Now())
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := range 32 {
		wg.Go(func() {
			code := f.send(i%len(f.instances), r)
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[http.StatusOK] != 1 || codes[http.StatusBadRequest] != 31 {
		t.Errorf("answers %v, want one 200 and 31 400", codes)
	}
	if n := f.skill.calls.Load(); n != 1 {
		t.Errorf("the skill answered %d times, want 1", n)
	}
}

// TestWindowComposesWithTimestamp, on the table: a request timestamped now is refused
// as a replay up to 150 s later, then by the timestamp check; one whose timestamp is
// 100 s ahead (Alexa's clock ahead) is refused as a replay for 250 s, while its
// timestamp still passes, and then by the timestamp check. The skill answers each once.
func TestWindowComposesWithTimestamp(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ahead time.Duration // of the request's timestamp over the server's clock
	}{{"OnTime", 0}, {"AlexaAhead100s", 100 * time.Second}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFleet(t, 2)
			start := f.clock.Now()
			r := f.request(t, "amzn1.echo-api.request.window-"+tc.name, start.Add(tc.ahead))
			last := tc.ahead + sigverify.Tolerance // the last moment the timestamp passes
			for i, step := range []struct {
				at     time.Duration
				want   int
				reason string
			}{
				{0, http.StatusOK, ""},
				{last / 2, http.StatusBadRequest, "replayed request"},
				{last, http.StatusBadRequest, "replayed request"},
				{last + time.Second, http.StatusBadRequest, "signature verification"},
				{last + time.Hour, http.StatusBadRequest, "signature verification"},
			} {
				f.clock.Set(start.Add(step.at))
				before := len(f.logs.String())
				if got := f.send(i%2, r); got != step.want {
					t.Errorf("+%s: %d, want %d", step.at, got, step.want)
				}
				if logged := f.logs.String()[before:]; !strings.Contains(logged, step.reason) {
					t.Errorf("+%s: refused for %q, want %q", step.at, logged, step.reason)
				}
			}
			if n := f.skill.calls.Load(); n != 1 {
				t.Errorf("the skill answered %d times, want 1", n)
			}
		})
	}
}

// TestSeenItem: the item is the plan's (pk ALEXAREQ#<hex sha256>, sk #SEEN,
// expires_at the expiry rounded up); an expired item TTL has not deleted yet counts
// as absent and is replaced.
func TestSeenItem(t *testing.T) {
	ctx := awstest.Context(t)
	db := dynamodb.NewFromConfig(awstest.Config(t))
	tb := table.New(db, awstest.Table(t))
	now := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	g := replay.New(tb)
	g.Now = func() time.Time { return now }
	sum := sha256.Sum256([]byte("body"))

	expiresAt := func() int64 {
		t.Helper()
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tb.Name()), ConsistentRead: aws.Bool(true),
			Key: table.Key("ALEXAREQ#230d8358dc8e8890b4c58deeb62912ee2f20357ae92a5cc861b98e68fe31acb5", "#SEEN")})
		if err != nil || out.Item == nil {
			t.Fatalf("no item at the plan's key: %v", err)
		}
		n, _ := strconv.ParseInt(out.Item[table.TTLAttribute].(*types.AttributeValueMemberN).Value, 10, 64)
		return n
	}
	if replayed, err := g.Seen(ctx, sum, now.Add(150*time.Second+time.Millisecond)); replayed || err != nil {
		t.Fatalf("first Seen = %v, %v", replayed, err)
	}
	if got, want := expiresAt(), now.Unix()+151; got != want {
		t.Errorf("expires_at = %d, want %d (rounded up)", got, want)
	}
	if replayed, err := g.Seen(ctx, sum, now.Add(150*time.Second)); !replayed || err != nil {
		t.Errorf("second Seen = %v, %v; want a replay", replayed, err)
	}
	now = now.Add(152 * time.Second) // past expires_at; the item is still there
	if replayed, err := g.Seen(ctx, sum, now.Add(150*time.Second)); replayed || err != nil {
		t.Errorf("Seen over an expired item = %v, %v; want it taken as absent", replayed, err)
	}
	if got, want := expiresAt(), now.Unix()+150; got != want {
		t.Errorf("expires_at after the rewrite = %d, want %d", got, want)
	}
}

// TestLostResponseIsNotAReplay: when the conditional write lands but its answer is
// lost and the SDK retries it, the retry finds the guard's own item: the request is
// accepted once, and a real replay after it is still refused.
func TestLostResponseIsNotAReplay(t *testing.T) {
	ctx := awstest.Context(t)
	ft := faults.New(nil)
	ft.Add(faults.Rule{Service: "dynamodb", Action: "PutItem", Kind: faults.LostResponse, Times: 1})
	g := replay.New(table.New(dynamodb.NewFromConfig(ft.Config(awstest.Config(t))), awstest.Table(t)))
	sum := sha256.Sum256([]byte("lost"))
	if replayed, err := g.Seen(ctx, sum, time.Now().Add(time.Minute)); replayed || err != nil {
		t.Errorf("Seen with a lost answer = %v, %v; want a first request", replayed, err)
	}
	if got := ft.Calls("dynamodb", "PutItem"); got != 2 {
		t.Errorf("%d PutItem attempts, want 2 (the lost one and the retry)", got)
	}
	if replayed, err := g.Seen(ctx, sum, time.Now().Add(time.Minute)); !replayed || err != nil {
		t.Errorf("Seen again = %v, %v; want a replay", replayed, err)
	}
}

// TestTableDownFailsClosed: when the table cannot be written (every attempt a server
// error), a verified request is refused with 500 and never reaches the skill.
func TestTableDownFailsClosed(t *testing.T) {
	ft := faults.New(nil)
	ft.Add(faults.Rule{Service: "dynamodb", Action: "PutItem", Kind: faults.ServerError})
	clk := time.Now()
	id, err := localalexa.New(clk)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	sk := &countingSkill{}
	f := &fleet{id: id, skill: sk, instances: []http.Handler{&alexa.HTTPHandler{
		Skill:    sk,
		Verifier: &sigverify.Verifier{Roots: id.Roots(), Client: id.Client()},
		Replays:  replay.New(table.New(dynamodb.NewFromConfig(ft.Config(awstest.Config(t))), awstest.Table(t))),
		Log:      slog.New(slog.NewJSONHandler(&logs, nil)),
	}}}
	if got := f.send(0, f.request(t, "amzn1.echo-api.request.down", clk)); got != http.StatusInternalServerError {
		t.Errorf("answered %d, want 500", got)
	}
	if sk.calls.Load() != 0 {
		t.Error("the skill answered a request the guard could not check")
	}
	if !strings.Contains(logs.String(), "replay guard unavailable") {
		t.Errorf("no log line names the guard: %s", logs.String())
	}
}
