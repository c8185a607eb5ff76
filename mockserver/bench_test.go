package mockserver_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rcinvite/rcinvite/fixtures"
	"github.com/rcinvite/rcinvite/mockserver"
)

// apiCall is one Rocket.Chat API request that a benchmark repeats; every one answers 200.
type apiCall struct {
	name, path, body, userID, authToken string
}

// Fixture credentials (fixtures/default.yaml).
const (
	adminID    = "rocketchat.internal.admin.test"
	adminToken = "admin-token"
)

// benchCalls: alice is already a member of ProjectX, so re-using Forevr is idempotent; the admin
// asking for ProjectX/7 days/10 uses gets PrjXok back; login adds a login token to alice.
var benchCalls = []apiCall{
	{name: "validateInviteToken", path: "/api/v1/validateInviteToken", body: `{"token":"PrjXok"}`},
	{name: "useInviteToken", path: "/api/v1/useInviteToken", body: `{"token":"Forevr"}`, userID: "alice", authToken: "alice-token"},
	{name: "findOrCreateInvite", path: "/api/v1/findOrCreateInvite", body: `{"rid":"ProjectX","days":7,"maxUses":10}`,
		userID: adminID, authToken: adminToken},
	{name: "login", path: "/api/v1/login", body: `{"user":"alice","password":"rocket.chat"}`},
}

// request builds c as a loopback client would send it.
func (c apiCall) request() *http.Request {
	r := httptest.NewRequest(http.MethodPost, c.path, strings.NewReader(c.body))
	r.RemoteAddr = "127.0.0.1:40000"
	r.Host = "127.0.0.1:3000" // a loopback name: /_mock/ refuses other hosts
	r.Header.Set("Content-Type", "application/json")
	if c.userID != "" {
		r.Header.Set("X-User-Id", c.userID)
		r.Header.Set("X-Auth-Token", c.authToken)
	}
	return r
}

// discardWriter is a ResponseWriter that keeps only the status, so that benchmarks measure the
// server rather than a recorder's buffer.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(p), nil
}

// benchServe repeats c against h through ServeHTTP, failing on any answer but 200.
func benchServe(b *testing.B, h http.Handler, c apiCall) {
	b.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, c.request())
	if rec.Code != http.StatusOK {
		b.Fatalf("%s answered %d: %s", c.name, rec.Code, rec.Body)
	}
	tmpl := c.request()
	w := &discardWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		r := tmpl.Clone(tmpl.Context())
		r.Body = io.NopCloser(strings.NewReader(c.body))
		clear(w.header)
		w.status = 0
		h.ServeHTTP(w, r)
		if w.status != http.StatusOK {
			b.Fatalf("%s answered %d", c.name, w.status)
		}
	}
}

func newBenchServer(b *testing.B, opts ...mockserver.Option) *mockserver.Server {
	b.Helper()
	srv, err := mockserver.New(opts...)
	if err != nil {
		b.Fatal(err)
	}
	return srv
}

// BenchmarkHandler measures the full handler stack (routing, auth, contract validation of the
// request and the answer, the rule, the journal) per call, strict and lenient. Lenient still
// validates (it logs instead of answering 500): the mock has no switch that skips validation.
func BenchmarkHandler(b *testing.B) {
	for _, c := range benchCalls {
		for _, strict := range []bool{true, false} {
			mode := map[bool]string{true: "strict", false: "lenient"}[strict]
			b.Run(c.name+"/"+mode, func(b *testing.B) {
				benchServe(b, newBenchServer(b, mockserver.WithStrict(strict)), c)
			})
		}
	}
}

