package mockserver

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/rcinvite/rcinvite/mockserver/explain"
	"github.com/rcinvite/rcinvite/spec"
)

// journalBodyLimit is the most of a request or response body a journal entry keeps.
const journalBodyLimit = 64 << 10

// JournalEntry is one Rocket.Chat API request a world answered, as GET /_mock/requests lists it.
type JournalEntry struct {
	// ID is the entry's sequence number in its world's journal, from 1.
	ID int64 `json:"id"`
	// Time is when the request arrived, by the wall clock (not the world's clock).
	Time time.Time `json:"time"`
	// Method is the HTTP method.
	Method string `json:"method"`
	// Path is the request path without any /sandboxes/{id} prefix.
	Path string `json:"path"`
	// Query is the raw query string, without "?".
	Query string `json:"query"`
	// Status is the HTTP status of the answer.
	Status int `json:"status"`
	// DurationMs is the time to answer, latency included, in milliseconds.
	DurationMs float64 `json:"durationMs"`
	// RequestBody is the request body as JSON, or a JSON string when it was not JSON; nil when empty.
	RequestBody json.RawMessage `json:"requestBody,omitempty"`
	// ResponseBody is the answer's body, in the same form as RequestBody.
	ResponseBody json.RawMessage `json:"responseBody,omitempty"`
	// Truncated is true when a body was longer than 64 KiB and was cut.
	Truncated bool `json:"truncated,omitempty"`
	// User is the caller: the authenticated X-User-Id, or the user who logged in; "" when none.
	User string `json:"user,omitempty"`
	// Explain is why the world answered as it did: the checks in the order they ran.
	Explain *explain.Explanation `json:"explain,omitempty"`
}

// rawBodies are the bodies of one exchange as captured, at most journalBodyLimit bytes each.
// The journal keeps them as they are and redacts them only when it is read (see spec.RedactBody),
// so that answering a request never parses its bodies.
type rawBodies struct {
	request, response       []byte
	requestCut, responseCut bool // the body was longer and was cut
}

// journalRecord is one entry of the ring: the entry without its bodies, and the raw bodies.
type journalRecord struct {
	entry  JournalEntry
	bodies rawBodies
	trace  explain.Trace // a copy of the answer's explanation, worded only when the journal is read
	traced bool          // trace holds one (benchmarks can turn explanations off)
}

// journal is a world's bounded ring of answered requests. Its mutex guards only the ring and
// is never held while a request is served, nor while bodies are redacted.
type journal struct {
	mu      sync.Mutex
	ring    []journalRecord // len == capacity once full; oldest at next
	next    int             // where the next entry goes once the ring is full
	total   int64           // entries recorded since the last clear
	gen     int64           // clears so far: ids start again from 1 after each
	maxSize int
}

func newJournal(size int) *journal {
	return &journal{maxSize: size}
}

// record adds e with its bodies b, giving it the next sequence number and pushing out the
// oldest entry when full. The bodies are copied (the callers' buffers may be reused) and kept
// raw; e's body fields are ignored and Truncated is set from b.
func (j *journal) record(e JournalEntry, b rawBodies, tr *explain.Trace) {
	e.RequestBody, e.ResponseBody, e.Explain = nil, nil, nil
	e.Truncated = b.requestCut || b.responseCut
	b.request, b.response = clip(b.request), clip(b.response)
	rec := journalRecord{entry: e, bodies: b}
	if tr != nil {
		rec.trace, rec.traced = *tr, true
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.total++
	rec.entry.ID = j.total
	if len(j.ring) < j.maxSize {
		j.ring = append(j.ring, rec)
		return
	}
	j.ring[j.next] = rec
	j.next = (j.next + 1) % j.maxSize
}

// clear forgets every entry and sets the counters back to zero.
func (j *journal) clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.ring, j.next, j.total = nil, 0, 0
	j.gen++
}

// clip returns a copy of at most journalBodyLimit bytes of b, or nil when b is empty.
func clip(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return bytes.Clone(b[:min(len(b), journalBodyLimit)])
}

// list returns the entries f matches, oldest first, with their bodies redacted, the total
// recorded and the number pushed out of the ring since the last clear.
func (j *journal) list(f journalFilter) (entries []JournalEntry, total, dropped int64) {
	var matched []journalRecord
	j.mu.Lock()
	for i := range j.ring {
		rec := j.ring[(j.next+i)%len(j.ring)]
		if f.match(&rec.entry) {
			matched = append(matched, rec)
		}
	}
	total, dropped = j.total, j.total-int64(len(j.ring))
	j.mu.Unlock()
	if f.limit > 0 && len(matched) > f.limit {
		matched = matched[len(matched)-f.limit:]
	}
	// Recorded bodies are never changed, so they are redacted outside the lock.
	entries = make([]JournalEntry, len(matched))
	for i, rec := range matched {
		entries[i] = rec.shown()
	}
	return entries, total, dropped
}

// shown is the entry as GET /_mock/requests shows it: bodies redacted, explanation worded.
func (rec journalRecord) shown() JournalEntry {
	e := rec.entry
	e.RequestBody = spec.RedactBody(rec.bodies.request, rec.bodies.requestCut)
	e.ResponseBody = spec.RedactBody(rec.bodies.response, rec.bodies.responseCut)
	if rec.traced {
		e.Explain = rec.trace.Explain()
	}
	return e
}

// journalFilter selects journal entries; zero fields match everything.
type journalFilter struct {
	path   string // exact, or a prefix when it ends in "*"
	method string // any case
	status int
	user   string // the caller's user id, exactly
	after  int64  // entries with a greater id only
	limit  int    // the most recent matches only
}

func (f journalFilter) match(e *JournalEntry) bool {
	switch {
	case f.method != "" && !strings.EqualFold(f.method, e.Method):
		return false
	case f.status != 0 && f.status != e.Status:
		return false
	case f.user != "" && f.user != e.User, f.after > 0 && e.ID <= f.after:
		return false
	case f.path == "":
		return true
	case strings.HasSuffix(f.path, "*"):
		return strings.HasPrefix(e.Path, strings.TrimSuffix(f.path, "*"))
	default:
		return f.path == e.Path
	}
}
