package mockserver_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rcinvite/rcinvite/mockserver"
)

// TestPutSandbox opens sandboxes under ids of the caller's choice: new 201, the same options
// again 200, other options 409 naming each difference; ids off the form 400.
func TestPutSandbox(t *testing.T) {
	m := startMock(t)
	cases := []struct {
		name, id, body string
		status         int
		want           map[string]any // fields the answer must carry
		errorHas       []string       // substrings of the error text
	}{
		{"a new id", "ci-1", `{"emulate":"8.3.0","latency":"5ms"}`, 201,
			map[string]any{"id": "ci-1", "basePath": "/sandboxes/ci-1", "emulate": "8.3.0", "latency": "5ms", "fixtures": "default"}, nil},
		{"the same options again", "ci-1", `{"emulate":"8.3.0","latency":"5ms"}`, 200,
			map[string]any{"id": "ci-1", "emulate": "8.3.0", "latency": "5ms"}, nil},
		{"the same options written otherwise", "ci-1", `{"emulate":"8.3.0","latency":"5000us","fixtures":"default"}`, 200,
			map[string]any{"latency": "5ms"}, nil},
		{"another version", "ci-1", `{"latency":"5ms"}`, 409,
			map[string]any{"errorType": "error-sandbox-exists"}, []string{`sandbox ci-1 exists with other options: emulate is "8.3.0", not "8.4.0"`}},
		{"every option different", "ci-1", `{"emulate":"8.4.0","latency":"1ms","fixtures":"empty"}`, 409,
			map[string]any{"errorType": "error-sandbox-exists"},
			[]string{`emulate is "8.3.0", not "8.4.0"`, `latency is "5ms", not "1ms"`, `fixtures is "default", not "empty"`}},
		{"defaults for a new id", "Build_42.a", ``, 201,
			map[string]any{"id": "Build_42.a", "emulate": "8.4.0", "latency": "0s", "fixtures": "default"}, nil},
		{"defaults spelt out", "Build_42.a", `{"emulate":"8.4.0","latency":"0s","fixtures":"default"}`, 200, nil, nil},
		{"an empty world", "empty-1", `{"fixtures":"empty"}`, 201, map[string]any{"fixtures": "empty"}, nil},
		{"64 characters", strings.Repeat("a", 64), `{}`, 201, nil, nil},
		{"65 characters", strings.Repeat("a", 65), `{}`, 400, map[string]any{"errorType": "error-invalid-params"}, []string{"path: field id: pattern"}},
		{"a dot first", ".hidden", `{}`, 400, map[string]any{"errorType": "error-invalid-params"}, []string{"path: field id: pattern"}},
		{"a dash first", "-x", `{}`, 400, map[string]any{"errorType": "error-invalid-params"}, []string{"path: field id: pattern"}},
		{"a space", "a%20b", `{}`, 400, map[string]any{"errorType": "error-invalid-params"}, []string{"path: field id: pattern"}},
		{"a tilde", "a~b", `{}`, 400, map[string]any{"errorType": "error-invalid-params"}, []string{"path: field id: pattern"}},
		{"a letter beyond ASCII", "caf%C3%A9", `{}`, 400, map[string]any{"errorType": "error-invalid-params"}, []string{"path: field id: pattern"}},
		{"an unknown version on a held id", "ci-1", `{"emulate":"7.0.0"}`, 400, map[string]any{"errorType": "error-invalid-version"}, nil},
		{"a latency out of range", "ci-2", `{"latency":"1h"}`, 400, map[string]any{"errorType": "error-invalid-params"}, nil},
		{"an unknown option", "ci-2", `{"colour":"red"}`, 400, map[string]any{"errorType": "error-invalid-params"}, nil},
		{"a body that is not JSON", "ci-2", `{"emulate":`, 400, map[string]any{"errorType": "error-invalid-params"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m.t = t
			a := m.send(http.MethodPut, "/_mock/sandboxes/"+c.id, c.body)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %s", a.status, c.status, a.raw)
			}
			for k, v := range c.want {
				if got := a.body[k]; got != v {
					t.Errorf("%s = %v, want %v (%s)", k, got, v, a.raw)
				}
			}
			for _, s := range c.errorHas {
				if !strings.Contains(a.str("error"), s) {
					t.Errorf("error %q does not say %q", a.str("error"), s)
				}
			}
		})
	}
	m.t = t
	if a := m.send(http.MethodGet, "/sandboxes/ci-2/api/info", ""); a.status != http.StatusNotFound {
		t.Errorf("refused PUTs opened ci-2: %d %s", a.status, a.raw)
	}
}

