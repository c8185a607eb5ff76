// Package api serves the Rocket.Chat 8.4.0 REST surface of one mock world (paths beginning
// /api/): it authenticates, validates requests against spec/openapi.yaml, calls the world's
// rules, renders Rocket.Chat's answers and error envelopes, and checks its own answers against
// the contract.
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rcinvite/rcinvite/mockserver/explain"
	"github.com/rcinvite/rcinvite/mockserver/internal/largejson"
	"github.com/rcinvite/rcinvite/mockserver/world"
	"github.com/rcinvite/rcinvite/spec"
)

// MaxBodyBytes is the largest request body served; larger ones answer 413.
const MaxBodyBytes = 1 << 20

// Options configure the handler. The zero value validates against spec.Default(), logs
// contract violations without failing the request, and logs to slog.Default().
type Options struct {
	Validator *spec.Validator // nil = spec.Default()
	Strict    bool            // an off-contract answer becomes a 500 naming the violation
	Logger    *slog.Logger    // nil = slog.Default()
}

// Handler serves one world's REST routes.
type Handler struct {
	world  *world.World
	v      *spec.Validator
	strict bool
	log    *slog.Logger
}

var _ http.Handler = (*Handler)(nil)

// New returns the REST handler of w.
func New(w *world.World, o Options) *Handler {
	h := &Handler{world: w, v: o.Validator, strict: o.Strict, log: o.Logger}
	if h.v == nil {
		h.v = spec.Default()
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	return h
}

// call is one request on its way through the pipeline.
type call struct {
	r           *http.Request
	world       *world.World // the handler's world, recording into the request's trace (&handle then)
	handle      world.World
	route       *spec.Route
	userID      string // the authenticated caller ("" on unsecured routes)
	token       string
	params      []byte                     // the body params as the route's handler sees them (parseBodyParams, then Ajv); read-only
	queryParams []byte                     // the query params likewise (qs, then Ajv when the route has a query schema); read-only
	queryValues map[string]json.RawMessage // queryParams decoded on first use
}

// decodeFailure is what decode panics with when the body params do not fit the handler's
// input: runOperation recovers it and answers invalid-params, so a value the handler cannot
// represent never reaches a rule as a zero value, and the rule never runs on it.
type decodeFailure struct{ err error }

// decode reads the (already validated) body params into dst. A body the handler's type cannot
// hold (a number too large for an int, an array where it wants an object…) ends the operation
// before the rule runs: see decodeFailure. Handlers declare JavaScript numbers as float64
// where Rocket.Chat accepts any number, so that every value Ajv accepts fits.
func (c *call) decode(dst any) {
	if len(c.params) == 0 || c.params[0] == '[' {
		return // destructuring an array body gives undefined fields, as in JavaScript
	}
	if err := json.Unmarshal(c.params, dst); err != nil {
		panic(decodeFailure{err})
	}
}

// decodeToken is decode of {"token": string}, the body of the two busiest calls
// (validateInviteToken, useInviteToken), without encoding/json when the params are exactly
// that object holding a plain ASCII string, as the validator hands them on: the same value,
// without reflection or allocations but the string's. Anything else goes through decode.
func (c *call) decodeToken() string {
	if s, ok := plainStringField(c.params, `{"token":"`); ok {
		return s
	}
	var b tokenBody
	c.decode(&b)
	return b.Token
}

// plainStringField returns the string of params when params is exactly prefix (`{"key":"`),
// then printable ASCII without quotes or backslashes, then `"}`: where json.Unmarshal would
// read those bytes as they are.
func plainStringField(params []byte, prefix string) (string, bool) {
	rest, ok := bytes.CutPrefix(params, []byte(prefix))
	if !ok || len(rest) < 2 || string(rest[len(rest)-2:]) != `"}` {
		return "", false
	}
	v := rest[:len(rest)-2]
	for _, ch := range v {
		if ch == '"' || ch == '\\' || ch < 0x20 || ch >= utf8.RuneSelf {
			return "", false
		}
	}
	return string(v), true
}

// ServeHTTP answers one request, in this order:
//  0. CORS (cors.ts) and OPTIONS (the router's options('*') answers "OK").
//  1. Route lookup against the contract: an unknown path or method answers the Hono router's
//     404 text "404 Not Found" [likely].
//  2. Authentication for secured operations (X-User-Id + X-Auth-Token): 401 with the exact
//     "You must be logged in to do this." body, before any body handling.
//  3. The body is read up to MaxBodyBytes: larger answers 413 error-payload-too-large.
//  4. The query and body are read and validated as the route does (spec CheckRequest: qs,
//     parseBodyParams, Rocket.Chat's Ajv schemas with coerceTypes; the coerced values are what
//     the rule decodes): 400 invalid-params / error-invalid-params with Ajv's messages joined
//     by "\n " (" [invalid-params]" after them on validateParams routes).
//  5. The operation's rule runs in the world; a *world.Error is rendered into Rocket.Chat's
//     envelope (render.go), in one place. With a recorder (a state file) the answer waits
//     until every change the world made so far, the operation's own included, is durable
//     (world.Sync); when it cannot be, 500 error-state-not-saved.
//  6. The answer is validated against the contract: in Strict mode a violation answers 500
//     error-contract-violation; otherwise it is logged and the answer sent as it is.
//
// A panic anywhere answers a 500 envelope and is logged; it is a bug, never a behaviour.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.Serve(w, r, nil) }

// Serve answers r like ServeHTTP and records the steps that decided the answer, and the
// answer, into tr (nil: nowhere). The answer is the same either way.
func (h *Handler) Serve(w http.ResponseWriter, r *http.Request, tr *explain.Trace) {
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p)
			tr.Record(&explain.Step{Check: chkPanic, Verdict: explain.Fail, S: [4]string{fmt.Sprint(p)}})
			a := failure(http.StatusInternalServerError, "internal error", "error-internal")
			answered(tr, a)
			writeJSON(w, a.status, a.body)
		}
	}()
	if h.cors(w, r, tr) {
		answered(tr, reply{status: http.StatusForbidden, kind: "Forbidden"})
		return
	}
	if r.Method == http.MethodOptions {
		// The router answers every OPTIONS under its base: options('*', (c) => c.body('OK')).
		tr.Record(&explain.Step{Check: chkOptions, Verdict: explain.Note})
		answered(tr, reply{status: http.StatusOK})
		writeText(w, http.StatusOK, "OK")
		return
	}
	if _, err := h.v.FindRoute(r); err != nil {
		// No route for the path or the method: the Hono router's default not-found answer,
		// which honoAdapterForExpress sends on as it is. spec/SOURCES.md "The request pipeline" #13
		if tr != nil {
			st := h.routeStep(r)
			tr.Record(&st)
		}
		answered(tr, reply{status: http.StatusNotFound, kind: "404 Not Found"})
		writeText(w, http.StatusNotFound, "404 Not Found")
		return
	}
	a := h.answer(w, r, tr)
	answered(tr, a)
	if a.release != nil {
		defer a.release()
	}
	if a.large != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = a.large.WriteTo(w)
		return
	}
	writeJSON(w, a.status, a.body)
}

