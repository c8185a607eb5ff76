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
	serverRcmock = "rcmock"
	serverFloor  = "floor"
	serverPrism  = "Prism"
)

// bench is everything one run measured.
type bench struct {
	o        options
	root     string // repository root
	tmp      string
	started  time.Time
	machine  machine
	loads    map[string]map[string]loadbench.Result // endpoint -> server -> result
	others   map[string]map[string]float64          // endpoint -> server -> cores used by other processes during the run
	startups map[string][]time.Duration             // server -> start-up times
	goBench  string                                 // raw go test output
	memory   memoryFigures
	prismVer string
	notes    []string
}

func run(ctx context.Context, o options) error {
	b := &bench{o: o, started: time.Now(), loads: map[string]map[string]loadbench.Result{},
		others: map[string]map[string]float64{}, startups: map[string][]time.Duration{}}
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
		{"rcmock", b.measureRcmock},
		{"rcmock memory", b.measureMemory},
		{"floor", b.measureFloor},
		{"Prism", b.measurePrism},
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

// startRcmock starts the built rcmock on a free loopback port.
func (b *bench) startRcmock(ctx context.Context) (*loadbench.Process, error) {
	addr, err := loadbench.FreeAddr()
	if err != nil {
		return nil, err
	}
	argv := append([]string{b.rcmockPath(), "--addr", addr}, strings.Fields(b.o.rcmockArgs)...)
	return loadbench.Start(ctx, serverRcmock, addr, 10*time.Second, nil, argv...)
}

func (b *bench) measureRcmock(ctx context.Context) error {
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
	if err := b.captureAnswers(p.Addr); err != nil {
		return err
	}
	if err := b.loadAll(ctx, serverRcmock, p); err != nil {
		return err
	}
	return b.measureFlatness(ctx, p)
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

// loadAll runs, for every endpoint against server p, a warm-up and then measured wrk runs.
func (b *bench) loadAll(ctx context.Context, server string, p *loadbench.Process) error {
	for _, e := range endpoints {
		l := loadbench.Load{URL: "http://" + p.Addr + e.path, Body: e.body, UserID: e.userID,
			AuthToken: e.authToken, Conns: b.o.conns, Threads: b.o.threads, Duration: b.o.warmup}
		if _, err := loadbench.RunWrk(ctx, l); err != nil {
			return err
		}
		l.Duration = b.o.duration
		var best loadbench.Result
		bestOthers := -1.0
		for try := 0; try < measureTries && (bestOthers < 0 || bestOthers > quietCores); try++ {
			res, others, err := measure(ctx, l, p.PID())
			if err != nil {
				return err
			}
			logf("%-8s %-20s %9.0f req/s  p50 %-8s p99 %-8s non-2xx %d  other CPU %.2f cores",
				server, e.name, res.RPS(), res.P50, res.P99, res.Non2xx, others)
			if bestOthers < 0 || others < bestOthers {
				best, bestOthers = res, others
			}
		}
		if b.loads[e.name] == nil {
			b.loads[e.name] = map[string]loadbench.Result{}
			b.others[e.name] = map[string]float64{}
		}
		b.loads[e.name][server] = best
		b.others[e.name][server] = bestOthers
	}
	return nil
}

// measure runs l once and returns, beside wrk's figures, the CPU (in cores) that processes other
// than wrk and the server pid used meanwhile.
func measure(ctx context.Context, l loadbench.Load, pid int) (loadbench.Result, float64, error) {
	m0, err1 := loadbench.MachineCPU()
	p0, err2 := loadbench.ProcessCPU(pid)
	res, err := loadbench.RunWrk(ctx, l)
	if err != nil {
		return res, 0, err
	}
	m1, err3 := loadbench.MachineCPU()
	p1, err4 := loadbench.ProcessCPU(pid)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return res, 0, err
	}
	others := ((m1 - m0) - (p1 - p0) - res.WrkCPU).Seconds() / res.Elapsed.Seconds()
	return res, max(others, 0), nil
}

func (b *bench) measureFloor(ctx context.Context) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	addr, err := loadbench.FreeAddr()
	if err != nil {
		return err
	}
	p, err := loadbench.Start(ctx, serverFloor, addr, 10*time.Second, nil,
		self, "floor", "-addr", addr, "-answers", filepath.Join(b.tmp, "answers.json"))
	if err != nil {
		return err
	}
	defer p.Stop()
	return b.loadAll(ctx, serverFloor, p)
}

func (b *bench) measurePrism(ctx context.Context) error {
	if b.o.prism == "off" {
		b.notes = append(b.notes, "Prism was skipped (-prism=off).")
		return nil
	}
	bin, err := b.prismBinary(ctx)
	if err != nil {
		return err
	}
	out, _ := exec.CommandContext(ctx, bin, "--version").Output()
	b.prismVer = strings.TrimSpace(string(out))
	spec := filepath.Join(b.root, "spec", "openapi.yaml")
	start := func() (*loadbench.Process, error) {
		addr, err := loadbench.FreeAddr()
		if err != nil {
			return nil, err
		}
		host, port, _ := strings.Cut(addr, ":")
		return loadbench.Start(ctx, serverPrism, addr, 60*time.Second, nil,
			bin, "mock", "-h", host, "-p", port, spec)
	}
	for i := 0; i < b.o.prismRuns; i++ {
		p, err := start()
		if err != nil {
			return err
		}
		b.startups[serverPrism] = append(b.startups[serverPrism], p.Startup)
		p.Stop()
	}
	p, err := start()
	if err != nil {
		return err
	}
	defer p.Stop()
	return b.loadAll(ctx, serverPrism, p)
}

// prismBinary returns -prism, or installs @stoplight/prism-cli with npm into the run's temp dir.
func (b *bench) prismBinary(ctx context.Context) (string, error) {
	if b.o.prism != "" {
		return b.o.prism, nil
	}
	dir := filepath.Join(b.tmp, "prism")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "npm", "install", "--prefix", dir, "--no-audit", "--no-fund",
		"--loglevel=error", "@stoplight/prism-cli@"+b.o.prismVersion)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm install prism: %w\n%s", err, out)
	}
	return filepath.Join(dir, "node_modules", ".bin", "prism"), nil
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
