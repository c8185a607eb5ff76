package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
		"-journal-size", "-latency", "-site-url", "-state-file", "PORT", "RCMOCK_CONTROL_TOKEN", "ADMIN_USERNAME", "ADMIN_PASS",
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
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
		want string // on stderr
	}{
		{"bad fixtures", []string{"--fixtures", bad}, nil, bad + ":4: "},
		{"missing fixtures", []string{"--fixtures", bad + ".nope"}, nil, "no such file"},
		{"unknown flag", []string{"--colour"}, nil, "flag provided but not defined"},
		{"stray argument", []string{"serve"}, nil, `unexpected argument "serve"`},
		{"bad log format", []string{"--log-format", "xml"}, nil, "want text or json"},
		{"bad version", []string{"--emulate", "7.0.0"}, nil, "7.0.0"},
		{"bad journal size", []string{"--journal-size", "0"}, nil, "journal size"},
		{"bad latency", []string{"--latency", "1h"}, nil, "latency"},
		{"bad PORT", nil, map[string]string{"PORT": "http"}, "PORT"},
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
