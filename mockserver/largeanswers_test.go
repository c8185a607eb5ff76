package mockserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rcinvite/rcinvite/mockserver"
	"github.com/rcinvite/rcinvite/mockserver/world"
)

// largeInvites is how many invites the large-answer tests hold: 100k, or 20k under the race
// detector (which runs them ten times slower), or RCMOCK_LARGE_INVITES.
func largeInvites(t *testing.T) int {
	if raceDetector {
		return envCount(t, "RCMOCK_LARGE_INVITES", 20_000)
	}
	return envCount(t, "RCMOCK_LARGE_INVITES", 100_000)
}

// envCount is the positive number in the environment variable name, or def when it is unset:
// the sizes of the long tests, which a longer hunt raises.
func envCount(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

// heapPeak measures the growth of the heap while f runs: the largest reading of the heap's
// objects (live, plus dead ones not yet swept) above the reading at the start, sampled every
// 100µs. The GC runs at GOGC=5 meanwhile, so dead objects are swept soon and the reading stays
// within about 5% of the live heap; the sampler may miss a short spike, never invent one.
func heapPeak(f func()) (grown uint64) {
	old := debug.SetGCPercent(5)
	defer debug.SetGCPercent(old)
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(100 * time.Microsecond)
		defer tick.Stop()
		for {
			if v := read(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	f()
	close(stop)
	wg.Wait()
	if v := read(); v > peak.Load() {
		peak.Store(v)
	}
	if peak.Load() < base {
		return 0
	}
	return peak.Load() - base
}

// largeCall sends one request to url and returns its status and the size of its answer, read
// into a small buffer so that the client adds nothing to the heap being measured.
func largeCall(t *testing.T, method, url string, body []byte, hdr ...string) (status int, size int64) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	size, err = io.CopyBuffer(io.Discard, resp.Body, make([]byte, 32<<10))
	if err != nil {
		t.Fatalf("%s %s: read answer: %v", method, url, err)
	}
	return resp.StatusCode, size
}

// TestLargeAnswersStayWithinTwiceTheirSize pins the memory each large answer may take: a
// listInvites over 100k invites once allocated 656 MiB for a 31 MB answer (it was validated as
// a decoded tree), GET /_mock/state grew the heap by 2.4 GB. Now each of listInvites,
// GET /_mock/state and PUT /_mock/state grows the heap by at most twice the answer (or body).
func TestLargeAnswersStayWithinTwiceTheirSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a world of 100k invites; skipped with -short")
	}
	n := largeInvites(t)
	srv, err := mockserver.New(mockserver.WithStrict(true), mockserver.WithFixtures(withInvites(n)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	admin := []string{"X-User-Id", adminID, "X-Auth-Token", adminToken}

	var state bytes.Buffer
	if code, _ := largeCall(t, http.MethodGet, ts.URL+"/_mock/state", nil); code != http.StatusOK {
		t.Fatalf("GET /_mock/state: %d", code)
	}
	resp, err := http.Get(ts.URL + "/_mock/state")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = state.ReadFrom(resp.Body)
	resp.Body.Close()
	body := state.Bytes()

	t.Run("four listInvites at once", func(t *testing.T) {
		// Eight at once took 8 GB: at most largejson.MaxInFlight (2) are built at a time.
		var wg sync.WaitGroup
		var size atomic.Int64
		grown := heapPeak(func() {
			for range 4 {
				wg.Go(func() {
					_, n := largeCall(t, http.MethodGet, ts.URL+"/api/v1/listInvites", nil, admin...)
					size.Store(n)
				})
			}
			wg.Wait()
		})
		ratio := float64(grown) / float64(size.Load())
		t.Logf("4 listInvites at once with %d invites: heap grew by %.1f MB (%.2fx one answer)", n, float64(grown)/1e6, ratio)
		if ratio > 4 {
			t.Errorf("four listInvites at once grew the heap by %.2fx one answer, want at most 4x (two built at a time)", ratio)
		}
	})
	for _, c := range []struct {
		name         string
		method, path string
		body         []byte
		hdr          []string
	}{
		{"listInvites", http.MethodGet, "/api/v1/listInvites", nil, admin},
		{"GET /_mock/state", http.MethodGet, "/_mock/state", nil, nil},
		{"PUT /_mock/state", http.MethodPut, "/_mock/state", body, []string{"Content-Type", "application/json"}},
	} {
		// A first call warms up what is made once (validators' caches, connection buffers).
		largeCall(t, c.method, ts.URL+c.path, c.body, c.hdr...)
		var status int
		var size int64
		grown := heapPeak(func() { status, size = largeCall(t, c.method, ts.URL+c.path, c.body, c.hdr...) })
		if c.body != nil {
			size = int64(len(c.body))
		}
		if status != http.StatusOK {
			t.Fatalf("%s: %d", c.name, status)
		}
		ratio := float64(grown) / float64(size)
		t.Logf("%s with %d invites: %.1f MB, heap grew by %.1f MB (%.2fx)", c.name, n, float64(size)/1e6, float64(grown)/1e6, ratio)
		if ratio > 2 {
			t.Errorf("%s: heap grew by %.2fx the answer's size (%d bytes for %d), want at most 2x", c.name, ratio, grown, size)
		}
	}
}

// TestStateStreamedOutAndInRoundTrips: GET /_mock/state, written document by document, is a
// world.State, and PUT back (decoded document by document) it exports the same bytes.
func TestStateStreamedOutAndInRoundTrips(t *testing.T) {
	m := startMock(t)
	m.send("POST", "/api/v1/useInviteToken", `{"token":"PrjXok"}`, "X-User-Id", "bob", "X-Auth-Token", "bob-token")
	first := m.send("GET", "/_mock/state", "")
	var st world.State
	d := json.NewDecoder(bytes.NewReader(first.raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&st); err != nil || len(st.Users) == 0 || len(st.Invites) == 0 || st.Version != "8.4.0" {
		t.Fatalf("GET /_mock/state is not a world.State: %v\n%s", err, first.raw)
	}
	if a := m.send("PUT", "/_mock/state", string(first.raw)); a.status != http.StatusOK {
		t.Fatalf("PUT /_mock/state: %d %s", a.status, a.raw)
	}
	if again := m.send("GET", "/_mock/state", ""); !bytes.Equal(again.raw, first.raw) {
		t.Errorf("after a round trip the state changed:\n%s\nwant\n%s", again.raw, first.raw)
	}
}
