package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/rcinvite/rcinvite/mockserver/explain"
	"github.com/rcinvite/rcinvite/spec"
)

// The pipeline's own steps (ServeHTTP's order); the world records the rules' steps.

// chkRoute's N[0] is the edits from the request's path to the nearest operation's, N[1] 1 when
// the contract has any operation.
var chkRoute = &explain.Check{Name: "route", S: [4]string{"method", "path", "nearestMethod", "nearestPath"},
	N: [4]string{"edits", "found"}, Bools: 1 << 1,
	Text: func(s *explain.Step) string {
		head := fmt.Sprintf("no operation %s %s in the contract", s.S[0], s.S[1])
		switch {
		case s.N[1] == 0:
			return head
		case s.N[0] == 0:
			return fmt.Sprintf("%s: it has %s %s (wrong method?)", head, s.S[2], s.S[3])
		case s.N[0] == 1:
			return fmt.Sprintf("%s; nearest: %s %s, 1 edit away (a typo in the path?)", head, s.S[2], s.S[3])
		}
		return fmt.Sprintf("%s; nearest: %s %s, %d edits away", head, s.S[2], s.S[3], s.N[0])
	}}

var chkBodySize = &explain.Check{Name: "body.size", N: [4]string{"limit"},
	Text: func(s *explain.Step) string {
		return fmt.Sprintf("the body is larger than %d bytes (1 MiB), the most the mock reads", s.N[0])
	}}

// chkParams is the contract's request schema refusing the request: the first problem, and
// how many there are (N[0]).
var chkParams = &explain.Check{Name: "params", S: [4]string{"in", "field", "rule", "message"}, N: [4]string{"problems"},
	Text: func(s *explain.Step) string {
		where := s.S[0]
		if s.S[1] != "" {
			where += " field " + s.S[1]
		}
		text := fmt.Sprintf("%s breaks the schema rule %s: %s", where, s.S[2], s.S[3])
		if s.N[0] > 1 {
			text += fmt.Sprintf(" (and %d more)", s.N[0]-1)
		}
		return text
	}}

var chkDecode = &explain.Check{Name: "params.decode", S: [4]string{"error"},
	Text: func(s *explain.Step) string {
		return "the body passed the route's schema (or it has none) but does not fit what the handler reads: " + s.S[0]
	}}

var chkOptions = &explain.Check{Name: "options",
	Text: func(*explain.Step) string {
		return "OPTIONS: the router answers every OPTIONS request \"OK\" (options('*'))"
	}}

// chkCORS is the cors middleware refusing an Origin outside API_CORS_Origin.
var chkCORS = &explain.Check{Name: "cors", S: [4]string{"origin", "allowed"},
	Text: func(s *explain.Step) string {
		return fmt.Sprintf("API_Enable_CORS is on and Origin %q is not in API_CORS_Origin %q: a bare 403", s.S[0], s.S[1])
	}}

// chkRateLimit is the rate limiter refusing a call; N[1] is when its window ends.
var chkRateLimit = &explain.Check{Name: "ratelimit", S: [4]string{"client", "route"}, N: [4]string{"limit", "resetAt"}, Times: 1 << 1,
	Text: func(s *explain.Step) string {
		return fmt.Sprintf("%s has made %d calls to %s in this window (API_Enable_Rate_Limiter): refused until %s on the world's clock",
			s.S[0], s.N[0], s.S[1], explain.Time(s.N[1]))
	}}

var chkHandler = &explain.Check{Name: "operation.handler", S: [4]string{"operation"},
	Text: func(s *explain.Step) string { return "the mock has no handler for operation " + s.S[0] }}

var chkRolledBack = &explain.Check{Name: "state.rollback", S: [4]string{"error"},
	Text: func(s *explain.Step) string {
		return "the world was put back as its state file holds it (" + s.S[0] + "): the operation ran once more, on that state"
	}}

var chkSaved = &explain.Check{Name: "state.save", S: [4]string{"error"},
	Text: func(s *explain.Step) string {
		return "the world's changes could not be made durable in the state file: " + s.S[0]
	}}

// chkContract is the answer checked against the contract; N[0] is 1 in strict mode.
var chkContract = &explain.Check{Name: "contract", S: [4]string{"violation"}, N: [4]string{"strict"}, Bools: 1,
	Text: func(s *explain.Step) string {
		if s.N[0] == 1 {
			return "the answer broke the contract (" + s.S[0] + "): strict mode answers 500 error-contract-violation instead"
		}
		return "the answer is off the contract (" + s.S[0] + "): logged and sent as it is"
	}}

var chkPanic = &explain.Check{Name: "panic", S: [4]string{"value"},
	Text: func(s *explain.Step) string { return "the mock panicked (a bug): " + s.S[0] }}

// Checks lists every check the pipeline records, for tests and documentation.
func Checks() []*explain.Check {
	return []*explain.Check{chkRoute, chkBodySize, chkParams, chkDecode, chkOptions, chkCORS, chkRateLimit, chkHandler, chkRolledBack, chkSaved, chkContract, chkPanic}
}

// routeStep explains a request that resolved to no operation.
func (h *Handler) routeStep(r *http.Request) explain.Step {
	st := explain.Step{Check: chkRoute, Verdict: explain.Fail, S: [4]string{r.Method, r.URL.Path}}
	if n, ok := h.v.NearestRoute(r); ok {
		st.S[2], st.S[3], st.N[0], st.N[1] = n.Method, n.PathTemplate, int64(n.Edits), 1
	}
	return st
}

// recordValidation explains a request validation failure: its first problem (Ajv stops at the
// first failing keyword; a oneOf's branch problems come first, then its own).
func recordValidation(tr *explain.Trace, err error) {
	if tr == nil {
		return
	}
	var ve *spec.ValidationError
	if !errors.As(err, &ve) {
		tr.Record(&explain.Step{Check: chkParams, Verdict: explain.Fail, S: [4]string{"request", "", "invalid", err.Error()}, N: [4]int64{1}})
		return
	}
	if len(ve.Problems) > 0 {
		first := ve.Problems[0]
		tr.Record(&explain.Step{Check: chkParams, Verdict: explain.Fail, S: [4]string{ve.In, first.Field, first.Rule, first.Message},
			N: [4]int64{int64(len(ve.Problems))}})
	}
}
