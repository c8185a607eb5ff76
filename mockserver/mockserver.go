// Package mockserver composes the mock Rocket.Chat server: the default world at /api/...,
// isolated sandboxes at /sandboxes/{id}/api/..., and the control API at /_mock/... that steers
// them (reset, clock, settings, state, request journal; spec/mock-control.yaml), with the
// dashboard at /_mock/ui (mockserver/dashboard) and its event stream at /_mock/events.
//
// Each world has its own state, clock, emulated version, latency and journal; the Rocket.Chat
// rules live in mockserver/world and the REST surface in mockserver/api. Every answer a world
// gives is journaled with its explanation (mockserver/explain): the checks that decided it, as
// the rules and the pipeline recorded them. A Server is an http.Handler:
//
//	srv, err := mockserver.New(mockserver.WithStrict(true), mockserver.WithEmulate("8.3.0"))
//	if err != nil { ... }
//	http.ListenAndServe("127.0.0.1:3000", srv)
package mockserver

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rcinvite/rcinvite/fixtures"
	"github.com/rcinvite/rcinvite/mockserver/api"
	"github.com/rcinvite/rcinvite/mockserver/dashboard"
	"github.com/rcinvite/rcinvite/mockserver/explain"
	"github.com/rcinvite/rcinvite/mockserver/statefile"
	"github.com/rcinvite/rcinvite/mockserver/world"
	"github.com/rcinvite/rcinvite/spec"
)

// DefaultMaxSandboxes is how many sandboxes one server holds at once unless WithMaxSandboxes
// says otherwise. An opened sandbox costs about 1 KiB until it is first used, and about as
// much as the default world (tens of KiB, plus its journal) afterwards. [inferred]
const DefaultMaxSandboxes = 10_000

// sandboxPrefix is where sandbox worlds are served: /sandboxes/{id}/api/...
const sandboxPrefix = "/sandboxes/"

// Server is the mock Rocket.Chat: an http.Handler for the default world, the sandboxes and the
// control API. It is safe for concurrent use.
type Server struct {
	cfg     config
	log     *slog.Logger
	control *spec.Validator
	main    *sandbox         // the default world at /api/...
	store   *statefile.Store // the state file (WithStateFile), or nil: in memory only
	// emptyFixtures is the "empty" fixture set (the admins only), made once and shared.
	emptyFixtures *fixtures.Set
	// passwords hashes every world's passwords and keeps the fixture users' hashes, so that
	// opening a sandbox runs no bcrypt.
	passwords *world.Passwords

	journals      *journalBudget // the byte budget every world's journal shares
	tokenFailures *throttle      // wrong control tokens per client address (checkAccess)

	mu        sync.RWMutex // guards sandboxes and deleting; never held while a request is served
	sandboxes map[string]*sandbox
	streams   streams             // the event streams of GET /_mock/events (events.go)
	deleting  map[string]*sandbox // deleted, until the deletion is on disk (persist.go)
}

// sandbox is one world with what serves it. The default world is a sandbox with an empty id.
type sandbox struct {
	id        string
	createdAt time.Time
	world     *world.World
	api       *api.Handler
	journal   *journal
	fixtures  string                        // the fixture set it opened with: fixturesDefault or fixturesEmpty
	latency   atomic.Int64                  // time.Duration slept before each Rocket.Chat API answer
	saved     atomic.Pointer[statefile.Log] // its record in the state file, or nil
	events    watchers                      // event streams following its journal (events.go)
}

