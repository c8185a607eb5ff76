package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

func envOf(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestHelpExplainsEveryFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"--help"}, noEnv, &stdout, &stderr)
	if code := exitCode(err, &stderr); code != 0 {
		t.Fatalf("--help exits %d (%v)", code, err)
	}
	for _, want := range []string{"-addr", "-fixtures", "-log-format", "-strict", "-emulate", "-control-token",
		"-journal-size", "-max-sandboxes", "-latency", "-site-url", "-state-file", "-log-level", "-read-header-timeout", "PORT", "RCMOCK_CONTROL_TOKEN", "ADMIN_USERNAME", "ADMIN_PASS",
		"-journal-size", "-journal-budget", "-allowed-hosts", "-bcrypt-cost", "-latency", "-site-url", "-state-file", "-log-level", "-read-header-timeout", "PORT", "RCMOCK_CONTROL_TOKEN", "ADMIN_USERNAME", "ADMIN_PASS",
		"/_mock/", "/sandboxes/{id}/api/", "127.0.0.1:3000"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("--help does not mention %s:\n%s", want, stdout.String())
		}
	}
	if stderr.Len() != 0 {
		t.Errorf("--help wrote to stderr: %s", stderr.String())
	}
}

func TestBadInputExitsTwo(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "fixtures.yaml")
	if err := os.WriteFile(bad, []byte("users:\n  - _id: a\n    username: a\n    colour: red\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
		want string // on stderr
	}{
		{"bad fixtures", []string{"--fixtures", bad}, nil, bad + ":4: "},
		{"missing fixtures", []string{"--fixtures", bad + ".nope"}, nil, "no such file"},
		{"unknown flag", []string{"--colour"}, nil, "unknown flag --colour: rcmock takes --addr host:port, --allowed-hosts HOSTS, --bcrypt-cost COST, --control-token TOKEN, --cors-origin ORIGINS, --emulate VERSION, --fixtures FILE,"},
		{"flag without its value", []string{"--fixtures"}, nil, "--fixtures needs a value: --fixtures FILE"},
		{"stray argument", []string{"serve"}, nil, `unexpected argument "serve"`},
		{"bad log format", []string{"--log-format", "xml"}, nil, "want text or json"},
		{"bad version", []string{"--emulate", "7.0.0"}, nil, "7.0.0"},
		{"bad journal size", []string{"--journal-size", "0"}, nil, `invalid value "0" for flag -journal-size: want a whole number of requests, at least 1`},
		{"latency out of range", []string{"--latency", "1h"}, nil, `invalid value "1h" for flag -latency: want a Go duration from 0s to 10s, e.g. 50ms`},
		{"latency that is not a duration", []string{"--latency", "fast"}, nil, `invalid value "fast" for flag -latency: want a Go duration from 0s to 10s, e.g. 50ms`},
		{"strict that is not a boolean", []string{"--strict=maybe"}, nil, `invalid boolean value "maybe" for -strict: want true or false`},
		{"addr without a port", []string{"--addr", "localhost"}, nil, `--addr "localhost": want host:port, e.g. 127.0.0.1:3000`},
		{"site URL that is not http", []string{"--site-url", "chat.example.com"}, nil, `--site-url "chat.example.com": want an http or https URL such as http://localhost:3000`},
		{"bad max sandboxes", []string{"--max-sandboxes", "0"}, nil, `invalid value "0" for flag -max-sandboxes: want a whole number of sandboxes, at least 1`},
		{"rate limit knobs alone", []string{"--rate-limit-calls", "5"}, nil, "need --rate-limit"},
		{"bad rate limit", []string{"--rate-limit", "--rate-limit-calls", "-3"}, nil, `invalid value "-3" for flag -rate-limit-calls: want a whole number of calls, at least 1`},
		{"tiny rate limit window", []string{"--rate-limit", "--rate-limit-interval", "1us"}, nil, "interval"},
		{"empty CORS origin", []string{"--cors-origin", " "}, nil, "--cors-origin"},
		{"bad bcrypt cost", []string{"--bcrypt-cost", "31"}, nil, `invalid value "31" for flag -bcrypt-cost: want a whole number from 4 to 14`},
		{"a state file that is not one", []string{"--state-file", garbage}, nil, garbage + ": not a state file"},
		{"bad journal budget", []string{"--journal-budget", "lots"}, nil, "journal-budget"},
		{"zero journal budget", []string{"--journal-budget", "0"}, nil, "journal-budget"},
		{"bad PORT", nil, map[string]string{"PORT": "http"}, "PORT"},
		{"bad log level", []string{"--log-level", "loud"}, nil, "want debug, info, warn or error"},
		{"numeric log level", []string{"--log-level", "INFO+4"}, nil, "want debug, info, warn or error"},
		{"zero read-header-timeout", []string{"--read-header-timeout", "0s"}, nil, `invalid value "0s" for flag -read-header-timeout: want a positive Go duration, e.g. 5s`},
		{"bad read-header-timeout", []string{"--read-header-timeout", "soon"}, nil, `invalid value "soon" for flag -read-header-timeout: want a positive Go duration, e.g. 5s`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), c.args, envOf(c.env), &stdout, &stderr)
			if code := exitCode(err, &stderr); code != exitUsage {
				t.Errorf("exit %d, want %d (%v)", code, exitUsage, err)
			}
			if !strings.Contains(stderr.String(), c.want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), c.want)
			}
		})
	}
}

