// Command loadbench measures rcmock against a floor server and its peers (Prism, WireMock,
// Mockoon) on loopback and writes BENCHMARKS.md. Run it from the repository (make bench); it
// needs wrk on PATH, java for WireMock, and npm to install the peers into a temporary folder
// (unless -prism, -wiremock, -mockoon name installed ones or are off).
//
// In one run it: runs the in-process Go benchmarks of package mockserver; builds rcmock; times
// the start-up of every server; tries WireMock's thread settings; loads validateInviteToken and
// useInviteToken on all of them with wrk in interleaved rounds; reads their resident memory;
// reads rcmock's with 100k invites and across 1M requests; and computes "Scale on paper" from
// the CPU per request and the memory per sandbox.
//
// `loadbench floor -addr A -answers F` is the floor server itself (loadbench starts it so).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"
)

// options are the command line of a measuring run.
type options struct {
	out          string
	duration     time.Duration
	warmup       time.Duration
	conns        int
	threads      int
	startups     int
	prismRuns    int
	prism        string
	prismVersion string
	rcmockArgs   string
	baseline     string // another rcmock binary measured beside this one; "": none
	goBench      string
	benchtime    string
	benchCount   int
	explainCount int
	memRequests  int64
	memInvites   int
	analysis     string
	persist      bool

	wireMock        string // standalone jar; "": npm install; off: skip
	wireMockVersion string
	wireMockConfigs string
	tuneDuration    time.Duration
	mockoon         string // mockoon-cli; "": npm install; off: skip
	mockoonVersion  string
	peerStartups    int
	scaleProcessRPS float64
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "floor" {
		if err := runFloor(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "loadbench floor:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.StringVar(&o.out, "out", "BENCHMARKS.md", "report file (- for stdout)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measured wrk run")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "unmeasured wrk run before each measured one")
	flag.IntVar(&o.conns, "conns", 64, "wrk connections")
	flag.IntVar(&o.threads, "threads", 2, "wrk threads")
	flag.IntVar(&o.startups, "startups", 9, "start-up repetitions for rcmock")
	flag.IntVar(&o.prismRuns, "prism-startups", 3, "start-up repetitions for Prism")
	flag.StringVar(&o.prism, "prism", "", "prism binary; empty: npm install @stoplight/prism-cli into a temp dir; off: skip Prism")
	flag.StringVar(&o.prismVersion, "prism-version", "5.16", "npm version range of @stoplight/prism-cli")
	flag.StringVar(&o.rcmockArgs, "rcmock-args", "--strict --log-level warn", "extra rcmock flags (space separated); --log-level warn turns the request lines off, as rcmock's help advises for load tests and as the peers run")
	flag.StringVar(&o.baseline, "baseline", "", "another rcmock binary (say, built from main before a change) to load beside this one in the same interleaved rounds, with the same flags, reported as \""+serverBaseline+"\"; empty: none")
	flag.BoolVar(&o.persist, "persist", true, "measure persistent mode: channels.create with --state-file against in memory, and logins after 100k logins (about 3 minutes)")
	flag.StringVar(&o.goBench, "gobench", ".", "regexp of Go benchmarks of ./mockserver to run; empty: none")
	flag.StringVar(&o.benchtime, "benchtime", "1s", "go test -benchtime")
	flag.IntVar(&o.benchCount, "benchcount", 3, "go test -count; the report keeps each benchmark's median run")
	flag.IntVar(&o.explainCount, "explaincount", 8, "go test -count of BenchmarkExplanations (explanations' cost: a small difference, so more runs)")
	flag.Int64Var(&o.memRequests, "mem-requests", 1_000_000, "requests in a row for the memory-flatness check")
	flag.IntVar(&o.memInvites, "mem-invites", 100_000, "invites loaded for the resident-memory figure")
	flag.StringVar(&o.analysis, "analysis", "mockserver/internal/loadbench/ANALYSIS.md", "hand-written analysis of missed targets, copied into the report (empty: none)")
	flag.StringVar(&o.wireMock, "wiremock", "", "WireMock standalone jar; empty: npm install wiremock into a temp dir; off: skip WireMock")
	flag.StringVar(&o.wireMockVersion, "wiremock-version", "3.13.2", "npm version of wiremock")
	flag.StringVar(&o.wireMockConfigs, "wiremock-configs", "10/2,25/2,50/2,100/2,25/1", "WireMock Jetty configurations to try, container-threads/acceptor-threads, comma separated; the fastest is measured")
	flag.DurationVar(&o.tuneDuration, "tune-duration", 5*time.Second, "length of the wrk run that rates each WireMock configuration")
	flag.StringVar(&o.mockoon, "mockoon", "", "mockoon-cli binary; empty: npm install @mockoon/cli into a temp dir; off: skip Mockoon")
	flag.StringVar(&o.mockoonVersion, "mockoon-version", "9.9.0", "npm version of @mockoon/cli")
	flag.IntVar(&o.peerStartups, "peer-startups", 3, "start-up repetitions for WireMock and Mockoon")
	flag.Float64Var(&o.scaleProcessRPS, "scale-process-rps", 200, "requests per second one test process is assumed to send, for \"Scale on paper\"")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}
