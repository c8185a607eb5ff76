package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rcinvite/rcinvite/mockserver/internal/loadbench"
)

// endpoint is one request that the load runs repeat.
type endpoint struct {
	name, path, body, userID, authToken string
}

// endpoints: validateInviteToken without auth, and useInviteToken by alice, already a member of
// ProjectX, re-using the unlimited invite Forevr: 200 every time, nothing grows.
var endpoints = []endpoint{
	{name: "validateInviteToken", path: "/api/v1/validateInviteToken", body: `{"token":"PrjXok"}`},
	{name: "useInviteToken", path: "/api/v1/useInviteToken", body: `{"token":"Forevr"}`,
		userID: "alice", authToken: "alice-token"},
}

// Server names as they appear in the report.
const (
	serverRcmock   = "rcmock"
	serverBaseline = "rcmock (baseline)" // -baseline: the same flags, another build
	serverFloor    = "floor"
	serverPrism    = "Prism"
)

// bench is everything one run measured.
type bench struct {
	o         options
	root      string // repository root
	tmp       string
	started   time.Time
	machine   machine
	answers   map[string]loadbench.Answer            // path -> rcmock's answer, served by the floor and WireMock
	loads     map[string]map[string]loadbench.Result // endpoint -> server -> result
	others    map[string]map[string]float64          // endpoint -> server -> cores used by other processes during the run
	serverCPU map[string]map[string]time.Duration    // endpoint -> server -> the server's CPU time per request in that run
	rss       map[string]loadbench.Memory            // server -> resident memory after its load runs
	startups  map[string][]time.Duration             // server -> start-up times
	goBench   string                                 // raw go test output
	memory    memoryFigures
	persist   persistFigures
	prismBin  string
	prismVer  string
	notes     []string

	wireMockJar, wireMockRoot, wireMockVer, javaVer string
	wireMockTrials                                  []wireMockTrial
	wireMockBest                                    wireMockTrial
	mockoonBin, mockoonVer                          string
}

func run(ctx context.Context, o options) error {
	b := &bench{o: o, started: time.Now(), loads: map[string]map[string]loadbench.Result{},
		others: map[string]map[string]float64{}, serverCPU: map[string]map[string]time.Duration{},
		rss: map[string]loadbench.Memory{}, startups: map[string][]time.Duration{}}
	var err error
	if b.root, err = moduleRoot(); err != nil {
		return err
	}
	if b.tmp, err = os.MkdirTemp("", "loadbench"); err != nil {
		return err
	}
	defer os.RemoveAll(b.tmp)
	b.machine = readMachine(ctx)
	steps := []struct {
		name string
		do   func(context.Context) error
	}{
		{"go benchmarks", b.runGoBench},
		{"build rcmock", b.buildRcmock},
		{"rcmock start-up and answers", b.measureRcmockStartup},
		{"Prism start-up", b.measurePrismStartup},
		{"peers: install and start-up", b.preparePeers},
		{"WireMock threads", b.tuneWireMock},
		{"HTTP load, every server interleaved", b.measureLoads},
		{"rcmock memory", b.measureMemory},
	}
	if o.persist {
		steps = append(steps, struct {
			name string
			do   func(context.Context) error
		}{"persistent mode", b.measurePersistent})
	}
	for _, s := range steps {
		logf("== %s", s.name)
		if err := s.do(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	b.machine.loadEnd = readLoadAvg()
	return b.write()
}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run loadbench inside the rcinvite module")
	}
	return filepath.Dir(mod), nil
}

func (b *bench) runGoBench(ctx context.Context) error {
	if b.o.goBench == "" {
		return nil
	}
	// BenchmarkExplanations runs on its own, more often: its figure is a small difference.
	runs := [][]string{
		{"-bench", b.o.goBench, "-skip", "^BenchmarkExplanations$", "-count", strconv.Itoa(b.o.benchCount)},
		{"-bench", "^BenchmarkExplanations$", "-count", strconv.Itoa(b.o.explainCount)},
	}
	for _, run := range runs {
		args := append([]string{"test", "-run", "^$", "-benchmem", "-benchtime", b.o.benchtime, "-timeout", "30m"}, run...)
		cmd := exec.CommandContext(ctx, "go", append(args, "./mockserver/")...)
		cmd.Dir = b.root
		out, err := cmd.CombinedOutput()
		b.goBench += string(out)
		if err != nil {
			return fmt.Errorf("go test -bench: %w\n%s", err, out)
		}
	}
	return nil
}

func (b *bench) rcmockPath() string { return filepath.Join(b.tmp, "rcmock") }

