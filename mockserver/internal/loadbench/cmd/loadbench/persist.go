package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rcinvite/rcinvite/mockserver/internal/loadbench"
)

// Persistent mode (issue 15): rcmock with --state-file against rcmock in memory.
const (
	persistRounds   = 3   // interleaved rounds of the mutating load, each on fresh servers
	minPersistShare = 0.5 // mutating req/s with a state file ≥ this × in memory
	minLoginShare   = 0.8 // logins/s in a grown world ≥ this × in a fresh one
	loginGrowth     = 100_000
)

// mutating is the mutating request of the persistent-mode runs: the admin creates a channel
// of a name no other request uses, so every answer stores a new room and its subscription.
var mutating = endpoint{name: "channels.create", path: "/api/v1/channels.create",
	userID: "rocketchat.internal.admin.test", authToken: "admin-token"}

// persistFigures are the persistent-mode measurements.
type persistFigures struct {
	memory, file []loadbench.Result // per round
	loginLine    string             // TestLoginsStayFlatWithAStateFile's figures, as it logs them
	loginFresh   float64            // logins/s in a fresh world
	loginGrown   float64            // logins/s in the world grown by loginGrowth logins
	loginTook    time.Duration
}

// measurePersistent loads channels.create on rcmock in memory and with a state file, 64
// connections, in interleaved rounds on fresh servers (so that each round starts from the same
// world and file), and runs the login-growth test with loginGrowth logins.
func (b *bench) measurePersistent(ctx context.Context) error {
	for round := range persistRounds {
		for _, file := range []bool{round%2 == 1, round%2 == 0} {
			args := []string{}
			name := "rcmock in memory"
			if file {
				args = append(args, "--state-file", filepath.Join(b.tmp, fmt.Sprintf("state-%d.db", round)))
				name = "rcmock --state-file"
			}
			p, err := startOnFreePort(ctx, name, 10*time.Second, func(host, port string) []string {
				return append(append([]string{b.rcmockPath(), "--addr", host + ":" + port}, strings.Fields(b.o.rcmockArgs)...), args...)
			})
			if err != nil {
				return err
			}
			load := func(prefix string, d time.Duration) loadbench.Load {
				return loadbench.Load{URL: "http://" + p.Addr + mutating.path, Body: `{"name":"` + prefix + `-{n}"}`, Unique: true,
					UserID: mutating.userID, AuthToken: mutating.authToken, Conns: b.o.conns, Threads: b.o.threads, Duration: d}
			}
			if _, err := loadbench.RunWrk(ctx, load("warm", b.o.warmup)); err != nil {
				p.Stop()
				return err
			}
			res, err := loadbench.RunWrk(ctx, load("load", b.o.duration))
			p.Stop()
			if err != nil {
				return err
			}
			logf("%-20s %-16s %9.0f req/s  p50 %-8s p99 %-8s non-2xx %d", name, mutating.name, res.RPS(), res.P50, res.P99, res.Non2xx)
			if res.Non2xx > 0 {
				return fmt.Errorf("%s: %d answers not 2xx", name, res.Non2xx)
			}
			if file {
				b.persist.file = append(b.persist.file, res)
			} else {
				b.persist.memory = append(b.persist.memory, res)
			}
		}
	}
	return b.measureLoginGrowth(ctx)
}

// loginFigures reads TestLoginsStayFlatWithAStateFile's log line.
var loginFigures = regexp.MustCompile(`(\d+ logins grew the world .*?then logins/s: fresh world (\d+), grown world (\d+) .*?×)`)

