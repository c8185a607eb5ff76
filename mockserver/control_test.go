package mockserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rcinvite/rcinvite/mockserver"
	"github.com/rcinvite/rcinvite/spec"
)

// TestControlOperations runs every control operation, and its refusals, end to end; each
// answer is also checked against spec/mock-control.yaml by mock.send.
func TestControlOperations(t *testing.T) {
	m := startMock(t)
	sb := m.newSandbox(`{"emulate":"8.3.0","latency":"1ms"}`)
	gone := m.newSandbox("")
	if a := m.send(http.MethodDelete, "/_mock/sandboxes/"+gone, ""); a.status != http.StatusOK {
		t.Fatalf("delete: %d %s", a.status, a.raw)
	}
	cases := []struct {
		method, path, body string
		status             int
		want               map[string]any // fields the answer must carry
	}{
		{"POST", "/_mock/reset", "", 200, map[string]any{"success": true}},
		{"POST", "/_mock/reset?sandbox=" + sb, "", 200, map[string]any{"success": true}},
		{"POST", "/_mock/reset?sandbox=" + gone, "", 404, map[string]any{"errorType": "error-sandbox-not-found"}},
		{"POST", "/_mock/reset?sandbox=", "", 400, map[string]any{"errorType": "error-invalid-params"}},
		{"GET", "/_mock/clock", "", 200, map[string]any{"frozen": false, "offset": "0s"}},
		{"PUT", "/_mock/clock?sandbox=" + sb, `{"freeze":"2026-05-01T12:00:00Z"}`, 200,
			map[string]any{"now": "2026-05-01T12:00:00Z", "frozen": true, "offset": "0s"}},
		{"PUT", "/_mock/clock?sandbox=" + sb, `{"advance":"25h"}`, 200,
			map[string]any{"now": "2026-05-02T13:00:00Z", "frozen": true, "offset": "25h0m0s"}},
		{"GET", "/_mock/clock?sandbox=" + sb, "", 200, map[string]any{"now": "2026-05-02T13:00:00Z"}},
		{"PUT", "/_mock/clock?sandbox=" + sb, `{"resume":true}`, 200, map[string]any{"frozen": false, "offset": "0s"}},
		{"PUT", "/_mock/clock", `{"advance":"soon"}`, 400, map[string]any{"errorType": "error-invalid-params"}},
		{"PUT", "/_mock/clock", `{"advance":"2000000h"}`, 200, map[string]any{"offset": "2000000h0m0s"}},
		{"PUT", "/_mock/clock", `{"advance":"2000000h"}`, 400, map[string]any{"errorType": "error-invalid-params"}},
		{"PUT", "/_mock/clock", `{"resume":true}`, 200, map[string]any{"offset": "0s"}},
		{"PUT", "/_mock/clock", `{"freeze":"yesterday"}`, 400, map[string]any{"errorType": "error-invalid-params"}},
		{"PUT", "/_mock/clock", `{"freeze":"1900-01-01T00:00:00Z"}`, 400, map[string]any{"errorType": "error-invalid-params"}},
		{"PUT", "/_mock/clock", `{"advance":"1h","resume":true}`, 400, map[string]any{"errorType": "error-invalid-params"}},
		{"PUT", "/_mock/clock", `{"resume":false}`, 400, map[string]any{"errorType": "error-invalid-params"}},
		{"PUT", "/_mock/clock", `{}`, 400, map[string]any{"errorType": "error-invalid-params"}},
		{"PUT", "/_mock/clock", `{"advnce":"1h"}`, 400, map[string]any{"errorType": "error-invalid-params",
			"error": `setClock: body: oneOf: must match exactly one schema in oneOf; send exactly one of {"freeze":"<RFC 3339 time>"}, {"advance":"25h"}, {"resume":true}`}},
		{"PUT", "/_mock/clock", ``, 400, map[string]any{"errorType": "error-invalid-params"}},
		{"PUT", "/_mock/clock", `{"advance":`, 400, map[string]any{"errorType": "error-invalid-params", "error": "body is not valid JSON"}},
		{"GET", "/_mock/sandboxes", "", 200, map[string]any{"success": true}},
		{"POST", "/_mock/sandboxes", `{"emulate":"7.0.0"}`, 400, map[string]any{"errorType": "error-invalid-version"}},
		{"POST", "/_mock/sandboxes", `{"latency":"1h"}`, 400, map[string]any{"errorType": "error-invalid-params"}},
		{"POST", "/_mock/sandboxes", `{"fixtures":"nope"}`, 400, map[string]any{"errorType": "error-invalid-params"}},
		{"POST", "/_mock/sandboxes", `{"colour":"red"}`, 400, map[string]any{"errorType": "error-invalid-params",
			"error": "createSandbox: body: field colour: additionalProperties: must NOT have additional properties; the accepted keys are cors, emulate, fixtures, latency and rateLimiter"}},
		{"DELETE", "/_mock/sandboxes/" + gone, "", 404, map[string]any{"errorType": "error-sandbox-not-found"}},
		{"GET", "/_mock/settings", "", 200, map[string]any{"emulate": "8.4.0", "latency": "0s"}},
		{"GET", "/_mock/settings?sandbox=" + sb, "", 200, map[string]any{"emulate": "8.3.0", "latency": "1ms"}},
		{"PUT", "/_mock/settings?sandbox=" + sb, `{"latency":"2ms"}`, 200, map[string]any{"emulate": "8.3.0", "latency": "2ms"}},
		{"PUT", "/_mock/settings?sandbox=" + sb, `{"emulate":"8.4.0"}`, 200, map[string]any{"emulate": "8.4.0", "latency": "2ms"}},
		{"PUT", "/_mock/settings?sandbox=" + sb, `{"emulate":"9.9.9","latency":"3ms"}`, 400, map[string]any{"errorType": "error-invalid-version"}},
		{"GET", "/_mock/settings?sandbox=" + sb, "", 200, map[string]any{"emulate": "8.4.0", "latency": "2ms"}},
		{"PUT", "/_mock/settings", `{"latency":"-1s"}`, 400, map[string]any{"errorType": "error-invalid-params"}},
		{"PUT", "/_mock/settings", `{"latency":5}`, 400, map[string]any{"errorType": "error-invalid-params"}},
		{"GET", "/_mock/state?sandbox=" + sb, "", 200, map[string]any{"version": "8.4.0"}},
		{"PUT", "/_mock/state", `{"users":"nobody"}`, 400, map[string]any{"errorType": "error-invalid-state"}},
		{"PUT", "/_mock/state", `[]`, 400, map[string]any{}},
		{"PUT", "/_mock/state", `{"users":[{"_id":"u","username":"u","roles":[],"active":true,"type":"user","createdAt":"2026-01-01T00:00:00Z","_updatedAt":"2026-01-01T00:00:00Z",` +
			`"loginTokens":[{"hashedToken":"h","when":"2026-01-01T00:00:00Z"},{"hashedToken":"h","when":"2026-01-02T00:00:00Z"}]}]}`,
			400, map[string]any{"errorType": "error-invalid-state", "error": `user "u": login token "h" held twice [error-invalid-state]`}},
		{"GET", "/_mock/requests", "", 200, map[string]any{"success": true}},
		{"GET", "/_mock/requests?status=abc", "", 400, map[string]any{"errorType": "error-invalid-params"}},
		{"GET", "/_mock/requests?limit=0", "", 400, map[string]any{"errorType": "error-invalid-params"}},
		{"DELETE", "/_mock/requests?sandbox=" + sb, "", 200, map[string]any{"success": true}},
		{"GET", "/_mock/nothing", "", 404, map[string]any{"errorType": "error-not-found"}},
		{"PATCH", "/_mock/clock", "", 405, map[string]any{"errorType": "error-method-not-allowed"}},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path+" "+c.body, func(t *testing.T) {
			m.t = t
			a := m.send(c.method, c.path, c.body)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %s", a.status, c.status, a.raw)
			}
			for k, v := range c.want {
				if got := a.body[k]; got != v {
					t.Errorf("%s = %v, want %v (%s)", k, got, v, a.raw)
				}
			}
		})
	}
}

