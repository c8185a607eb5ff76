// Package loadbench measures rcmock over HTTP on loopback, side by side with a floor (a bare
// net/http server answering the same bytes) and with its peers (Prism, WireMock, Mockoon). It
// drives wrk for the load, times start-up from exec to the first 200 of GET /api/info, reads
// the resident memory of a server process from /proc, and writes WireMock's stubs. The program
// in cmd/loadbench composes these into BENCHMARKS.md.
package loadbench

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

//go:embed post.lua
var postLua []byte

// Load is one wrk run: one request repeated by Conns connections for Duration.
type Load struct {
	URL       string        // full URL, http://127.0.0.1:port/api/v1/...
	Method    string        // "POST" when empty
	Body      string        // JSON body; sent with Content-Type: application/json when not empty
	UserID    string        // X-User-Id; no auth headers when empty
	AuthToken string        // X-Auth-Token
	Conns     int           // open connections
	Threads   int           // wrk threads
	Duration  time.Duration // length of the run
	Unique    bool          // every "{n}" in Body becomes a value no other request of the run sends
}

// Result is what wrk measured in one run.
type Result struct {
	Requests     int64         // completed requests
	Elapsed      time.Duration // wall time of the run
	P50, P99     time.Duration // latency percentiles
	Max          time.Duration // slowest request
	Non2xx       int64         // answers with a status outside 2xx/3xx
	SocketErrors int64         // connect, read, write errors and timeouts
	WrkCPU       time.Duration // CPU time wrk itself used
}

// RPS is the throughput of the run in requests per second.
func (r Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// RunWrk runs wrk once with the package's Lua script and returns its figures.
func RunWrk(ctx context.Context, l Load) (Result, error) {
	dir, err := os.MkdirTemp("", "loadbench-wrk")
	if err != nil {
		return Result{}, fmt.Errorf("run wrk: %w", err)
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "post.lua")
	if err := os.WriteFile(script, postLua, 0o600); err != nil {
		return Result{}, fmt.Errorf("run wrk: %w", err)
	}
	method := l.Method
	if method == "" {
		method = "POST"
	}
	secs := int(l.Duration.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	cmd := exec.CommandContext(ctx, "wrk",
		"-t", strconv.Itoa(l.Threads), "-c", strconv.Itoa(l.Conns), "-d", strconv.Itoa(secs)+"s",
		"--timeout", "10s", "-s", script, l.URL)
	cmd.Env = append(os.Environ(),
		"LOADBENCH_METHOD="+method, "LOADBENCH_BODY="+l.Body,
		"LOADBENCH_USER_ID="+l.UserID, "LOADBENCH_AUTH_TOKEN="+l.AuthToken)
	if l.Unique {
		cmd.Env = append(cmd.Env, "LOADBENCH_UNIQUE=1")
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return Result{}, fmt.Errorf("run wrk: %w: %s", err, out)
	}
	res, err := ParseWrk(string(out))
	res.WrkCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return res, err
}

// ParseWrk reads the LOADBENCH line that post.lua's done() prints.
func ParseWrk(out string) (Result, error) {
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "LOADBENCH ")
		if !ok {
			continue
		}
		var raw struct {
			Requests, DurationUs, P50Us, P99Us, MaxUs int64
			Status, Connect, Read, Write, Timeout     int64
		}
		if err := json.Unmarshal([]byte(rest), &raw); err != nil {
			return Result{}, fmt.Errorf("parse wrk: %w", err)
		}
		return Result{
			Requests:     raw.Requests,
			Elapsed:      time.Duration(raw.DurationUs) * time.Microsecond,
			P50:          time.Duration(raw.P50Us) * time.Microsecond,
			P99:          time.Duration(raw.P99Us) * time.Microsecond,
			Max:          time.Duration(raw.MaxUs) * time.Microsecond,
			Non2xx:       raw.Status,
			SocketErrors: raw.Connect + raw.Read + raw.Write + raw.Timeout,
		}, nil
	}
	return Result{}, errors.New("parse wrk: no LOADBENCH line in the output")
}

// FreeAddr returns a loopback address with a port that was free a moment ago.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free addr: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}
