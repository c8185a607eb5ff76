package mockserver

import (
	"encoding/json"
	"github.com/rcinvite/rcinvite/mockserver/explain"
	"github.com/rcinvite/rcinvite/mockserver/world"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// entries collects what list yields, decoded.
func entries(t *testing.T, seq func(func(int, any) bool)) []JournalEntry {
	t.Helper()
	var out []JournalEntry
	for _, v := range seq {
		var e JournalEntry
		if err := json.Unmarshal(v.(json.RawMessage), &e); err != nil {
			t.Fatalf("entry %s: %v", v, err)
		}
		out = append(out, e)
	}
	return out
}

func TestJournalRing(t *testing.T) {
	j := newJournal(3, newJournalBudget(DefaultJournalBudget))
	for i := range 5 {
		j.record(JournalEntry{Method: "GET", Path: "/api/v1/p" + string(rune('a'+i)), Status: 200 + i}, rawBodies{}, nil)
	}
	seq, total, dropped := j.list(journalFilter{})
	list := entries(t, seq)
	if total != 5 || dropped != 2 || len(list) != 3 {
		t.Fatalf("total %d dropped %d kept %d, want 5 2 3", total, dropped, len(list))
	}
	for i, e := range list {
		if want := int64(i + 3); e.ID != want || e.Status != 200+i+2 {
			t.Errorf("entry %d has id %d status %d, want %d (oldest first)", i, e.ID, e.Status, want)
		}
	}
	j.clear()
	seq, total, dropped = j.list(journalFilter{})
	if list := entries(t, seq); total != 0 || dropped != 0 || len(list) != 0 {
		t.Errorf("after clear: total %d dropped %d kept %d", total, dropped, len(list))
	}
	if j.budget.used != 0 {
		t.Errorf("after clear the budget still counts %d bytes", j.budget.used)
	}
	j.record(JournalEntry{}, rawBodies{}, nil)
	if seq, _, _ := j.list(journalFilter{}); entries(t, seq)[0].ID != 1 {
		t.Error("after clear the first id is not 1")
	}
}

// TestJournalStoresRedactedBodies pins the leak of secrets kept in memory: the journal kept
// raw bodies and redacted them only when read. It keeps only the redacted entry, cut at 64 KiB,
// and nothing of the caller's buffers.
func TestJournalStoresRedactedBodies(t *testing.T) {
	j := newJournal(10, newJournalBudget(DefaultJournalBudget))
	req := []byte(`{"user":"bob","password":"rocket.chat"}`)
	resp := []byte(`{"data":{"authToken":"t0k","userId":"bob"},"status":"success"}`)
	big := []byte(`{"pass":"` + strings.Repeat("x", journalBodyLimit+100))
	j.record(JournalEntry{Method: "POST", Path: "/api/v1/login", RequestBody: json.RawMessage(`{"stale":1}`), Truncated: true},
		rawBodies{request: req, response: resp, requestType: "application/json"}, nil)
	j.record(JournalEntry{Method: "POST", Path: "/api/v1/users.register"}, rawBodies{request: big, requestCut: true}, nil)
	copy(req, `{"user":"eve","secret":"x", `) // the caller's buffer is reused: the journal must not see it
	for _, rec := range j.ring {
		for _, secret := range []string{"rocket.chat", "t0k", `"x`} {
			if strings.Contains(string(rec.doc), secret) {
				t.Errorf("the stored entry holds %q: %s", secret, rec.doc)
			}
		}
	}
	seq, _, _ := j.list(journalFilter{})
	list := entries(t, seq)
	if len(list) != 2 {
		t.Fatalf("%d entries, want 2", len(list))
	}
	login, register := list[0], list[1]
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
}

// TestJournalBudgetIsSharedAndDropsTheOldestFirst pins the unbounded journal memory: 1000
// entries of 64 KiB bodies per world, per sandbox (228 MiB a world, 2.8 GiB for 11). All
// journals share one byte budget; beyond it the oldest entry of any world goes.
func TestJournalBudgetIsSharedAndDropsTheOldestFirst(t *testing.T) {
	body := []byte(`"` + strings.Repeat("b", 1000) + `"`)
	rec := func(j *journal, i int) {
		j.record(JournalEntry{Method: "POST", Path: "/api/v1/x", Status: 200 + i}, rawBodies{request: body}, nil)
	}
	probe := newJournal(1, newJournalBudget(DefaultJournalBudget))
	rec(probe, 0)
	budget := newJournalBudget(10 * probe.ring[0].size())
	a, b := newJournal(1000, budget), newJournal(1000, budget)
	for i := range 8 {
		rec(a, i)
	}
	for i := range 8 {
		rec(b, i)
	}
	if budget.used > budget.limit {
		t.Fatalf("the journals hold %d bytes, over the budget of %d", budget.used, budget.limit)
	}
	seqA, totalA, droppedA := a.list(journalFilter{})
	seqB, totalB, droppedB := b.list(journalFilter{})
	listA, listB := entries(t, seqA), entries(t, seqB)
	if totalA != 8 || totalB != 8 || len(listA)+len(listB) != 10 || droppedA != 6 || droppedB != 0 {
		t.Fatalf("a: total %d dropped %d kept %d; b: total %d dropped %d kept %d; want the 6 oldest, all a's, dropped",
			totalA, droppedA, len(listA), totalB, droppedB, len(listB))
	}
	if listA[0].ID != 7 || listB[0].ID != 1 {
		t.Errorf("a starts at %d, b at %d; want 7 and 1", listA[0].ID, listB[0].ID)
	}
	b.clear()
	for i := range 8 {
		rec(a, 8+i)
	}
	if seq, _, dropped := a.list(journalFilter{}); len(entries(t, seq)) != 10 || dropped != 6 {
		t.Errorf("after b was cleared a keeps %d entries (dropped %d), want the budget's 10", len(entries(t, seq)), dropped)
	}
	if len(budget.queue)-budget.head > 64 {
		t.Errorf("the budget's queue holds %d records for 10 live ones", len(budget.queue)-budget.head)
	}
}

// TestJournalCountsEveryStoredByte: a record's size covers every field of its entry, the ones
// added to JournalEntry later included (their bytes are in the encoded document it counts).
func TestJournalCountsEveryStoredByte(t *testing.T) {
	var e JournalEntry
	var tr explain.Trace // the explanation is stored as the trace's steps and worded when read
	tr.Record(&explain.Step{Check: world.Checks()[0], Verdict: explain.Fail, S: [4]string{"s\"\\\n\x01é"}, N: [4]int64{1}})
	tr.Status, tr.Answer = 401, "You must be logged in to do this."
	v := reflect.ValueOf(&e).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(strings.Repeat("s\"\\\n\x01é\u2028\xff", 10))
		case reflect.Int, reflect.Int64:
			f.SetInt(123456)
		case reflect.Float64:
			f.SetFloat(1.5e-7)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Slice:
			if f.Type() == reflect.TypeFor[json.RawMessage]() {
				f.SetBytes([]byte(`"` + strings.Repeat("r", 100) + `"`))
			}
		case reflect.Struct:
			if f.Type() == reflect.TypeFor[time.Time]() {
				f.Set(reflect.ValueOf(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)))
			}
		case reflect.Pointer:
			if f.Type() == reflect.TypeFor[*explain.Explanation]() {
				f.Set(reflect.ValueOf(tr.Explain()))
			}
		default:
			t.Fatalf("field %s of kind %s: extend this test to fill it", v.Type().Field(i).Name, f.Kind())
		}
	}
	rec := &journalRecord{id: e.ID, method: e.Method, path: e.Path, user: e.User, doc: entryDoc(e), trace: tr, traced: true}
	whole, _ := encode(e)
	if rec.size() < int64(len(whole)) {
		t.Errorf("a record counts %d bytes for an entry of %d", rec.size(), len(whole))
	}
	if got := string(rec.entryJSON()); got != string(whole) {
		t.Errorf("the stored entry reads back as\n%s\nwant\n%s", got, whole)
	}
}