// TestPutSandboxLeavesAHeldSandboxAlone: asking again for a sandbox answers 200 without
// resetting its data; a sandbox whose settings changed since no longer matches its first
// options; a deleted id opens afresh.
func TestPutSandboxLeavesAHeldSandboxAlone(t *testing.T) {
	m := startMock(t)
	if a := m.send(http.MethodPut, "/_mock/sandboxes/keep", `{}`); a.status != http.StatusCreated {
		t.Fatalf("open: %d %s", a.status, a.raw)
	}
	token := m.createInvite("/sandboxes/keep", 1, 0)
	m.send(http.MethodPut, "/_mock/clock?sandbox=keep", `{"advance":"1h"}`)
	if a := m.send(http.MethodPut, "/_mock/sandboxes/keep", `{}`); a.status != http.StatusOK {
		t.Fatalf("again: %d %s", a.status, a.raw)
	}
	if a := m.send(http.MethodPost, "/sandboxes/keep/api/v1/validateInviteToken", useInvite(token)); a.body["valid"] != true {
		t.Errorf("the invite made before asking again: %s", a.raw)
	}
	if c := m.send(http.MethodGet, "/_mock/clock?sandbox=keep", ""); c.str("offset") != "1h0m0s" {
		t.Errorf("the clock after asking again: %s", c.raw)
	}

	m.send(http.MethodPut, "/_mock/settings?sandbox=keep", `{"emulate":"8.3.0"}`)
	if a := m.send(http.MethodPut, "/_mock/sandboxes/keep", `{}`); a.status != http.StatusConflict ||
		!strings.Contains(a.str("error"), `emulate is "8.3.0", not "8.4.0"`) {
		t.Errorf("after a change of settings: %d %s, want 409 naming emulate", a.status, a.raw)
	}
	if a := m.send(http.MethodPut, "/_mock/sandboxes/keep", `{"emulate":"8.3.0"}`); a.status != http.StatusOK {
		t.Errorf("with the settings as they stand: %d %s", a.status, a.raw)
	}

	m.send(http.MethodDelete, "/_mock/sandboxes/keep", "")
	if a := m.send(http.MethodPut, "/_mock/sandboxes/keep", `{}`); a.status != http.StatusCreated {
		t.Fatalf("after delete: %d %s", a.status, a.raw)
	}
	if a := m.send(http.MethodPost, "/sandboxes/keep/api/v1/validateInviteToken", useInvite(token)); a.body["valid"] != false {
		t.Errorf("a reopened sandbox holds the deleted one's invite: %s", a.raw)
	}
}

// TestConcurrentPutsOfOneIDOpenOneSandbox: of many simultaneous PUTs of one id, one opens it
// (201) and the others find it (200); the server holds one sandbox.
func TestConcurrentPutsOfOneIDOpenOneSandbox(t *testing.T) {
	m := startMock(t)
	const n = 16
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { statuses[i] = m.send(http.MethodPut, "/_mock/sandboxes/same", `{}`).status })
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusOK:
		default:
			t.Errorf("status %d", s)
		}
	}
	if created != 1 {
		t.Errorf("%d PUTs answered 201, want exactly 1 (%v)", created, statuses)
	}
	list := m.send(http.MethodGet, "/_mock/sandboxes", "")
	if got := strings.Count(string(list.raw), `"id":"same"`); got != 1 {
		t.Errorf("the list holds sandbox same %d times: %s", got, list.raw)
	}
}

// TestPutSandboxIsKept: a sandbox opened with PUT comes back from the state file under its
// id, and asking for it again with its options answers 200.
func TestPutSandboxIsKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	p := openPersisted(t, path)
	p.do(http.MethodPut, "/_mock/sandboxes/kept-1", `{"fixtures":"empty","latency":"2ms"}`, nil, http.StatusCreated, nil)
	p.close()

	p = openPersisted(t, path)
	defer p.close()
	p.do(http.MethodPut, "/_mock/sandboxes/kept-1", `{"fixtures":"empty","latency":"2ms"}`, nil, http.StatusOK, nil)
	p.do(http.MethodPut, "/_mock/sandboxes/kept-1", `{"latency":"2ms"}`, nil, http.StatusConflict, nil)
}

