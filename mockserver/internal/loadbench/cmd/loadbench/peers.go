package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rcinvite/rcinvite/mockserver/internal/loadbench"
)

// The peers: mock servers a user would pick next, measured beside rcmock, each installed with
// npm into the run's temporary folder (never into the repository).
const (
	serverWireMock = "WireMock"
	serverMockoon  = "Mockoon"
)

// peers are the servers of the "≥ 3× the fastest peer" target.
var peers = []string{serverPrism, serverWireMock, serverMockoon}

// peerStartTimeout bounds a peer's start-up: the JVM and Node.js take seconds, not milliseconds.
const peerStartTimeout = 60 * time.Second

// wireMockConfig is one configuration of WireMock's Jetty for load.
type wireMockConfig struct {
	containerThreads int // --container-threads: Jetty's request threads
	acceptors        int // --jetty-acceptor-threads
}

func (c wireMockConfig) String() string {
	return fmt.Sprintf("--container-threads %d --jetty-acceptor-threads %d", c.containerThreads, c.acceptors)
}

// wireMockFlags are the flags of every WireMock run: what WireMock's documentation advises for
// load (no request journal, whose memory grows with every request; no request logging), on
// loopback, with the stubs of the run's root folder.
func wireMockFlags(port, root string) []string {
	return []string{"--port", port, "--bind-address", "127.0.0.1", "--root-dir", root,
		"--no-request-journal", "--disable-request-logging", "--disable-banner"}
}

// wireMockTrial is what a short validateInviteToken run measured with one configuration.
type wireMockTrial struct {
	config wireMockConfig
	result loadbench.Result
}

// parseWireMockConfigs reads -wiremock-configs: "threads/acceptors" pairs, comma separated.
func parseWireMockConfigs(s string) ([]wireMockConfig, error) {
	var out []wireMockConfig
	for _, pair := range strings.Split(s, ",") {
		t, a, ok := strings.Cut(strings.TrimSpace(pair), "/")
		threads, err1 := strconv.Atoi(t)
		acceptors, err2 := strconv.Atoi(a)
		if !ok || err1 != nil || err2 != nil || threads < 1 || acceptors < 1 {
			return nil, fmt.Errorf("-wiremock-configs %q: want threads/acceptors pairs such as 10/2,64/2", s)
		}
		out = append(out, wireMockConfig{threads, acceptors})
	}
	return out, nil
}

// npmInstall installs pkg (name@version) into the run's temporary folder dir and returns the
// folder of its node_modules.
func (b *bench) npmInstall(ctx context.Context, dir, pkg string) (string, error) {
	prefix := filepath.Join(b.tmp, dir)
	if err := os.MkdirAll(prefix, 0o755); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "npm", "install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error", pkg)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm install %s: %w\n%s", pkg, err, out)
	}
	return filepath.Join(prefix, "node_modules"), nil
}