func TestControlAccess(t *testing.T) {
	cases := []struct {
		name   string
		token  string // the server's control token
		remote string
		header []string
		status int
		code   string
	}{
		{"loopback without token configured", "", "127.0.0.1:5555", nil, 200, ""},
		{"IPv6 loopback", "", "[::1]:5555", nil, 200, ""},
		{"remote without token configured", "", "192.0.2.1:1234", nil, 403, "error-control-forbidden"},
		{"forwarding headers are not trusted", "", "192.0.2.1:1234", []string{"X-Forwarded-For", "127.0.0.1", "X-Real-Ip", "127.0.0.1"}, 403, "error-control-forbidden"},
		{"token configured, no bearer", "s3cret", "127.0.0.1:5555", nil, 401, "error-control-unauthorized"},
		{"token configured, wrong bearer", "s3cret", "192.0.2.1:1234", []string{"Authorization", "Bearer nope"}, 401, "error-control-unauthorized"},
		{"token configured, other scheme", "s3cret", "192.0.2.1:1234", []string{"Authorization", "Basic s3cret"}, 401, "error-control-unauthorized"},
		{"token configured, right bearer from remote", "s3cret", "192.0.2.1:1234", []string{"Authorization", "Bearer s3cret"}, 200, ""},
		{"token configured, scheme in any case", "s3cret", "192.0.2.1:1234", []string{"Authorization", "bearer s3cret"}, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, err := mockserver.New(mockserver.WithStrict(true), mockserver.WithControlToken(c.token))
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodGet, "/_mock/clock", nil)
			req.RemoteAddr = c.remote
			req.Host = "127.0.0.1:3000" // a loopback name: /_mock/ refuses other hosts
			for i := 0; i+1 < len(c.header); i += 2 {
				req.Header.Set(c.header[i], c.header[i+1])
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			checkControlAnswer(t, req.Method, req.URL.Path, rec.Result(), rec.Body.Bytes())
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			var body struct{ ErrorType string }
			_ = json.Unmarshal(rec.Body.Bytes(), &body)
			if body.ErrorType != c.code {
				t.Errorf("errorType %q, want %q", body.ErrorType, c.code)
			}
			if c.status == 401 && !strings.Contains(rec.Body.String(), "Bearer <control token>") {
				t.Errorf("401 body %s does not read as written (HTML-escaped?)", rec.Body)
			}
		})
	}
	t.Run("the Rocket.Chat API stays open to remote clients", func(t *testing.T) {
		srv, err := mockserver.New()
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodGet, "/api/info", nil)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Errorf("GET /api/info from %s: %d %s", req.RemoteAddr, rec.Code, rec.Body)
		}
	})
}

