// Package perf holds the benchmarks behind make bench (issue 10): each measures one
// cost of answering Alexa inside its eight seconds, side by side in one run, and
// reports the figure the table prints as a custom metric. The table itself, with the
// targets, is printed by ./benchtable, which runs these benchmarks.
//
//   - BenchmarkFanOut: listing instances in 17 regions of a fake regional endpoint
//     that answers after 200 ms, concurrently (the skill) and one by one; and with one
//     region hanging, the answer within the budget naming that region.
//   - BenchmarkCredentials: AssumeRole calls for 1,000 concurrent requests of one
//     tenant, for a warm request, and a refresh ahead of expiry no request waits for.
//   - BenchmarkOverhead: the skill's own work per request over HTTPS (decode, request
//     signature with a cached certificate, access token with a cached key, routing,
//     speech, encode), for a launch and a 50-instance list; no AWS time.
//   - BenchmarkAWSCalls: DynamoDB, KMS and STS calls per skill request, wired as
//     cmd/skill wires it, counted by a recording HTTP transport against the emulator.
//   - BenchmarkToken: the token endpoint's own work per refresh exchange (AWS time
//     taken out) and access-token verification per request.
//   - BenchmarkReplayGuard: the shared replay guard of the HTTPS endpoint per request
//     (the body's SHA-256, one conditional PutItem): our own work against a table
//     that answers at once, and the SDK client's round trip to the emulator.
//   - BenchmarkConsole: the console's own work per page a signed-in admin opens most
//     (overview, people, account, connect, settings) and the anonymous sign-in page,
//     served in process with the session cookie on the emulator's table, MAC key
//     cached: own-ms/op is ns/op minus the time an AWS call was in flight (what is
//     left is ours and the SDK's), ddb-calls/op the table reads.
//   - BenchmarkColdStart: the real bootstrap binaries run under a stand-in for the
//     Lambda Runtime API served by the benchmark: time to the first response, size.
//
// Nothing here is a timed unit test: every benchmark fails only when the system
// misbehaves (a wrong answer, a call that should not happen), never on time.
package perf
