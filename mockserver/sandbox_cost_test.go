package mockserver_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/rcinvite/rcinvite/mockserver"
)

// serve sends one request to h from loopback and fails tb unless it answers want.
func serve(tb testing.TB, h http.Handler, want int, method, target, body string, header ...string) *httptest.ResponseRecorder {
	tb.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.RemoteAddr, r.Host = "127.0.0.1:40000", "127.0.0.1:3000" // a loopback client and name: /_mock/ refuses others
	r.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != want {
		tb.Fatalf("%s %s: %d %s, want %d", method, target, rec.Code, rec.Body, want)
	}
	return rec
}

// typicalTest is what a typical test does in its sandbox: bob logs in, the admin creates an
// invite to project-x, and bob uses it.
func typicalTest(tb testing.TB, h http.Handler, id string) {
	tb.Helper()
	base := "/sandboxes/" + id + "/api/v1/"
	serve(tb, h, http.StatusOK, http.MethodPost, base+"login", `{"user":"bob","password":"rocket.chat"}`)
	rec := serve(tb, h, http.StatusOK, http.MethodPost, base+"findOrCreateInvite", `{"rid":"ProjectX","days":1,"maxUses":5}`, asAdmin...)
	token := rec.Body.String()
	token = token[strings.Index(token, `"_id":"`)+7:]
	token = token[:strings.IndexByte(token, '"')]
	serve(tb, h, http.StatusOK, http.MethodPost, base+"useInviteToken", useInvite(token), asBob...)
}

// liveHeap is the live heap after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// heapPerSandbox opens n sandboxes on h (PUT /_mock/sandboxes/{id}), runs use in each when it
// is not nil, and returns the heap each one holds afterwards. Two servers compared must start
// from the same number of sandboxes: the server's map of them grows in steps.
func heapPerSandbox(tb testing.TB, h http.Handler, prefix string, n int, use func(testing.TB, http.Handler, string)) float64 {
	tb.Helper()
	before := liveHeap()
	for i := range n {
		id := fmt.Sprintf("%s-%d", prefix, i)
		serve(tb, h, http.StatusCreated, http.MethodPut, "/_mock/sandboxes/"+id, "")
		if use != nil {
			use(tb, h, id)
		}
	}
	after := liveHeap()
	runtime.KeepAlive(h)
	return (float64(after) - float64(before)) / float64(n)
}

// openingTime is how long opening n sandboxes on h takes, with the garbage collector off: the
// work of opening them, not the collection of a larger heap (a server with big fixtures has a
// larger live heap to mark, whatever a sandbox costs). They are deleted afterwards.
func openingTime(tb testing.TB, h http.Handler, prefix string, n int) time.Duration {
	tb.Helper()
	runtime.GC()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	start := time.Now()
	for i := range n {
		serve(tb, h, http.StatusCreated, http.MethodPut, fmt.Sprintf("/_mock/sandboxes/%s-%d", prefix, i), "")
	}
	d := time.Since(start)
	for i := range n {
		serve(tb, h, http.StatusOK, http.MethodDelete, fmt.Sprintf("/_mock/sandboxes/%s-%d", prefix, i), "")
	}
	return d
}

