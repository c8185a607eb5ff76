package deploy_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/rcinvite/rcinvite/mockserver"
)

// replicaCount is how many rcmock replicas stand behind nginx in these tests.
const replicaCount = 3

// controlToken opens the replicas' control API, as the Kubernetes Secret does.
const controlToken = "deploy-test-control-token"

// TestConformanceThroughNginx runs the whole conformance suite through nginx (configured by
// nginx/rcmock.conf) in front of three rcmock replicas, in three parallel Ginkgo processes
// that each open their own sandbox. Every spec must pass (or skip with its reason), each
// sandbox must live on exactly one replica (the one nginx chose when it was opened), the
// sandboxes must land on more than one replica, and the default world on one replica only.
func TestConformanceThroughNginx(t *testing.T) {
	nginx := lookNginx(t)
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go command is not on PATH, and the suite's parallel run needs it: %v", err)
	}
	replicas := startReplicas(t)
	front := startNginx(t, nginx, replicas)

	prefix, home := spreadPrefix(t, front, replicas)
	for _, r := range replicas {
		r.served.clear() // count the suite's requests only
	}
	report := runSuite(t, goTool, front, prefix)

	checkEverySpecPassed(t, report)
	t.Logf("sandboxes by replica %v; requests by replica and sandbox: %v %v %v", home,
		replicas[0].served.snapshot(), replicas[1].served.snapshot(), replicas[2].served.snapshot())
	for p := 1; p <= replicaCount; p++ {
		id := fmt.Sprintf("%s-p%d", prefix, p)
		var holders []int
		for i, r := range replicas {
			if r.served.count(id) > 0 {
				holders = append(holders, i)
			}
		}
		if len(holders) != 1 || holders[0] != home[id] {
			t.Errorf("sandbox %s was served by replicas %v, want only replica %d (where it was opened)", id, holders, home[id])
		}
	}
	if n := distinct(home); n < 2 {
		t.Errorf("the suite's sandboxes all lived on one replica: %v", home)
	}
	for i, r := range replicas {
		if n := r.served.count(""); i > 0 && n > 0 {
			t.Errorf("replica %d answered %d default-world requests; the default world lives on replica 0 only", i, n)
		}
	}
	if replicas[0].served.count("") == 0 {
		t.Errorf("replica 0 answered no default-world request (the suite reads /api/info there)")
	}
}

