package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/rcinvite/rcinvite/mockserver"
	"github.com/rcinvite/rcinvite/mockserver/internal/loadbench"
)

// The replica "Scale on paper" sizes: the memory limit and the share of its CPU a replica is
// planned to use, as in mockserver/deploy/kubernetes/rcmock.yaml (limit 1 GiB).
const (
	replicaCores  = 1.0
	replicaMemory = 1 << 30
	cpuHeadroom   = 0.7 // plan for 70% of a core: latency climbs as a core saturates
	// gcFactor turns a live heap into resident memory: rcmock runs with GOGC=400, so its heap
	// may grow to five times the live data before a collection.
	gcFactor = 5
)

// scaleInputs are the measured figures the section is computed from.
type scaleInputs struct {
	cpuPerRequest          time.Duration // rcmock's CPU per request, the costlier endpoint
	costlier               string        // that endpoint
	unused, used, journal  float64       // live heap per sandbox: unused, after a typical test, journal full
	freshRSS               int64         // a fresh rcmock's resident memory
	knownCPU, knownSandbox bool
}

// scaleInputs gathers the figures: the server CPU of rcmock's measured load runs and the
// heapB/sandbox metrics of BenchmarkSandbox.
func (b *bench) scaleInputs() scaleInputs {
	var in scaleInputs
	for _, e := range endpoints {
		if c, ok := b.serverCPU[e.name][serverRcmock]; ok && c > in.cpuPerRequest {
			in.cpuPerRequest, in.costlier, in.knownCPU = c, e.name, true
		}
	}
	metric := map[string]float64{}
	for _, g := range loadbench.MedianGoBench(loadbench.ParseGoBench(b.goBench)) {
		if v, ok := g.Metrics["heapB/sandbox"]; ok {
			metric[g.Name] = v
		}
	}
	in.unused = metric["BenchmarkSandbox/open"]
	in.used = metric["BenchmarkSandbox/typical-test"]
	in.journal = metric["BenchmarkSandbox/full-journal"]
	in.knownSandbox = in.unused > 0 && in.used > 0 && in.journal > 0
	in.freshRSS = b.memory.idle.RSS
	return in
}

// scaleRow is what N replicas serve.
type scaleRow struct {
	replicas             int
	rps                  float64 // requests per second, CPU-bound
	typicalSandboxes     int     // sandboxes held after a typical test, memory-bound
	fullJournalSandboxes int     // sandboxes held with full journals, memory-bound
	processes            int     // parallel test processes at processRPS each, bound by both
}

func (in scaleInputs) row(replicas int, processRPS float64) scaleRow {
	r := scaleRow{replicas: replicas}
	r.rps = float64(replicas) * replicaCores * cpuHeadroom / in.cpuPerRequest.Seconds()
	room := float64(replicaMemory - in.freshRSS)
	perReplica := func(heap float64) int { return min(mockserver.DefaultMaxSandboxes, int(room/(gcFactor*heap))) }
	r.typicalSandboxes = replicas * perReplica(in.used)
	r.fullJournalSandboxes = replicas * perReplica(in.journal)
	r.processes = min(int(r.rps/processRPS), r.typicalSandboxes)
	return r
}

// writeScale is the "Scale on paper" section: from the measured CPU per request and memory per
// sandbox, what N replicas of one size serve, and what stays single whatever N.
func (b *bench) writeScale(w *strings.Builder) {
	in := b.scaleInputs()
	fmt.Fprintf(w, "## Scale on paper\n\n")
	if !in.knownCPU || !in.knownSandbox || in.freshRSS == 0 {
		fmt.Fprintf(w, "Not computed: this run lacks rcmock's load runs, BenchmarkSandbox (open, typical-test, "+
			"full-journal) in its Go benchmarks, or the fresh rcmock's memory.\n\n")
		return
	}
	fmt.Fprintf(w, "Computed from this run's measurements, for replicas behind nginx as `mockserver/deploy` ships them:\n\n")
	fmt.Fprintf(w, "- CPU per request: %s of rcmock's own CPU for %s (the costlier endpoint; rcmock `%s`, "+
		"the server process only, in its measured load run above).\n", dur(in.cpuPerRequest), in.costlier, b.o.rcmockArgs)
	fmt.Fprintf(w, "- Memory per sandbox (live Go heap, BenchmarkSandbox): %.1f KiB opened and unused; %.1f KiB "+
		"after a typical test (log in, create an invite, use it); %.0f KiB once its journal holds its %d entries. "+
		"rcmock runs with GOGC=400, so its resident memory may reach %d× its live heap: the sizes below plan %d× these.\n",
		in.unused/1024, in.used/1024, in.journal/1024, mockserver.DefaultJournalSize, gcFactor, gcFactor)
	fmt.Fprintf(w, "- A fresh rcmock: %s resident.\n", mibs(in.freshRSS))
	fmt.Fprintf(w, "- Replica: %.0f core, %.0f GiB (the manifests' memory limit), planned at %.0f%% of its CPU; "+
		"at most %d sandboxes each (`--max-sandboxes`). A test process is assumed to send %.0f requests/s "+
		"(`-scale-process-rps`) and to hold one sandbox.\n\n",
		replicaCores, float64(replicaMemory)/(1<<30), cpuHeadroom*100, mockserver.DefaultMaxSandboxes, b.o.scaleProcessRPS)
	fmt.Fprintf(w, "| replicas | requests/s (CPU) | sandboxes after a typical test (memory) | sandboxes with full journals (memory) | "+
		"parallel test processes at %.0f req/s |\n|--:|--:|--:|--:|--:|\n", b.o.scaleProcessRPS)
	for _, n := range []int{1, 3, 10} {
		r := in.row(n, b.o.scaleProcessRPS)
		fmt.Fprintf(w, "| %d | %.0f | %d | %d | %d |\n", r.replicas, r.rps, r.typicalSandboxes, r.fullJournalSandboxes, r.processes)
	}
	fmt.Fprintf(w, "\nRequests/s = replicas × %.1f cores ÷ CPU per request; sandboxes = replicas × min(%d, "+
		"(memory − fresh RSS) ÷ (%d × heap per sandbox)); processes = min(requests/s ÷ %.0f, sandboxes after a typical test). "+
		"nginx's own CPU per request is not counted (it runs in its own pods).\n\n",
		replicaCores*cpuHeadroom, mockserver.DefaultMaxSandboxes, gcFactor, b.o.scaleProcessRPS)
	fmt.Fprintf(w, "What stays single whatever the number of replicas:\n\n")
	fmt.Fprintf(w, "- **The default world** (requests without a sandbox) lives on replica 0 alone: at most one "+
		"replica's %.0f requests/s, shared by everything that uses it.\n", in.row(1, b.o.scaleProcessRPS).rps)
	fmt.Fprintf(w, "- **The state file** (`--state-file`) is per replica: each keeps its own sandboxes in its own file on "+
		"its own volume. There is no shared store: a replica lost with its volume loses its sandboxes, and changing the "+
		"number of replicas sends about 1/N of the ids to a replica that does not hold them.\n")
	fmt.Fprintf(w, "- **Listing sandboxes** (`GET /_mock/sandboxes`) answers for one replica.\n\n")
}