// TestSandboxCallsLogTheirSandbox: the request line of PUT and DELETE /_mock/sandboxes/{id}
// names the sandbox, as the sandbox's own requests do, so a replica's log shows every request
// that concerned a sandbox.
func TestSandboxCallsLogTheirSandbox(t *testing.T) {
	var logs syncBuffer
	m := startMock(t, mockserver.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	m.send(http.MethodPut, "/_mock/sandboxes/logged-1", `{}`)
	m.send(http.MethodGet, "/sandboxes/logged-1/api/info", "")
	m.send(http.MethodDelete, "/_mock/sandboxes/logged-1", "")
	var lines []struct{ Method, Path, Sandbox string }
	for line := range strings.Lines(logs.String()) {
		var l struct{ Method, Path, Sandbox string }
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		lines = append(lines, l)
	}
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want 3: %s", len(lines), logs.String())
	}
	for _, l := range lines {
		if l.Sandbox != "logged-1" {
			t.Errorf("%s %s logged sandbox %q, want logged-1", l.Method, l.Path, l.Sandbox)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent log writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMaxSandboxes: a server holds at most WithMaxSandboxes sandboxes; at the cap, opening
// another answers 429, asking again for an open one still answers 200, and a deletion makes room.
func TestMaxSandboxes(t *testing.T) {
	m := startMock(t, mockserver.WithMaxSandboxes(2))
	for _, id := range []string{"cap-1", "cap-2"} {
		if a := m.send(http.MethodPut, "/_mock/sandboxes/"+id, `{}`); a.status != http.StatusCreated {
			t.Fatalf("open %s: %d %s", id, a.status, a.raw)
		}
	}
	for _, c := range []struct{ method, path string }{{http.MethodPut, "/_mock/sandboxes/cap-3"}, {http.MethodPost, "/_mock/sandboxes"}} {
		a := m.send(c.method, c.path, `{}`)
		if a.status != http.StatusTooManyRequests || a.str("errorType") != "error-too-many-sandboxes" || !strings.Contains(a.str("error"), "(2)") {
			t.Errorf("%s %s at the cap: %d %s", c.method, c.path, a.status, a.raw)
		}
	}
	if a := m.send(http.MethodPut, "/_mock/sandboxes/cap-1", `{}`); a.status != http.StatusOK {
		t.Errorf("asking again at the cap: %d %s", a.status, a.raw)
	}
	m.send(http.MethodDelete, "/_mock/sandboxes/cap-2", "")
	if a := m.send(http.MethodPut, "/_mock/sandboxes/cap-3", `{}`); a.status != http.StatusCreated {
		t.Errorf("after a deletion: %d %s", a.status, a.raw)
	}
}

// FuzzPutSandbox: no id or body makes PUT /_mock/sandboxes/{id} answer 500 or off the
// contract; an id it opens is served at /sandboxes/{id}/api/ and named alike in the answer.
func FuzzPutSandbox(f *testing.F) {
	for _, seed := range [][2]string{{"ci-1", `{}`}, {"a.b_c-9", `{"emulate":"8.3.0","latency":"5ms"}`},
		{"..", `{}`}, {"x/y", ``}, {"%2e", `{"fixtures":"empty"}`}, {strings.Repeat("z", 70), `[`}, {"é", `null`}} {
		f.Add(seed[0], seed[1])
	}
	srv, err := mockserver.New(mockserver.WithStrict(true), mockserver.WithMaxSandboxes(8))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, id, body string) {
		path := "/_mock/sandboxes/" + url.PathEscape(id)
		rec := serveFuzz(srv, http.MethodPut, path, body)
		if rec.Code >= 500 {
			t.Fatalf("PUT %s %q: %d %s", path, body, rec.Code, rec.Body)
		}
		checkControlAnswer(t, http.MethodPut, path, rec.Result(), rec.Body.Bytes())
		if rec.Code != http.StatusCreated && rec.Code != http.StatusOK {
			return
		}
		var a struct{ ID, BasePath string }
		if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || a.ID != id || a.BasePath != "/sandboxes/"+id {
			t.Fatalf("PUT %s answered %s for id %q", path, rec.Body, id)
		}
		if info := serveFuzz(srv, http.MethodGet, a.BasePath+"/api/info", ""); info.Code != http.StatusOK {
			t.Fatalf("GET %s/api/info: %d %s", a.BasePath, info.Code, info.Body)
		}
		if del := serveFuzz(srv, http.MethodDelete, path, ""); del.Code != http.StatusOK {
			t.Fatalf("DELETE %s: %d %s", path, del.Code, del.Body)
		}
	})
}

func serveFuzz(h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.RemoteAddr = "127.0.0.1:1"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