// prepareWireMock finds or installs the standalone jar (the npm package wiremock wraps it; it
// is run with java directly, so that the measured process is the JVM itself) and writes its
// root folder: stubs for /api/info and the endpoints, answering rcmock's bytes.
func (b *bench) prepareWireMock(ctx context.Context) error {
	jar := b.o.wireMock
	if jar == "" {
		modules, err := b.npmInstall(ctx, "wiremock", "wiremock@"+b.o.wireMockVersion)
		if err != nil {
			return err
		}
		jars, _ := filepath.Glob(filepath.Join(modules, "wiremock", "build", "wiremock-standalone-*.jar"))
		if len(jars) != 1 {
			return fmt.Errorf("wiremock@%s: want one wiremock-standalone jar, found %v", b.o.wireMockVersion, jars)
		}
		jar = jars[0]
	}
	b.wireMockJar = jar
	b.wireMockVer = strings.TrimSuffix(strings.TrimPrefix(filepath.Base(jar), "wiremock-standalone-"), ".jar")
	if out, err := exec.CommandContext(ctx, "java", "-version").CombinedOutput(); err == nil {
		b.javaVer, _, _ = strings.Cut(strings.TrimSpace(string(out)), "\n")
	}
	stubs := []loadbench.Stub{{Method: "GET", Path: "/api/info", Answer: b.answers["/api/info"]}}
	for _, e := range endpoints {
		stubs = append(stubs, loadbench.Stub{Method: "POST", Path: e.path, Answer: b.answers[e.path]})
	}
	mappings, err := loadbench.WireMockMappings(stubs)
	if err != nil {
		return err
	}
	b.wireMockRoot = filepath.Join(b.tmp, "wiremock-root")
	if err := os.MkdirAll(filepath.Join(b.wireMockRoot, "mappings"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(b.wireMockRoot, "mappings", "rcinvite.json"), mappings, 0o644)
}

func (b *bench) startWireMock(ctx context.Context, c wireMockConfig) (*loadbench.Process, error) {
	return startOnFreePort(ctx, serverWireMock, peerStartTimeout, func(_, port string) []string {
		argv := append([]string{"java", "-jar", b.wireMockJar}, wireMockFlags(port, b.wireMockRoot)...)
		return append(argv, "--container-threads", strconv.Itoa(c.containerThreads), "--jetty-acceptor-threads", strconv.Itoa(c.acceptors))
	})
}

// tuneWireMock tries each -wiremock-configs configuration on validateInviteToken (a warm-up,
// which also lets the JIT compile the hot path, then one run of -tune-duration) and keeps the
// fastest for the measured runs.
func (b *bench) tuneWireMock(ctx context.Context) error {
	if b.o.wireMock == "off" {
		return nil
	}
	configs, err := parseWireMockConfigs(b.o.wireMockConfigs)
	if err != nil {
		return err
	}
	e := endpoints[0]
	for _, c := range configs {
		p, err := b.startWireMock(ctx, c)
		if err != nil {
			return err
		}
		l := loadbench.Load{URL: "http://" + p.Addr + e.path, Body: e.body, Conns: b.o.conns, Threads: b.o.threads, Duration: b.o.warmup}
		if _, err := loadbench.RunWrk(ctx, l); err != nil {
			p.Stop()
			return err
		}
		l.Duration = b.o.tuneDuration
		res, err := loadbench.RunWrk(ctx, l)
		p.Stop()
		if err != nil {
			return err
		}
		logf("WireMock %s: %.0f req/s, p99 %s", c, res.RPS(), res.P99)
		b.wireMockTrials = append(b.wireMockTrials, wireMockTrial{c, res})
		if res.RPS() > b.wireMockBest.result.RPS() {
			b.wireMockBest = wireMockTrial{c, res}
		}
	}
	return nil
}

// mockoonFlags are Mockoon CLI's flags for load: the contract (spec/openapi.yaml) imported as
// the environment, no log file, no admin API and no transaction log kept for it. Mockoon logs
// each request to stdout whatever its flags; loadbench discards that output. It runs on one
// Node.js event loop and has no thread setting.
func mockoonFlags(spec, port string) []string {
	return []string{"start", "--data", spec, "--port", port, "--hostname", "127.0.0.1",
		"--disable-log-to-file", "--disable-admin-api", "--max-transaction-logs", "0"}
}

// prepareMockoon finds or installs mockoon-cli.
func (b *bench) prepareMockoon(ctx context.Context) error {
	bin := b.o.mockoon
	if bin == "" {
		modules, err := b.npmInstall(ctx, "mockoon", "@mockoon/cli@"+b.o.mockoonVersion)
		if err != nil {
			return err
		}
		bin = filepath.Join(modules, ".bin", "mockoon-cli")
	}
	b.mockoonBin = bin
	out, _ := exec.CommandContext(ctx, bin, "--version").Output()
	b.mockoonVer = mockoonVersionOf(string(out))
	return nil
}

// mockoonVersionOf shortens `mockoon-cli --version` ("@mockoon/cli/9.9.0 linux-x64 node-v20.20.2")
// to "9.9.0 (node-v20.20.2)".
func mockoonVersionOf(out string) string {
	f := strings.Fields(out)
	if len(f) == 0 {
		return ""
	}
	v := f[0][strings.LastIndexByte(f[0], '/')+1:]
	if len(f) == 3 {
		v += " (" + f[2] + ")"
	}
	return v
}

func (b *bench) startMockoon(ctx context.Context) (*loadbench.Process, error) {
	return startOnFreePort(ctx, serverMockoon, peerStartTimeout, func(_, port string) []string {
		return append([]string{b.mockoonBin}, mockoonFlags(filepath.Join(b.root, "spec", "openapi.yaml"), port)...)
	})
}

// preparePeers installs the peers that are not off and times their start-ups.
func (b *bench) preparePeers(ctx context.Context) error {
	if b.o.wireMock == "off" {
		b.notes = append(b.notes, "WireMock was skipped (-wiremock=off).")
	} else if err := b.prepareWireMock(ctx); err != nil {
		return err
	}
	if b.o.mockoon == "off" {
		b.notes = append(b.notes, "Mockoon was skipped (-mockoon=off).")
	} else if err := b.prepareMockoon(ctx); err != nil {
		return err
	}
	for i := 0; i < b.o.peerStartups; i++ {
		for _, start := range b.peerStarters() {
			p, err := start.start(ctx)
			if err != nil {
				return err
			}
			b.startups[start.name] = append(b.startups[start.name], p.Startup)
			p.Stop()
		}
	}
	return nil
}

// starter starts one server of the load runs.
type starter struct {
	name  string
	start func(context.Context) (*loadbench.Process, error)
}

// peerStarters are the WireMock and Mockoon servers of this run (start-up times are taken with
// WireMock's first configuration; the load runs use the fastest).
func (b *bench) peerStarters() []starter {
	var out []starter
	if b.wireMockJar != "" {
		c := b.wireMockBest.config
		if c.containerThreads == 0 {
			configs, _ := parseWireMockConfigs(b.o.wireMockConfigs)
			c = configs[0]
		}
		out = append(out, starter{serverWireMock, func(ctx context.Context) (*loadbench.Process, error) { return b.startWireMock(ctx, c) }})
	}
	if b.mockoonBin != "" {
		out = append(out, starter{serverMockoon, b.startMockoon})
	}
	return out
}

// writePeers describes the peers, their configurations and WireMock's tuning runs.
func (b *bench) writePeers(w *strings.Builder) {
	fmt.Fprintf(w, "## Peers\n\n")
	fmt.Fprintf(w, "Each peer answers the same requests in the configuration its documentation advises for load, "+
		"installed with npm into a temporary folder:\n\n")
	if b.wireMockJar != "" {
		fmt.Fprintf(w, "- **WireMock %s** (standalone jar of the npm package `wiremock`, run with `java -jar`; %s): stubs that "+
			"match method and URL only, the cheapest match it has, answering rcmock's bytes; `%s`. Jetty threads: `%s`, "+
			"the fastest of the configurations below.\n", b.wireMockVer, orNA(b.javaVer),
			strings.Join(wireMockFlags("PORT", "ROOT"), " "), b.wireMockBest.config)
	}
	if b.mockoonBin != "" {
		fmt.Fprintf(w, "- **Mockoon CLI %s** (npm `@mockoon/cli`): the contract `spec/openapi.yaml` imported as its "+
			"environment (it answers the contract's example or schema-generated bodies, not rcmock's); `%s`. "+
			"It logs every request to stdout whatever its flags (discarded here) and runs on one Node.js event loop: "+
			"no thread setting to tune.\n", b.mockoonVer, strings.Join(mockoonFlags("spec/openapi.yaml", "PORT"), " "))
	}
	fmt.Fprintf(w, "- **Prism %s**: `prism mock spec/openapi.yaml`.\n\n", orNA(b.prismVer))
	if len(b.wireMockTrials) > 0 {
		fmt.Fprintf(w, "WireMock configurations tried (validateInviteToken, %s after a %s warm-up, one start each):\n\n", b.o.tuneDuration, b.o.warmup)
		fmt.Fprintf(w, "| configuration | req/s | p50 | p99 |\n|---|--:|--:|--:|\n")
		for _, t := range b.wireMockTrials {
			fmt.Fprintf(w, "| `%s` | %.0f | %s | %s |\n", t.config, t.result.RPS(), dur(t.result.P50), dur(t.result.P99))
		}
		fmt.Fprintln(w)
	}
}

// writeRatios is the side-by-side table: rcmock against the floor and each peer.
func (b *bench) writeRatios(w *strings.Builder) {
	b.writeBaseline(w)
	fmt.Fprintf(w, "| endpoint | rcmock/floor req/s | rcmock p99 / floor p99 |")
	for _, p := range peers {
		fmt.Fprintf(w, " rcmock/%s req/s |", p)
	}
	fmt.Fprintf(w, " rcmock / fastest peer req/s |\n|---|--:|--:|%s--:|\n", strings.Repeat("--:|", len(peers)))
	for _, e := range endpoints {
		fmt.Fprintf(w, "| %s | %s | %s |", e.name, b.ratio(e.name, serverFloor, rps), b.ratio(e.name, serverFloor, p99))
		for _, p := range peers {
			fmt.Fprintf(w, " %s |", b.ratio(e.name, p, rps))
		}
		if v, peer, ok := b.fastestPeerRatio(e.name); ok {
			fmt.Fprintf(w, " %.2f× (%s) |\n", v, peer)
		} else {
			fmt.Fprintf(w, " n/a |\n")
		}
	}
	fmt.Fprintln(w)
}

// writeBaseline compares rcmock with the -baseline build measured in the same rounds.
func (b *bench) writeBaseline(w *strings.Builder) {
	if b.o.baseline == "" {
		return
	}
	fmt.Fprintf(w, "rcmock against the baseline build (`-baseline %s`), same flags, same rounds:\n\n", b.o.baseline)
	fmt.Fprintf(w, "| endpoint | rcmock/baseline req/s | rcmock p99 / baseline p99 | baseline/floor req/s | baseline p99 / floor p99 |\n|---|--:|--:|--:|--:|\n")
	for _, e := range endpoints {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", e.name, b.ratio(e.name, serverBaseline, rps), b.ratio(e.name, serverBaseline, p99),
			b.ratioOf(e.name, serverBaseline, serverFloor, rps), b.ratioOf(e.name, serverBaseline, serverFloor, p99))
	}
	fmt.Fprintln(w)
}

