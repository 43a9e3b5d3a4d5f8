package main

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"strings"
	"unicode/utf8"
)

// A row is one figure of the table: where it comes from, how it is shown, and its
// target (nil check: shown for reference, no target).
type row struct {
	label  string
	src    string // the benchmark the figure comes from
	value  func(results) (float64, bool)
	format func(float64) string
	target string
	check  func(float64) bool
}

// A section is a numbered item of issue 10.
type section struct {
	title string
	rows  []row
}

// fig reads one figure, scaled.
func fig(bench, unit string, scale float64) func(results) (float64, bool) {
	return func(r results) (float64, bool) {
		v, ok := r.get(bench, unit)
		return v * scale, ok
	}
}

// passed is 1 when the benchmark ran and passed (its own checks held).
func passed(bench string) func(results) (float64, bool) {
	return func(r results) (float64, bool) {
		_, ran := r.figures[bench]
		return 1, ran && !r.failed[bench]
	}
}

func atMost(limit float64) func(float64) bool  { return func(v float64) bool { return v <= limit } }
func below(limit float64) func(float64) bool   { return func(v float64) bool { return v < limit } }
func atLeast(limit float64) func(float64) bool { return func(v float64) bool { return v >= limit } }

func ms(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%s ms", thousands(math.Round(v)))
	case v >= 10:
		return fmt.Sprintf("%.1f ms", v)
	default:
		return fmt.Sprintf("%.3f ms", v)
	}
}
func seconds(v float64) string { return fmt.Sprintf("%.2f s", v) }
func times(v float64) string   { return fmt.Sprintf("%.2f×", v) }
func mb(v float64) string      { return fmt.Sprintf("%.2f MB", v) }
func count(v float64) string {
	if v == math.Trunc(v) {
		return thousands(v)
	}
	return fmt.Sprintf("%.2f", v)
}
func yes(float64) string { return "yes" }

func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// The delay of the fake regional endpoint and the skill's default budget, as the
// benchmarks use them (internal/perf: regionDelay; skill.DefaultBudget).
const (
	regionDelayMS = 200.0
	budgetS       = 6.5
)