// answered records the answer's status and kind in tr.
func answered(tr *explain.Trace, a reply) {
	if tr != nil {
		tr.Status, tr.Answer = a.status, a.kind
	}
}

// corsMethods and corsHeaders are the cors middleware's Access-Control-Allow-* values.
const (
	corsMethods = "GET, POST, PUT, DELETE, HEAD, PATCH"
	corsHeaders = "Origin, X-Requested-With, Content-Type, Accept, X-User-Id, X-Auth-Token, x-visitor-token, Authorization"
)

// cors is Rocket.Chat's cors middleware (app/api/server/middlewares/cors.ts), before any route:
// with API_Enable_CORS off, or a request with neither Origin nor
// Access-Control-Request-Method, nothing; with API_CORS_Origin "*", Allow-Origin "*"; otherwise
// an Origin outside the comma-separated list (compared trimmed and lower-cased) is refused with a
// bare 403 "Forbidden" and no body, and a listed one is echoed. It reports whether it answered.
func (h *Handler) cors(w http.ResponseWriter, r *http.Request, tr *explain.Trace) bool {
	s := h.world.Settings().CORS // spec/SOURCES.md "CORS"
	if !s.Enabled {
		return false
	}
	origin := r.Header.Get("Origin")
	if r.Header.Get("Access-Control-Request-Method") == "" && origin == "" {
		return false
	}
	allow := "*"
	if s.Origin != "*" {
		listed := false
		for _, o := range strings.Split(strings.TrimSpace(s.Origin), ",") {
			if strings.EqualFold(strings.TrimSpace(o), origin) { // both lower-cased in cors.ts
				listed = true
			}
		}
		if !listed {
			tr.Record(&explain.Step{Check: chkCORS, Verdict: explain.Fail, S: [4]string{origin, s.Origin}})
			w.WriteHeader(http.StatusForbidden)
			return true
		}
		if origin != "" {
			allow = origin
		}
	}
	w.Header().Set("Access-Control-Allow-Origin", allow)
	w.Header().Set("Access-Control-Allow-Methods", corsMethods)
	w.Header().Set("Access-Control-Allow-Headers", corsHeaders)
	return false
}

