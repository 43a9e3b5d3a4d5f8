package main

import (
	"io"
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkFanOut/Concurrent-2   	       5	 206212338 ns/op	         1.031 x-slowest
BenchmarkFanOut/OneByOne-2     	       1	3421241444 ns/op	        17.11 x-slowest
--- FAIL: BenchmarkFanOut/Hanging
    fanout_test.go:95: speech = "…"
BenchmarkOverhead/Launch-2     	    5488	    873575 ns/op	   18322 B/op	     194 allocs/op
FAIL
`

// TestRender: figures beside targets, ok or MISS, a failed benchmark's rows FAILED,
// rows of benchmarks that did not run "not run", and the exit status.
func TestRender(t *testing.T) {
	res := parse(strings.NewReader(sample), io.Discard)
	var out strings.Builder
	failed := render(&out, res, true)
	if !failed {
		t.Error("render reported no failure")
	}
	for _, want := range []string{
		"all regions at once (the skill)", "206 ms", "≤ 250 ms",
		"one by one over at once", "16.59×",
		"one region hanging: answered after", "FAILED (see above)",
		"launch ", "0.874 ms", "MISS",
		"not run",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	line := func(label string) string {
		for l := range strings.SplitSeq(out.String(), "\n") {
			if strings.Contains(l, label) {
				return l
			}
		}
		return ""
	}
	for label, mark := range map[string]string{
		"all regions at once":          "ok",
		"launch ":                      "MISS",
		"one region hanging":           "FAILED (see above)",
		"AssumeRole per 1,000":         "not run",
		"one region after another":     "≈ 17 × 200 ms", // reference row: no mark
		"… over the slowest region (2": "ok",
	} {
		if l := line(label); mark != "" && !strings.HasSuffix(strings.TrimSpace(l), mark) {
			t.Errorf("row %q = %q, want it to end in %q", label, l, mark)
		}
	}
}