// TestInviteExpiry: a 1-day invite still works 23h later and answers error-invite-expired 25h later.
func TestInviteExpiry(t *testing.T) {
	m := startMock(t)
	for _, c := range []struct {
		advance string
		status  int
		code    string
	}{
		{"23h", 200, ""},
		{"25h", 400, "error-invite-expired"},
	} {
		t.Run(c.advance, func(t *testing.T) {
			m.t = t
			sb := m.newSandbox("")
			base := "/sandboxes/" + sb
			token := m.createInvite(base, 1, 0)
			if a := m.send("PUT", "/_mock/clock?sandbox="+sb, `{"advance":"`+c.advance+`"}`); a.status != 200 {
				t.Fatalf("advance: %d %s", a.status, a.raw)
			}
			a := m.send("POST", base+"/api/v1/useInviteToken", useInvite(token), asBob...)
			if a.status != c.status || a.str("errorType") != c.code {
				t.Errorf("useInviteToken after %s: %d %s, want %d %q", c.advance, a.status, a.raw, c.status, c.code)
			}
		})
	}
}

// TestSandboxesIsolated: two sandboxes used from many goroutines at once never see each
// other's invites or clock.
func TestSandboxesIsolated(t *testing.T) {
	m := startMock(t)
	ids := []string{m.newSandbox(""), m.newSandbox("")}
	frozenAt := []string{"2030-01-01T00:00:00Z", "2040-06-15T08:30:00Z"}
	const workers = 8
	tokens := make([][]string, 2)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, id := range ids {
		m.send("PUT", "/_mock/clock?sandbox="+id, `{"freeze":"`+frozenAt[i]+`"}`)
		for w := range workers {
			wg.Go(func() {
				other := ids[1-i]
				// maxUses differs per worker so every worker gets its own invite
				maxUses := []int{1, 5, 10, 25, 50, 100, 0, 1}[w]
				days := []int{1, 7}[w/6]
				token := m.createInvite("/sandboxes/"+id, days, maxUses)
				a := m.send("POST", "/sandboxes/"+other+"/api/v1/validateInviteToken", useInvite(token))
				if a.status != 200 || a.body["valid"] != false {
					t.Errorf("sandbox %s sees invite %s of sandbox %s: %d %s", other, token, id, a.status, a.raw)
				}
				c := m.send("GET", "/_mock/clock?sandbox="+id, "")
				if c.str("now") != frozenAt[i] {
					t.Errorf("sandbox %s clock %s, want %s", id, c.str("now"), frozenAt[i])
				}
				mu.Lock()
				tokens[i] = append(tokens[i], token)
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	for i, id := range ids {
		a := m.send("GET", "/sandboxes/"+id+"/api/v1/listInvites", "", asAdmin...)
		var invites []struct {
			ID        string `json:"_id"`
			CreatedAt string `json:"createdAt"`
		}
		if err := json.Unmarshal(a.raw, &invites); err != nil {
			t.Fatalf("listInvites: %d %s", a.status, a.raw)
		}
		seen := map[string]bool{}
		for _, inv := range invites {
			seen[inv.ID] = true
		}
		for _, tok := range tokens[i] {
			if !seen[tok] {
				t.Errorf("sandbox %s lost its invite %s", id, tok)
			}
		}
		for _, tok := range tokens[1-i] {
			if seen[tok] {
				t.Errorf("sandbox %s lists invite %s of the other sandbox", id, tok)
			}
		}
	}
	if c := m.send("GET", "/_mock/clock", ""); c.body["frozen"] != false {
		t.Errorf("the default world's clock moved: %s", c.raw)
	}
}

func TestDeletedSandboxAnswers404(t *testing.T) {
	m := startMock(t)
	sb := m.newSandbox("")
	if a := m.send("GET", "/sandboxes/"+sb+"/api/info", ""); a.status != 200 {
		t.Fatalf("before delete: %d %s", a.status, a.raw)
	}
	m.send("DELETE", "/_mock/sandboxes/"+sb, "")
	for _, p := range []string{
		"/sandboxes/" + sb + "/api/info",
		"/sandboxes/" + sb + "/api/v1/me",
		"/_mock/clock?sandbox=" + sb,
		"/_mock/requests?sandbox=" + sb,
	} {
		if a := m.send("GET", p, "", asBob...); a.status != 404 || a.str("errorType") != "error-sandbox-not-found" {
			t.Errorf("GET %s after delete: %d %s", p, a.status, a.raw)
		}
	}
	if a := m.send("GET", "/_mock/sandboxes", ""); strings.Contains(string(a.raw), sb) {
		t.Errorf("deleted sandbox still listed: %s", a.raw)
	}
}

func TestRoutes(t *testing.T) {
	m := startMock(t)
	sb := m.newSandbox("")
	for _, c := range []struct {
		path   string
		status int
		code   string
	}{
		{"/api/info", 200, ""},
		{"/sandboxes/" + sb + "/api/info", 200, ""},
		{"/sandboxes/sb-aaaaaaaaaa/api/info", 404, "error-sandbox-not-found"},
		{"/sandboxes//api/info", 404, "error-sandbox-not-found"},
		{"/sandboxes/" + sb + "/elsewhere", 404, ""},
		{"/sandboxes/" + sb, 404, ""},
		{"/", 404, ""},
		{"/apiary", 404, ""},
	} {
		a := m.send("GET", c.path, "")
		if a.status != c.status || a.str("errorType") != c.code {
			t.Errorf("GET %s: %d %s, want %d %q", c.path, a.status, a.raw, c.status, c.code)
		}
	}
	res, err := http.Get(m.url + "/livez")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("GET /livez: %d", res.StatusCode)
	}
}

func TestJournal(t *testing.T) {
	m := startMock(t, mockserver.WithJournalSize(10))
	sb := m.newSandbox("")
	for i := range 25 {
		if i%5 == 0 {
			m.send("POST", "/api/v1/useInviteToken", useInvite("nope"), asBob...)
		} else {
			m.send("GET", "/api/info?n="+fmt.Sprint(i), "")
		}
	}
	m.send("GET", "/sandboxes/"+sb+"/api/info", "")

	var journal struct {
		Requests []mockserver.JournalEntry `json:"requests"`
		Total    int                       `json:"total"`
		Dropped  int                       `json:"dropped"`
	}
	read := func(query string) {
		t.Helper()
		a := m.send("GET", "/_mock/requests"+query, "")
		journal.Requests = nil
		if err := json.Unmarshal(a.raw, &journal); err != nil || a.status != 200 {
			t.Fatalf("GET /_mock/requests%s: %d %s", query, a.status, a.raw)
		}
	}
	read("")
	if len(journal.Requests) != 10 || journal.Total != 25 || journal.Dropped != 15 {
		t.Fatalf("kept %d total %d dropped %d, want 10 25 15", len(journal.Requests), journal.Total, journal.Dropped)
	}
	if first, last := journal.Requests[0], journal.Requests[9]; first.ID != 16 || last.ID != 25 || last.Query != "n=24" {
		t.Errorf("kept ids %d..%d (last query %q), want 16..25 (n=24)", first.ID, last.ID, last.Query)
	}
	for _, c := range []struct {
		query string
		n     int
	}{
		{"?path=/api/v1/useInviteToken", 2},
		{"?path=/api/*", 10},
		{"?path=/api/v1/*&method=post", 2},
		{"?method=GET", 8},
		{"?status=400", 2},
		{"?status=200&limit=3", 3},
		{"?path=/api/info", 8},
		{"?path=/api/inf", 0},
	} {
		read(c.query)
		if len(journal.Requests) != c.n {
			t.Errorf("GET /_mock/requests%s: %d entries, want %d", c.query, len(journal.Requests), c.n)
		}
	}
	read("?status=400")
	if e := journal.Requests[0]; e.Method != "POST" || e.Path != "/api/v1/useInviteToken" ||
		string(e.RequestBody) != `{"token":"nope"}` || !strings.Contains(string(e.ResponseBody), "error-invalid-token") {
		t.Errorf("entry %+v", e)
	}
	read("?limit=1")
	if journal.Requests[0].ID != 25 {
		t.Errorf("limit=1 gave id %d, want the most recent (25)", journal.Requests[0].ID)
	}

	read("?sandbox=" + sb)
	if len(journal.Requests) != 1 || journal.Requests[0].Path != "/api/info" || journal.Total != 1 {
		t.Errorf("sandbox journal: %+v (path must lack the /sandboxes prefix)", journal)
	}
	m.send("DELETE", "/_mock/requests", "")
	read("")
	if len(journal.Requests) != 0 || journal.Total != 0 || journal.Dropped != 0 {
		t.Errorf("after DELETE: %+v", journal)
	}
	read("?sandbox=" + sb)
	if journal.Total != 1 {
		t.Errorf("DELETE of the default journal cleared the sandbox's: %+v", journal)
	}
}

func TestJournalKeepsNoSecrets(t *testing.T) {
	var logs bytes.Buffer
	m := startMock(t, mockserver.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	a := m.send("POST", "/api/v1/login", `{"user":"bob","password":"rocket.chat"}`)
	if a.status != 200 {
		t.Fatalf("login: %d %s", a.status, a.raw)
	}
	data, _ := a.body["data"].(map[string]any)
	token, _ := data["authToken"].(string)
	if token == "" {
		t.Fatalf("login answer has no token: %s", a.raw)
	}
	m.send("GET", "/api/v1/me", "", "X-User-Id", "bob", "X-Auth-Token", token)
	big := `{"token":"` + strings.Repeat("a", 70<<10) + `"}`
	m.send("POST", "/api/v1/useInviteToken", big, asBob...)

	j := m.send("GET", "/_mock/requests", "")
	for _, secret := range []string{`":"rocket.chat"`, token, "bob-token"} {
		if strings.Contains(string(j.raw), secret) {
			t.Errorf("journal holds the secret %q: %.300s", secret, j.raw)
		}
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log holds the secret %q", secret)
		}
	}
	var journal struct{ Requests []mockserver.JournalEntry }
	if err := json.Unmarshal(j.raw, &journal); err != nil || len(journal.Requests) != 3 {
		t.Fatalf("journal: %v %.300s", err, j.raw)
	}
	if got := string(journal.Requests[0].RequestBody); got != `{"password":"[redacted]","user":"bob"}` {
		t.Errorf("login request body journaled as %s", got)
	}
	if e := journal.Requests[2]; !e.Truncated || len(e.RequestBody) > 64<<10+16 || e.Status != 413 && e.Status != 400 {
		t.Errorf("large body: truncated %v, %d bytes kept, status %d", e.Truncated, len(e.RequestBody), e.Status)
	}

	// One log line per request, with the sandbox, and no Content of bodies.
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	requests := 0
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if rec["msg"] != "request" {
			continue
		}
		requests++
		for _, k := range []string{"method", "path", "status", "duration", "sandbox"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("log line lacks %s: %s", k, l)
			}
		}
	}
	if requests != 4 {
		t.Errorf("%d request log lines for 4 requests:\n%s", requests, logs.String())
	}
}

func TestResetRestoresFixtures(t *testing.T) {
	m := startMock(t)
	before := m.send("GET", "/_mock/state", "")
	if a := m.send("POST", "/api/v1/useInviteToken", useInvite("PrjXok"), asBob...); a.status != 200 {
		t.Fatalf("bob joins: %d %s", a.status, a.raw)
	}
	m.createInvite("", 30, 0)
	m.send("PUT", "/_mock/clock", `{"advance":"48h"}`)
	if a := m.send("POST", "/_mock/reset", ""); a.status != 200 {
		t.Fatalf("reset: %d %s", a.status, a.raw)
	}
	after := m.send("GET", "/_mock/state", "")
	if diff := stateDiff(before.body, after.body); diff != "" {
		t.Errorf("state after reset differs from the fixtures: %s", diff)
	}
	if c := m.send("GET", "/_mock/clock", ""); c.body["offset"] != "0s" || c.body["frozen"] != false {
		t.Errorf("clock after reset: %s", c.raw)
	}
	if j := m.send("GET", "/_mock/requests", ""); j.body["total"] != 0.0 {
		t.Errorf("journal after reset: %s", j.raw)
	}
	if a := m.send("POST", "/api/v1/useInviteToken", useInvite("PrjXok"), asBob...); a.status != 200 {
		t.Errorf("bob joins again after reset: %d %s", a.status, a.raw)
	}
}

// stateDiff compares two exported states, ignoring the times fixtures are stamped with at load.
func stateDiff(a, b map[string]any) string {
	norm := func(v map[string]any) string {
		s, _ := json.Marshal(v)
		var x any
		_ = json.Unmarshal(s, &x)
		return fmt.Sprint(dropTimes(x))
	}
	if na, nb := norm(a), norm(b); na != nb {
		return fmt.Sprintf("\nbefore %.2000s\nafter  %.2000s", na, nb)
	}
	return ""
}

func dropTimes(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok {
				if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
					v[k] = "<time>"
					continue
				}
			}
			v[k] = dropTimes(x)
		}
	case []any:
		for i, x := range v {
			v[i] = dropTimes(x)
		}
	}
	return v
}

