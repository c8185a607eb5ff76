package spec

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAcceptsNamesWhatTheControlAPITakes: a control request off the contract is answered with
// what would be right. The clock's oneOf said only "must match exactly one schema in oneOf".
func TestAcceptsNamesWhatTheControlAPITakes(t *testing.T) {
	v := Control()
	for _, c := range []struct {
		name, method, target, body, want string
	}{
		{"a typo in the clock's key names the three shapes", "PUT", "/_mock/clock", `{"advnce":"1h"}`,
			`send exactly one of {"freeze":"<RFC 3339 time>"}, {"advance":"25h"}, {"resume":true}`},
		{"an unknown sandbox key names the accepted keys", "POST", "/_mock/sandboxes", `{"emulat":"8.3.0"}`,
			"the accepted keys are cors, emulate, fixtures, latency and rateLimiter"},
		{"an unknown fixture set names the sets", "POST", "/_mock/sandboxes", `{"fixtures":"dflt"}`, `allowed: "default" or "empty"`},
		{"a version off the pattern gives an example", "POST", "/_mock/sandboxes", `{"emulate":"8.x"}`, `e.g. "8.4.0"`},
		{"a query value off the schema says nothing it does not know", "GET", "/_mock/requests?status=abc", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
			if c.body != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			err := v.ValidateRequest(r)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("ValidateRequest = %v, want a *ValidationError", err)
			}
			var hints []string
			for _, p := range ve.Problems {
				if h := v.Accepts(ve, p); h != "" {
					hints = append(hints, h)
				}
			}
			if got := strings.Join(hints, "; "); got != c.want {
				t.Errorf("Accepts = %q, want %q (problems %+v)", got, c.want, ve.Problems)
			}
		})
	}
	if got := v.Accepts(&ValidationError{Operation: "noSuchOperation", In: "body"}, Problem{Rule: "oneOf"}); got != "" {
		t.Errorf("an unknown operation gets %q, want nothing", got)
	}
}