// reply is a status and JSON body to send (body, or for a large answer large, with the slot it
// was built in: release, once written), and the kind of answer it is: the errorType, or a
// plain error's message; "" for a success.
type reply struct {
	status  int
	body    []byte
	kind    string
	large   *largejson.Buffer
	release func()
}

// failure is an error envelope with errorType.
func failure(status int, message, errorType string) reply {
	return reply{status: status, body: errorBody(message, errorType), kind: errorType}
}

// answer runs the pipeline and returns the reply to send.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request, tr *explain.Trace) reply {
	c, rejected := h.admit(w, r, tr)
	if rejected != nil {
		return *rejected
	}
	route := c.route
	op := operations[route.OperationID]
	if op == nil {
		h.log.Error("operation without handler", "operation", route.OperationID)
		tr.Record(&explain.Step{Check: chkHandler, Verdict: explain.Fail, S: [4]string{route.OperationID}})
		return failure(http.StatusNotImplemented, "operation not implemented: "+route.OperationID, "error-not-implemented")
	}
	var release func()
	if largeOperations[route.OperationID] {
		// At most largejson.MaxInFlight large answers are built at once, whatever their world.
		var err error
		if release, err = largejson.Acquire(r.Context()); err != nil {
			// The client left while waiting: nobody reads this; the journal notes nginx's 499.
			return failure(statusClientGone, "client went away", "error-client-gone")
		}
	}
	a := h.run(r, c, op, tr)
	a.release = release
	return a
}

// statusClientGone is nginx's 499: the client left before the answer was ready. [inferred]
const statusClientGone = 499

// largeOperations are the operations whose answers may be large (largeArray).
var largeOperations = map[string]bool{"listInvites": true}

// run performs steps 5 and 6 for operation op. When the world was rolled back meanwhile (its
// state file could not take a change, and the world was put back as the file holds it), what
// the operation saw or did is undone, so it runs once more, on that state: a read answers then;
// a write whose change still cannot be saved answers 500 error-state-not-saved.
func (h *Handler) run(r *http.Request, c *call, op operation, tr *explain.Trace) reply {
	epoch := h.world.Epoch()
	mark := tr.Mark()
	a, v := h.runOperation(op, c, tr)
	serr := h.world.SyncSince(r.Context(), epoch)
	if errors.Is(serr, world.ErrRolledBack) {
		tr.Truncate(mark) // the steps of the undone run no longer hold
		tr.Record(&explain.Step{Check: chkRolledBack, Verdict: explain.Note, S: [4]string{serr.Error()}})
		epoch = h.world.Epoch()
		a, v = h.runOperation(op, c, tr)
		serr = h.world.SyncSince(r.Context(), epoch)
	}
	if serr != nil {
		tr.Record(&explain.Step{Check: chkSaved, Verdict: explain.Fail, S: [4]string{serr.Error()}})
		return h.checked(r, failure(http.StatusInternalServerError, "state not saved: "+serr.Error(), "error-state-not-saved"), tr)
	}
	if list, ok := v.(largeArray); ok && a.status == http.StatusOK {
		return h.renderLarge(r, list, tr)
	}
	return h.checked(r, a, tr)
}