// measureLoginGrowth runs TestLoginsStayFlatWithAStateFile with RCMOCK_LOGINS=loginGrowth: a
// world with a state file grown by that many logins against a fresh one, in one process.
func (b *bench) measureLoginGrowth(ctx context.Context) error {
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^TestLoginsStayFlatWithAStateFile$", "-count", "1", "-v", "-timeout", "30m", "./mockserver/")
	cmd.Dir = b.root
	cmd.Env = append(os.Environ(), "RCMOCK_LOGINS="+strconv.Itoa(loginGrowth))
	out, err := cmd.CombinedOutput()
	b.persist.loginTook = time.Since(start)
	m := loginFigures.FindStringSubmatch(string(out))
	if m == nil {
		return fmt.Errorf("TestLoginsStayFlatWithAStateFile: no figures (%v):\n%s", err, out)
	}
	b.persist.loginLine = m[1]
	b.persist.loginFresh, _ = strconv.ParseFloat(m[2], 64)
	b.persist.loginGrown, _ = strconv.ParseFloat(m[3], 64)
	logf("logins: %s (%s)", m[1], b.persist.loginTook.Round(time.Second))
	return nil // a ratio below the bound fails the test; the report says so in Targets
}

// medianRPS is the median req/s of rs (0 for none).
func medianRPS(rs []loadbench.Result) float64 {
	v := make([]float64, 0, len(rs))
	for _, r := range rs {
		v = append(v, r.RPS())
	}
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// writePersistent is the persistent-mode section.
func (b *bench) writePersistent(w *strings.Builder) {
	p := b.persist
	if len(p.memory) == 0 && p.loginLine == "" {
		return
	}
	fmt.Fprintf(w, "## Persistent mode\n\n")
	fmt.Fprintf(w, "Mutating requests: `%s` by the admin, a channel name no other request uses (every answer "+
		"stores a room and a subscription), wrk %d connections, %d threads, %s after a %s warm-up, on fresh "+
		"servers each round (rcmock `%s`, in memory and with `--state-file` on this machine's disk), "+
		"%d interleaved rounds. With a state file an answer is sent once its change is fsynced.\n\n",
		mutating.name, b.o.conns, b.o.threads, b.o.duration, b.o.warmup, b.o.rcmockArgs, persistRounds)
	fmt.Fprintf(w, "| round | in memory req/s | p50 | p99 | with a state file req/s | p50 | p99 |\n|--:|--:|--:|--:|--:|--:|--:|\n")
	for i := range min(len(p.memory), len(p.file)) {
		m, f := p.memory[i], p.file[i]
		fmt.Fprintf(w, "| %d | %.0f | %s | %s | %.0f | %s | %s |\n", i+1, m.RPS(), dur(m.P50), dur(m.P99), f.RPS(), dur(f.P50), dur(f.P99))
	}
	fmt.Fprintf(w, "\nMedian: in memory %.0f req/s, with a state file %.0f req/s.\n\n", medianRPS(p.memory), medianRPS(p.file))
	if p.loginLine != "" {
		fmt.Fprintf(w, "Logins with a state file (`TestLoginsStayFlatWithAStateFile` with `RCMOCK_LOGINS=%d`, in-process, "+
			"8 clients; took %s): %s.\n\n", loginGrowth, p.loginTook.Round(time.Second), p.loginLine)
	}
}

// persistTargets are the persistent-mode targets.
func (b *bench) persistTargets() []target {
	p := b.persist
	mem, file := medianRPS(p.memory), medianRPS(p.file)
	v := 0.0
	if mem > 0 {
		v = file / mem
	}
	l := 0.0
	if p.loginFresh > 0 {
		l = p.loginGrown / p.loginFresh
	}
	return []target{
		{fmt.Sprintf("mutating req/s with --state-file ≥ %.1f× in memory (%s, %d connections)", minPersistShare, mutating.name, b.o.conns),
			fmt.Sprintf("%.2f× (%.0f vs %.0f req/s, medians of %d rounds)", v, file, mem, len(p.file)), v >= minPersistShare, mem > 0 && file > 0},
		{fmt.Sprintf("logins/s after %d logins ≥ %.1f× a fresh world's (state file)", loginGrowth, minLoginShare),
			fmt.Sprintf("%.2f× (%.0f vs %.0f logins/s)", l, p.loginGrown, p.loginFresh), l >= minLoginShare, p.loginFresh > 0},
	}
}
