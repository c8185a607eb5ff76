package mockserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rcinvite/rcinvite/mockserver/internal/largejson"
	"github.com/rcinvite/rcinvite/mockserver/world"
	"github.com/rcinvite/rcinvite/spec"
)

// controlBodyLimit bounds control request bodies (an exported world state is the largest).
const controlBodyLimit = 32 << 20

// controlError is the control API's error body.
type controlError struct {
	Success   bool   `json:"success"`
	Error     string `json:"error"`
	ErrorType string `json:"errorType"`
}

// answer is what a control operation returns: a status and a body to encode, or a large body
// already built and checked against the contract (largeAnswer) with the slot it was built in
// (release, once written).
type answer struct {
	status  int
	body    any
	large   *largejson.Buffer
	release func()
}

func ok(v any) answer { return answer{status: http.StatusOK, body: v} }

func fail(status int, code, format string, args ...any) answer {
	return answer{status: status, body: controlError{Error: fmt.Sprintf(format, args...), ErrorType: code}}
}

func invalidParams(format string, args ...any) answer {
	return fail(http.StatusBadRequest, "error-invalid-params", format, args...)
}

// invalidControlRequest answers a control request off spec/mock-control.yaml: each problem
// with what the contract accepts there (the keys, the shapes, the values), so that a typo such
// as {"advnce":"1h"} is answered with the keys that exist.
func (s *Server) invalidControlRequest(err error) answer {
	var ve *spec.ValidationError
	if !errors.As(err, &ve) {
		return invalidParams("%v", err)
	}
	msg := ve.Error()
	for _, p := range ve.Problems {
		if hint := s.control.Accepts(ve, p); hint != "" && !strings.Contains(msg, hint) {
			msg += "; " + hint
		}
	}
	return invalidParams("%s", msg)
}

var success = map[string]bool{"success": true}

// controlCall is one control request after access, routing and validation.
type controlCall struct {
	r     *http.Request
	route *spec.Route
	body  []byte
	sb    *sandbox // the world the call acts on (sandbox query parameter; nil for sandbox-level calls)
}

// controlOps maps the operationIds of spec/mock-control.yaml to their implementations.
// worldScoped operations take the sandbox query parameter.
var controlOps = map[string]struct {
	worldScoped bool
	run         func(*Server, *controlCall) answer
}{
	"reset":         {true, (*Server).reset},
	"getClock":      {true, (*Server).getClock},
	"setClock":      {true, (*Server).setClock},
	"listSandboxes": {false, (*Server).listSandboxes},
	"createSandbox": {false, (*Server).createSandbox},
	"putSandbox":    {false, (*Server).putSandbox},
	"deleteSandbox": {false, (*Server).deleteSandbox},
	"getSettings":   {true, (*Server).getSettings},
	"setSettings":   {true, (*Server).setSettings},
	"exportState":   {true, (*Server).exportState},
	"importState":   {true, (*Server).importState},
	"listRequests":  {true, (*Server).listRequests},
	"clearRequests": {true, (*Server).clearRequests},
	"listWorlds":    {false, (*Server).listWorlds}, // overview.go
	"getWorld":      {true, (*Server).getWorld},
}

// controlTakesBody reports, per operationId of spec/mock-control.yaml, whether the operation
// has a request body in the contract.
var controlTakesBody = sync.OnceValue(func() map[string]bool {
	takes := map[string]bool{}
	for _, item := range spec.Control().Document().Paths.Map() {
		for _, op := range item.Operations() {
			takes[op.OperationID] = op.RequestBody != nil && op.RequestBody.Value != nil
		}
	}
	return takes
})