func TestJournalFilter(t *testing.T) {
	method, path, status := "POST", "/api/v1/rooms.banUser", 400
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
	rec := &journalRecord{method: method, path: path, status: status}
	for _, c := range cases {
		if got := c.f.match(rec); got != c.want {
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

// FuzzEntryDoc holds the hand-written entry encoding to encoding/json's.
func FuzzEntryDoc(f *testing.F) {
	f.Add("POST", "/api/v1/login", "a=b", 200, 0.25, false, int64(0))
	f.Add("GET", "/api/v1/\u2028\xff\"\\", "\x00\t", 599, 1.5e-7, true, int64(1e18))
	f.Add("", "", "", 0, 0.0, false, int64(-1))
	f.Fuzz(func(t *testing.T, method, path, query string, status int, ms float64, truncated bool, nanos int64) {
		if math.IsNaN(ms) || math.IsInf(ms, 0) {
			return // a duration is always finite
		}
		e := JournalEntry{Time: time.Unix(0, nanos).UTC(), Method: method, Path: path, Query: query, Status: status,
			DurationMs: ms, Truncated: truncated, RequestBody: json.RawMessage(`{"a":1}`)}
		if y := e.Time.Year(); y < 0 || y > 9999 {
			return // encoding/json refuses such times; the journal's come from time.Now
		}
		want, err := encode(e)
		if err != nil {
			t.Fatal(err)
		}
		if got := (&journalRecord{doc: entryDoc(e)}).entryJSON(); string(got) != string(want) {
			t.Fatalf("entryDoc writes\n%s\nencoding/json\n%s", got, want)
		}
	})
}
