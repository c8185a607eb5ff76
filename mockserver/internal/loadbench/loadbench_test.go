package loadbench

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseWrkReadsTheLoadbenchLine(t *testing.T) {
	out := "Running 10s test @ http://127.0.0.1:1/api/v1/validateInviteToken\n" +
		"LOADBENCH {\"requests\":200000,\"durationUs\":10000000,\"p50Us\":640,\"p99Us\":2300,\"maxUs\":9000," +
		"\"status\":3,\"connect\":1,\"read\":2,\"write\":0,\"timeout\":4}\n"
	got, err := ParseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Requests: 200000, Elapsed: 10 * time.Second, P50: 640 * time.Microsecond,
		P99: 2300 * time.Microsecond, Max: 9 * time.Millisecond, Non2xx: 3, SocketErrors: 7}
	if got != want {
		t.Fatalf("ParseWrk = %+v, want %+v", got, want)
	}
	if got.RPS() != 20000 {
		t.Fatalf("RPS = %v, want 20000", got.RPS())
	}
}

func TestParseWrkWithoutTheLineIsAnError(t *testing.T) {
	if _, err := ParseWrk("unable to connect to 127.0.0.1:1 Connection refused\n"); err == nil {
		t.Fatal("ParseWrk accepted output without a LOADBENCH line")
	}
}