// serveControl answers a /_mock/ request that passed checkAccess, and returns the sandbox it
// concerned (its sandbox query parameter, or the {id} of /_mock/sandboxes/{id}). Order:
//
//  1. Access (checkAccess, the gate of every /_mock/ path): loopback or allowed Host, no
//     cross-site request, then the control token when the server has one (401, or 429 after
//     too many wrong ones) or else a loopback client (403).
//  2. Route in spec/mock-control.yaml: unknown path 404 error-not-found, other method 405
//     error-method-not-allowed.
//  3. Body: operations without a request body in the contract (reset and every GET and DELETE)
//     ignore any body sent, unread, as Rocket.Chat-style servers do; the others read at most
//     32 MiB (413 error-too-large) of JSON when present, whatever its Content-Type (400
//     error-invalid-params). importState decodes its body as a stream in step 6 instead (a
//     state may be tens of MB): it checks the same things there.
//  4. Query and body validated against the contract (400 error-invalid-params naming the field).
//  5. The sandbox query parameter picks the world (404 error-sandbox-not-found).
//  6. The operation runs.
//  7. The answer is validated against the contract; off-contract it becomes 500
//     error-contract-violation in strict mode and a warning otherwise.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) string {
	sandboxID := r.URL.Query().Get("sandbox")
	route, err := s.control.FindRoute(r)
	switch {
	case errors.Is(err, spec.ErrMethodNotAllowed):
		a := fail(http.StatusMethodNotAllowed, "error-method-not-allowed", "%s is not allowed on %s", r.Method, r.URL.Path)
		writeJSON(w, a.status, a.body)
		return sandboxID
	case err != nil:
		a := fail(http.StatusNotFound, "error-not-found", "no control operation at %s", r.URL.Path)
		writeJSON(w, a.status, a.body)
		return sandboxID
	}
	a := s.runControl(r, route, sandboxID)
	if a.release != nil {
		defer a.release()
	}
	s.writeControl(w, r, a)
	if id := route.PathParams["id"]; id != "" { // PUT and DELETE /_mock/sandboxes/{id}
		return id
	}
	return sandboxID
}

// runControl performs steps 3 to 6 of serveControl.
func (s *Server) runControl(r *http.Request, route *spec.Route, sandboxID string) answer {
	var body []byte
	r = r.Clone(r.Context())
	switch {
	case route.OperationID == "importState":
		// Its body is streamed to importState; the rest of the request is validated with a
		// stand-in body the State schema (any object) accepts.
		r.Body = http.MaxBytesReader(nil, r.Body, controlBodyLimit)
		r2 := r.Clone(r.Context())
		r2.Header.Set("Content-Type", "application/json")
		r2.Body, r2.ContentLength = io.NopCloser(strings.NewReader("{}")), 2
		if err := s.control.ValidateRequest(r2); err != nil {
			return s.invalidControlRequest(err)
		}
	case controlTakesBody()[route.OperationID]:
		var err error
		body, err = io.ReadAll(http.MaxBytesReader(nil, r.Body, controlBodyLimit))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return fail(http.StatusRequestEntityTooLarge, "error-too-large", "body larger than %d bytes", controlBodyLimit)
			}
			return invalidParams("read body: %v", err)
		}
		if len(bytes.TrimSpace(body)) > 0 && !json.Valid(body) {
			return invalidParams("body is not valid JSON")
		}
		// The control API reads JSON whatever the Content-Type says (curl -d sends a form type).
		r.Header.Set("Content-Type", "application/json")
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := s.control.ValidateRequest(r); err != nil {
			return s.invalidControlRequest(err)
		}
	default:
		// The body is ignored: the operation sees none. net/http drains or drops it afterwards.
		r.Body, r.ContentLength = http.NoBody, 0
		r.Header.Del("Content-Type")
		r.Header.Del("Content-Length")
		r.Header.Del("Transfer-Encoding")
		r.TransferEncoding = nil
		if err := s.control.ValidateRequest(r); err != nil {
			return s.invalidControlRequest(err)
		}
	}
	op, known := controlOps[route.OperationID]
	if !known {
		return fail(http.StatusNotFound, "error-not-found", "no control operation at %s", r.URL.Path)
	}
	call := &controlCall{r: r, route: route, body: body}
	if op.worldScoped {
		sb, found := s.lookup(sandboxID)
		if !found {
			return answer{status: http.StatusNotFound, body: sandboxNotFound(sandboxID)}
		}
		call.sb = sb
	}
	return op.run(s, call)
}

