package mockserver

import (
	"encoding/json"
	"iter"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rcinvite/rcinvite/mockserver/explain"
	"github.com/rcinvite/rcinvite/spec"
)

// journalBodyLimit is the most of a request or response body a journal entry keeps.
const journalBodyLimit = 64 << 10

// DefaultJournalBudget is the bytes all journals of a server hold together unless
// WithJournalBudget says otherwise: beyond it the oldest entries, whatever their world, go.
const DefaultJournalBudget = 64 << 20

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
	// Query is the raw query string, without "?", secret parameters redacted.
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
type rawBodies struct {
	request, response       []byte
	requestCut, responseCut bool   // the body was longer and was cut
	requestType             string // the request's Content-Type, which decides how its body is read
}

// journalRecord is one stored entry: the entry as GET /_mock/requests shows it, encoded once
// when recorded (bodies redacted), its explanation's steps (worded only when read), plus what
// the filters look at.
type journalRecord struct {
	j      *journal // the world's journal it belongs to
	id     int64
	method string
	path   string
	status int
	user   string
	doc    []byte        // the entry's JSON without its id and explanation (entryDoc)
	trace  explain.Trace // a copy of the answer's steps
	traced bool          // trace holds them (benchmarks can turn explanations off)
	gone   bool          // evicted or cleared: the budget's queue skips it (budget.mu)
}

// recordOverhead is what a record costs besides its strings and document: the struct, its
// place in two queues, slice and string headers. [inferred: measured order of magnitude]
const recordOverhead = 160

// size is every byte a record holds, counted in one place: the document holds every field of
// the entry but its explanation (a field added to JournalEntry is counted with it), the trace
// the explanation's steps, the rest is the filters' copy of method, path and user.
func (rec *journalRecord) size() int64 {
	return int64(len(rec.doc)+len(rec.method)+len(rec.path)+len(rec.user)+rec.trace.Size()) + recordOverhead
}

// journalBudget is the memory budget all journals of a server share: one byte count and one
// queue of every world's records, oldest first, so that the oldest entry goes first whatever
// its world. Its mutex guards every journal's ring too, and is never held while a request is
// served, nor while bodies are redacted or encoded.
type journalBudget struct {
	mu    sync.Mutex
	limit int64
	used  int64
	queue []*journalRecord // oldest at head; gone records stay until they reach the head
	head  int
	gone  int // gone records in queue[head:]
}

func newJournalBudget(limit int64) *journalBudget { return &journalBudget{limit: limit} }

// add queues rec and evicts the oldest records of any world while the journals hold more than
// the limit. Callers hold b.mu.
func (b *journalBudget) add(rec *journalRecord) {
	b.queue = append(b.queue, rec)
	b.used += rec.size()
	for b.used > b.limit && b.head < len(b.queue) {
		old := b.queue[b.head]
		b.queue[b.head] = nil
		b.head++
		if old.gone {
			b.gone--
			continue
		}
		old.gone = true
		b.used -= old.size()
		old.j.popOldest() // the oldest of any world is the oldest of its own
	}
	b.compact()
}

// forget takes a record that left its journal out of the count; it stays queued until it
// reaches the head or a compaction. Callers hold b.mu.
func (b *journalBudget) forget(rec *journalRecord) {
	rec.gone = true
	b.used -= rec.size()
	b.gone++
}

// compact drops the queue's consumed head and, when most of the rest is gone, the gone records.
// Callers hold b.mu.
func (b *journalBudget) compact() {
	live := len(b.queue) - b.head - b.gone
	if b.head < 1024 && (b.gone < 1024 || b.gone < live) {
		return
	}
	kept := b.queue[:0]
	for _, rec := range b.queue[b.head:] {
		if !rec.gone {
			kept = append(kept, rec)
		}
	}
	clear(b.queue[len(kept):])
	b.queue, b.head, b.gone = kept, 0, 0
}

// journal is a world's bounded list of answered requests: at most maxSize entries, and within
// the budget it shares with the other worlds.
type journal struct {
	budget  *journalBudget
	maxSize int

	// Guarded by budget.mu:
	ring    []*journalRecord // oldest first, from head
	head    int
	total   int64 // entries recorded since the last clear
	dropped int64 // entries pushed out since the last clear (by maxSize or the budget)
	gen     int64 // clears so far: ids start again from 1 after each
}

func newJournal(size int, budget *journalBudget) *journal {
	return &journal{maxSize: size, budget: budget}
}

// record stores e with its bodies b and the steps of its answer tr (nil: none), giving it the
// next sequence number: the bodies are redacted and the entry encoded before the lock is
// taken. e's body fields and Explain are ignored and Truncated is set from b. The oldest entry
// goes when the world holds maxSize, and the oldest of any world while the budget is exceeded.
func (j *journal) record(e JournalEntry, b rawBodies, tr *explain.Trace) {
	e.Query = spec.RedactQuery(e.Query, e.Path)
	e.RequestBody = spec.RedactBody(clip(b.request), b.requestCut, b.requestType, e.Path)
	e.ResponseBody = spec.RedactBody(clip(b.response), b.responseCut, "application/json", e.Path)
	e.Truncated = b.requestCut || b.responseCut
	e.Explain = nil
	rec := &journalRecord{j: j, method: e.Method, path: e.Path, status: e.Status, user: e.User, doc: entryDoc(e)}
	if tr != nil {
		rec.trace, rec.traced = *tr, true
	}
	j.budget.mu.Lock()
	defer j.budget.mu.Unlock()
	j.total++
	rec.id = j.total
	j.ring = append(j.ring, rec)
	if len(j.ring)-j.head > j.maxSize {
		j.budget.forget(j.popOldest())
	}
	j.budget.add(rec)
}

