package mockserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rcinvite/rcinvite/mockserver"
)

// sseEvent is one Server-Sent Event.
type sseEvent struct {
	name, id, data string
}

// readEvents parses SSE frames from r onto a channel until r ends.
func readEvents(r io.Reader) <-chan sseEvent {
	out := make(chan sseEvent, 4096)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 4<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" {
					out <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.name = line[len("event: "):]
			case strings.HasPrefix(line, "id: "):
				ev.id = line[len("id: "):]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[len("data: "):]
			}
		}
	}()
	return out
}

// next returns the next event named name, skipping others; it fails t when none comes before
// the deadline (a guard against a hang, not a timing assertion).
func next(t *testing.T, events <-chan sseEvent, name string) sseEvent {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev, open := <-events:
			if !open {
				t.Fatalf("the stream ended before a %s event", name)
			}
			if ev.name == name {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %s event", name)
		}
	}
}

// openStream opens GET /_mock/events on base with the given query and headers.
func openStream(t *testing.T, base, query string, header http.Header) <-chan sseEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/_mock/events"+query, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("events: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	return readEvents(res.Body)
}

func post(t *testing.T, url, body string, header ...string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
}

func TestEventsStreamTheJournal(t *testing.T) {
	base := startMock(t).url
	post(t, base+"/api/v1/validateInviteToken", `{"token":"PrjXok"}`) // before the stream: not sent
	events := openStream(t, base, "", nil)
	post(t, base+"/api/v1/useInviteToken", `{"token":"PrjXok"}`, "X-User-Id", "carol", "X-Auth-Token", "carol-token")
	ev := next(t, events, "request")
	var e mockserver.JournalEntry
	if err := json.Unmarshal([]byte(ev.data), &e); err != nil {
		t.Fatal(err)
	}
	if ev.id != "2" || e.ID != 2 || e.User != "carol" || e.Explain == nil || e.Explain.Outcome != "400 error-user-is-banned" {
		t.Errorf("request event id %s: %+v", ev.id, e)
	}
	post(t, base+"/_mock/reset", "")
	if ctl := next(t, events, "control"); !strings.Contains(ctl.data, `"path":"/_mock/reset"`) {
		t.Errorf("control event %s", ctl.data)
	}
	next(t, events, "cleared")
	post(t, base+"/api/v1/validateInviteToken", `{"token":"Forevr"}`)
	if ev := next(t, events, "request"); ev.id != "1" {
		t.Errorf("after the reset the stream sent id %s, want 1", ev.id)
	}
}

func TestEventsResumeAfterAnID(t *testing.T) {
	base := startMock(t).url
	for range 3 {
		post(t, base+"/api/v1/validateInviteToken", `{"token":"PrjXok"}`)
	}
	for _, c := range []struct {
		query  string
		header http.Header
	}{{"?after=1", nil}, {"", http.Header{"Last-Event-Id": {"1"}}}} {
		events := openStream(t, base, c.query, c.header)
		if a, b := next(t, events, "request"), next(t, events, "request"); a.id != "2" || b.id != "3" {
			t.Errorf("%q %v: ids %s %s, want 2 3", c.query, c.header, a.id, b.id)
		}
	}
}

func TestEventsAccess(t *testing.T) {
	srv, err := mockserver.New(mockserver.WithControlToken("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.EndStreams()
	for _, c := range []struct {
		name, remote, auth string
		status             int
	}{
		{"no token", "127.0.0.1:1", "", http.StatusUnauthorized},
		{"wrong token", "127.0.0.1:1", "Bearer nope", http.StatusUnauthorized},
		{"token in the query does not count", "127.0.0.1:1", "", http.StatusUnauthorized},
	} {
		r := httptest.NewRequest(http.MethodGet, "/_mock/events?token=s3cret", nil)
		r.RemoteAddr, r.Host = c.remote, "127.0.0.1:3000" // a loopback name: /_mock/ refuses other hosts
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		if rec.Code != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, rec.Code, rec.Body, c.status)
		}
	}
	open, err := mockserver.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, method, target, remote string
		status                       int
	}{
		{"a remote client without a token", http.MethodGet, "/_mock/events", "192.0.2.7:5000", http.StatusForbidden},
		{"POST", http.MethodPost, "/_mock/events", "127.0.0.1:1", http.StatusMethodNotAllowed},
		{"an unknown sandbox", http.MethodGet, "/_mock/events?sandbox=sb-nope", "127.0.0.1:1", http.StatusNotFound},
		{"a cursor that is no id", http.MethodGet, "/_mock/events?after=x", "127.0.0.1:1", http.StatusBadRequest},
	} {
		r := httptest.NewRequest(c.method, c.target, nil)
		r.RemoteAddr, r.Host = c.remote, "127.0.0.1:3000"
		rec := httptest.NewRecorder()
		open.ServeHTTP(rec, r)
		if rec.Code != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, rec.Code, rec.Body, c.status)
		}
	}
}

func TestEventsWithAControlToken(t *testing.T) {
	base := startMock(t, mockserver.WithControlToken("s3cret")).url
	events := openStream(t, base, "", http.Header{"Authorization": {"Bearer s3cret"}})
	post(t, base+"/api/info", "")
	next(t, events, "request")
}

// TestAStalledStreamNeverSlowsTheAPI: a client that opens the stream and stops reading fills
// its socket; the API answers on, the stream skips what the ring pushed out meanwhile and says
// how many it missed once the client reads again.
func TestAStalledStreamNeverSlowsTheAPI(t *testing.T) {
	base := startMock(t, mockserver.WithJournalSize(8)).url
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /_mock/events HTTP/1.1\r\nHost: %s\r\n\r\n", strings.TrimPrefix(base, "http://"))
	// Requests whose journal entries are large (a 60 KB body each, 24 MB in all) fill the
	// stalled socket's buffers, so the stream's writes block.
	pad := strings.Repeat("x", 60<<10)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				post(t, base+"/api/v1/nope", fmt.Sprintf(`{"pad%d_%d":"%s"}`, w, i, pad)) // a 404: no contract check to pay for
			}
		}()
	}
	answered := make(chan struct{})
	go func() { wg.Wait(); close(answered) }()
	select {
	case <-answered: // 400 requests answered while the stream was stalled
	case <-time.After(2 * time.Minute):
		t.Fatal("the API stopped answering while a stream was stalled")
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	events := readEvents(res.Body) // not closed: Close would read the endless stream; the conn is closed instead

	if ev := next(t, events, "dropped"); !strings.Contains(ev.data, `"missed":`) {
		t.Errorf("dropped event %s", ev.data)
	}
}

func TestTooManyStreams(t *testing.T) {
	base := startMock(t).url
	for range 32 {
		openStream(t, base, "", nil)
	}
	res, err := http.Get(base + "/_mock/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(b), "error-too-many-streams") {
		t.Errorf("the 33rd stream: %d %s, want 429 error-too-many-streams", res.StatusCode, b)
	}
}

func TestEndStreamsEndsThem(t *testing.T) {
	m := startMock(t)
	events := openStream(t, m.url, "", nil)
	m.srv.EndStreams()
	for range events { // drains until the stream ends
	}
}
