package mockserver

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestJournalBody(t *testing.T) {
	long := strings.Repeat("x", 10)
	cases := []struct {
		name string
		body string
		cut  bool
		want string
	}{
		{"empty body is absent", "", false, ""},
		{"blank body is absent", " \n", false, ""},
		{"JSON is kept compact", `{ "token" : "PrjXok" }`, false, `{"token":"PrjXok"}`},
		{"password is redacted", `{"user":"bob","password":"rocket.chat"}`, false, `{"password":"[redacted]","user":"bob"}`},
		{"nested and cased secrets are redacted", `{"data":{"userId":"bob","authToken":"t0k"},"x":[{"newPassword":"p"},{"pass":"q"}]}`, false,
			`{"data":{"authToken":"[redacted]","userId":"bob"},"x":[{"newPassword":"[redacted]"},{"pass":"[redacted]"}]}`},
		{"digest password object is redacted whole", `{"password":{"digest":"abc","algorithm":"sha-256"}}`, false, `{"password":"[redacted]"}`},
		{"non-JSON becomes a string", "not json", false, `"not json"`},
		{"two JSON documents are a string", `{} {}`, false, `"{} {}"`},
		{"non-JSON mentioning a password is redacted", "user=bob&password=x", false, `"[redacted]"`},
		{"a cut body is a string", `{"a":"` + long, true, `"{\"a\":\"` + long + `"`},
		{"a cut body mentioning a secret is redacted", `{"authToken":"` + long, true, `"[redacted]"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := string(journalBody([]byte(c.body), c.cut))
			if got != c.want {
				t.Errorf("journalBody(%q) = %s, want %s", c.body, got, c.want)
			}
			if got != "" && !json.Valid([]byte(got)) {
				t.Errorf("journalBody(%q) = %s is not JSON", c.body, got)
			}
		})
	}
}

func TestJournalRing(t *testing.T) {
	j := newJournal(3)
	for i := range 5 {
		j.record(JournalEntry{Method: "GET", Path: "/api/v1/p" + string(rune('a'+i)), Status: 200 + i})
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
	j.record(JournalEntry{})
	if entries, _, _ := j.list(journalFilter{}); entries[0].ID != 1 {
		t.Errorf("after clear the first id is %d, want 1", entries[0].ID)
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
