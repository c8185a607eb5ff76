package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/rcinvite/rcinvite/spec"
)

// jsonKinds are values of every JSON kind, numbers as clients write them.
var jsonKinds = []string{`"x"`, `""`, `7`, `7.0`, `1e1`, `-0`, `1.5`, `1e300`, `-1e300`, `true`, `false`, `null`, `[]`, `["x"]`, `[1]`, `{}`, `{"a":[1]}`}

// TestNoValueAjvAcceptsBecomesAZeroValue walks every operation of the contract and sends it
// every property it documents (in every oneOf/anyOf branch) with a value of every JSON kind.
// Whatever the route's schema accepts must fit the handler's input: a handler whose type
// cannot hold it (an int for a JavaScript number, a string for an array) would see a zero
// value, so decode refuses it (decodeFailure), and this test fails. Whatever the answer, it is
// never a 5xx.
func TestNoValueAjvAcceptsBecomesAZeroValue(t *testing.T) {
	h, _ := newHandler(t)
	v := spec.Default()
	sent := 0
	for path, item := range v.Document().Paths.Map() {
		for method, op := range item.Operations() {
			target := strings.ReplaceAll(path, "{_id}", "PrjXok")
			for _, body := range walkBodies(op) {
				sent++
				r := httptest.NewRequest(method, target, strings.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
				r.Header.Set("X-User-Id", admin)
				r.Header.Set("X-Auth-Token", tokens[admin])
				route, err := v.FindRoute(r)
				if err != nil {
					t.Fatal(err)
				}
				_, verr := v.CheckRequest(r, []byte(body))
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				if rec.Code >= http.StatusInternalServerError {
					t.Errorf("%s %s %s: %d %s", method, path, body, rec.Code, rec.Body)
				}
				unreadable := strings.Contains(rec.Body.String(), "The request body cannot be read")
				if unreadable && verr == nil && route.Validate != spec.ValidateNone {
					t.Errorf("%s %s %s: the schema accepts it, the handler cannot hold it: %s", method, path, body, rec.Body)
				}
			}
		}
	}
	if sent < 500 {
		t.Errorf("only %d bodies sent", sent)
	}
}

// walkBodies is {}, an array, and, for every object shape the body schema documents (itself
// and each oneOf/anyOf/allOf branch), one body per property and JSON kind, the shape's other
// required properties filled with ordinary values so that the schema can accept it.
func walkBodies(op *openapi3.Operation) []string {
	bodies := []string{`{}`, `[{"a":1}]`}
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return bodies
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return bodies
	}
	var walk func(s *openapi3.Schema, required []string, props openapi3.Schemas)
	walk = func(s *openapi3.Schema, required []string, props openapi3.Schemas) {
		if s == nil {
			return
		}
		required = append(append([]string(nil), required...), s.Required...)
		merged := openapi3.Schemas{}
		for k, v := range props {
			merged[k] = v
		}
		for k, v := range s.Properties {
			merged[k] = v
		}
		for name := range merged {
			for _, value := range jsonKinds {
				fields := []string{`"` + name + `":` + value}
				for _, r := range required {
					if r != name {
						fields = append(fields, `"`+r+`":`+ordinary(merged[r]))
					}
				}
				bodies = append(bodies, "{"+strings.Join(fields, ",")+"}")
			}
		}
		for _, group := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf, s.AllOf} {
			for _, b := range group {
				walk(b.Value, required, merged)
			}
		}
	}
	walk(mt.Schema.Value, nil, nil)
	return bodies
}

// ordinary is a plain value of the property's type.
func ordinary(ref *openapi3.SchemaRef) string {
	if ref == nil || ref.Value == nil || ref.Value.Type == nil {
		return `"x"`
	}
	switch {
	case ref.Value.Type.Is("integer"), ref.Value.Type.Is("number"):
		return `7`
	case ref.Value.Type.Is("boolean"):
		return `true`
	case ref.Value.Type.Is("array"):
		return `[]`
	case ref.Value.Type.Is("object"):
		return `{}`
	}
	return `"x"`
}

// TestDecodeTokenAgreesWithEncodingJSON: the fast path of decodeToken reads exactly what
// json.Unmarshal reads into tokenBody, or leaves the params to it.
func TestDecodeTokenAgreesWithEncodingJSON(t *testing.T) {
	for _, params := range []string{
		`{"token":"PrjXok"}`, `{"token":""}`, `{"token":"a\"b"}`, `{"token":"a\\b"}`, `{"token":"\u00e9"}`,
		`{"token":"é"}`, "{\"token\":\"\xff\"}", `{"token":"a","token":"b"}`, `{"token":"a"} `, ` {"token":"a"}`,
		`{"token":"a\u0000"}`, `{"token":"` + "\t" + `"}`, `{"token":"x"}}`, `{"token":"}`, `{"token":"a"`, `{}`,
		`{"other":1,"token":"a"}`, `{"token":"a","other":1}`, `{"token":"a b c ~!@#$%^&*()"}`,
	} {
		var want tokenBody
		wantErr := json.Unmarshal([]byte(params), &want)
		c := &call{params: []byte(params)}
		got, panicked := func() (s string, p bool) {
			defer func() { p = recover() != nil }()
			return c.decodeToken(), false
		}()
		if panicked != (wantErr != nil) || !panicked && got != want.Token {
			t.Errorf("decodeToken(%s) = %q (panicked %v), json.Unmarshal = %q, %v", params, got, panicked, want.Token, wantErr)
		}
	}
}