func TestStateRoundTrip(t *testing.T) {
	m := startMock(t)
	sb := m.newSandbox("")
	base := "/sandboxes/" + sb
	token := m.createInvite(base, 7, 5)
	exported := m.send("GET", "/_mock/state?sandbox="+sb, "")
	if exported.status != 200 {
		t.Fatalf("export: %d %s", exported.status, exported.raw)
	}
	if a := m.send("POST", base+"/api/v1/useInviteToken", useInvite(token), asBob...); a.status != 200 {
		t.Fatalf("bob joins: %d %s", a.status, a.raw)
	}
	if a := m.send("PUT", "/_mock/state?sandbox="+sb, string(exported.raw)); a.status != 200 {
		t.Fatalf("import: %d %s", a.status, a.raw)
	}
	again := m.send("GET", "/_mock/state?sandbox="+sb, "")
	if !bytes.Equal(again.raw, exported.raw) {
		t.Errorf("export after import differs:\nfirst  %.1500s\nsecond %.1500s", exported.raw, again.raw)
	}
	// The import undid bob's join, and the invite's use.
	a := m.send("GET", base+"/api/v1/listInvites", "", asAdmin...)
	if !strings.Contains(string(a.raw), `"_id":"`+token+`"`) {
		t.Fatalf("invite %s lost: %s", token, a.raw)
	}
	var invites []struct {
		ID   string `json:"_id"`
		Uses int    `json:"uses"`
	}
	_ = json.Unmarshal(a.raw, &invites)
	for _, inv := range invites {
		if inv.ID == token && inv.Uses != 0 {
			t.Errorf("invite uses after import = %d, want 0", inv.Uses)
		}
	}
	// The state of one world imports into another.
	if a := m.send("PUT", "/_mock/state", string(exported.raw)); a.status != 200 {
		t.Fatalf("import into the default world: %d %s", a.status, a.raw)
	}
	if a := m.send("POST", "/api/v1/validateInviteToken", useInvite(token)); a.body["valid"] != true {
		t.Errorf("imported invite invalid in the default world: %s", a.raw)
	}
}