func (b *bench) buildRcmock(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", b.rcmockPath(), "./mockserver/cmd/rcmock")
	cmd.Dir = b.root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	return nil
}

// startOnFreePort starts server name with the command line argv makes for a free loopback
// port, and waits up to timeout for its first 200 of GET /api/info.
func startOnFreePort(ctx context.Context, name string, timeout time.Duration, argv func(host, port string) []string) (*loadbench.Process, error) {
	addr, err := loadbench.FreeAddr()
	if err != nil {
		return nil, err
	}
	host, port, _ := strings.Cut(addr, ":")
	return loadbench.Start(ctx, name, addr, timeout, nil, argv(host, port)...)
}

// startRcmock starts the built rcmock on a free loopback port.
func (b *bench) startRcmock(ctx context.Context) (*loadbench.Process, error) {
	return b.startRcmockBinary(ctx, serverRcmock, b.rcmockPath())
}

// startBaseline starts the -baseline rcmock with the same flags.
func (b *bench) startBaseline(ctx context.Context) (*loadbench.Process, error) {
	return b.startRcmockBinary(ctx, serverBaseline, b.o.baseline)
}

func (b *bench) startRcmockBinary(ctx context.Context, name, bin string) (*loadbench.Process, error) {
	return startOnFreePort(ctx, name, 10*time.Second, func(host, port string) []string {
		return append([]string{bin, "--addr", host + ":" + port}, strings.Fields(b.o.rcmockArgs)...)
	})
}

// measureRcmockStartup times rcmock's start-ups and records its answers for the floor and WireMock.
func (b *bench) measureRcmockStartup(ctx context.Context) error {
	for i := 0; i < b.o.startups; i++ {
		p, err := b.startRcmock(ctx)
		if err != nil {
			return err
		}
		b.startups[serverRcmock] = append(b.startups[serverRcmock], p.Startup)
		p.Stop()
	}
	p, err := b.startRcmock(ctx)
	if err != nil {
		return err
	}
	defer p.Stop()
	return b.captureAnswers(p.Addr)
}

// measureLoads starts every server at once (rcmock, the floor, Prism and the peers) and loads
// them in interleaved rounds (loadInterleaved), then checks rcmock's memory across many
// requests (measureFlatness).
func (b *bench) measureLoads(ctx context.Context) error {
	starters := []starter{{serverRcmock, b.startRcmock}, {serverFloor, b.startFloor}}
	if b.o.baseline != "" {
		starters = append(starters, starter{serverBaseline, b.startBaseline})
	}
	if b.o.prism != "off" {
		starters = append(starters, starter{serverPrism, b.startPrism})
	}
	starters = append(starters, b.peerStarters()...)
	var servers []*loadbench.Process
	defer func() {
		for _, p := range servers {
			p.Stop()
		}
	}()
	for _, s := range starters {
		p, err := s.start(ctx)
		if err != nil {
			return err
		}
		servers = append(servers, p)
	}
	if err := b.loadInterleaved(ctx, servers); err != nil {
		return err
	}
	for _, p := range servers {
		m, err := loadbench.ReadMemory(p.PID())
		if err != nil {
			return err
		}
		b.rss[p.Name] = m
	}
	return b.measureFlatness(ctx, servers[0])
}

// captureAnswers records rcmock's answers, which the floor then serves byte for byte.
func (b *bench) captureAnswers(addr string) error {
	answers := map[string]loadbench.Answer{}
	get := endpoint{name: "info", path: "/api/info"}
	for _, e := range append([]endpoint{get}, endpoints...) {
		a, err := ask(addr, e)
		if err != nil {
			return err
		}
		if a.Status != http.StatusOK {
			return fmt.Errorf("rcmock answered %s with %d: %s", e.path, a.Status, a.Body)
		}
		answers[e.path] = a
	}
	b.answers = answers
	data, err := json.Marshal(answers)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(b.tmp, "answers.json"), data, 0o600)
}