func TestFlagsAndEnvironment(t *testing.T) {
	for _, c := range []struct {
		name      string
		args      []string
		env       map[string]string
		addr, tok string
	}{
		{"defaults", nil, nil, "127.0.0.1:3000", ""},
		{"PORT sets the port", nil, map[string]string{"PORT": "4000"}, "127.0.0.1:4000", ""},
		{"--addr wins over PORT", []string{"--addr", "127.0.0.1:5000"}, map[string]string{"PORT": "4000"}, "127.0.0.1:5000", ""},
		{"token from the environment", nil, map[string]string{"RCMOCK_CONTROL_TOKEN": "env"}, "127.0.0.1:3000", "env"},
		{"--control-token wins", []string{"--control-token", "flag"}, map[string]string{"RCMOCK_CONTROL_TOKEN": "env"}, "127.0.0.1:3000", "flag"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o, err := parseFlags(c.args, envOf(c.env), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if o.addr != c.addr || o.controlToken != c.tok {
				t.Errorf("addr %q token %q, want %q %q", o.addr, o.controlToken, c.addr, c.tok)
			}
		})
	}
}

var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

// TestServesAndShutsDownGracefully runs rcmock in-process on a free port.
func TestServesAndShutsDownGracefully(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logR, logW := io.Pipe()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(logR)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	env := envOf(map[string]string{"ADMIN_USERNAME": "boss", "ADMIN_PASS": "hunter22", "ADMIN_EMAIL": "boss@example.com"})
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--emulate", "8.3.0", "--strict"}, env, io.Discard, logW)
		logW.Close()
	}()
	var base string
	for base == "" {
		select {
		case l := <-lines:
			if m := listening.FindStringSubmatch(l); m != nil {
				base = "http://" + m[1]
			}
		case err := <-done:
			t.Fatalf("rcmock ended before listening: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("no listening line within 10s")
		}
	}
	go func() { // keep draining the log
		for range lines {
		}
	}()

	var info struct {
		Version string `json:"version"`
	}
	getJSON(t, base+"/api/info", &info)
	if info.Version != "8.3" {
		t.Errorf("/api/info version %q, want 8.3 (--emulate 8.3.0)", info.Version)
	}
	res, err := http.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"user":"boss","password":"hunter22"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("ADMIN_USERNAME/ADMIN_PASS login: %d", res.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("shutdown: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("rcmock did not stop within 15s of its context ending")
	}
	if _, err := http.Get(base + "/api/info"); err == nil {
		t.Error("still answering after shutdown")
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// TestBinaryStopsOnSIGTERM builds rcmock and checks the signal wiring of main.
func TestBinaryStopsOnSIGTERM(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "rcmock")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--log-format", "json")
	cmd.Env = append(os.Environ(), "PORT=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	sc := bufio.NewScanner(stderr)
	var base string
	for base == "" && sc.Scan() {
		var rec struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "listening" {
			base = "http://" + rec.Addr
		}
	}
	if base == "" {
		t.Fatalf("no listening line: %v", sc.Err())
	}
	var info struct{ Version string }
	getJSON(t, base+"/api/info", &info)
	if info.Version != "8.4" {
		t.Errorf("/api/info version %q, want 8.4", info.Version)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var rest bytes.Buffer
	_, _ = io.Copy(&rest, stderr) // the log to its end: the process has closed stderr
	if err := cmd.Wait(); err != nil {
		t.Fatalf("rcmock after SIGTERM: %v\n%s", err, rest.String())
	}
	if !strings.Contains(rest.String(), `"msg":"stopped"`) {
		t.Errorf("no stopped line after SIGTERM:\n%s", rest.String())
	}
}

// startRun runs rcmock in-process with args on a free port and returns its base URL and a
// function that stops it and returns every log line it wrote.
func startRun(t *testing.T, args ...string) (base string, stop func() []string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logR, logW := io.Pipe()
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(logR)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), noEnv, io.Discard, logW)
		logW.Close()
	}()
	t.Cleanup(cancel)
	var seen []string
	for base == "" {
		select {
		case l := <-lines:
			seen = append(seen, l)
			if m := listening.FindStringSubmatch(l); m != nil {
				base = "http://" + m[1]
			}
		case err := <-done:
			t.Fatalf("rcmock ended before listening: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("no listening line within 10s")
		}
	}
	return base, func() []string {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("shutdown: %v", err)
		}
		for l := range lines { // the pipe is closed once run has returned
			seen = append(seen, l)
		}
		return seen
	}
}

func TestLogLevel(t *testing.T) {
	for _, c := range []struct {
		level        string
		requestLines int
	}{{"", 2}, {"debug", 2}, {"info", 2}, {"warn", 0}, {"error", 0}} {
		t.Run("level "+c.level, func(t *testing.T) {
			var args []string
			if c.level != "" {
				args = []string{"--log-level", c.level}
			}
			base, stop := startRun(t, args...)
			var info struct{ Version string }
			getJSON(t, base+"/api/info", &info)
			getJSON(t, base+"/_mock/clock", &struct{}{})
			lines := stop()
			requests := 0
			for _, l := range lines {
				if strings.Contains(l, "msg=request ") {
					requests++
				}
			}
			if requests != c.requestLines {
				t.Errorf("%d request lines, want %d:\n%s", requests, c.requestLines, strings.Join(lines, "\n"))
			}
			// At debug level the line of a Rocket.Chat API answer carries its explanation.
			explained := slices.ContainsFunc(lines, func(l string) bool {
				return strings.Contains(l, "path=/api/info") && strings.Contains(l, `explain="the world emulates Rocket.Chat 8.4.0: /api/info reports 8.4`)
			})
			if explained != (c.level == "debug") {
				t.Errorf("explanation in the /api/info line: %v, want %v:\n%s", explained, c.level == "debug", strings.Join(lines, "\n"))
			}
			if last := lines[len(lines)-1]; !strings.Contains(last, "msg=stopped") {
				t.Errorf("last line %q, want the stopped line (written whatever the level)", last)
			}
		})
	}
}

// TestShutdownEndsEventStreams: an open dashboard stream does not hold up a graceful stop.
func TestShutdownEndsEventStreams(t *testing.T) {
	base, stop := startRun(t)
	res, err := http.Get(base + "/_mock/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); res.StatusCode != http.StatusOK || ct != "text/event-stream" {
		t.Fatalf("events: %d %s", res.StatusCode, ct)
	}
	lines := stop() // fails the test when Shutdown times out waiting for the stream
	if last := lines[len(lines)-1]; !strings.Contains(last, "msg=stopped") {
		t.Errorf("last line %q, want the stopped line", last)
	}
	if _, err := io.ReadAll(res.Body); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("stream after shutdown: %v", err)
	}
}

