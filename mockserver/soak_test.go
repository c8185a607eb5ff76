//go:build linux

package mockserver_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// soakDuration is how long TestMemoryStaysWithinTheBudgetUnderLoad drives rcmock: 8 s, or
// RCMOCK_SOAK (a Go duration) for a longer run.
func soakDuration(t *testing.T) time.Duration {
	if v := os.Getenv("RCMOCK_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("RCMOCK_SOAK=%q: want a positive Go duration such as 5m", v)
		}
		return d
	}
	return 8 * time.Second
}

// rss reads a process's resident set size from /proc.
func rss(t *testing.T, pid int) int64 {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// soakMargin is what rcmock may hold besides its journals: the binary, the runtime, the
// contract, up to 1000 sandbox worlds of the default fixtures, login tokens at their cap, and
// the garbage collector's headroom. [inferred: measured about 150 MiB on the first runs]
const soakMargin = 256 << 20

// TestMemoryStaysWithinTheBudgetUnderLoad pins the unbounded memory: journals bounded per world
// only (1000 entries of 64 KiB bodies in each of up to 1000 sandboxes: 11 worlds took 2.8 GiB)
// and login tokens without end (200k logins, 409 MiB). rcmock runs with a 32 MiB journal budget
// while sandboxes come and go, requests with 64 KiB bodies flow into them and users log in
// without pause; its resident size, sampled all along, stays under the budget plus a fixed
// margin.
func TestMemoryStaysWithinTheBudgetUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("a soak of several seconds; skipped with -short")
	}
	const budget = 32 << 20
	addr, proc := startRcmockProcess(t, "--journal-budget", "32MiB", "--log-level", "warn")
	base := "http://" + addr
	ctx, cancel := context.WithTimeout(context.Background(), soakDuration(t))
	defer cancel()
	client := &http.Client{Timeout: 10 * time.Second}
	post := func(path, body string, hdr ...string) (int, []byte) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, strings.NewReader(body))
		if err != nil {
			return 0, nil
		}
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, nil
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		return res.StatusCode, raw
	}
	var sandboxes sync.Map // id → true
	var created, bodies, logins atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() { // sandboxes come and go, up to the cap
		for ctx.Err() == nil {
			status, raw := post("/_mock/sandboxes", `{}`)
			switch status {
			case http.StatusCreated:
				id := string(raw[bytes.Index(raw, []byte(`"id":"`))+6:])
				id = id[:strings.IndexByte(id, '"')]
				sandboxes.Store(id, true)
				created.Add(1)
			case http.StatusTooManyRequests:
				sandboxes.Range(func(k, _ any) bool {
					req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, base+"/_mock/sandboxes/"+k.(string), nil)
					if res, err := client.Do(req); err == nil {
						res.Body.Close()
					}
					sandboxes.Delete(k)
					return created.Load()%2 == 0 // delete about half
				})
			}
		}
	})
	big := `{"token":"` + strings.Repeat("x", 64<<10) + `"}`
	for range 3 { // 64 KiB bodies into every sandbox's journal
		wg.Go(func() {
			for ctx.Err() == nil {
				sent := false
				sandboxes.Range(func(k, _ any) bool {
					post("/sandboxes/"+k.(string)+"/api/v1/validateInviteToken", big)
					bodies.Add(1)
					sent = true
					return ctx.Err() == nil && bodies.Load()%50 != 0
				})
				if !sent {
					post("/api/v1/validateInviteToken", big)
					bodies.Add(1)
				}
			}
		})
	}
	for _, user := range []string{"alice", "bob"} { // logins without end
		wg.Go(func() {
			for ctx.Err() == nil {
				if status, _ := post("/api/v1/login", `{"user":"`+user+`","password":"rocket.chat"}`); status == http.StatusOK {
					logins.Add(1)
				}
			}
		})
	}
	var peak int64
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for ctx.Err() == nil {
		peak = max(peak, rss(t, proc.Pid))
		<-tick.C
	}
	wg.Wait()
	peak = max(peak, rss(t, proc.Pid))
	t.Logf("%d sandboxes created, %d 64 KiB bodies, %d logins: peak RSS %.1f MiB (budget %d MiB + margin %d MiB)",
		created.Load(), bodies.Load(), logins.Load(), float64(peak)/(1<<20), budget>>20, soakMargin>>20)
	if created.Load() == 0 || bodies.Load() == 0 || logins.Load() == 0 {
		t.Fatalf("the load did not run: %d sandboxes, %d bodies, %d logins", created.Load(), bodies.Load(), logins.Load())
	}
	if peak > budget+soakMargin {
		t.Errorf("peak RSS %.1f MiB, over the journal budget plus margin (%d MiB)", float64(peak)/(1<<20), (budget+soakMargin)>>20)
	}
}