var sections = []section{
	{"1. Region fan-out — list instances in 17 regions of a fake endpoint answering each after 200 ms", []row{
		{"all regions at once (the skill)", "FanOut/Concurrent", fig("FanOut/Concurrent", "ns/op", 1e-6), ms, "≤ 250 ms", atMost(1.25 * regionDelayMS)},
		{"  … over the slowest region (200 ms)", "FanOut/Concurrent", fig("FanOut/Concurrent", "x-slowest", 1), times, "≤ 1.25×", atMost(1.25)},
		{"one region after another (same clients)", "FanOut/OneByOne", fig("FanOut/OneByOne", "ns/op", 1e-6), ms, "≈ 17 × 200 ms", nil},
		{"  … over the slowest region", "FanOut/OneByOne", fig("FanOut/OneByOne", "x-slowest", 1), times, "≈ 17×", nil},
		{"  … one by one over at once", "FanOut/OneByOne", func(r results) (float64, bool) {
			seq, ok1 := r.get("FanOut/OneByOne", "ns/op")
			con, ok2 := r.get("FanOut/Concurrent", "ns/op")
			return seq / con, ok1 && ok2 && con > 0
		}, times, "≥ 13.6× (17 / 1.25)", atLeast(17 / 1.25)},
		{"one region hanging: answered after", "FanOut/Hanging", fig("FanOut/Hanging", "s-answer", 1), seconds, "≤ 6.5 s (default budget)", atMost(budgetS)},
		{"  … naming the missing region (Stockholm)", "FanOut/Hanging", passed("FanOut/Hanging"), yes, "yes", nil},
	}},
	{"2. Credentials — one tenant's user, list requests through account.Access", []row{
		{"AssumeRole per 1,000 concurrent requests (cold)", "Credentials/Concurrent1000", fig("Credentials/Concurrent1000", "sts-calls/1000req", 1), count, "1", atMost(1)},
		{"STS calls of a warm request", "Credentials/Warm", fig("Credentials/Warm", "sts-calls/op", 1), count, "0", atMost(0)},
		{"refresh ahead of expiry: STS calls", "Credentials/RefreshAhead", fig("Credentials/RefreshAhead", "sts-calls/op", 1), count, "1 (background)", atMost(1)},
		{"  … requests that waited for it", "Credentials/RefreshAhead", fig("Credentials/RefreshAhead", "waited/op", 1), count, "0", atMost(0)},
	}},
	{"3. Per-request overhead of the skill over HTTPS, no AWS time (decode, signature with cached certificate, JWT with cached key, routing, speech, encode)", []row{
		{"launch", "Overhead/Launch", fig("Overhead/Launch", "ns/op", 1e-6), ms, "< 0.5 ms", below(0.5)},
		{"  … allocations", "Overhead/Launch", fig("Overhead/Launch", "allocs/op", 1), count, "≤ 250", atMost(250)},
		{"list of 50 instances", "Overhead/List50", fig("Overhead/List50", "ns/op", 1e-6), ms, "< 0.5 ms", below(0.5)},
		{"  … allocations", "Overhead/List50", fig("Overhead/List50", "allocs/op", 1), count, "≤ 1,000", atMost(1000)},
	}},
	{"4. Cold start — sizes of the linux/arm64 bootstraps make build makes; times of their linux/" + runtime.GOARCH +
		" twins (same flags) under a stand-in Runtime API, AWS = emulator", []row{
		{"skill: process start → first response (linked launch)", "ColdStart/skill", fig("ColdStart/skill", "ms-first-response", 1), ms, "< 50 ms", below(50)},
		{"  … of which init (start → first /next)", "ColdStart/skill", fig("ColdStart/skill", "ms-init", 1), ms, "", nil},
		{"oauth: process start → first response (sign-in page)", "ColdStart/oauth", fig("ColdStart/oauth", "ms-first-response", 1), ms, "", nil},
		{"mfa: process start → first response (elevation lookup)", "ColdStart/mfa", fig("ColdStart/mfa", "ms-first-response", 1), ms, "", nil},
		{"AWS calls during init: skill", "ColdStart/skill", fig("ColdStart/skill", "aws-calls-init", 1), count, "0", atMost(0)},
		{"  … oauth", "ColdStart/oauth", fig("ColdStart/oauth", "aws-calls-init", 1), count, "0", atMost(0)},
		{"  … mfa", "ColdStart/mfa", fig("ColdStart/mfa", "aws-calls-init", 1), count, "0", atMost(0)},
		{"skill bootstrap size (linux/arm64)", "ColdStart/skill", fig("ColdStart/skill", "mb-arm64", 1), mb, "< 15 MB", below(15)},
		{"oauth bootstrap size (linux/arm64)", "ColdStart/oauth", fig("ColdStart/oauth", "mb-arm64", 1), mb, "< 15 MB", below(15)},
		{"mfa bootstrap size (linux/arm64)", "ColdStart/mfa", fig("ColdStart/mfa", "mb-arm64", 1), mb, "< 15 MB", below(15)},
	}},
	{"5. Token and MFA paths — AWS calls counted by a recording transport (in-process) or proxy (real binaries)", []row{
		{"token endpoint, code exchange: own work (AWS time excluded)", "Token/Exchange", fig("Token/Exchange", "own-ms/op", 1), ms, "", nil},
		{"  … DynamoDB calls per exchange", "Token/Exchange", fig("Token/Exchange", "ddb-calls/op", 1), count, "", nil},
		{"  … KMS calls per exchange (local signer, MAC keys cached)", "Token/Exchange", fig("Token/Exchange", "kms-calls/op", 1), count, "0", atMost(0)},
		{"token endpoint, refresh: own work (AWS time excluded)", "Token/Refresh", fig("Token/Refresh", "own-ms/op", 1), ms, "", nil},
		{"  … DynamoDB calls per refresh", "Token/Refresh", fig("Token/Refresh", "ddb-calls/op", 1), count, "", nil},
		{"  … KMS calls per refresh (MAC keys cached)", "Token/Refresh", fig("Token/Refresh", "kms-calls/op", 1), count, "0", atMost(0)},
		{"JWT verification per request (key cached)", "Token/Verify", fig("Token/Verify", "ns/op", 1e-6), ms, "", nil},
		{"  … allocations", "Token/Verify", fig("Token/Verify", "allocs/op", 1), count, "", nil},
		{"  … KMS calls", "Token/Verify", fig("Token/Verify", "kms-calls/op", 1), count, "0", atMost(0)},
		{"skill, first request of a process: table reads", "AWSCalls", fig("AWSCalls", "ddb-cold", 1), count, "", nil},
		{"  … KMS calls (public key)", "AWSCalls", fig("AWSCalls", "kms-cold", 1), count, "1", atMost(1)},
		{"skill, warm launch: table reads (user, revocation mark)", "AWSCalls", fig("AWSCalls", "ddb-warm-launch", 1), count, "≤ 2", atMost(2)},
		{"skill, warm list (linked, not elevated): table reads", "AWSCalls", fig("AWSCalls", "ddb-warm-list", 1), count, "≤ 2", atMost(2)},
		{"  … KMS calls once the key is cached", "AWSCalls", fig("AWSCalls", "kms-warm", 1), count, "0", atMost(0)},
		{"  … STS calls", "AWSCalls", fig("AWSCalls", "sts-warm-list", 1), count, "0", atMost(0)},
		{"real skill binary, warm launch: table reads (user, revocation mark)", "ColdStart/skill", fig("ColdStart/skill", "ddb-2nd", 1), count, "≤ 2", atMost(2)},
		{"  … warm list: table reads", "ColdStart/skill", fig("ColdStart/skill", "ddb-2nd-list", 1), count, "≤ 2", atMost(2)},
		{"  … KMS calls (launch and list)", "ColdStart/skill", func(r results) (float64, bool) {
			a, ok1 := r.get("ColdStart/skill", "kms-2nd")
			b, ok2 := r.get("ColdStart/skill", "kms-2nd-list")
			return a + b, ok1 && ok2
		}, count, "0", atMost(0)},
		{"  … STS calls, warm list", "ColdStart/skill", fig("ColdStart/skill", "sts-2nd-list", 1), count, "0", atMost(0)},
		{"real oauth binary, warm sign-in page: KMS calls", "ColdStart/oauth", fig("ColdStart/oauth", "kms-2nd", 1), count, "0", atMost(0)},
		{"real mfa binary, warm elevation check: table reads", "ColdStart/mfa", fig("ColdStart/mfa", "ddb-2nd", 1), count, "≤ 1", atMost(1)},
		{"  … KMS calls", "ColdStart/mfa", fig("ColdStart/mfa", "kms-2nd", 1), count, "0", atMost(0)},
	}},
	{"6. Shared replay guard of the HTTPS endpoint — body SHA-256 and one conditional PutItem per request (internal/replay)", []row{
		{"own work per request (table answering at once)", "ReplayGuard/OwnWork", fig("ReplayGuard/OwnWork", "ns/op", 1e-6), ms, "< 2 ms", below(2)},
		{"  … allocations", "ReplayGuard/OwnWork", fig("ReplayGuard/OwnWork", "allocs/op", 1), count, "", nil},
		{"  … table writes per request", "ReplayGuard/OwnWork", fig("ReplayGuard/OwnWork", "table-writes/op", 1), count, "1", atMost(1)},
		{"with the emulator's round trip", "ReplayGuard/Emulator", fig("ReplayGuard/Emulator", "ns/op", 1e-6), ms, "", nil},
		{"  … own work and the SDK's (round trip excluded)", "ReplayGuard/Emulator", fig("ReplayGuard/Emulator", "own-ms/op", 1), ms, "< 2 ms", below(2)},
		{"  … DynamoDB calls per request", "ReplayGuard/Emulator", fig("ReplayGuard/Emulator", "ddb-calls/op", 1), count, "1", atMost(1)},
	}},
	{"7. Console — each page served in process as a signed-in admin opens it (the sign-in page anonymous), MAC key cached; AWS = emulator, its time taken out", []row{
		{"console overview: own work (AWS time excluded)", "Console/Overview", fig("Console/Overview", "own-ms/op", 1), ms, "< 5 ms", below(5)},
		{"  … DynamoDB calls", "Console/Overview", fig("Console/Overview", "ddb-calls/op", 1), count, "", nil},
		{"console people: own work (AWS time excluded)", "Console/People", fig("Console/People", "own-ms/op", 1), ms, "< 5 ms", below(5)},
		{"  … DynamoDB calls", "Console/People", fig("Console/People", "ddb-calls/op", 1), count, "", nil},
		{"console account: own work (AWS time excluded)", "Console/Account", fig("Console/Account", "own-ms/op", 1), ms, "< 5 ms", below(5)},
		{"  … DynamoDB calls", "Console/Account", fig("Console/Account", "ddb-calls/op", 1), count, "", nil},
		{"console connect: own work (AWS time excluded)", "Console/Connect", fig("Console/Connect", "own-ms/op", 1), ms, "< 5 ms", below(5)},
		{"  … DynamoDB calls", "Console/Connect", fig("Console/Connect", "ddb-calls/op", 1), count, "", nil},
		{"console settings: own work (AWS time excluded)", "Console/Settings", fig("Console/Settings", "own-ms/op", 1), ms, "< 5 ms", below(5)},
		{"  … DynamoDB calls", "Console/Settings", fig("Console/Settings", "ddb-calls/op", 1), count, "", nil},
		{"console sign-in (anonymous): own work (AWS time excluded)", "Console/SignIn", fig("Console/SignIn", "own-ms/op", 1), ms, "< 5 ms", below(5)},
		{"  … DynamoDB calls", "Console/SignIn", fig("Console/SignIn", "ddb-calls/op", 1), count, "", nil},
	}},
}