// TestEmulation: carol is banned from ProjectX; 8.3.0 has no ban check in useInviteToken.
func TestEmulation(t *testing.T) {
	m := startMock(t)
	for _, c := range []struct {
		emulate, info string
		status        int
		code          string
	}{
		{"8.3.0", "8.3", 200, ""},
		{"8.4.0", "8.4", 400, "error-user-is-banned"},
	} {
		t.Run(c.emulate, func(t *testing.T) {
			m.t = t
			sb := m.newSandbox(`{"emulate":"` + c.emulate + `"}`)
			base := "/sandboxes/" + sb
			if info := m.send("GET", base+"/api/info", ""); info.str("version") != c.info {
				t.Errorf("/api/info: %s, want version %s", info.raw, c.info)
			}
			a := m.send("POST", base+"/api/v1/useInviteToken", useInvite("PrjXok"), asCarol...)
			if a.status != c.status || a.str("errorType") != c.code {
				t.Errorf("carol + PrjXok: %d %s, want %d %q", a.status, a.raw, c.status, c.code)
			}
		})
	}
	t.Run("WithEmulate sets the default world and the sandboxes' default", func(t *testing.T) {
		m := startMock(t, mockserver.WithEmulate("8.3.0"))
		if info := m.send("GET", "/api/info", ""); info.str("version") != "8.3" {
			t.Errorf("/api/info: %s", info.raw)
		}
		a := m.send("POST", "/_mock/sandboxes", "")
		if a.str("emulate") != "8.3.0" {
			t.Errorf("new sandbox: %s", a.raw)
		}
	})
}

