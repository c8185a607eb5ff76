package mockserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// GET /_mock/events?sandbox=ID streams a world's journal as Server-Sent Events while the
// client stays: every answered request as it is journaled (event "request", its JSON as
// GET /_mock/requests shows it, id = its journal id), the control calls that changed
// something (event "control"), a journal cleared by a reset (event "cleared") and entries the
// stream could not send before the ring pushed them out (event "dropped").
//
// It costs the API nothing while no stream is open, and a slow or stalled client never slows
// it: a world's answer only wakes the streams (a non-blocking send on a one-slot channel per
// stream); each stream then reads what it has not sent yet from the journal itself, in small
// batches. A stream holds no entries of its own, so the journal's budget is the only memory
// the events use; a client that falls behind the ring is told how many entries it missed.

// Stream limits.
const (
	maxStreams      = 32               // open streams per server; more answer 429
	streamBatch     = 16               // journal entries read and written at a time
	streamKeepAlive = 15 * time.Second // a comment line, so proxies and clients see the stream alive
	streamWriteWait = 30 * time.Second // a client that takes longer to take a write is dropped
)

// watchers wakes the event streams that follow one world. The zero value is ready.
type watchers struct {
	n   atomic.Int32 // streams watching; publish returns at once when 0
	mu  sync.Mutex
	set map[chan struct{}]struct{}
}

// publish wakes every watching stream without blocking: a stream already woken stays so.
func (ws *watchers) publish() {
	if ws.n.Load() == 0 {
		return
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	for ch := range ws.set {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// watch returns a channel woken by publish, and the function that stops watching.
func (ws *watchers) watch() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	ws.mu.Lock()
	if ws.set == nil {
		ws.set = map[chan struct{}]struct{}{}
	}
	ws.set[ch] = struct{}{}
	ws.n.Add(1)
	ws.mu.Unlock()
	return ch, func() {
		ws.mu.Lock()
		delete(ws.set, ch)
		ws.n.Add(-1)
		ws.mu.Unlock()
	}
}

// controlEvent is one control call that changed something, as event "control" carries it.
type controlEvent struct {
	Seq     int64  `json:"seq"`
	Sandbox string `json:"sandbox"` // the world it concerned ("" for the default world and for sandbox-level calls)
	Method  string `json:"method"`
	Path    string `json:"path"`
	Status  int    `json:"status"`
}

// controlLog keeps the last control events for the streams, and wakes them.
type controlLog struct {
	watchers
	mu   sync.Mutex
	ring [64]controlEvent
	seq  int64
}

func (l *controlLog) add(e controlEvent) {
	l.mu.Lock()
	l.seq++
	e.Seq = l.seq
	l.ring[l.seq%int64(len(l.ring))] = e
	l.mu.Unlock()
	l.publish()
}

// since returns the events after seq that the ring still holds, oldest first.
func (l *controlLog) since(seq int64) ([]controlEvent, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []controlEvent
	for s := max(seq+1, l.seq-int64(len(l.ring))+1, 1); s <= l.seq; s++ {
		out = append(out, l.ring[s%int64(len(l.ring))])
	}
	return out, l.seq
}

// streams is the server's open event streams.
type streams struct {
	control controlLog
	open    atomic.Int32
	once    sync.Once
	done    chan struct{} // closed by EndStreams
	mu      sync.Mutex
}

// ended is closed by EndStreams.
func (st *streams) ended() chan struct{} {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.done == nil {
		st.done = make(chan struct{})
	}
	return st.done
}

// EndStreams ends every open event stream of GET /_mock/events; a stream opened afterwards
// ends right after its first line. Call it before http.Server.Shutdown (or
// httptest.Server.Close), which otherwise waits for the streams, open as long as their
// dashboards are.
func (s *Server) EndStreams() {
	done := s.streams.ended()
	s.streams.once.Do(func() { close(done) })
}

// noteControl tells the streams about a control call that changed something.
func (s *Server) noteControl(r *http.Request, sandboxID string, status int) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || status >= 300 {
		return
	}
	s.streams.control.add(controlEvent{Sandbox: sandboxID, Method: r.Method, Path: r.URL.Path, Status: status})
}

// journalView is what a stream reads from a journal at once.
type journalView struct {
	entries []journalItem // up to n entries after the cursor, oldest first, as GET /_mock/requests shows them
	oldest  int64         // the id of the oldest entry the ring holds; 0 when empty
	total   int64         // the journal's total
	gen     int64         // its clears so far
}

// journalItem is one entry for a stream: its id and its JSON.
type journalItem struct {
	id  int64
	doc json.RawMessage
}

// since reads up to n entries with ids above after. Records are picked under the lock and
// worded outside it, as list does.
func (j *journal) since(after int64, n int) journalView {
	var v journalView
	var picked []*journalRecord
	j.budget.mu.Lock()
	for i, rec := range j.ring[j.head:] {
		if i == 0 {
			v.oldest = rec.id
		}
		if rec.id > after && len(picked) < n {
			picked = append(picked, rec)
		}
	}
	v.total, v.gen = j.total, j.gen
	j.budget.mu.Unlock()
	for _, rec := range picked {
		v.entries = append(v.entries, journalItem{rec.id, rec.entryJSON()})
	}
	return v
}

// serveEvents answers GET /_mock/events (see the comment at the top of this file). The
// access gate is the control API's; the cursor is ?after=ID or the Last-Event-ID header,
// absent: only entries journaled from now on.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) string {
	sandboxID := r.URL.Query().Get("sandbox")
	if r.Method != http.MethodGet {
		a := fail(http.StatusMethodNotAllowed, "error-method-not-allowed", "%s is not allowed on %s", r.Method, r.URL.Path)
		writeJSON(w, a.status, a.body)
		return sandboxID
	}
	sb, found := s.lookup(sandboxID)
	if !found {
		writeJSON(w, http.StatusNotFound, sandboxNotFound(sandboxID))
		return sandboxID
	}
	after, err := streamCursor(r)
	if err != nil {
		a := invalidParams("%v", err)
		writeJSON(w, a.status, a.body)
		return sandboxID
	}
	if s.streams.open.Add(1) > maxStreams {
		s.streams.open.Add(-1)
		a := fail(http.StatusTooManyRequests, "error-too-many-streams", "too many event streams open (%d); close some dashboards", maxStreams)
		writeJSON(w, a.status, a.body)
		return sandboxID
	}
	defer s.streams.open.Add(-1)
	s.stream(w, r, sb, after)
	return sandboxID
}

