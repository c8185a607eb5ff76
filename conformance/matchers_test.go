package conformance_test

import (
	"encoding/json"
	"errors"
	"fmt"

	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gcustom"
	"github.com/onsi/gomega/types"

	"github.com/rcinvite/rcinvite/conformance/rcclient"
)

// unauthorizedBody is the exact 401 answer of every protected operation (§3.1).
const unauthorizedBody = `{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}`

// BeRocketChatError matches an error that is a Rocket.Chat answer with this status and
// errorType ("" for a plain error, which must then have no errorType key).
func BeRocketChatError(status int, errorType string) types.GomegaMatcher {
	return gcustom.MakeMatcher(func(err error) (bool, error) {
		e, ok := asRCError(err)
		if !ok {
			return false, nil
		}
		return e.Status == status && e.ErrorType == errorType && hasErrorType(e.Body) == (errorType != ""), nil
	}).WithTemplate(fmt.Sprintf("Expected a Rocket.Chat error answer HTTP %d errorType %q, got:\n{{format .Actual 1}}", status, errorType))
}

// HaveErrorBody matches an error that is a Rocket.Chat answer whose body is exactly want
// (as JSON), apart from the "stack" key that TEST_MODE servers add (§3.2).
func HaveErrorBody(status int, want string) types.GomegaMatcher {
	return gcustom.MakeMatcher(func(err error) (bool, error) {
		e, ok := asRCError(err)
		if !ok || e.Status != status {
			return false, nil
		}
		return MatchJSON(want).Match(withoutStack(e.Body))
	}).WithTemplate(fmt.Sprintf("Expected a Rocket.Chat error answer HTTP %d with body\n\t%s\ngot:\n{{format .Actual 1}}", status, want))
}

// HaveDetails matches a Rocket.Chat error whose details are exactly these.
func HaveDetails(want map[string]any) types.GomegaMatcher {
	return gcustom.MakeMatcher(func(err error) (bool, error) {
		e, ok := asRCError(err)
		if !ok {
			return false, nil
		}
		return Equal(want).Match(e.Details)
	}).WithTemplate(fmt.Sprintf("Expected a Rocket.Chat error with details %v, got:\n{{format .Actual 1}}", want))
}

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