// popOldest takes the world's oldest entry off its ring and counts it dropped; the caller
// settles it with the budget. Callers hold budget.mu.
func (j *journal) popOldest() *journalRecord {
	rec := j.ring[j.head]
	j.ring[j.head] = nil
	j.head++
	j.dropped++
	if j.head > len(j.ring)/2 && j.head > 64 {
		n := copy(j.ring, j.ring[j.head:])
		clear(j.ring[n:])
		j.ring, j.head = j.ring[:n], 0
	}
	return rec
}

// clear forgets every entry and sets the counters back to zero; the budget gets their bytes back.
func (j *journal) clear() {
	j.budget.mu.Lock()
	defer j.budget.mu.Unlock()
	for _, rec := range j.ring[j.head:] {
		j.budget.forget(rec)
	}
	j.ring, j.head, j.total, j.dropped = nil, 0, 0, 0
	j.gen++
	j.budget.compact()
}

// clip returns at most journalBodyLimit bytes of b.
func clip(b []byte) []byte { return b[:min(len(b), journalBodyLimit)] }

// entryDoc is e's JSON without its id (the id is given under the lock, after encoding) and
// without its explanation (worded when read, see entryJSON): what encode(e) writes after
// `{"id":…,` for an entry without Explain, written by hand because every answered request records
// an entry, and encoding/json took as long as the rest of the journal. The bodies must be
// compact JSON (spec.RedactBody's). TestJournalCountsEveryStoredByte holds it to encode(e), so a
// field added to JournalEntry must be written here, and is then counted in the budget.
func entryDoc(e JournalEntry) []byte {
	doc := make([]byte, 0, 160+len(e.Path)+len(e.Query)+len(e.RequestBody)+len(e.ResponseBody))
	doc = append(doc, `"time":`...)
	doc = e.Time.AppendFormat(append(doc, '"'), time.RFC3339Nano)
	doc = append(doc, `","method":`...)
	doc = appendJSONString(doc, e.Method)
	doc = append(doc, `,"path":`...)
	doc = appendJSONString(doc, e.Path)
	doc = append(doc, `,"query":`...)
	doc = appendJSONString(doc, e.Query)
	doc = append(doc, `,"status":`...)
	doc = strconv.AppendInt(doc, int64(e.Status), 10)
	doc = append(doc, `,"durationMs":`...)
	doc = appendJSONFloat(doc, e.DurationMs)
	if len(e.RequestBody) > 0 {
		doc = append(append(doc, `,"requestBody":`...), e.RequestBody...)
	}
	if len(e.ResponseBody) > 0 {
		doc = append(append(doc, `,"responseBody":`...), e.ResponseBody...)
	}
	if e.Truncated {
		doc = append(doc, `,"truncated":true`...)
	}
	if e.User != "" {
		doc = appendJSONString(append(doc, `,"user":`...), e.User)
	}
	return append(doc, '}')
}

// appendJSONString appends s as encoding/json writes a string without HTML escaping: quotes,
// backslashes and control characters escaped, invalid UTF-8 as U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(append(dst, s[start:i]...), `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(append(dst, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(append(dst, s[start:]...), '"')
}

// appendJSONFloat appends f as encoding/json writes a float64 (which it writes for any finite
// value; DurationMs always is).
func appendJSONFloat(dst []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' { // clean up e-09 to e-9, as encoding/json does
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// entryJSON is the entry's JSON with its id and its explanation, worded now.
func (rec *journalRecord) entryJSON() json.RawMessage {
	var explained []byte
	if rec.traced {
		explained, _ = encode(rec.trace.Explain()) // an Explanation is strings, numbers and slices: it always encodes
	}
	out := make([]byte, 0, len(rec.doc)+24+len(explained)+12)
	out = append(out, `{"id":`...)
	out = strconv.AppendInt(out, rec.id, 10)
	out = append(out, ',')
	if explained == nil {
		return append(out, rec.doc...)
	}
	out = append(out, rec.doc[:len(rec.doc)-1]...) // without its closing brace
	out = append(out, `,"explain":`...)
	out = append(out, explained...)
	return append(out, '}')
}

// list returns the entries f matches, oldest first, the total recorded and the number pushed
// out since the last clear. The entries are yielded one at a time, as their JSON (the answer
// is written out entry by entry).
func (j *journal) list(f journalFilter) (entries iter.Seq2[int, any], total, dropped int64) {
	var matched []*journalRecord
	j.budget.mu.Lock()
	for _, rec := range j.ring[j.head:] {
		if f.match(rec) {
			matched = append(matched, rec)
		}
	}
	total, dropped = j.total, j.dropped
	j.budget.mu.Unlock()
	if f.limit > 0 && len(matched) > f.limit {
		matched = matched[len(matched)-f.limit:]
	}
	// Records never change once stored, so they are read outside the lock.
	return func(yield func(int, any) bool) {
		for i, rec := range matched {
			if !yield(i, rec.entryJSON()) {
				return
			}
		}
	}, total, dropped
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

func (f journalFilter) match(rec *journalRecord) bool {
	switch {
	case f.method != "" && !strings.EqualFold(f.method, rec.method):
		return false
	case f.status != 0 && f.status != rec.status:
		return false
	case f.user != "" && f.user != rec.user, f.after > 0 && rec.id <= f.after:
		return false
	case f.path == "":
		return true
	case strings.HasSuffix(f.path, "*"):
		return strings.HasPrefix(rec.path, strings.TrimSuffix(f.path, "*"))
	default:
		return f.path == rec.path
	}
}