// TestReadHeaderTimeoutFlag: a client that never ends its headers is cut off after
// --read-header-timeout.
func TestReadHeaderTimeoutFlag(t *testing.T) {
	base, stop := startRun(t, "--read-header-timeout", "100ms")
	defer stop()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	begin := time.Now()
	if _, err := io.WriteString(conn, "GET /api/info HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(4 * time.Second)) // the default timeout is 5s
	_, err = conn.Read(make([]byte, 1))
	var ne net.Error
	if err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open %v after the headers began (read: %v)", time.Since(begin), err)
	}
}

func TestLogBuffer(t *testing.T) {
	t.Run("holds lines until Close", func(t *testing.T) {
		var out bytes.Buffer
		b := newLogBuffer(&out, time.Hour)
		_, _ = io.WriteString(b, "one\n")
		b.mu.Lock()
		held := out.Len()
		b.mu.Unlock()
		if held != 0 {
			t.Errorf("%d bytes written before any flush", held)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		if out.String() != "one\n" {
			t.Errorf("after Close: %q", out.String())
		}
	})
	t.Run("flushes on its own", func(t *testing.T) {
		w := &signalWriter{wrote: make(chan string, 10)}
		b := newLogBuffer(w, 10*time.Millisecond)
		defer b.Close()
		_, _ = io.WriteString(b, "two\n")
		select {
		case got := <-w.wrote:
			if got != "two\n" {
				t.Errorf("flushed %q", got)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a buffered line was not flushed within 5s")
		}
	})
}

// signalWriter reports each write on a channel.
type signalWriter struct{ wrote chan string }

func (w *signalWriter) Write(p []byte) (int, error) {
	w.wrote <- string(p)
	return len(p), nil
}

func TestTuneGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	if tuneGC(envOf(map[string]string{"GOGC": "50"})) {
		t.Error("tuneGC changed the GC target although GOGC is set")
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC target %d after tuneGC with GOGC set, want it untouched (100)", got)
	}
	if !tuneGC(noEnv) {
		t.Error("tuneGC left the GC target alone without GOGC")
	}
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Errorf("GC target %d, want %d", got, gcPercent)
	}
}