// ask sends e once (GET when it has no body) and returns the answer.
func ask(addr string, e endpoint) (loadbench.Answer, error) {
	method := http.MethodPost
	if e.body == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, "http://"+addr+e.path, strings.NewReader(e.body))
	if err != nil {
		return loadbench.Answer{}, err
	}
	if e.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if e.userID != "" {
		req.Header.Set("X-User-Id", e.userID)
		req.Header.Set("X-Auth-Token", e.authToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return loadbench.Answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return loadbench.Answer{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: body}, err
}

// Disturbance control: a measured run during which other processes used more than
// quietCores of CPU is repeated, up to measureTries runs, and the least disturbed one is kept.
const (
	quietCores   = 0.1
	measureTries = 3
)

// loadInterleaved runs, for every endpoint, a warm-up against each server, then measureTries
// rounds in each of which every server gets one measured run, the order rotating from round to
// round: a change in the machine's load meanwhile touches every server alike. Each server keeps
// its least disturbed run.
func (b *bench) loadInterleaved(ctx context.Context, servers []*loadbench.Process) error {
	for _, e := range endpoints {
		load := func(p *loadbench.Process, d time.Duration) loadbench.Load {
			return loadbench.Load{URL: "http://" + p.Addr + e.path, Body: e.body, UserID: e.userID,
				AuthToken: e.authToken, Conns: b.o.conns, Threads: b.o.threads, Duration: d}
		}
		for _, p := range servers {
			if _, err := loadbench.RunWrk(ctx, load(p, b.o.warmup)); err != nil {
				return err
			}
		}
		b.loads[e.name] = map[string]loadbench.Result{}
		b.others[e.name] = map[string]float64{}
		b.serverCPU[e.name] = map[string]time.Duration{}
		for round := range measureTries {
			for i := range servers {
				p := servers[(i+round)%len(servers)]
				res, others, cpu, err := measure(ctx, load(p, b.o.duration), p.PID())
				if err != nil {
					return err
				}
				logf("%-8s %-20s %9.0f req/s  p50 %-8s p99 %-8s non-2xx %d  other CPU %.2f cores",
					p.Name, e.name, res.RPS(), res.P50, res.P99, res.Non2xx, others)
				if prev, seen := b.others[e.name][p.Name]; !seen || others < prev {
					b.loads[e.name][p.Name] = res
					b.others[e.name][p.Name] = others
					b.serverCPU[e.name][p.Name] = cpu / time.Duration(max(res.Requests, 1))
				}
			}
		}
	}
	return nil
}

// measure runs l once and returns, beside wrk's figures, the CPU (in cores) that processes other
// than wrk and the server pid used meanwhile, and the CPU time the server itself used.
func measure(ctx context.Context, l loadbench.Load, pid int) (loadbench.Result, float64, time.Duration, error) {
	m0, err1 := loadbench.MachineCPU()
	p0, err2 := loadbench.ProcessCPU(pid)
	res, err := loadbench.RunWrk(ctx, l)
	if err != nil {
		return res, 0, 0, err
	}
	m1, err3 := loadbench.MachineCPU()
	p1, err4 := loadbench.ProcessCPU(pid)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return res, 0, 0, err
	}
	others := ((m1 - m0) - (p1 - p0) - res.WrkCPU).Seconds() / res.Elapsed.Seconds()
	return res, max(others, 0), p1 - p0, nil
}

func (b *bench) startFloor(ctx context.Context) (*loadbench.Process, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return startOnFreePort(ctx, serverFloor, 10*time.Second, func(host, port string) []string {
		return []string{self, "floor", "-addr", host + ":" + port, "-answers", filepath.Join(b.tmp, "answers.json")}
	})
}

// measurePrismStartup installs Prism (unless -prism=off) and times its start-ups.
func (b *bench) measurePrismStartup(ctx context.Context) error {
	if b.o.prism == "off" {
		b.notes = append(b.notes, "Prism was skipped (-prism=off).")
		return nil
	}
	bin, err := b.prismBinary(ctx)
	if err != nil {
		return err
	}
	b.prismBin = bin
	out, _ := exec.CommandContext(ctx, bin, "--version").Output()
	b.prismVer = strings.TrimSpace(string(out))
	for i := 0; i < b.o.prismRuns; i++ {
		p, err := b.startPrism(ctx)
		if err != nil {
			return err
		}
		b.startups[serverPrism] = append(b.startups[serverPrism], p.Startup)
		p.Stop()
	}
	return nil
}

func (b *bench) startPrism(ctx context.Context) (*loadbench.Process, error) {
	return startOnFreePort(ctx, serverPrism, peerStartTimeout, func(host, port string) []string {
		return []string{b.prismBin, "mock", "-h", host, "-p", port, filepath.Join(b.root, "spec", "openapi.yaml")}
	})
}

// prismBinary returns -prism, or installs @stoplight/prism-cli with npm into the run's temp dir.
func (b *bench) prismBinary(ctx context.Context) (string, error) {
	if b.o.prism != "" {
		return b.o.prism, nil
	}
	modules, err := b.npmInstall(ctx, "prism", "@stoplight/prism-cli@"+b.o.prismVersion)
	if err != nil {
		return "", err
	}
	return filepath.Join(modules, ".bin", "prism"), nil
}

// median of ds (the upper middle for an even count); 0 for none.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
