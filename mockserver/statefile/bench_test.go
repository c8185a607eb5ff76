package statefile_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rcinvite/rcinvite/mockserver"
	"github.com/rcinvite/rcinvite/mockserver/world"
)

// BenchmarkInviteUses measures a truly mutating request, useInviteToken by a new user each
// time (a new subscription, the user's inviteToken, the invite's uses, the room's usersCount),
// sent over loopback HTTP by 64 concurrent clients, in memory and with a state file (each
// answer waits for its group commit's fsync). Client and server share the machine's cores.
//
//	go test -run '^$' -bench InviteUses -benchtime 5s ./mockserver/statefile/
func BenchmarkInviteUses(b *testing.B) {
	for _, mode := range []string{"memory", "statefile"} {
		b.Run(mode, func(b *testing.B) {
			var opts []mockserver.Option
			if mode == "statefile" {
				opts = append(opts, mockserver.WithStateFile(filepath.Join(b.TempDir(), "state.db")))
			}
			srv, err := mockserver.New(opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			ts := httptest.NewServer(srv)
			defer ts.Close()
			preload(b, ts.URL, b.N)
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			var next atomic.Int64
			b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0))) // 64 client goroutines
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := next.Add(1) - 1
					req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/useInviteToken", bytes.NewReader([]byte(`{"token":"Forevr"}`)))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("X-User-Id", fmt.Sprintf("load-%d", i))
					req.Header.Set("X-Auth-Token", fmt.Sprintf("tok-%d", i))
					res, err := hc.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != http.StatusOK {
						b.Errorf("use %d: %d", i, res.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

// preload adds n users load-<i> (token tok-<i>) to the default world through PUT /_mock/state.
func preload(b *testing.B, base string, n int) {
	b.Helper()
	res, err := http.Get(base + "/_mock/state")
	if err != nil {
		b.Fatal(err)
	}
	var st world.State
	err = json.NewDecoder(res.Body).Decode(&st)
	res.Body.Close()
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	for i := range n {
		st.Users = append(st.Users, loadUser(i, now))
	}
	body, _ := json.Marshal(st)
	req, _ := http.NewRequest(http.MethodPut, base+"/_mock/state", bytes.NewReader(body))
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b.Fatalf("PUT /_mock/state: %d", res.StatusCode)
	}
}