func TestTuneMemory(t *testing.T) {
	var limit int64
	set := func(n int64) int64 { limit = n; return 0 }
	if tuneMemory(envOf(map[string]string{"GOMEMLIMIT": "1GiB"}), 64<<20, set) || limit != 0 {
		t.Error("tuneMemory set a limit although GOMEMLIMIT is set")
	}
	if !tuneMemory(noEnv, 64<<20, set) || limit != 64<<20+memoryHeadroom {
		t.Errorf("limit %d, want the budget plus %d", limit, memoryHeadroom)
	}
}

func TestAllowedHostsFlag(t *testing.T) {
	o, err := parseFlags([]string{"--allowed-hosts", "rcmock.ci.svc, .cluster.example,,"}, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(o.allowedHosts, "|"); got != "rcmock.ci.svc|.cluster.example" {
		t.Errorf("allowed hosts %q", got)
	}
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"--allowed-hosts", "http://evil"}, noEnv, &stdout, &stderr)
	if code := exitCode(err, &stderr); code != exitUsage || !strings.Contains(stderr.String(), "allowed hosts") {
		t.Errorf("--allowed-hosts http://evil: exit %d, stderr %q; want 2 naming the flag's value", code, stderr.String())
	}
}

// TestExposureWarnings: a control token on the command line (readable in the process list) and
// a non-loopback address without a token (the fixture users' public tokens reachable from other
// machines) are each said once, at warn level; the safe settings say nothing.
func TestExposureWarnings(t *testing.T) {
	loopback := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 3000}
	anyAddr := &net.TCPAddr{IP: net.IPv4zero, Port: 3000}
	for _, c := range []struct {
		name string
		o    options
		addr net.Addr
		want []string
	}{
		{"loopback, no token", options{}, loopback, nil},
		{"token from the environment", options{controlToken: "s3cret"}, anyAddr, nil},
		{"token on the command line", options{controlToken: "s3cret", tokenOnCommandLine: true}, loopback,
			[]string{"--control-token is visible to every local user", "RCMOCK_CONTROL_TOKEN"}},
		{"every interface, no token", options{}, anyAddr, []string{"other machines can reach", "admin-token", "/api/...", "addr=0.0.0.0:3000"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			warnExposure(newLogger("text", slog.LevelInfo, &out), c.o, c.addr)
			if len(c.want) == 0 && out.Len() > 0 {
				t.Errorf("unexpected warning: %s", out.String())
			}
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) || !strings.Contains(out.String(), "level=WARN") {
					t.Errorf("warning %q lacks %q", out.String(), w)
				}
			}
		})
	}
}

func TestJournalBudgetFlag(t *testing.T) {
	for in, want := range map[string]int64{"1048576": 1 << 20, "512KiB": 512 << 10, "64MiB": 64 << 20, "2G": 2 << 30, "3mb": 3 << 20} {
		o, err := parseFlags([]string{"--journal-budget", in}, noEnv, io.Discard)
		if err != nil || int64(o.journalBudget) != want {
			t.Errorf("--journal-budget %s: %d, %v; want %d", in, o.journalBudget, err, want)
		}
	}
	if o, _ := parseFlags(nil, noEnv, io.Discard); o.journalBudget.String() != "64MiB" {
		t.Errorf("default %s, want 64MiB", o.journalBudget.String())
	}
}
