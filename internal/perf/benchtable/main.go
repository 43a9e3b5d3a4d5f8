// Command benchtable runs the benchmarks of package internal/perf (make bench) and
// prints one table: each figure beside its target, with MISS where a figure misses
// it and FAILED where a benchmark failed (a wrong answer, a call that should not have
// happened). It exits 1 when a benchmark failed or did not run, 0 otherwise: a missed
// target is shown, not hidden, but timings on a shared machine are no verdict.
//
// Usage (from the repository root):
//
//	go run ./internal/perf/benchtable [-bench regexp] [-benchtime 1s] [-raw file]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func main() {
	bench := flag.String("bench", ".", "which benchmarks of internal/perf to run (go test -bench)")
	benchtime := flag.String("benchtime", "1s", "go test -benchtime for each benchmark")
	raw := flag.String("raw", "", "also write go test's output to this file")
	flag.Parse()

	start := time.Now()
	header := machine()
	fmt.Fprintln(os.Stderr, "benchtable: running go test -bench", *bench, "./internal/perf (about two minutes)")
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", *bench, "-benchtime", *benchtime, "-count", "1",
		"-timeout", "15m", "./internal/perf")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fail(err)
	}
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	var rawOut io.Writer = io.Discard
	if *raw != "" {
		f, err := os.Create(*raw)
		if err != nil {
			fail(err)
		}
		defer f.Close()
		rawOut = f
	}
	res := parse(io.TeeReader(out, rawOut), os.Stderr)
	runErr := cmd.Wait()
	res.broken = runErr != nil

	fmt.Printf("\neasytocloud performance (issue 10) — make bench, %s, took %s\n", start.UTC().Format("2006-01-02 15:04 MST"),
		time.Since(start).Round(time.Second))
	fmt.Println(header)
	failed := render(os.Stdout, res, *bench == ".")
	if runErr != nil || failed {
		fmt.Fprintln(os.Stderr, "benchtable: a benchmark failed or did not run (see its output above)")
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchtable:", err)
	os.Exit(1)
}

// machine describes where the figures come from: CPUs, model, Go, load.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			load = fmt.Sprintf("; load average %s %s %s at start", f[0], f[1], f[2])
		}
	}
	return fmt.Sprintf("machine: %d CPUs (nproc), %s, %s/%s, %s%s", runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH,
		runtime.Version(), load)
}

// results are the benchmarks' figures by name (without the -GOMAXPROCS suffix) and
// unit, and the benchmarks that failed.
type results struct {
	figures map[string]map[string]float64
	failed  map[string]bool
	broken  bool // go test failed (a benchmark, or the build)
}

var (
	benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+(\d+)\s+(.+)$`)
	failLine  = regexp.MustCompile(`^\s*--- FAIL: Benchmark(\S+)`)
)

// parse reads go test's output, echoing the result lines to progress.
func parse(r io.Reader, progress io.Writer) results {
	res := results{figures: map[string]map[string]float64{}, failed: map[string]bool{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := failLine.FindStringSubmatch(line); m != nil {
			res.failed[m[1]] = true
			fmt.Fprintln(progress, line)
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			if strings.HasPrefix(line, "FAIL") || strings.HasPrefix(line, "panic") || strings.HasPrefix(line, "    ") {
				fmt.Fprintln(progress, line)
			}
			continue
		}
		fmt.Fprintln(progress, line)
		f := strings.Fields(m[3])
		figs := map[string]float64{}
		for i := 0; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				figs[f[i+1]] = v
			}
		}
		res.figures[m[1]] = figs
	}
	return res
}

// failedBench reports whether the benchmark, or the one it is part of, failed.
func (r results) failedBench(name string) bool {
	return r.failed[name] || r.failed[strings.SplitN(name, "/", 2)[0]]
}

// get returns a figure, and whether its benchmark ran and passed.
func (r results) get(bench, unit string) (float64, bool) {
	v, ok := r.figures[bench][unit]
	return v, ok && !r.failed[bench]
}