func TestParseGoBenchReadsBenchmemLines(t *testing.T) {
	out := "goos: linux\n" +
		"BenchmarkUseInviteToken/strict-2   \t   50000\t     23456 ns/op\t    4096 B/op\t      52 allocs/op\n" +
		"BenchmarkScale/1M/validate-2 100 1.5e+04 ns/op\n" +
		"BenchmarkSandbox/open-2 \t 20000\t 54192 ns/op\t 1203 heapB/sandbox\t 18453 sandboxes/s\t 9000 B/op\n" +
		"PASS\n"
	got := ParseGoBench(out)
	want := []GoBench{
		{Name: "BenchmarkUseInviteToken/strict", N: 50000, NsPerOp: 23456, BytesPerOp: 4096, AllocsPerOp: 52},
		{Name: "BenchmarkScale/1M/validate", N: 100, NsPerOp: 15000},
		{Name: "BenchmarkSandbox/open", N: 20000, NsPerOp: 54192, BytesPerOp: 9000,
			Metrics: map[string]float64{"heapB/sandbox": 1203, "sandboxes/s": 18453}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseGoBench = %+v, want %+v", got, want)
	}
}

func TestFloorAnswersTheCannedBytesAndDrainsTheBody(t *testing.T) {
	h := Floor(map[string]Answer{"/api/v1/validateInviteToken": {
		Status: 200, ContentType: "application/json", Body: []byte(`{"valid":true,"success":true}`)}})
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/api/v1/validateInviteToken", "application/json", strings.NewReader(`{"token":"PrjXok"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"valid":true,"success":true}` ||
		resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("floor answered %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	resp, err = http.Get(srv.URL + "/elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown path answered %d, want 404", resp.StatusCode)
	}
}

func TestReadMemoryOfThisProcess(t *testing.T) {
	m, err := ReadMemory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS <= 0 || m.Peak < m.RSS {
		t.Fatalf("ReadMemory = %+v: want 0 < RSS <= Peak", m)
	}
}

func TestMedianGoBenchKeepsTheMiddleRunOfEach(t *testing.T) {
	runs := []GoBench{{Name: "A", NsPerOp: 30}, {Name: "B", NsPerOp: 5}, {Name: "A", NsPerOp: 10}, {Name: "A", NsPerOp: 20}}
	got := MedianGoBench(runs)
	if len(got) != 2 || got[0].Name != "A" || got[0].NsPerOp != 20 || got[1].Name != "B" || got[1].NsPerOp != 5 {
		t.Fatalf("MedianGoBench = %+v, want A at 20 then B at 5", got)
	}
}

func TestCPUReadersSeeThisProcessWork(t *testing.T) {
	machine, err := MachineCPU()
	if err != nil {
		t.Fatal(err)
	}
	own, err := ProcessCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if machine <= 0 || own < 0 || own > machine {
		t.Fatalf("MachineCPU %v, ProcessCPU %v: want 0 <= process <= machine", machine, own)
	}
}

func TestWireMockMappingsMatchMethodAndURLAndAnswerTheBytes(t *testing.T) {
	raw, err := WireMockMappings([]Stub{
		{Method: "get", Path: "/api/info", Answer: Answer{Status: 200, ContentType: "application/json", Body: []byte(`{"version":"8.4"}`)}},
		{Method: "POST", Path: "/api/v1/validateInviteToken", Answer: Answer{Status: 200, ContentType: "application/json", Body: []byte(`{"valid":true}`)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Mappings []struct {
			Request  map[string]string
			Response struct {
				Status  int
				Headers map[string]string
				Body    string
			}
		}
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Mappings) != 2 {
		t.Fatalf("%d mappings: %s", len(got.Mappings), raw)
	}
	m := got.Mappings[0]
	if len(m.Request) != 2 || m.Request["method"] != "GET" || m.Request["url"] != "/api/info" {
		t.Errorf("request matcher %v, want method GET and url /api/info only", m.Request)
	}
	if m.Response.Status != 200 || m.Response.Body != `{"version":"8.4"}` || m.Response.Headers["Content-Type"] != "application/json" {
		t.Errorf("response %+v", m.Response)
	}
	if got.Mappings[1].Request["method"] != "POST" || got.Mappings[1].Response.Body != `{"valid":true}` {
		t.Errorf("second mapping %+v", got.Mappings[1])
	}
}

func TestParseGoBenchMetricsReadsReportedMetrics(t *testing.T) {
	out := "BenchmarkExplanations/validateInviteToken-2 \t 53222\t 21443 ns/op\t 11.07 %overhead\t 9022 explained-ns/op\t 8123 unexplained-ns/op\t 6830 B/op\t 70 allocs/op\n" +
		"BenchmarkExplanations/validateInviteToken-2 \t 55671\t 19387 ns/op\t -1.5 %overhead\t 8140 explained-ns/op\t 7320 unexplained-ns/op\t 6829 B/op\t 70 allocs/op\n" +
		"BenchmarkHandler/login/strict-2 100 5 ns/op\n"
	got := ParseGoBenchMetrics(out)
	m := got["BenchmarkExplanations/validateInviteToken"]
	if len(got) != 1 || len(m) != 3 || m["%overhead"][0] != 11.07 || m["%overhead"][1] != -1.5 || m["explained-ns/op"][1] != 8140 {
		t.Fatalf("ParseGoBenchMetrics = %v", got)
	}
	if Median(m["%overhead"]) != (11.07-1.5)/2 || Median([]float64{3, 1, 2}) != 2 || Median(nil) != 0 {
		t.Errorf("Median of %v = %v", m["%overhead"], Median(m["%overhead"]))
	}
}

// TestRunWrkSendsUniqueBodies runs wrk with the package's script against a loopback server:
// with Unique, every request's "{n}" is a value no other request of the run sent, and the
// auth headers and content type are sent; without it, the body is sent as it is.
func TestRunWrkSendsUniqueBodies(t *testing.T) {
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not installed (Debian: apt-get install wrk; .ci/run installs it)")
	}
	var mu sync.Mutex
	bodies := map[string]int{}
	bad := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies[string(b)]++
		if r.Header.Get("X-User-Id") != "u" || r.Header.Get("X-Auth-Token") != "t" || r.Header.Get("Content-Type") != "application/json" {
			bad++
		}
		mu.Unlock()
		_, _ = w.Write([]byte(`{"success":true}`))
	}))
	defer srv.Close()
	for _, unique := range []bool{true, false} {
		clear(bodies)
		res, err := RunWrk(context.Background(), Load{URL: srv.URL + "/api/v1/channels.create", Body: `{"name":"x-{n}"}`, Unique: unique,
			UserID: "u", AuthToken: "t", Conns: 4, Threads: 2, Duration: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		n, distinct, twice := 0, len(bodies), 0
		for b, c := range bodies {
			n += c
			if c > 1 {
				twice++
			}
			if unique && !regexp.MustCompile(`^\{"name":"x-[12]-\d+"\}$`).MatchString(b) || !unique && b != `{"name":"x-{n}"}` {
				t.Errorf("unique %v: body %s", unique, b)
				break
			}
		}
		mu.Unlock()
		if n < 10 || int64(n) < res.Requests {
			t.Fatalf("unique %v: the server saw %d requests, wrk reports %d", unique, n, res.Requests)
		}
		if unique && twice > 0 {
			t.Errorf("%d bodies of %d were sent more than once", twice, distinct)
		}
	}
	if bad > 0 {
		t.Errorf("%d requests without the auth headers or the content type", bad)
	}
}