func TestLatency(t *testing.T) {
	m := startMock(t, mockserver.WithLatency(30*time.Millisecond))
	sb := m.newSandbox("")
	timed := func(path string) time.Duration {
		start := time.Now()
		if a := m.send("GET", path, ""); a.status != 200 {
			t.Fatalf("GET %s: %d", path, a.status)
		}
		return time.Since(start)
	}
	if d := timed("/api/info"); d < 30*time.Millisecond {
		t.Errorf("default world answered in %s, before its 30ms latency", d)
	}
	if d := timed("/_mock/clock"); d >= 30*time.Millisecond {
		t.Logf("control answered in %s (latency applies only to the Rocket.Chat API)", d)
	}
	m.send("PUT", "/_mock/settings?sandbox="+sb, `{"latency":"60ms"}`)
	if d := timed("/sandboxes/" + sb + "/api/info"); d < 60*time.Millisecond {
		t.Errorf("sandbox answered in %s, before its 60ms latency", d)
	}
	var journal struct{ Requests []mockserver.JournalEntry }
	_ = json.Unmarshal(m.send("GET", "/_mock/requests?sandbox="+sb, "").raw, &journal)
	if len(journal.Requests) != 1 || journal.Requests[0].DurationMs < 60 {
		t.Errorf("journal duration %+v, want at least 60ms", journal.Requests)
	}

	t.Run("a client that leaves is not kept waiting", func(t *testing.T) {
		srv, err := mockserver.New(mockserver.WithLatency(mockserver.MaxLatency))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		req := httptest.NewRequest("GET", "/api/info", nil).WithContext(ctx)
		rec := httptest.NewRecorder()
		cancel()
		start := time.Now()
		srv.ServeHTTP(rec, req)
		if d := time.Since(start); d > time.Second {
			t.Errorf("cancelled request held for %s", d)
		}
		if rec.Body.Len() != 0 {
			t.Errorf("cancelled request answered: %s", rec.Body)
		}
	})
}