// writeControl encodes a, checks it against the contract (step 7) and writes it.
func (s *Server) writeControl(w http.ResponseWriter, r *http.Request, a answer) {
	if a.status == statusClientClosed {
		w.WriteHeader(statusClientClosed)
		return
	}
	if a.large != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = a.large.WriteTo(w)
		return
	}
	body, err := encode(a.body)
	if err != nil {
		a = fail(http.StatusInternalServerError, "error-contract-violation", "contract violation: encode answer: %v", err)
		body, _ = encode(a.body)
	}
	header := http.Header{"Content-Type": {"application/json"}}
	if err := s.control.ValidateResponse(r, a.status, header, body); err != nil {
		if s.cfg.strict {
			writeJSON(w, http.StatusInternalServerError, controlError{
				Error:     "contract violation: " + err.Error(),
				ErrorType: "error-contract-violation",
			})
			return
		}
		s.log.Warn("control answer breaks spec/mock-control.yaml", slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	writeBody(w, a.status, body)
}

// isLoopback reports whether a RemoteAddr ("ip:port") is a loopback address. Forwarding
// headers are deliberately ignored: any client can write them.
func isLoopback(remoteAddr string) bool {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return false
	}
	return ap.Addr().Unmap().IsLoopback()
}

// reset puts a world back to its fixtures and its clock to real time (the world keeps its
// emulated version, a setting), and clears its journal.
func (s *Server) reset(c *controlCall) answer {
	// Resume first: the world stamps fixture invites relative to its clock as it reloads them.
	c.sb.world.Clock().Resume()
	if err := c.sb.world.Reset(); err != nil {
		return fail(http.StatusInternalServerError, "error-invalid-state", "reset: %v", err)
	}
	c.sb.journal.clear()
	releaseLargeHeap()
	return s.saved(c.r, c.sb.saved.Load(), ok(success))
}

// largeHeap is the live heap above which a reset hands memory back to the OS: resetting a
// world of many imported invites leaves most of the heap garbage. [inferred]
const largeHeap = 16 << 20

// releaseLargeHeap returns freed memory to the OS when the live heap at the last collection
// was large; test suites reset often, and a small heap is not worth a forced collection.
func releaseLargeHeap() {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > largeHeap {
		freeOSMemory()
	}
}

// freeOSMemory hands the heap's free memory back to the OS. It collects twice: encoding/json
// keeps its buffers (as large as the last document, tens of MB for a big state) in a sync.Pool,
// which only lets go of them at the second collection.
func freeOSMemory() {
	runtime.GC()
	debug.FreeOSMemory()
}

// clockAnswer is the body of GET and PUT /_mock/clock.
type clockAnswer struct {
	Now     string `json:"now"`
	Frozen  bool   `json:"frozen"`
	Offset  string `json:"offset"`
	Success bool   `json:"success"`
}

func clockOf(sb *sandbox) answer {
	st := sb.world.Clock().State()
	return ok(clockAnswer{Now: st.Now.UTC().Format(time.RFC3339Nano), Frozen: st.Frozen, Offset: st.Offset.String(), Success: true})
}

func (s *Server) getClock(c *controlCall) answer { return clockOf(c.sb) }

// earliest and latest bound the time a world's clock may show, so that every date it stamps
// stays representable in RFC 3339 and JSON. [inferred]
var (
	earliest = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	latest   = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
)