// BenchmarkHandlerParallel is BenchmarkHandler's strict validateInviteToken and useInviteToken
// from GOMAXPROCS goroutines at once: the cost under contention for the world's mutex.
func BenchmarkHandlerParallel(b *testing.B) {
	for _, c := range benchCalls[:2] {
		b.Run(c.name, func(b *testing.B) {
			srv := newBenchServer(b, mockserver.WithStrict(true))
			tmpl := c.request()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				w := &discardWriter{header: http.Header{}}
				for pb.Next() {
					r := tmpl.Clone(tmpl.Context())
					r.Body = io.NopCloser(strings.NewReader(c.body))
					clear(w.header)
					w.status = 0
					srv.ServeHTTP(w, r)
					if w.status != http.StatusOK {
						b.Errorf("%s answered %d", c.name, w.status)
						return
					}
				}
			})
		})
	}
}

// withInvites returns the default fixtures plus unlimited ProjectX invites up to n in all.
func withInvites(n int) *fixtures.Set {
	set := fixtures.Default().Clone()
	for i := len(set.Invites); i < n; i++ {
		set.Invites = append(set.Invites, fixtures.Invite{Token: fmt.Sprintf("s%07d", i), Room: "ProjectX",
			Creator: adminID})
	}
	return set
}

// BenchmarkInviteScale measures the invite calls with 1k, 100k and 1M invites in the world.
// findOrCreateInvite is here to show how it grows, though no target is set for it.
func BenchmarkInviteScale(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"1k", 1_000}, {"100k", 100_000}, {"1M", 1_000_000}} {
		benchScale(b, size.name, size.n)
		runtime.GC() // the world of this size is garbage now; free it before building the next
	}
}

func benchScale(b *testing.B, name string, n int) {
	srv := newBenchServer(b, mockserver.WithStrict(true), mockserver.WithFixtures(withInvites(n)))
	for _, c := range benchCalls[:3] {
		b.Run("invites="+name+"/"+c.name, func(b *testing.B) { benchServe(b, srv, c) })
	}
}

// BenchmarkExplanations prices the explanations: validateInviteToken and useInviteToken
// through the whole handler stack (strict) of two servers, one recording explanations as the
// mock always does, one not (a switch only benchmarks have). Each iteration sends the call to
// both, in alternating order, timing each: the two are measured interleaved, microseconds
// apart, so a shared machine's load falls on both alike. It reports each server's median time
// per call (a preempted call, milliseconds long on a busy machine, moves a median little and
// a mean much), the overhead of the medians in percent, and the overhead of the means.
func BenchmarkExplanations(b *testing.B) {
	for _, c := range benchCalls[:2] {
		b.Run(c.name, func(b *testing.B) {
			explained := newBenchServer(b, mockserver.WithStrict(true))
			unexplained := newBenchServer(b, mockserver.WithStrict(true), mockserver.WithoutExplanations())
			tmpl := c.request()
			w := &discardWriter{header: http.Header{}}
			serve := func(h http.Handler) time.Duration {
				r := tmpl.Clone(tmpl.Context())
				r.Body = io.NopCloser(strings.NewReader(c.body))
				clear(w.header)
				w.status = 0
				start := time.Now()
				h.ServeHTTP(w, r)
				d := time.Since(start)
				if w.status != http.StatusOK {
					b.Fatalf("%s answered %d", c.name, w.status)
				}
				return d
			}
			var on, off []time.Duration
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if i%2 == 0 {
					on = append(on, serve(explained))
					off = append(off, serve(unexplained))
				} else {
					off = append(off, serve(unexplained))
					on = append(on, serve(explained))
				}
			}
			medOn, medOff := median(on), median(off)
			b.ReportMetric(float64(medOn.Nanoseconds()), "explained-ns/op")
			b.ReportMetric(float64(medOff.Nanoseconds()), "unexplained-ns/op")
			b.ReportMetric(100*(float64(medOn)/float64(medOff)-1), "%overhead")
			b.ReportMetric(100*(float64(sum(on))/float64(sum(off))-1), "%overhead-mean")
		})
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func sum(ds []time.Duration) (t time.Duration) {
	for _, d := range ds {
		t += d
	}
	return t
}