func TestNewRefusesBadOptions(t *testing.T) {
	for name, opt := range map[string]mockserver.Option{
		"journal size 0":   mockserver.WithJournalSize(0),
		"no sandboxes":     mockserver.WithMaxSandboxes(0),
		"negative latency": mockserver.WithLatency(-time.Second),
		"huge latency":     mockserver.WithLatency(time.Hour),
		"unknown version":  mockserver.WithEmulate("7.0.0"),
		"empty version":    mockserver.WithEmulate(""),
		"nil fixtures":     mockserver.WithFixtures(nil),
		"nil logger":       mockserver.WithLogger(nil),
	} {
		if _, err := mockserver.New(opt); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

func TestEmptySandbox(t *testing.T) {
	m := startMock(t)
	sb := m.newSandbox(`{"fixtures":"empty"}`)
	st := m.send("GET", "/_mock/state?sandbox="+sb, "")
	users, _ := st.body["users"].([]any)
	rooms, _ := st.body["rooms"].([]any)
	if len(users) != 1 || len(rooms) != 0 {
		t.Errorf("empty sandbox: %d users, %d rooms: %.500s", len(users), len(rooms), st.raw)
	}
	if a := m.send("GET", "/sandboxes/"+sb+"/api/v1/me", "", asAdmin...); a.status != 200 {
		t.Errorf("admin in the empty sandbox: %d %s", a.status, a.raw)
	}
}

// FuzzControl: no body, on any control operation, makes the control API answer 5xx or break
// its contract.
func FuzzControl(f *testing.F) {
	ops := [][2]string{
		{"PUT", "/_mock/clock"}, {"POST", "/_mock/sandboxes"}, {"PUT", "/_mock/settings"},
		{"PUT", "/_mock/state"}, {"GET", "/_mock/requests?status=200&limit=2&path=/api/*"}, {"POST", "/_mock/reset"},
	}
	for i, body := range []string{`{"advance":"25h"}`, `{"freeze":"2026-01-01T00:00:00Z"}`, `{"emulate":"8.3.0"}`,
		`{"latency":"5ms"}`, `{"users":[]}`, `{}`, `[`, `null`, `"x"`} {
		f.Add(uint8(i), body)
	}
	srv, err := mockserver.New(mockserver.WithStrict(true))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		o := ops[int(op)%len(ops)]
		req := httptest.NewRequest(o[0], o[1], strings.NewReader(body))
		req.RemoteAddr = "127.0.0.1:1"
		req.Host = "127.0.0.1:3000" // a loopback name: /_mock/ refuses other hosts
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", o[0], o[1], body, rec.Code, rec.Body)
		}
		checkControlAnswer(t, o[0], req.URL.Path+"?"+req.URL.RawQuery, rec.Result(), rec.Body.Bytes())
	})
}

// TestBodilessControlCallsIgnoreBodies sends bodies of every kind (not JSON, JSON, larger than
// the control limit, cut off by the client) to each control operation that takes no body in
// spec/mock-control.yaml: each must answer exactly as without a body, on contract.
func TestBodilessControlCallsIgnoreBodies(t *testing.T) {
	srv, err := mockserver.New(mockserver.WithStrict(true))
	if err != nil {
		t.Fatal(err)
	}
	serve := func(method, target string, body io.Reader, length int64) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, target, body)
		r.RemoteAddr = "127.0.0.1:40000"
		r.Host = "127.0.0.1:3000" // a loopback name: /_mock/ refuses other hosts
		r.ContentLength = length
		if length < 0 {
			r.TransferEncoding = []string{"chunked"}
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		checkControlAnswer(t, method, target, rec.Result(), rec.Body.Bytes())
		return rec
	}
	newSandbox := func() string {
		rec := serve(http.MethodPost, "/_mock/sandboxes", nil, 0)
		var sb struct{ ID string }
		if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &sb) != nil || sb.ID == "" {
			t.Fatalf("create sandbox: %d %s", rec.Code, rec.Body)
		}
		return sb.ID
	}
	ops := []struct {
		operationID, method, template, path string // {new} in path: a sandbox opened for the case
		status                              int
	}{
		{"reset", "POST", "/_mock/reset", "/_mock/reset", 200},
		{"getClock", "GET", "/_mock/clock", "/_mock/clock", 200},
		{"listSandboxes", "GET", "/_mock/sandboxes", "/_mock/sandboxes", 200},
		{"deleteSandbox", "DELETE", "/_mock/sandboxes/{id}", "/_mock/sandboxes/{new}", 200},
		{"deleteSandbox", "DELETE", "/_mock/sandboxes/{id}", "/_mock/sandboxes/0", 404},
		{"getSettings", "GET", "/_mock/settings", "/_mock/settings", 200},
		{"exportState", "GET", "/_mock/state", "/_mock/state", 200},
		{"listRequests", "GET", "/_mock/requests", "/_mock/requests", 200},
		{"clearRequests", "DELETE", "/_mock/requests", "/_mock/requests", 200},
		{"listWorlds", "GET", "/_mock/worlds", "/_mock/worlds", 200},
		{"getWorld", "GET", "/_mock/world", "/_mock/world", 200},
	}
	bodies := []struct {
		name   string
		body   func() io.Reader
		length int64
	}{
		{"not JSON", func() io.Reader { return strings.NewReader("A") }, 1},
		{"cut JSON", func() io.Reader { return strings.NewReader(`{"advance":`) }, 11},
		{"JSON", func() io.Reader { return strings.NewReader(`{"sandbox":"nope","colour":"red"}`) }, 33},
		{"chunked", func() io.Reader { return strings.NewReader("[1,2") }, -1},
		{"larger than 32 MiB", func() io.Reader { return io.LimitReader(ones{}, 33<<20) }, 33 << 20},
		{"client gone mid-body", func() io.Reader { return io.MultiReader(strings.NewReader("{"), brokenReader{}) }, 100},
	}
	doc := spec.Control().Document()
	covered := map[string]bool{}
	for _, op := range ops {
		covered[op.operationID] = true
		item := doc.Paths.Value(op.template)
		if item == nil || item.GetOperation(op.method) == nil || item.GetOperation(op.method).OperationID != op.operationID ||
			item.GetOperation(op.method).RequestBody != nil {
			t.Errorf("%s %s is not a bodiless operation of spec/mock-control.yaml", op.method, op.path)
		}
		for _, b := range bodies {
			t.Run(op.method+" "+op.path+" "+b.name, func(t *testing.T) {
				path := op.path
				if strings.Contains(path, "{new}") {
					path = strings.ReplaceAll(path, "{new}", newSandbox())
				}
				rec := serve(op.method, path, b.body(), b.length)
				if rec.Code != op.status {
					t.Fatalf("answered %d %s, want %d", rec.Code, rec.Body, op.status)
				}
			})
		}
	}
	for _, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody == nil && !covered[op.OperationID] {
				t.Errorf("bodiless operation %s %s is not in the table", method, op.OperationID)
			}
		}
	}
}