func (s *Server) setClock(c *controlCall) answer {
	var change struct {
		Freeze  *string `json:"freeze"`
		Advance *string `json:"advance"`
		Resume  *bool   `json:"resume"`
	}
	if err := json.Unmarshal(c.body, &change); err != nil {
		return invalidParams("body: %v", err)
	}
	clock := c.sb.world.Clock()
	switch {
	case change.Freeze != nil && change.Advance == nil && change.Resume == nil:
		at, err := time.Parse(time.RFC3339Nano, *change.Freeze)
		if err != nil {
			return invalidParams("freeze: not an RFC 3339 time: %q", *change.Freeze)
		}
		if at.Before(earliest) || at.After(latest) {
			return invalidParams("freeze: must lie between %s and %s", earliest.Format(time.DateOnly), latest.Format(time.DateOnly))
		}
		clock.Freeze(at)
	case change.Advance != nil && change.Freeze == nil && change.Resume == nil:
		d, err := time.ParseDuration(*change.Advance)
		if err != nil {
			return invalidParams("advance: not a Go duration (like 25h or 90m): %q", *change.Advance)
		}
		st := clock.State()
		if overflows(st.Offset, d) || st.Now.Add(d).Before(earliest) || st.Now.Add(d).After(latest) {
			return invalidParams("advance: the clock must stay between %s and %s", earliest.Format(time.DateOnly), latest.Format(time.DateOnly))
		}
		clock.Advance(d)
	case change.Resume != nil && *change.Resume && change.Freeze == nil && change.Advance == nil:
		clock.Resume()
	default:
		return invalidParams(`body: exactly one of {"freeze":"<RFC 3339>"}, {"advance":"<duration>"}, {"resume":true}`)
	}
	return clockOf(c.sb)
}

// overflows reports whether offset+d leaves the range of time.Duration.
func overflows(offset, d time.Duration) bool {
	return (d > 0 && offset > math.MaxInt64-d) || (d < 0 && offset < math.MinInt64-d)
}

// versionError answers a failure to emulate version: world's error-invalid-version becomes 400.
func versionError(err error, version string) answer {
	var we *world.Error
	if errors.As(err, &we) && we.Code == "error-invalid-version" {
		return fail(http.StatusBadRequest, "error-invalid-version", "cannot emulate Rocket.Chat %s", version)
	}
	return fail(http.StatusBadRequest, "error-invalid-state", "build world: %v", err)
}

// settingsAnswer is the body of GET and PUT /_mock/settings.
type settingsAnswer struct {
	Emulate     string            `json:"emulate"`
	Latency     string            `json:"latency"`
	RateLimiter rateLimiterAnswer `json:"rateLimiter"`
	CORS        corsAnswer        `json:"cors"`
	Success     bool              `json:"success"`
}

type rateLimiterAnswer struct {
	Enabled  bool   `json:"enabled"`
	Calls    int    `json:"calls"`
	Interval string `json:"interval"`
}

type corsAnswer struct {
	Enabled bool   `json:"enabled"`
	Origin  string `json:"origin"`
}

func settingsOf(sb *sandbox) answer {
	rs := sb.world.Settings()
	return ok(settingsAnswer{
		Emulate: sb.world.Version(), Latency: time.Duration(sb.latency.Load()).String(),
		RateLimiter: rateLimiterOf(rs), CORS: corsOf(rs), Success: true,
	})
}

func rateLimiterOf(rs world.Settings) rateLimiterAnswer {
	return rateLimiterAnswer{rs.RateLimiter.Enabled, rs.RateLimiter.Calls, rs.RateLimiter.Interval.String()}
}

func corsOf(rs world.Settings) corsAnswer { return corsAnswer{rs.CORS.Enabled, rs.CORS.Origin} }

// rocketChatSettingsChange is the rateLimiter and cors part of a settings change or a sandbox
// request; absent fields keep their value.
type rocketChatSettingsChange struct {
	RateLimiter *struct {
		Enabled  *bool   `json:"enabled"`
		Calls    *int    `json:"calls"`
		Interval *string `json:"interval"`
	} `json:"rateLimiter"`
	CORS *struct {
		Enabled *bool   `json:"enabled"`
		Origin  *string `json:"origin"`
	} `json:"cors"`
}

// apply returns cur changed by ch, or the answer refusing it.
func (ch rocketChatSettingsChange) apply(cur world.Settings) (world.Settings, answer, bool) {
	if rl := ch.RateLimiter; rl != nil {
		if rl.Enabled != nil {
			cur.RateLimiter.Enabled = *rl.Enabled
		}
		if rl.Calls != nil {
			cur.RateLimiter.Calls = *rl.Calls
		}
		if rl.Interval != nil {
			d, err := time.ParseDuration(*rl.Interval)
			if err != nil {
				return cur, invalidParams("rateLimiter.interval: not a Go duration (like 1m): %q", *rl.Interval), true
			}
			cur.RateLimiter.Interval = d
		}
	}
	if c := ch.CORS; c != nil {
		if c.Enabled != nil {
			cur.CORS.Enabled = *c.Enabled
		}
		if c.Origin != nil {
			cur.CORS.Origin = *c.Origin
		}
	}
	return cur, answer{}, false
}