// streamCursor reads the id after which the stream starts; -1 means "from now on".
func streamCursor(r *http.Request) (int64, error) {
	v := r.URL.Query().Get("after")
	if v == "" {
		v = r.Header.Get("Last-Event-ID")
	}
	if v == "" {
		return -1, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("after: not a journal id: %q", v)
	}
	return n, nil
}

// stream writes sb's events to w until the client goes, a write fails or EndStreams.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, sb *sandbox, after int64) {
	woken, stopWorld := sb.events.watch()
	defer stopWorld()
	controls, stopControl := s.streams.control.watch()
	defer stopControl()
	_, controlSeq := s.streams.control.since(1 << 62)
	now := sb.journal.since(1<<62, 0)
	c := cursor{after: after, gen: now.gen}
	if after < 0 {
		c.after = now.total
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass events on at once
	w.WriteHeader(http.StatusOK)
	out := &sse{w: w, rc: http.NewResponseController(w)}
	out.comment("rcmock journal stream")
	keepAlive := time.NewTicker(streamKeepAlive)
	defer keepAlive.Stop()
	done := s.streams.ended()
	for {
		// Control calls first: a reset's control event comes before the cleared journal.
		var ok bool
		if controlSeq, ok = s.sendControl(out, controlSeq); !ok {
			return
		}
		if c, ok = sendJournal(out, sb.journal, c); !ok || out.flush() != nil {
			return
		}
		select {
		case <-woken:
		case <-controls:
		case <-keepAlive.C:
			out.comment("keep-alive")
		case <-r.Context().Done():
			return
		case <-done:
			return
		}
	}
}

// cursor is where a stream is in a journal: the last id sent, in the journal's gen-th life.
type cursor struct {
	after, gen int64
}

// sendJournal writes j's entries after the cursor, batch by batch, and returns the new cursor.
func sendJournal(out *sse, j *journal, c cursor) (cursor, bool) {
	for {
		v := j.since(c.after, streamBatch)
		if v.gen != c.gen || c.after > v.total { // cleared (a reset) since: start again from its first entry
			out.event("cleared", "", map[string]int64{"total": v.total})
			c = cursor{after: 0, gen: v.gen}
			continue
		}
		if v.oldest > c.after+1 {
			out.event("dropped", "", map[string]int64{"missed": v.oldest - c.after - 1})
		}
		for _, e := range v.entries {
			out.event("request", strconv.FormatInt(e.id, 10), e.doc)
			c.after = e.id
		}
		if out.err != nil {
			return c, false
		}
		if len(v.entries) < streamBatch {
			return c, true
		}
		if out.flush() != nil {
			return c, false
		}
	}
}

// sendControl writes the control events after seq and returns the new seq.
func (s *Server) sendControl(out *sse, seq int64) (int64, bool) {
	events, last := s.streams.control.since(seq)
	for _, e := range events {
		out.event("control", "", e)
	}
	return last, out.err == nil
}

// sse writes Server-Sent Events; its first write error sticks.
type sse struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	buf bytes.Buffer
	err error
}

func (o *sse) event(name, id string, v any) {
	data, err := encode(v)
	if err != nil {
		o.err = errors.Join(o.err, err)
		return
	}
	o.buf.WriteString("event: " + name + "\n")
	if id != "" {
		o.buf.WriteString("id: " + id + "\n")
	}
	// encode writes no newline inside a document, so one data line carries it.
	o.buf.WriteString("data: ")
	o.buf.Write(data)
	o.buf.WriteString("\n\n")
}

func (o *sse) comment(text string) { o.buf.WriteString(": " + text + "\n\n") }

// flush writes what is buffered, giving the client streamWriteWait to take it.
func (o *sse) flush() error {
	if o.err != nil {
		return o.err
	}
	if o.buf.Len() == 0 {
		return nil
	}
	_ = o.rc.SetWriteDeadline(time.Now().Add(streamWriteWait)) // not every writer has deadlines (tests)
	if _, err := o.w.Write(o.buf.Bytes()); err != nil {
		o.err = err
		return err
	}
	o.buf.Reset()
	if err := o.rc.Flush(); err != nil {
		o.err = err
	}
	return o.err
}