// New builds a Server. The default world starts from the fixtures (fixtures.Default() unless
// WithFixtures), emulates Rocket.Chat 8.4.0 unless WithEmulate, and journals 1000 requests per
// world unless WithJournalSize.
func New(opts ...Option) (*Server, error) {
	cfg := config{journalSize: DefaultJournalSize, maxSandboxes: DefaultMaxSandboxes, journalBudget: DefaultJournalBudget, bcryptCost: world.DefaultBcryptCost}
	for _, opt := range opts {
		if err := opt(&cfg); err != nil {
			return nil, fmt.Errorf("new mock server: %w", err)
		}
	}
	if cfg.fixtures == nil {
		cfg.fixtures = fixtures.Default()
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	var warmed sync.WaitGroup // the contracts load beside the fixture passwords' hashing
	warmed.Go(spec.Warm)
	passwords, err := world.PasswordsAt(cfg.bcryptCost)
	if err != nil {
		warmed.Wait()
		return nil, fmt.Errorf("new mock server: %w", err)
	}
	passwords.Prepare(cfg.fixtures)
	warmed.Wait()
	s := &Server{
		passwords:     passwords,
		cfg:           cfg,
		log:           cfg.logger,
		control:       spec.Control(),
		sandboxes:     map[string]*sandbox{},
		deleting:      map[string]*sandbox{},
		emptyFixtures: adminsOnly(cfg.fixtures),
		tokenFailures: newThrottle(),
		journals:      newJournalBudget(cfg.journalBudget),
	}
	main, err := s.newSandbox("", sandboxOptions{emulate: cfg.emulate, latency: cfg.latency, fixtures: fixturesDefault, settings: cfg.settings})
	if err != nil {
		return nil, fmt.Errorf("new mock server: %w", err)
	}
	s.main = main
	if err := s.openStateFile(); err != nil {
		return nil, fmt.Errorf("new mock server: %w", err)
	}
	return s, nil
}

// newSandbox builds a world with options o, its own clock, its API handler and its journal.
// An empty o.emulate keeps the world's default version.
func (s *Server) newSandbox(id string, o sandboxOptions) (*sandbox, error) {
	w, err := world.New(world.Options{Fixtures: s.fixturesNamed(o.fixtures), Clock: world.NewClock(), SiteURL: s.cfg.siteURL, Passwords: s.passwords})
	if err != nil {
		return nil, fmt.Errorf("build world: %w", err)
	}
	if o.emulate != "" {
		if err := w.SetVersion(o.emulate); err != nil {
			return nil, err
		}
	}
	sb := &sandbox{
		id:        id,
		createdAt: time.Now().UTC(),
		world:     w,
		api:       api.New(w, api.Options{Strict: s.cfg.strict, Logger: s.log}),
		journal:   newJournal(s.cfg.journalSize, s.journals),
		fixtures:  o.fixtures,
	}
	sb.latency.Store(int64(o.latency))
	if err := w.SetSettings(o.settings); err != nil {
		return nil, err
	}
	return sb, nil
}

// lookup returns the sandbox with id; the empty id is the default world.
func (s *Server) lookup(id string) (*sandbox, bool) {
	if id == "" {
		return s.main, true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	sb, ok := s.sandboxes[id]
	return sb, ok
}

// newSandboxID returns "sb-" and 10 random base32 characters (50 bits from crypto/rand).
func newSandboxID() string {
	return "sb-" + strings.ToLower(rand.Text()[:10])
}

// ServeHTTP answers a request, resolving it in this order:
//
//  1. /_mock/... passes the access gate (checkAccess: loopback or allowed Host, same origin,
//     control token or loopback client; the dashboard's page and assets need no token), then
//     /_mock/events streams a world's journal (events.go), /_mock/ui is the dashboard
//     (dashboard.go), and the rest goes to the control API (see serveControl for its own
//     order); control calls that changed something are told to the streams.
//  2. /api/... goes to the default world.
//  3. /sandboxes/{id}/api/... goes to that sandbox's world with the /sandboxes/{id} prefix
//     stripped; an unknown id answers 404 error-sandbox-not-found.
//  4. GET /livez answers 200 "OK", for health checks. [inferred]
//  5. Anything else answers 404 {"success":false,"error":"Not found"}.
//
// A world then answers in this order: the request body is captured for the journal; the
// world's latency is slept (a client that leaves meanwhile gets no answer); the world's
// Rocket.Chat API handler answers; the journal records the exchange, its bodies and query
// redacted (spec.RedactBody) before they are stored.
// Every request ends with one log line: method, path, status, duration and sandbox.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	sandboxID := s.route(rec, r, start)
	if !s.log.Enabled(r.Context(), slog.LevelInfo) {
		return // e.g. rcmock --log-level warn: no attributes built for a line nobody writes
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", rec.statusCode()),
		slog.Duration("duration", time.Since(start)),
		slog.String("sandbox", sandboxID),
	}
	if rec.why != nil && s.log.Enabled(r.Context(), slog.LevelDebug) {
		// At debug level the request line carries the answer's explanation.
		attrs = append(attrs, slog.String("explain", rec.why.Explain().Summary))
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

// route dispatches r (steps 1 to 5 of ServeHTTP) and returns the id of the sandbox it concerned.
func (s *Server) route(rec *recorder, r *http.Request, start time.Time) string {
	path := r.URL.Path
	switch {
	case strings.HasPrefix(path, "/_mock/"):
		if a, denied := s.checkAccess(r); denied {
			writeJSON(rec, a.status, a.body)
			return r.URL.Query().Get("sandbox")
		}
		return s.serveMockPlane(rec, r)
	case isAPIPath(path):
		s.serveWorld(rec, r, s.main, start)
		return ""
	case strings.HasPrefix(path, sandboxPrefix):
		id, rest, _ := strings.Cut(path[len(sandboxPrefix):], "/")
		rest = "/" + rest
		if !isAPIPath(rest) {
			writeJSON(rec, http.StatusNotFound, notFound)
			return id
		}
		sb, ok := s.lookup(id)
		if !ok || id == "" {
			writeJSON(rec, http.StatusNotFound, sandboxNotFound(id))
			return id
		}
		s.serveWorld(rec, stripPrefix(r, sandboxPrefix+id), sb, start)
		return id
	case path == "/livez" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		rec.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rec.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(rec, "OK")
		return ""
	default:
		writeJSON(rec, http.StatusNotFound, notFound)
		return ""
	}
}

// serveMockPlane answers a /_mock/ request that passed the access gate: the event stream, the
// dashboard, or the control API. It returns the sandbox the request concerned.
func (s *Server) serveMockPlane(rec *recorder, r *http.Request) string {
	switch path := r.URL.Path; {
	case path == "/_mock/events":
		return s.serveEvents(rec, r)
	case isDashboardPath(path):
		s.serveDashboard(rec, r)
		return ""
	}
	id := s.serveControl(rec, r)
	s.noteControl(r, id, rec.statusCode())
	return id
}

// isDashboardPath reports whether p is the dashboard's page or one of its assets. Only a clean
// path counts: the access gate waives the control token for the dashboard's assets, so
// "/_mock/ui/../state" must not pass for one of them.
func isDashboardPath(p string) bool {
	return (p == dashboard.Path || strings.HasPrefix(p, dashboard.Path+"/")) && path.Clean(p) == p
}

// notFound is the answer to paths the mock does not serve. [inferred]
var notFound = map[string]any{"success": false, "error": "Not found"}

func isAPIPath(p string) bool { return p == "/api" || strings.HasPrefix(p, "/api/") }

// stripPrefix returns a shallow copy of r whose URL path lacks prefix.
func stripPrefix(r *http.Request, prefix string) *http.Request {
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path = strings.TrimPrefix(r.URL.Path, prefix)
	u.RawPath = strings.TrimPrefix(r.URL.RawPath, prefix)
	r2.URL = &u
	return r2
}

// serveWorld answers a Rocket.Chat API request from sb's world and journals it with the
// explanation of its answer, which it also hands to rec for the request's log line.
func (s *Server) serveWorld(rec *recorder, r *http.Request, sb *sandbox, start time.Time) {
	reqBody, reqCut := captureRequestBody(r)
	var tr *explain.Trace
	if !s.cfg.unexplained {
		tr = &rec.trace // allocated with the recorder; the journal keeps a copy
	}
	if d := time.Duration(sb.latency.Load()); d > 0 {
		if !sleep(r, d) {
			rec.status = statusClientClosed
			return
		}
		tr.Record(&explain.Step{Check: chkLatency, Verdict: explain.Note, N: [4]int64{d.Milliseconds()}})
	}
	rec.capture = true
	sb.api.Serve(rec, r, tr)
	rec.why = tr
	sb.journal.record(JournalEntry{
		Time:       start.UTC(),
		Method:     r.Method,
		Path:       r.URL.Path,
		Query:      r.URL.RawQuery,
		Status:     rec.statusCode(),
		DurationMs: float64(time.Since(start).Microseconds()) / 1000,
		User:       tr.Caller(),
	}, rawBodies{request: reqBody, requestCut: reqCut, requestType: r.Header.Get("Content-Type"),
		response: rec.body.Bytes(), responseCut: rec.cut}, tr)
	sb.events.publish()
}

// chkLatency is the world's latency setting, waited before the answer.
var chkLatency = &explain.Check{Name: "latency", N: [4]string{"ms"},
	Text: func(s *explain.Step) string {
		return fmt.Sprintf("waited the world's latency of %d ms before answering", s.N[0])
	}}

// statusClientClosed is logged for a request whose client left before the world answered
// (nginx's convention); nothing is written. [inferred]
const statusClientClosed = 499

// sleep waits d, or less when r's client goes away; it reports whether the full d passed.
// Latency is a feature of the mock, not synchronisation.
func sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// captureRequestBody reads up to journalBodyLimit+1 bytes of r's body for the journal and puts
// them back in front of the rest, so the handler still reads the whole body (and enforces its
// own size limit). cut reports that the body is longer than the journal keeps.
//
// A body read whole (the common case) is handed on as an api.Body, whose bytes the handler
// takes as they are: the body is read and held once, for the handler and the journal.
func captureRequestBody(r *http.Request) (head []byte, cut bool) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, false
	}
	size := 512
	if n := r.ContentLength; n > 0 && n <= journalBodyLimit {
		size = int(n) + 1 // room to meet the end without growing
	}
	head = make([]byte, 0, size)
	lr := io.LimitReader(r.Body, journalBodyLimit+1)
	var err error
	for {
		if len(head) == cap(head) {
			head = append(head, 0)[:len(head)]
		}
		n, e := lr.Read(head[len(head):cap(head)])
		head = head[:len(head)+n]
		if e != nil {
			if e != io.EOF {
				err = e
			}
			break
		}
	}
	if err == nil && len(head) <= journalBodyLimit { // the whole body
		r.Body = api.NewBody(head, r.Body)
		return head, false
	}
	r.Body = readCloser{io.MultiReader(bytes.NewReader(head), errReader{err}, r.Body), r.Body}
	if len(head) > journalBodyLimit {
		return head[:journalBodyLimit], true
	}
	return head, false
}

type readCloser struct {
	io.Reader
	io.Closer
}

// errReader replays a read error met while capturing, after the captured bytes.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	return 0, io.EOF
}