// render prints the table and reports whether a row's benchmark failed or (when
// all were asked for) did not run.
func render(w io.Writer, res results, all bool) (failed bool) {
	type line struct{ label, figure, target, mark string }
	var lines [][]line
	widths := [3]int{len("measure"), len("figure"), len("target")}
	for _, s := range sections {
		var ls []line
		for _, r := range s.rows {
			l := line{label: r.label, figure: "—", target: r.target}
			v, ok := r.value(res)
			switch {
			case !ok:
				l.figure, l.mark = "n/a", "not run"
				switch {
				case res.failedBench(r.src):
					l.mark = "FAILED (see above)"
				case res.broken:
					l.mark = "not run: go test failed (see above)"
				}
				failed = failed || all
			case r.check == nil:
				l.figure = r.format(v)
			case r.check(v):
				l.figure, l.mark = r.format(v), "ok"
			default:
				l.figure, l.mark = r.format(v), "MISS"
			}
			if l.target == "" {
				l.target = "—"
			}
			for i, c := range []string{l.label, l.figure, l.target} {
				widths[i] = max(widths[i], utf8.RuneCountInString(c))
			}
			ls = append(ls, l)
		}
		lines = append(lines, ls)
	}
	pad := func(s string, n int) string { return s + strings.Repeat(" ", n-utf8.RuneCountInString(s)) }
	row := func(l line) string {
		return strings.TrimRight("   "+pad(l.label, widths[0])+"  "+pad(l.figure, widths[1])+"  "+pad(l.target, widths[2])+"  "+l.mark, " ")
	}
	fmt.Fprintln(w, row(line{"measure", "figure", "target", ""}))
	for i, s := range sections {
		fmt.Fprintln(w, s.title)
		for _, l := range lines[i] {
			fmt.Fprintln(w, row(l))
		}
	}
	fmt.Fprintln(w, strings.TrimSpace(`
Timings depend on the machine and its load; counts and sizes do not. Cold starts run
on this machine's architecture (the arm64 bootstraps cannot run here) against the
local emulator, so a first response includes its round trips (public key, table).`))
	return failed
}