func (s *Server) getSettings(c *controlCall) answer { return settingsOf(c.sb) }

func (s *Server) setSettings(c *controlCall) answer {
	var req struct {
		Emulate *string `json:"emulate"`
		Latency *string `json:"latency"`
		rocketChatSettingsChange
	}
	if err := json.Unmarshal(c.body, &req); err != nil {
		return invalidParams("body: %v", err)
	}
	// Checked first: a refused change changes nothing.
	next, a, bad := req.apply(c.sb.world.Settings())
	if bad {
		return a
	}
	if err := world.CheckSettings(next); err != nil {
		return settingsRefused(err)
	}
	latency := time.Duration(c.sb.latency.Load())
	if req.Latency != nil {
		var a answer
		var bad bool
		if latency, a, bad = parseLatency(*req.Latency); bad {
			return a
		}
	}
	if req.Emulate != nil {
		if err := c.sb.world.SetVersion(*req.Emulate); err != nil {
			return versionError(err, *req.Emulate)
		}
	}
	s.setLatency(c.sb, latency)
	if err := c.sb.world.SetSettings(next); err != nil { // checked above
		return settingsRefused(err)
	}
	return s.saved(c.r, c.sb.saved.Load(), settingsOf(c.sb))
}

// settingsRefused answers Rocket.Chat settings out of range with the world's reason.
func settingsRefused(err error) answer {
	var we *world.Error
	if errors.As(err, &we) {
		return invalidParams("%s", we.Reason)
	}
	return invalidParams("%v", err)
}

// parseLatency reads a latency setting; "" is 0s. bad reports an error answer in a.
func parseLatency(v string) (d time.Duration, a answer, bad bool) {
	if v == "" {
		return 0, answer{}, false
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, invalidParams("latency: not a Go duration (like 5ms): %q", v), true
	}
	if err := checkLatency(d); err != nil {
		return 0, invalidParams("%v", err), true
	}
	return d, answer{}, false
}

// exportState writes the world's state document by document (largeAnswer): a state of 100k
// invites is 21 MB of JSON, which checking as one document took ten times over.
func (s *Server) exportState(c *controlCall) answer {
	release, err := largejson.Acquire(c.r.Context())
	if err != nil {
		return clientGone()
	}
	snap := c.sb.world.Snapshot()
	return s.largeAnswer(c.r, release, []largejson.Field{
		{Name: "version", Value: snap.Version},
		{Name: "users", Items: largejson.Items(snap.Users.Drain())},
		{Name: "rooms", Items: largejson.Items(snap.Rooms.Drain())},
		{Name: "subscriptions", Items: largejson.Items(snap.Subscriptions.Drain())},
		{Name: "invites", Items: largejson.Items(snap.Invites.Drain())},
	})
}