// TestNginxRefusesServerChosenSandboxes: behind the proxy, POST /_mock/sandboxes (an id the
// server chooses) answers 405 pointing to PUT; PUT and DELETE of a chosen id reach one replica.
func TestNginxRefusesServerChosenSandboxes(t *testing.T) {
	nginx := lookNginx(t)
	replicas := startReplicas(t)
	front := startNginx(t, nginx, replicas)

	status, body := call(t, http.MethodPost, front+"/_mock/sandboxes", `{}`)
	if status != http.StatusMethodNotAllowed || !strings.Contains(body, "PUT /_mock/sandboxes/{id}") {
		t.Errorf("POST /_mock/sandboxes through nginx: %d %s", status, body)
	}
	var e struct {
		Success   *bool  `json:"success"`
		ErrorType string `json:"errorType"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Success == nil || *e.Success || e.ErrorType != "error-method-not-allowed" {
		t.Errorf("the refusal is not a control error body: %s (%v)", body, err)
	}
	if status, body := call(t, http.MethodGet, front+"/_mock/sandboxes", ""); status != http.StatusOK {
		t.Errorf("GET /_mock/sandboxes through nginx: %d %s", status, body)
	}
	if status, body := call(t, http.MethodPut, front+"/_mock/sandboxes/one", `{}`); status != http.StatusCreated {
		t.Fatalf("PUT through nginx: %d %s", status, body)
	}
	home := holderOf(t, replicas, "one")
	if status, body := call(t, http.MethodGet, front+"/sandboxes/one/api/info", ""); status != http.StatusOK {
		t.Errorf("the sandbox's API through nginx: %d %s", status, body)
	}
	if status, body := call(t, http.MethodPut, front+"/_mock/clock?sandbox=one", `{"advance":"1h"}`); status != http.StatusOK {
		t.Errorf("a control call with ?sandbox= through nginx: %d %s", status, body)
	}
	if status, body := call(t, http.MethodGet, replicas[home].url+"/_mock/clock?sandbox=one", ""); status != http.StatusOK ||
		!strings.Contains(body, `"offset":"1h0m0s"`) {
		t.Errorf("the clock moved through nginx, on replica %d: %d %s", home, status, body)
	}
	if status, body := call(t, http.MethodDelete, front+"/_mock/sandboxes/one", ""); status != http.StatusOK {
		t.Errorf("DELETE through nginx: %d %s", status, body)
	}
}

// lookNginx returns the nginx binary, or skips the test where there is none.
func lookNginx(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("nginx is not installed (apt-get install -y --no-install-recommends nginx; .ci/run does): the scale-out tests run rcmock replicas behind it")
	return ""
}

// replica is one rcmock server on 127.0.0.1, with the sandboxes of the requests it logged.
type replica struct {
	addr, url string
	served    *servedLog
}

func startReplicas(t *testing.T) []*replica {
	t.Helper()
	var out []*replica
	for range replicaCount {
		log := &servedLog{sandboxes: map[string]int{}}
		srv, err := mockserver.New(mockserver.WithStrict(true), mockserver.WithControlToken(controlToken), mockserver.WithLogger(slog.New(log)))
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(srv)
		t.Cleanup(ts.Close)
		out = append(out, &replica{addr: ts.Listener.Addr().String(), url: ts.URL, served: log})
	}
	return out
}

// servedLog is a slog handler that counts a server's request lines by sandbox ("" for the
// default world).
type servedLog struct {
	mu        sync.Mutex
	sandboxes map[string]int
}

func (l *servedLog) Enabled(context.Context, slog.Level) bool { return true }

func (l *servedLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "request" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != "sandbox" {
			return true
		}
		l.mu.Lock()
		l.sandboxes[a.Value.String()]++
		l.mu.Unlock()
		return false
	})
	return nil
}

func (l *servedLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *servedLog) WithGroup(string) slog.Handler      { return l }

func (l *servedLog) count(sandbox string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sandboxes[sandbox]
}

func (l *servedLog) snapshot() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.sandboxes)
}

func (l *servedLog) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.sandboxes)
}

// startNginx renders nginx/rcmock.conf for the replicas into a temporary directory (listening
// on a free port of 127.0.0.1, its pid, logs and temporary files there too), starts nginx in
// the foreground as the current user and returns its URL once it answers.
func startNginx(t *testing.T, nginx string, replicas []*replica) string {
	t.Helper()
	shipped, err := os.ReadFile(filepath.Join("nginx", "rcmock.conf"))
	if err != nil {
		t.Fatal(err)
	}
	const listen = "\n    listen 8080;\n"
	if strings.Count(string(shipped), listen) != 1 {
		t.Fatalf("nginx/rcmock.conf: want exactly one %q line to point at a test port", strings.TrimSpace(listen))
	}
	var lastErr error
	for range 3 { // another process may take the free port before nginx binds it
		dir := t.TempDir()
		port := freePort(t)
		conf := strings.Replace(string(shipped), listen, "\n    listen 127.0.0.1:"+strconv.Itoa(port)+";\n", 1)
		writeNginxDir(t, dir, conf, replicas)
		front := "http://127.0.0.1:" + strconv.Itoa(port)
		if lastErr = runNginx(t, nginx, dir, front); lastErr == nil {
			return front
		}
	}
	t.Fatalf("nginx did not start: %v", lastErr)
	return ""
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// writeNginxDir writes nginx.conf and conf.d/ (rcmock.conf and the two server lists) into dir.
func writeNginxDir(t *testing.T, dir, rcmockConf string, replicas []*replica) {
	t.Helper()
	var all strings.Builder
	for _, r := range replicas {
		fmt.Fprintf(&all, "server %s max_fails=0;\n", r.addr)
	}
	runAs := ""
	if os.Geteuid() == 0 { // workers would drop to nobody, who cannot use the temporary directory
		if u, err := user.Current(); err == nil {
			runAs = "user " + u.Username + ";\n"
		}
	}
	main := runAs + `daemon off;
worker_processes 1;
pid ` + dir + `/nginx.pid;
error_log ` + dir + `/error.log;
events { worker_connections 512; }
http {
    access_log ` + dir + `/access.log;
    client_body_temp_path ` + dir + `/client_body;
    proxy_temp_path ` + dir + `/proxy;
    fastcgi_temp_path ` + dir + `/fastcgi;
    uwsgi_temp_path ` + dir + `/uwsgi;
    scgi_temp_path ` + dir + `/scgi;
    include conf.d/rcmock.conf;
}
`
	files := map[string]string{
		"nginx.conf":                      main,
		"conf.d/rcmock.conf":              rcmockConf,
		"conf.d/rcmock-replicas.upstream": all.String(),
		"conf.d/rcmock-default.upstream":  fmt.Sprintf("server %s max_fails=0;\n", replicas[0].addr),
	}
	if err := os.Mkdir(filepath.Join(dir, "conf.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// runNginx starts nginx on the configuration in dir and waits until front/livez answers
// through it; it stops nginx when the test ends. It fails when nginx exits first.
func runNginx(t *testing.T, nginx, dir, front string) error {
	t.Helper()
	cmd := exec.Command(nginx, "-p", dir+"/", "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt) // nginx's fast shutdown (SIGINT)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	hc := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			return fmt.Errorf("nginx exited (%v): %s", err, log)
		case <-deadline:
			stop()
			return errors.New("nginx did not answer /livez within 20s")
		case <-tick.C:
		}
		res, err := hc.Get(front + "/livez")
		if err != nil {
			continue
		}
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Cleanup(stop)
			return nil
		}
	}
}

// call sends one request with the control token and returns the status and body.
func call(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+controlToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(raw)
}

// holderOf asks every replica directly which holds sandbox id, and fails unless exactly one does.
func holderOf(t *testing.T, replicas []*replica, id string) int {
	t.Helper()
	var holders []int
	for i, r := range replicas {
		status, body := call(t, http.MethodGet, r.url+"/_mock/sandboxes", "")
		var list struct {
			Sandboxes []struct{ ID string } `json:"sandboxes"`
		}
		if err := json.Unmarshal([]byte(body), &list); status != http.StatusOK || err != nil {
			t.Fatalf("GET /_mock/sandboxes of replica %d: %d %s", i, status, body)
		}
		if slices.ContainsFunc(list.Sandboxes, func(s struct{ ID string }) bool { return s.ID == id }) {
			holders = append(holders, i)
		}
	}
	if len(holders) != 1 {
		t.Fatalf("sandbox %s is held by replicas %v, want exactly one", id, holders)
	}
	return holders[0]
}

// spreadPrefix finds a sandbox prefix whose suite ids (<prefix>-p1 … -p3) nginx places on at
// least two replicas, by opening them through nginx and asking each replica which holds them,
// then deleting them. Placement depends on the replicas' ports, new each run, so without this
// all three would share a replica in about one run in nine. It returns the prefix and the
// replica that holds each id.
func spreadPrefix(t *testing.T, front string, replicas []*replica) (string, map[string]int) {
	t.Helper()
	run := strings.ToLower(rand.Text()[:6])
	for attempt := range 20 {
		prefix := fmt.Sprintf("deploy-%s-%d", run, attempt)
		home := map[string]int{}
		for p := 1; p <= replicaCount; p++ {
			id := fmt.Sprintf("%s-p%d", prefix, p)
			if status, body := call(t, http.MethodPut, front+"/_mock/sandboxes/"+id, `{}`); status != http.StatusCreated {
				t.Fatalf("PUT %s through nginx: %d %s", id, status, body)
			}
			home[id] = holderOf(t, replicas, id)
			if status, body := call(t, http.MethodDelete, front+"/_mock/sandboxes/"+id, ""); status != http.StatusOK {
				t.Fatalf("DELETE %s through nginx: %d %s", id, status, body)
			}
		}
		if distinct(home) >= 2 {
			return prefix, home
		}
	}
	t.Fatal("20 prefixes in a row put every sandbox on one replica: nginx is not spreading sandboxes")
	return "", nil
}

func distinct(home map[string]int) int {
	seen := map[int]bool{}
	for _, r := range home {
		seen[r] = true
	}
	return len(seen)
}

// runSuite runs the conformance suite against front in replicaCount parallel Ginkgo processes
// (the ginkgo command of the module's pinned version) and returns its JSON report.
func runSuite(t *testing.T, goTool, front, prefix string) types.Report {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "run", "github.com/onsi/ginkgo/v2/ginkgo",
		"--procs="+strconv.Itoa(replicaCount), "--no-color", "--timeout=4m",
		"--output-dir="+out, "--json-report=report.json", "./conformance")
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"RCINVITE_TARGET=url",
		"RCINVITE_URL="+front,
		"RCINVITE_CONTROL_TOKEN="+controlToken,
		"RCINVITE_SANDBOX_PREFIX="+prefix,
	)
	output, runErr := cmd.CombinedOutput()
	raw, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatalf("the suite wrote no report (%v; run: %v):\n%s", err, runErr, tail(output))
	}
	var reports []types.Report
	if err := json.Unmarshal(raw, &reports); err != nil || len(reports) != 1 {
		t.Fatalf("report.json: %d reports, %v", len(reports), err)
	}
	if runErr != nil {
		t.Errorf("the suite failed: %v\n%s", runErr, tail(output))
	}
	return reports[0]
}

func tail(b []byte) string {
	const keep = 8000
	if len(b) > keep {
		return "…" + string(b[len(b)-keep:])
	}
	return string(b)
}

// checkEverySpecPassed fails t for each spec (or suite node) that did not pass, and for each
// skipped spec without a reason; it also checks the run was parallel and ran specs.
func checkEverySpecPassed(t *testing.T, r types.Report) {
	t.Helper()
	if got := r.SuiteConfig.ParallelTotal; got != replicaCount {
		t.Errorf("the suite ran in %d processes, want %d", got, replicaCount)
	}
	passed, skipped := 0, 0
	defer func() { t.Logf("through nginx: %d specs passed, %d skipped with a reason", passed, skipped) }()
	for _, s := range r.SpecReports {
		switch {
		case s.State.Is(types.SpecStateFailureStates):
			t.Errorf("%s %q: %s: %s", s.LeafNodeType, s.FullText(), s.State, s.Failure.Message)
		case s.LeafNodeType != types.NodeTypeIt:
		case s.State == types.SpecStatePassed:
			passed++
		case s.State == types.SpecStateSkipped:
			skipped++
			if s.Failure.Message == "" || strings.Contains(s.Failure.Message, "unavailable") {
				t.Errorf("%q skipped without a reason of its own: %q", s.FullText(), s.Failure.Message)
			}
		default:
			t.Errorf("%q: %s", s.FullText(), s.State)
		}
	}
	if passed < 20 {
		t.Errorf("only %d specs passed through nginx", passed)
	}
}
