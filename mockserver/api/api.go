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
	"net/http"

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
func New(w *world.World, o Options) http.Handler {
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
	r      *http.Request
	route  *spec.Route
	userID string // the authenticated caller ("" on unsecured routes)
	token  string
	params []byte // the JSON body after coercion ({} when absent or malformed); read-only
}

// decode reads the (already validated) body params into dst; a body that is not a JSON
// object leaves dst as it is.
func (c *call) decode(dst any) { _ = json.Unmarshal(c.params, dst) }

// ServeHTTP answers one request, in this order:
//  1. Route lookup against the contract: an unknown path or method answers 404
//     {"success":false,"error":"Not found"} [inferred].
//  2. Authentication for secured operations (X-User-Id + X-Auth-Token): 401 with the exact
//     "You must be logged in to do this." body, before any body handling.
//  3. The body is read up to MaxBodyBytes: larger answers 413 error-payload-too-large.
//  4. The request is coerced (Ajv-style) and validated in one pass (spec CheckRequest; the
//     coerced body is what the rule decodes): 400 invalid-params for the body,
//     error-invalid-params for the query, with Ajv's messages joined by "\n".
//  5. The operation's rule runs in the world; a *world.Error is rendered into Rocket.Chat's
//     envelope (render.go), in one place. With a recorder (a state file) the answer waits
//     until every change the world made so far, the operation's own included, is durable
//     (world.Sync). When a commit failed, the world is put back as the file holds it and the
//     operation runs once more on that state (reads answer as usual); when its change still
//     cannot be made durable, 500 error-state-not-saved.
//  6. The answer is validated against the contract: in Strict mode a violation answers 500
//     error-contract-violation; otherwise it is logged and the answer sent as it is.
//
// A panic anywhere answers a 500 envelope and is logged; it is a bug, never a behaviour.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p)
			writeJSON(w, http.StatusInternalServerError, errorBody("internal error", "error-internal"))
		}
	}()
	a := h.answer(w, r)
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

// reply is a status and JSON body to send: body, or for a large answer large, with the slot
// it was built in (release, once written).
type reply struct {
	status  int
	body    []byte
	large   *largejson.Buffer
	release func()
}

// answer runs the pipeline and returns the reply to send.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request) reply {
	route, err := h.v.FindRoute(r)
	if err != nil {
		return reply{status: http.StatusNotFound, body: notFoundBody}
	}
	c := &call{r: r, route: route}
	if route.Secured {
		c.userID, c.token = r.Header.Get("X-User-Id"), r.Header.Get("X-Auth-Token")
		if _, err := h.world.Authenticate(c.userID, c.token); err != nil {
			return h.checked(r, renderError(err))
		}
	}
	raw, err := readBody(w, r)
	if err != nil {
		return h.checked(r, reply{status: http.StatusRequestEntityTooLarge,
			body: errorBody("Request body too large [error-payload-too-large]", "error-payload-too-large")})
	}
	// One pass: body params, coercion and validation (the params are read-only).
	if c.params, err = h.v.CheckRequest(r, raw); err != nil && serverRejects(err) {
		return h.checked(r, invalidParams(err))
	}
	op := operations[route.OperationID]
	if op == nil {
		h.log.Error("operation without handler", "operation", route.OperationID)
		return reply{status: http.StatusNotImplemented, body: errorBody("operation not implemented: "+route.OperationID, "error-not-implemented")}
	}
	var release func()
	if largeOperations[route.OperationID] {
		// At most largejson.MaxInFlight large answers are built at once, whatever their world.
		if release, err = largejson.Acquire(r.Context()); err != nil {
			// The client left while waiting: nobody reads this; the journal notes nginx's 499.
			return reply{status: 499, body: errorBody("client went away", "error-client-gone")}
		}
	}
	a := h.run(r, c, op)
	a.release = release
	return a
}

// largeOperations are the operations whose answers may be large (largeArray).
var largeOperations = map[string]bool{"listInvites": true}

// run performs steps 5 and 6 for operation op.
func (h *Handler) run(r *http.Request, c *call, op operation) reply {
	epoch := h.world.Epoch()
	v, err := op(h.world, c)
	serr := h.world.SyncSince(r.Context(), epoch)
	if errors.Is(serr, world.ErrRolledBack) {
		// The world was put back as the state file holds it: what the operation saw or did is
		// undone, so it runs once more, on that state. A read answers then; a write whose
		// change still cannot be saved answers 500.
		epoch = h.world.Epoch()
		v, err = op(h.world, c)
		serr = h.world.SyncSince(r.Context(), epoch)
	}
	if serr != nil {
		return h.checked(r, reply{status: http.StatusInternalServerError, body: errorBody("state not saved: "+serr.Error(), "error-state-not-saved")})
	}
	if list, ok := v.(largeArray); ok && err == nil {
		return h.renderLarge(r, list)
	}
	return h.checked(r, render(v, err))
}

// notFoundBody is the answer to a path or method the contract does not have (read-only).
var notFoundBody = mustJSON(map[string]any{"success": false, "error": "Not found"})

// jsonHeader is the header every answer is validated with (read-only).
var jsonHeader = http.Header{"Content-Type": {"application/json"}}

// checked validates an answer against the contract (step 6).
func (h *Handler) checked(r *http.Request, a reply) reply {
	if err := h.v.ValidateResponse(r, a.status, jsonHeader, a.body); err != nil {
		h.log.Warn("answer off the contract", "method", r.Method, "path", r.URL.Path, "status", a.status, "violation", err.Error())
		if h.strict {
			return violation(err)
		}
	}
	return a
}

// violation is the strict mode's answer to an answer off the contract.
func violation(err error) reply {
	return reply{status: http.StatusInternalServerError, body: errorBody("contract violation: "+err.Error(), "error-contract-violation")}
}

// readBody reads at most MaxBodyBytes of the body and puts the bytes back.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	return raw, nil
}

// serverRejects reports whether Rocket.Chat's own schema refuses the request. Values the
// contract narrows but only the handler checks (findOrCreateInvite's days and maxUses) pass on
// to the rule, which answers them with its own error, in its own order.
func serverRejects(err error) bool {
	var ve *spec.ValidationError
	return !errors.As(err, &ve) || ve.InvalidParams()
}

// invalidParams renders a request validation failure: invalid-params for the body,
// error-invalid-params for the query and path (the http-router's query validation).
func invalidParams(err error) reply {
	var ve *spec.ValidationError
	if !errors.As(err, &ve) {
		return reply{status: http.StatusBadRequest, body: errorBody(err.Error(), "invalid-params")}
	}
	code := "invalid-params"
	if ve.In == "query" || ve.In == "path" {
		code = "error-invalid-params"
	}
	return reply{status: http.StatusBadRequest, body: errorBody(ve.AjvMessage(), code)}
}

func errorBody(message, errorType string) []byte {
	return mustJSON(map[string]any{"success": false, "error": message, "errorType": errorType})
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