// admit runs steps 1 to 4 of ServeHTTP: the call to run, or the (checked) answer that ends the
// request before its rule.
func (h *Handler) admit(w http.ResponseWriter, r *http.Request, tr *explain.Trace) (*call, *reply) {
	refuse := func(a reply) (*call, *reply) { return nil, &a }
	route, err := h.v.FindRoute(r)
	if err != nil { // Serve has answered unrouted requests; admit is also called directly by tests
		return refuse(failure(http.StatusNotFound, "404 Not Found", "error-not-found"))
	}
	c := &call{r: r, route: route, world: h.world}
	if tr != nil {
		tr.Operation = route.OperationID
		c.handle = *h.world.Explain(tr) // a copy of the handle in c: no allocation of its own
		c.world = &c.handle
	}
	uid, token := r.Header.Get("X-User-Id"), r.Header.Get("X-Auth-Token")
	// The authentication middleware resolves credentials on every route, authRequired or not
	// (authenticationHono.ts): a public route still knows its caller, and says nothing when it
	// does not. spec/SOURCES.md info #2
	auth := h.world
	if route.Secured {
		auth = c.world
	}
	switch _, authErr := auth.Authenticate(uid, token); {
	case authErr == nil:
		c.userID, c.token = uid, token
	case route.Secured:
		return refuse(h.checked(r, renderError(authErr), tr))
	}
	if strings.HasPrefix(route.PathTemplate, "/api/v1/") { // API.default (/api/info) has no limiter
		rl := h.world.CheckRateLimit(clientAddress(r), route.Method+" "+route.PathTemplate, c.userID)
		if rl.Limited {
			w.Header().Set("X-RateLimit-Limit", strconv.Itoa(rl.Limit))
			w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(rl.Remaining))
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(rl.ResetMs, 10))
		}
		if !rl.Allowed { // spec/SOURCES.md "Rate limiter"
			tr.Record(&explain.Step{Check: chkRateLimit, Verdict: explain.Fail, S: [4]string{clientAddress(r), route.Method + " " + route.PathTemplate},
				N: [4]int64{int64(rl.Limit), rl.ResetMs}})
			return refuse(h.checkedWith(r, renderError(rl.Error()), w.Header(), tr))
		}
	}
	raw, err := readBody(w, r)
	if err != nil {
		tr.Record(&explain.Step{Check: chkBodySize, Verdict: explain.Fail, N: [4]int64{MaxBodyBytes}})
		return refuse(h.checked(r, failure(http.StatusRequestEntityTooLarge, "Request body too large [error-payload-too-large]", "error-payload-too-large"), tr))
	}
	// One pass: query and body params, coercion and validation (the params are read-only).
	params, err := h.v.CheckRequest(r, raw)
	c.params, c.queryParams = params.Body, params.Query
	if err != nil {
		recordValidation(tr, err)
		return refuse(h.checked(r, invalidParams(route, err), tr))
	}
	return c, nil
}

// runOperation runs op and renders its answer; v is what op returned, for a large answer that
// run renders itself. A decodeFailure (the handler's input type cannot hold what the schema
// accepted: a mock bug, logged) answers invalid-params instead.
func (h *Handler) runOperation(op operation, c *call, tr *explain.Trace) (a reply, v any) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		df, ok := p.(decodeFailure)
		if !ok {
			panic(p)
		}
		h.log.Error("body params do not fit the handler", "operation", c.route.OperationID, "error", df.err.Error())
		tr.Record(&explain.Step{Check: chkDecode, Verdict: explain.Fail, S: [4]string{df.err.Error()}})
		a = failure(http.StatusBadRequest, "The request body cannot be read: "+df.err.Error()+" [invalid-params]", "invalid-params")
	}()
	v, err := op(c.world, c)
	if _, large := v.(largeArray); large && err == nil {
		return reply{status: http.StatusOK}, v
	}
	return render(v, err), v
}