// ones reads an endless run of '1' bytes.
type ones struct{}

func (ones) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '1'
	}
	return len(p), nil
}

// brokenReader fails like a connection the client dropped.
type brokenReader struct{}

func (brokenReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// TestImportStateBodies: PUT /_mock/state decodes its body as a stream and still tells a body
// that is not JSON, too large or cut off from JSON that is not a state.
func TestImportStateBodies(t *testing.T) {
	srv, err := mockserver.New(mockserver.WithStrict(true))
	if err != nil {
		t.Fatal(err)
	}
	serve := func(method string, body io.Reader, length int64) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/_mock/state", body)
		r.RemoteAddr = "127.0.0.1:40000"
		r.Host = "127.0.0.1:3000" // a loopback name: /_mock/ refuses other hosts
		r.ContentLength = length
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		checkControlAnswer(t, method, "/_mock/state", rec.Result(), rec.Body.Bytes())
		return rec
	}
	exported := serve(http.MethodGet, nil, 0).Body.String()
	huge := io.MultiReader(strings.NewReader(`{"users":[`), io.LimitReader(ones{}, 33<<20))
	for _, c := range []struct {
		name      string
		body      io.Reader
		length    int64
		status    int
		errorType string
	}{
		{"exported state", strings.NewReader(exported), int64(len(exported)), 200, ""},
		{"exported state after white space", strings.NewReader("\n\t " + exported), int64(len(exported) + 3), 200, ""},
		{"no body", strings.NewReader(""), 0, 400, "error-invalid-params"},
		{"white space only", strings.NewReader(" \n"), 2, 400, "error-invalid-params"},
		{"array", strings.NewReader(`[]`), 2, 400, "error-invalid-params"},
		{"not JSON", strings.NewReader(`A`), 1, 400, "error-invalid-params"},
		{"cut JSON", strings.NewReader(`{"users":[`), 10, 400, "error-invalid-params"},
		{"bad JSON inside", strings.NewReader(`{"users":[x]}`), 13, 400, "error-invalid-params"},
		{"two documents", strings.NewReader(`{} {}`), 5, 400, "error-invalid-params"},
		{"trailing garbage", strings.NewReader(exported + "x"), int64(len(exported) + 1), 400, "error-invalid-params"},
		{"unknown field", strings.NewReader(`{"colour":"red"}`), 16, 400, "error-invalid-state"},
		{"wrong type", strings.NewReader(`{"users":"nobody"}`), 18, 400, "error-invalid-state"},
		{"larger than 32 MiB", huge, 10 + 33<<20, 413, "error-too-large"},
		{"client gone mid-body", io.MultiReader(strings.NewReader(`{"users":[`), brokenReader{}), 100, 400, "error-invalid-params"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := serve(http.MethodPut, c.body, c.length)
			var a struct{ ErrorType string }
			_ = json.Unmarshal(rec.Body.Bytes(), &a)
			if rec.Code != c.status || a.ErrorType != c.errorType {
				t.Errorf("answered %d %s, want %d %s", rec.Code, rec.Body, c.status, c.errorType)
			}
		})
	}
	if now := serve(http.MethodGet, nil, 0).Body.String(); now != exported {
		t.Errorf("refused imports changed the world:\n%s\nwant\n%s", now, exported)
	}
}