// recorder remembers the status of an answer and, when capture is on, the first
// journalBodyLimit bytes of its body.
type recorder struct {
	http.ResponseWriter
	status  int
	capture bool
	body    bytes.Buffer
	cut     bool
	trace   explain.Trace  // where a world's answer records its explanation
	why     *explain.Trace // &trace once a world answered with an explanation, for the debug log line
}

func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.capture {
		room := journalBodyLimit - rec.body.Len()
		switch {
		case len(b) <= room:
			rec.body.Write(b)
		default:
			rec.body.Write(b[:max(room, 0)])
			rec.cut = true
		}
	}
	return rec.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

func (rec *recorder) statusCode() int {
	if rec.status == 0 {
		return http.StatusOK
	}
	return rec.status
}

// writeJSON writes v as a JSON answer with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := encode(v)
	if err != nil { // only the mock's own values are written here; they always marshal
		status, body = http.StatusInternalServerError, []byte(`{"success":false,"error":"encode answer"}`)
	}
	writeBody(w, status, body)
}

// encode marshals v without HTML escaping, so "<" and "&" in messages read as written.
func encode(v any) ([]byte, error) { return spec.Encode(v) }

func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func sandboxNotFound(id string) controlError {
	return controlError{Success: false, Error: fmt.Sprintf("sandbox %s not found", id), ErrorType: "error-sandbox-not-found"}
}
