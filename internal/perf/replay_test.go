package perf

import (
	"bytes"
	"context"
	"crypto/sha256"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/replay"
	"github.com/easytocloud/easytocloud/internal/table"
)

// instantDB is a table.DB whose PutItem succeeds at once; it counts the calls. No
// other call is expected of the replay guard.
type instantDB struct {
	table.DB // other calls panic
	puts     atomic.Int64
}

func (d *instantDB) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	d.puts.Add(1)
	return &dynamodb.PutItemOutput{}, nil
}

// guardedBody is a list request as Alexa sends it, with room for a 10-digit serial in
// its request ID, and next writes the serial of each op there: every op is a new
// request, as it is for the endpoint, at no cost of its own.
type guardedBody struct {
	b   []byte
	at  int
	ser uint64
}

func newGuardedBody() *guardedBody {
	const id = "amzn1.echo-api.request.perf-0000000000"
	b := alexaRequest(strings.Repeat("t", 700), "ListInstancesIntent", map[string]slotValue{"region": {"Ireland", "eu-west-1"}}, id)
	return &guardedBody{b: b, at: bytes.Index(b, []byte(id)) + len(id) - 10}
}

func (g *guardedBody) next() []byte {
	g.ser++
	n := g.ser
	for i := g.at + 9; i >= g.at; i-- {
		g.b[i] = byte('0' + n%10)
		n /= 10
	}
	return g.b
}

// BenchmarkReplayGuard is the shared replay guard's cost per request of the HTTPS
// endpoint: the body's SHA-256 and one conditional PutItem (internal/replay).
//   - OwnWork: against a table that answers at once (no SDK, no network): our own
//     work; table-writes/op counts the writes.
//   - Emulator: the real SDK client against the emulator; ns/op includes the round
//     trip, own-ms/op is the time not spent waiting for it (our work and the SDK's:
//     serialising, signing), ddb-calls/op the calls.
func BenchmarkReplayGuard(b *testing.B) {
	ctx := context.Background()
	run := func(b *testing.B, g alexa.ReplayGuard) {
		body := newGuardedBody()
		b.ReportAllocs()
		for b.Loop() {
			replayed, err := g.Seen(ctx, sha256.Sum256(body.next()), time.Now().Add(alexa.ReplayWindow))
			if replayed || err != nil {
				b.Fatalf("a new request: replayed %v, %v", replayed, err)
			}
		}
	}
	b.Run("OwnWork", func(b *testing.B) {
		db := &instantDB{}
		run(b, replay.New(table.New(db, "perf")))
		b.ReportMetric(float64(db.puts.Load())/float64(b.N), "table-writes/op")
	})
	b.Run("Emulator", func(b *testing.B) {
		rec := newRecorder()
		cfg := awstest.Config(b)
		cfg.HTTPClient = &http.Client{Transport: rec, Timeout: time.Minute}
		g := replay.New(table.New(dynamodb.NewFromConfig(cfg), awstest.Table(b)))
		// A replay is refused: the guard is doing its work, not just writing.
		sum := sha256.Sum256([]byte("perf warm-up"))
		for i, want := range []bool{false, true} {
			if replayed, err := g.Seen(ctx, sum, time.Now().Add(time.Minute)); replayed != want || err != nil {
				b.Fatalf("warm-up request %d: replayed %v, %v; want %v", i+1, replayed, err, want)
			}
		}
		rec.snapshot()
		run(b, g)
		c, wait := rec.snapshot()
		n := float64(b.N)
		b.ReportMetric((float64(b.Elapsed())-float64(wait))/n/1e6, "own-ms/op")
		b.ReportMetric(float64(count(c, "dynamodb"))/n, "ddb-calls/op")
	})
}