// TestUnusedSandboxesShareTheFixtures: an opened sandbox that nobody has used yet holds at
// most 4 KiB, and neither that nor the time to open it grows with the fixtures (10,000 more
// invites: a sandbox that copied them would cost hundreds of times more). A used sandbox holds
// a world of its own.
func TestUnusedSandboxesShareTheFixtures(t *testing.T) {
	newServer := func(opts ...mockserver.Option) *mockserver.Server {
		srv, err := mockserver.New(append([]mockserver.Option{mockserver.WithStrict(true)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		return srv
	}
	small, big := newServer(), newServer(mockserver.WithFixtures(withInvites(10_000)))
	for _, srv := range []*mockserver.Server{small, big} { // fill the control API's lazy caches first
		openingTime(t, srv, "warm-up", 50)
	}
	const n = 2000
	// Other ids for each server: the contract validator memoises what it has seen.
	smallMem := heapPerSandbox(t, small, "kept-small", n, nil)
	bigMem := heapPerSandbox(t, big, "kept-big", n, nil)
	// Interleaved rounds, the fastest of each kept: the machine may be busy with other work.
	smallTime, bigTime := time.Duration(1<<62), time.Duration(1<<62)
	for round := range 5 {
		smallTime = min(smallTime, openingTime(t, small, fmt.Sprint("timed-small", round), 300))
		bigTime = min(bigTime, openingTime(t, big, fmt.Sprint("timed-big", round), 300))
	}
	t.Logf("an unused sandbox holds %.0f B (default fixtures) and %.0f B (10k more invites); opening one takes %s and %s",
		smallMem, bigMem, smallTime/300, bigTime/300)
	if smallMem > 4096 {
		t.Errorf("an unused sandbox holds %.0f B, want at most 4 KiB", smallMem)
	}
	// With a state file too: the file holds an unused sandbox as its fixtures as of an instant,
	// so nothing builds it (it was built, and held about 18 KiB, to be written in full).
	persisted := newServer(mockserver.WithStateFile(filepath.Join(t.TempDir(), "state.db")))
	defer persisted.Close()
	openingTime(t, persisted, "warm-up", 50)
	if fileMem := heapPerSandbox(t, persisted, "kept-file", 500, nil); fileMem > 4096 {
		t.Errorf("an unused sandbox holds %.0f B with a state file, want at most 4 KiB", fileMem)
	}
	if bigMem > 1.25*smallMem+128 {
		t.Errorf("an unused sandbox holds %.0f B with 10k more fixture invites, %.0f B without: it copies the fixtures", bigMem, smallMem)
	}
	if bigTime > 2*smallTime {
		t.Errorf("opening a sandbox takes %s with 10k more fixture invites, %s without: it copies the fixtures", bigTime/300, smallTime/300)
	}

	used := heapPerSandbox(t, newServer(), "used", 200, typicalTest)
	t.Logf("a sandbox after a typical test (login, create an invite, use it) holds %.0f B", used)
	if used < 4*smallMem {
		t.Errorf("a used sandbox holds %.0f B, an unused one %.0f B: the used one cannot hold a world of its own", used, smallMem)
	}
}

// BenchmarkSandbox measures opening a sandbox in-process (PUT /_mock/sandboxes/{id} through
// ServeHTTP: the control API's validation included) and a typical test in a new sandbox,
// each with the heap a sandbox holds afterwards.
func BenchmarkSandbox(b *testing.B) {
	b.Run("open", func(b *testing.B) {
		srv := newBenchServer(b, mockserver.WithStrict(true), mockserver.WithMaxSandboxes(1<<30))
		before := liveHeap()
		i := 0
		for b.Loop() {
			serve(b, srv, http.StatusCreated, http.MethodPut, "/_mock/sandboxes/open-"+fmt.Sprint(i), "")
			i++
		}
		b.ReportMetric((float64(liveHeap())-float64(before))/float64(i), "heapB/sandbox")
		b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "sandboxes/s")
		runtime.KeepAlive(srv)
	})
	b.Run("typical-test", func(b *testing.B) { benchUsedSandboxes(b, 0) })
	// A sandbox whose journal holds as many entries as it keeps (DefaultJournalSize).
	b.Run("full-journal", func(b *testing.B) { benchUsedSandboxes(b, mockserver.DefaultJournalSize) })
}

// benchUsedSandboxes opens a sandbox per iteration, runs a typical test in it and then more
// validateInviteToken requests, and reports the heap each sandbox holds afterwards.
func benchUsedSandboxes(b *testing.B, more int) {
	srv := newBenchServer(b, mockserver.WithStrict(true), mockserver.WithMaxSandboxes(1<<30))
	before := liveHeap()
	i := 0
	for b.Loop() {
		id := "used-" + fmt.Sprint(i)
		serve(b, srv, http.StatusCreated, http.MethodPut, "/_mock/sandboxes/"+id, "")
		typicalTest(b, srv, id)
		for range more {
			serve(b, srv, http.StatusOK, http.MethodPost, "/sandboxes/"+id+"/api/v1/validateInviteToken", `{"token":"PrjXok"}`)
		}
		i++
	}
	b.ReportMetric((float64(liveHeap())-float64(before))/float64(i), "heapB/sandbox")
	runtime.KeepAlive(srv)
}