// largeAnswer builds a 200 answer object with large arrays, element by element, and checks it
// against the contract as it goes (step 7): off the contract it is a 500
// error-contract-violation in strict mode and a warning otherwise.
// It is built in a slot taken with largejson.Acquire, which release gives back.
func (s *Server) largeAnswer(r *http.Request, release func(), fields []largejson.Field) answer {
	body, err := largejson.Answer{Validator: s.control, Request: r, Encode: encode, Fields: fields}.Build(s.cfg.strict)
	if err != nil {
		if s.cfg.strict {
			release()
			return fail(http.StatusInternalServerError, "error-contract-violation", "contract violation: %v", err)
		}
		s.log.Warn("control answer breaks spec/mock-control.yaml", slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	return answer{status: http.StatusOK, large: body, release: release}
}

// clientGone is the answer to a request whose client left while it waited for a large-answer
// slot: nobody reads it, so writeControl writes only nginx's 499 for the log.
func clientGone() answer { return answer{status: statusClientClosed} }

// importState decodes the body straight from the connection (at most controlBodyLimit bytes),
// document by document (decodeState), and hands the documents to the world as they are
// (ImportSnapshot): a state of 100k invites is over 20 MB of JSON, and the world then holds
// it once. After a successful import the memory the decoding and the old world held is handed
// back to the OS: this call is rare, and the process's resident size would otherwise stay at
// its peak.
func (s *Server) importState(c *controlCall) answer {
	release, err := largejson.Acquire(c.r.Context())
	if err != nil {
		return clientGone()
	}
	defer release()
	src := &readErrors{r: c.r.Body}
	body := bufio.NewReaderSize(src, 64<<10)
	if a, bad := expectObject(body, src); bad {
		return a
	}
	d := json.NewDecoder(body)
	d.DisallowUnknownFields()
	st, err := decodeState(d)
	if err != nil {
		return stateBodyError(err, src.err)
	}
	if _, err := d.Token(); err != io.EOF { // one document and nothing after it
		if err == nil {
			err = errMoreThanOneDocument
		}
		return stateBodyError(err, src.err)
	}
	err = c.sb.world.ImportSnapshot(st)
	st = world.Snapshot{}
	if err != nil {
		return fail(http.StatusBadRequest, "error-invalid-state", "%v", err)
	}
	freeOSMemory()
	return s.saved(c.r, c.sb.saved.Load(), ok(success))
}

var errMoreThanOneDocument = errors.New("more than one JSON document")

// expectObject skips leading white space of a state body and checks that an object follows,
// as the contract's State schema requires (400 error-invalid-params otherwise).
func expectObject(body *bufio.Reader, src *readErrors) (answer, bool) {
	for {
		b, err := body.ReadByte()
		switch {
		case err == io.EOF:
			return invalidParams("importState: body: required: a state exported by GET /_mock/state"), true
		case err != nil:
			return stateBodyError(err, src.err), true
		case b == ' ' || b == '\t' || b == '\n' || b == '\r':
			continue
		case b != '{':
			return invalidParams("importState: body: must be object"), true
		}
		_ = body.UnreadByte() // cannot fail right after ReadByte
		return answer{}, false
	}
}

// readErrors remembers the first error other than io.EOF its reader returned, so that a
// failure to read a body (too large, client gone) is told apart from a failure to decode it.
type readErrors struct {
	r   io.Reader
	err error
}

func (e *readErrors) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// stateBodyError answers err, met reading or decoding a state body (readErr is the body's own
// read error, if any): too large 413; unreadable or not JSON 400 error-invalid-params; JSON that
// is not a state 400 error-invalid-state.
func stateBodyError(err, readErr error) answer {
	var (
		tooLarge *http.MaxBytesError
		syntax   *json.SyntaxError
	)
	switch {
	case errors.As(readErr, &tooLarge):
		return fail(http.StatusRequestEntityTooLarge, "error-too-large", "body larger than %d bytes", controlBodyLimit)
	case readErr != nil:
		return invalidParams("read body: %v", readErr)
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return invalidParams("body is not valid JSON")
	case errors.Is(err, errMoreThanOneDocument):
		return invalidParams("body is not valid JSON: %v", err)
	default:
		return fail(http.StatusBadRequest, "error-invalid-state", "state: %v", err)
	}
}

func (s *Server) listRequests(c *controlCall) answer {
	q := c.r.URL.Query()
	f := journalFilter{path: q.Get("path"), method: q.Get("method"), user: q.Get("user")}
	f.status, _ = strconv.Atoi(q.Get("status")) // validated as an integer by step 4
	f.after, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	f.limit, _ = strconv.Atoi(q.Get("limit"))
	release, err := largejson.Acquire(c.r.Context())
	if err != nil {
		return clientGone()
	}
	entries, total, dropped := c.sb.journal.list(f)
	return s.largeAnswer(c.r, release, []largejson.Field{
		{Name: "requests", Items: entries},
		{Name: "total", Value: total},
		{Name: "dropped", Value: dropped},
		{Name: "success", Value: true},
	})
}

func (s *Server) clearRequests(c *controlCall) answer {
	c.sb.journal.clear()
	return ok(success)
}
