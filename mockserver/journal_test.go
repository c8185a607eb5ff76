package mockserver

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestJournalRing(t *testing.T) {
	j := newJournal(3)
	for i := range 5 {
		j.record(JournalEntry{Method: "GET", Path: "/api/v1/p" + string(rune('a'+i)), Status: 200 + i}, rawBodies{}, nil)
	}
	entries, total, dropped := j.list(journalFilter{})
	if total != 5 || dropped != 2 || len(entries) != 3 {
		t.Fatalf("total %d dropped %d kept %d, want 5 2 3", total, dropped, len(entries))
	}
	for i, e := range entries {
		if want := int64(i + 3); e.ID != want {
			t.Errorf("entry %d has id %d, want %d (oldest first)", i, e.ID, want)
		}
	}
	j.clear()
	entries, total, dropped = j.list(journalFilter{})
	if total != 0 || dropped != 0 || len(entries) != 0 {
		t.Errorf("after clear: total %d dropped %d kept %d", total, dropped, len(entries))
	}
	j.record(JournalEntry{}, rawBodies{}, nil)
	if entries, _, _ := j.list(journalFilter{}); entries[0].ID != 1 {
		t.Errorf("after clear the first id is %d, want 1", entries[0].ID)
	}
}

// TestJournalKeepsRawBodiesAndRedactsOnRead: the journal keeps a copy of the captured bytes,
// cut at 64 KiB, and hands out only what journalBody makes of them.
func TestJournalKeepsRawBodiesAndRedactsOnRead(t *testing.T) {
	j := newJournal(10)
	req := []byte(`{"user":"bob","password":"rocket.chat"}`)
	resp := []byte(`{"data":{"authToken":"t0k","userId":"bob"},"status":"success"}`)
	big := []byte(`{"pass":"` + strings.Repeat("x", journalBodyLimit+100))
	j.record(JournalEntry{Method: "POST", Path: "/api/v1/login", RequestBody: json.RawMessage(`{"stale":1}`), Truncated: true},
		rawBodies{request: req, response: resp}, nil)
	j.record(JournalEntry{Method: "POST", Path: "/api/v1/users.register"}, rawBodies{request: big, requestCut: true}, nil)
	copy(req, `{"user":"eve","secret":"x", `) // the caller's buffer is reused: the journal must not see it
	for i := range resp {
		resp[i] = ' '
	}
	if rec := j.ring[1].bodies.request; len(rec) != journalBodyLimit {
		t.Errorf("kept %d bytes of a %d-byte body, want %d", len(rec), len(big), journalBodyLimit)
	}
	entries, _, _ := j.list(journalFilter{})
	if len(entries) != 2 {
		t.Fatalf("%d entries, want 2", len(entries))
	}
	login, register := entries[0], entries[1]
	if got, want := string(login.RequestBody), `{"password":"[redacted]","user":"bob"}`; got != want {
		t.Errorf("request body %s, want %s", got, want)
	}
	if got, want := string(login.ResponseBody), `{"data":{"authToken":"[redacted]","userId":"bob"},"status":"success"}`; got != want {
		t.Errorf("response body %s, want %s", got, want)
	}
	if login.Truncated {
		t.Error("an entry with whole bodies is marked truncated")
	}
	if got := string(register.RequestBody); got != `"[redacted]"` || !register.Truncated || register.ResponseBody != nil {
		t.Errorf("cut body with a secret: %s truncated %v response %s", got, register.Truncated, register.ResponseBody)
	}
	// Reading twice gives the same, and redaction does not touch what the journal keeps.
	again, _, _ := j.list(journalFilter{})
	if string(again[0].RequestBody) != string(login.RequestBody) || !strings.Contains(string(j.ring[0].bodies.request), "rocket.chat") {
		t.Error("listing changed the kept bodies")
	}
}

func TestJournalFilter(t *testing.T) {
	e := JournalEntry{Method: "POST", Path: "/api/v1/rooms.banUser", Status: 400}
	cases := []struct {
		f    journalFilter
		want bool
	}{
		{journalFilter{}, true},
		{journalFilter{path: "/api/v1/rooms.banUser"}, true},
		{journalFilter{path: "/api/v1/rooms"}, false},
		{journalFilter{path: "/api/v1/rooms.*"}, true},
		{journalFilter{path: "*"}, true},
		{journalFilter{path: "/api/v1/login*"}, false},
		{journalFilter{method: "post"}, true},
		{journalFilter{method: "GET"}, false},
		{journalFilter{status: 400}, true},
		{journalFilter{status: 200}, false},
		{journalFilter{path: "/api/*", method: "POST", status: 400}, true},
	}
	for _, c := range cases {
		if got := c.f.match(&e); got != c.want {
			t.Errorf("%+v.match = %v, want %v", c.f, got, c.want)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:5000":          true,
		"127.9.8.7:1":             true,
		"[::1]:5000":              true,
		"[::ffff:127.0.0.1]:5000": true,
		"192.0.2.1:1234":          false,
		"[2001:db8::1]:80":        false,
		"10.0.0.1:80":             false,
		"127.0.0.1":               false, // no port: not what net/http sets
		"":                        false,
		"@":                       false,
	} {
		if got := isLoopback(addr); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}