// jsonHeader is the header every answer is validated with (read-only).
var jsonHeader = http.Header{"Content-Type": {"application/json"}}

// checked validates an answer against the contract (step 6).
func (h *Handler) checked(r *http.Request, a reply, tr *explain.Trace) reply {
	return h.checkedWith(r, a, nil, tr)
}

// checkedWith is checked for an answer with headers of its own (a 429's X-RateLimit-*).
func (h *Handler) checkedWith(r *http.Request, a reply, header http.Header, tr *explain.Trace) reply {
	hdr := jsonHeader
	if header != nil {
		hdr = header.Clone()
		hdr.Set("Content-Type", "application/json")
	}
	if err := h.v.ValidateResponse(r, a.status, hdr, a.body); err != nil {
		h.log.Warn("answer off the contract", "method", r.Method, "path", r.URL.Path, "status", a.status, "violation", err.Error())
		tr.Record(&explain.Step{Check: chkContract, Verdict: explain.Fail, S: [4]string{err.Error()}, N: [4]int64{explain.Flag(h.strict)}})
		if h.strict {
			return violation(err)
		}
	}
	return a
}

// violation is the strict mode's answer to an answer off the contract.
func violation(err error) reply {
	return failure(http.StatusInternalServerError, "contract violation: "+err.Error(), "error-contract-violation")
}

// clientAddress is the address the rate limiter counts by: the connection's peer (Rocket.Chat's
// remote address with the default HTTP_FORWARDED_COUNT of 0 ignores X-Forwarded-For) [inferred].
func clientAddress(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// Body is a request body already read whole (by the server, for its journal): readBody takes
// its bytes as they are instead of reading them again. It reads and closes like any body.
type Body struct {
	bytes.Reader
	raw    []byte
	closer io.Closer
}

// NewBody is the body raw, read whole from the request body c (which Close closes).
func NewBody(raw []byte, c io.Closer) *Body {
	b := &Body{raw: raw, closer: c}
	b.Reset(raw)
	return b
}

// Close closes the body raw was read from.
func (b *Body) Close() error { return b.closer.Close() }

// readBody reads at most MaxBodyBytes of the body and puts the bytes back.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if b, ok := r.Body.(*Body); ok && len(b.raw) <= MaxBodyBytes && b.Len() == len(b.raw) {
		return b.raw, nil // read whole and not yet read from: the bytes stay where they are
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	return raw, nil
}

// invalidParams renders a request the route's validators refuse (spec/SOURCES.md, "Request
// validation"):
//   - a query string qs cannot parse: 400 {"success":false,"error":"Invalid query parameters"};
//   - a typed route (the http-router): invalid-params for the body, error-invalid-params for the
//     query, error = the Ajv messages joined by "\n ";
//   - a legacy validateParams route: Meteor.Error('invalid-params', messages), so the text ends
//     in " [invalid-params]" and the errorType is invalid-params for a GET's query too.
func invalidParams(route *spec.Route, err error) reply {
	if errors.Is(err, spec.ErrInvalidQuery) {
		return reply{status: http.StatusBadRequest, body: mustJSON(map[string]any{"success": false, "error": "Invalid query parameters"}), kind: "Invalid query parameters"}
	}
	var ve *spec.ValidationError
	if !errors.As(err, &ve) {
		return failure(http.StatusBadRequest, err.Error(), "invalid-params")
	}
	if route.Validate == spec.ValidateParams { // spec/SOURCES.md "The request pipeline" #10
		return failure(http.StatusBadRequest, ve.AjvMessage()+" [invalid-params]", "invalid-params")
	}
	code := "invalid-params"
	if ve.In == "query" || ve.In == "path" {
		code = "error-invalid-params"
	}
	return failure(http.StatusBadRequest, ve.AjvMessage(), code)
}

func errorBody(message, errorType string) []byte {
	return mustJSON(map[string]any{"success": false, "error": message, "errorType": errorType})
}

func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(text))
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// mustJSON marshals values the package builds itself (maps of strings, bools and numbers).
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("api: marshal %T: %v", v, err))
	}
	return b
}
