package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rcinvite/rcinvite/spec"
)

// TestAjvGoldensThroughTheMock replays every Ajv golden (spec/testdata/ajv) through the whole
// pipeline as the admin: a request Ajv refuses gets the route's envelope with Ajv's exact
// messages; one it accepts reaches the rule with exactly the values Ajv left in the params, and
// the rule answers (whatever it answers, never invalid-params and never a 5xx).
func TestAjvGoldensThroughTheMock(t *testing.T) {
	goldens, err := spec.LoadGoldens(filepath.Join("..", "..", "spec", "testdata", "ajv"))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := newHandler(t)
	hh := h
	asAdmin := func(r *http.Request) *http.Request {
		r.Header.Set("X-User-Id", admin)
		r.Header.Set("X-Auth-Token", tokens[admin])
		return r
	}
	for _, g := range goldens {
		for _, c := range g.Cases {
			rec := httptest.NewRecorder()
			hh.ServeHTTP(rec, asAdmin(g.Request(c)))
			var got map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &got)
			if c.Valid {
				call, rejected := hh.admit(httptest.NewRecorder(), asAdmin(g.Request(c)), nil)
				if rejected != nil {
					t.Errorf("%s %s: Ajv accepts, the mock refuses: %s", g.OperationID, c.Name, rejected.body)
					continue
				}
				seen := call.params
				if g.In == "query" {
					seen = call.queryParams
				}
				if string(seen) != c.Data {
					t.Errorf("%s %s: the rule sees %s, Ajv left %s", g.OperationID, c.Name, seen, c.Data)
				}
				if rec.Code >= 500 || got["errorType"] == "invalid-params" || got["errorType"] == "error-invalid-params" {
					t.Errorf("%s %.80s: a valid request answered %d %s", g.OperationID, c.Name, rec.Code, rec.Body)
				}
				continue
			}
			want := map[string]any{"success": false}
			switch {
			case c.QSError:
				want["error"] = "Invalid query parameters"
			case g.Validate == spec.ValidateParams:
				want["error"], want["errorType"] = c.Message()+" [invalid-params]", "invalid-params"
			case g.In == "query":
				want["error"], want["errorType"] = c.Message(), "error-invalid-params"
			default:
				want["error"], want["errorType"] = c.Message(), "invalid-params"
			}
			if rec.Code != http.StatusBadRequest || !reflect.DeepEqual(got, want) {
				t.Errorf("%s %.80s: answered %d %s, want 400 %v", g.OperationID, c.Name, rec.Code, strings.TrimSpace(rec.Body.String()), want)
			}
		}
	}
}