// fastestPeerRatio is rcmock's req/s over the fastest measured peer's, and that peer.
func (b *bench) fastestPeerRatio(endpoint string) (float64, string, bool) {
	best, name := 0.0, ""
	for _, p := range peers {
		if r, ok := b.loads[endpoint][p]; ok && r.RPS() > best {
			best, name = r.RPS(), p
		}
	}
	r, ok := b.loads[endpoint][serverRcmock]
	if !ok || best == 0 {
		return 0, "", false
	}
	return r.RPS() / best, name, true
}

// writeServerFootprint lists each server's start-up and resident memory after its load runs.
func (b *bench) writeServerFootprint(w *strings.Builder) {
	fmt.Fprintf(w, "Resident memory after the load runs (VmRSS, peak VmHWM) and median start-up, per server:\n\n")
	fmt.Fprintf(w, "| server | RSS | peak | start-up |\n|---|--:|--:|--:|\n")
	for _, s := range append([]string{serverRcmock, serverBaseline, serverFloor}, peers...) {
		m, ok := b.rss[s]
		if !ok {
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", s, mibs(m.RSS), mibs(m.Peak), orNA(durOrEmpty(median(b.startups[s]))))
	}
	fmt.Fprintln(w)
}

func durOrEmpty(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return dur(d)
}
