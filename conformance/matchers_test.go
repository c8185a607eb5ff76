package conformance_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/rcinvite/rcinvite/conformance/rcclient"
)

// unauthorizedBody is the exact 401 answer of every protected operation
// (spec/openapi.yaml, components.responses.Unauthorized).
const unauthorizedBody = `{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}`

// BeRocketChatError matches an error that is a Rocket.Chat answer with this status and
// errorType ("" for a plain error, which must then have no errorType key).
func BeRocketChatError(status int, errorType string) types.GomegaMatcher {
	want := fmt.Sprintf("HTTP %d errorType %q", status, errorType)
	if errorType == "" {
		want = fmt.Sprintf("HTTP %d, a plain error without errorType", status)
	}
	return answerMatcher{want: want, match: func(e *rcclient.Error) (bool, error) {
		return e.Status == status && e.ErrorType == errorType && hasErrorType(e.Body) == (errorType != ""), nil
	}}
}

// HaveErrorBody matches an error that is a Rocket.Chat answer whose body is exactly want
// (as JSON), apart from the "stack" key that TEST_MODE servers add.
func HaveErrorBody(status int, want string) types.GomegaMatcher {
	return answerMatcher{want: fmt.Sprintf("HTTP %d with body %s", status, want), match: func(e *rcclient.Error) (bool, error) {
		if e.Status != status {
			return false, nil
		}
		return MatchJSON(want).Match(withoutStack(e.Body))
	}}
}

// HaveDetails matches a Rocket.Chat error whose details are exactly these.
func HaveDetails(want map[string]any) types.GomegaMatcher {
	shown, _ := json.Marshal(want)
	return answerMatcher{want: fmt.Sprintf("with details %s", shown), match: func(e *rcclient.Error) (bool, error) {
		return Equal(want).Match(e.Details)
	}}
}

// answerMatcher matches the error a client call returned against the Rocket.Chat error answer
// a spec expects. Its failure message shows what the server did answer: the request and the
// answer, or, when the call succeeded, the last request sent.
type answerMatcher struct {
	want  string
	match func(*rcclient.Error) (bool, error)
}

func (m answerMatcher) Match(actual any) (bool, error) {
	if actual == nil {
		return false, nil
	}
	err, ok := actual.(error)
	if !ok {
		return false, fmt.Errorf("expected the error a client call returned, got %T", actual)
	}
	e, ok := asRCError(err)
	if !ok {
		return false, nil
	}
	return m.match(e)
}

func (m answerMatcher) FailureMessage(actual any) string {
	return fmt.Sprintf("Expected a Rocket.Chat error answer %s, %s", m.want, answered(actual))
}

func (m answerMatcher) NegatedFailureMessage(actual any) string {
	return fmt.Sprintf("Expected anything but a Rocket.Chat error answer %s, %s", m.want, answered(actual))
}

// answered says what the server answered, for a failure message about actual (the error of
// a client call): the exchange behind a Rocket.Chat error, the transport failure, or, for a
// call that succeeded, the last request this process sent.
func answered(actual any) string {
	var e *rcclient.Error
	var v *rcclient.ContractViolation
	err, _ := actual.(error)
	switch {
	case actual == nil:
		return "but the call succeeded:\n" + indent(lastExchange().String())
	case errors.As(err, &e) && e.Exchange != nil:
		return "but the server answered:\n" + indent(e.Exchange.String())
	case errors.As(err, &v):
		return "but the answer broke the contract:\n" + indent(v.Error())
	case err != nil:
		return "but the call failed:\n" + indent(err.Error())
	}
	return fmt.Sprintf("but got %T %v", actual, actual)
}

// lastExchange is the last request any client of this process sent, nil before the first.
func lastExchange() *rcclient.Exchange {
	if anon == nil {
		return nil
	}
	return anon.LastExchange()
}

func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }

func asRCError(err error) (*rcclient.Error, bool) {
	var e *rcclient.Error
	return e, errors.As(err, &e)
}

func hasErrorType(body []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	_, ok := m["errorType"]
	return ok
}

func withoutStack(body []byte) []byte {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	delete(m, "stack")
	out, _ := json.Marshal(m)
	return out
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
