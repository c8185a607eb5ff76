package spec

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v4"
)

// How a Rocket.Chat route validates its request (the operation extension x-rocketchat-validate).
const (
	// ValidateRouter is a typed route (API.v1.get/post with body/query validators): the
	// http-router answers 400 {"success":false,"errorType":"invalid-params" (body) or
	// "error-invalid-params" (query),"error":<Ajv messages joined by "\n ">}. The default.
	ValidateRouter = "router"
	// ValidateParams is a legacy route (API.v1.addRoute(…, {validateParams})): ApiClass throws
	// Meteor.Error('invalid-params', <messages joined by "\n ">), so the error text ends in
	// " [invalid-params]" and errorType is invalid-params for the query of a GET too.
	ValidateParams = "validateParams"
	// ValidateNone is a route without a request schema: the body documented in the contract is
	// not enforced; the handler checks what it reads.
	ValidateNone = "none"
)

// ErrInvalidQuery is the query string qs refuses (too many parameters or too long an array):
// the http-router answers 400 {"success":false,"error":"Invalid query parameters"} before any
// validation, on every route.
var ErrInvalidQuery = errQueryLimit

// Params are the request values an operation's handler sees, as JSON objects: the body params
// (parseBodyParams, then coerced by the body schema) and the query params (qs, then coerced by
// the query schema when the operation has one). Both are read-only.
type Params struct {
	Body  []byte
	Query []byte
}

// rocketChatOperation is what the Ajv side needs of one operation.
type rocketChatOperation struct {
	validate  string
	body      *ajvSchema // nil: no body schema is enforced
	query     *ajvSchema // nil: the query is not validated
	queryMode coercion
}

// parseSource parses the contract's YAML source for compileRocketChat.
func parseSource(source []byte) (*yaml.Node, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(source, &root); err != nil {
		return nil, fmt.Errorf("parse contract source: %w", err)
	}
	return &root, nil
}

// compileRocketChat reads the request schemas of every operation from the document's YAML
// source (which keeps property order, as Ajv's schema objects do).
func compileRocketChat(root *yaml.Node, ops []*operation) error {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	paths := mapValue(doc, "paths")
	for _, o := range ops {
		n := mapValue(mapValue(paths, o.template), strings.ToLower(o.method))
		if n == nil {
			return fmt.Errorf("operation %s: not found in the contract source", o.id)
		}
		rc := &rocketChatOperation{validate: ValidateRouter, queryMode: coerceScalars}
		if x := mapValue(n, "x-rocketchat-validate"); x != nil {
			rc.validate = x.Value
		}
		switch rc.validate {
		case ValidateRouter, ValidateParams, ValidateNone:
		default:
			return fmt.Errorf("operation %s: x-rocketchat-validate %q is none of router, validateParams, none", o.id, rc.validate)
		}
		if rc.validate != ValidateNone {
			if s := mapValue(mapValue(mapValue(mapValue(n, "requestBody"), "content"), "application/json"), "schema"); s != nil {
				compiled, err := compileAjv(root, s)
				if err != nil {
					return fmt.Errorf("operation %s: request body schema: %w", o.id, err)
				}
				rc.body = compiled
			}
			if q := mapValue(n, "x-rocketchat-query"); q != nil {
				s := mapValue(q, "schema")
				if s == nil {
					return fmt.Errorf("operation %s: x-rocketchat-query has no schema", o.id)
				}
				compiled, err := compileAjv(root, s)
				if err != nil {
					return fmt.Errorf("operation %s: x-rocketchat-query schema: %w", o.id, err)
				}
				rc.query = compiled
				if a := mapValue(q, "ajv"); a != nil && a.Value == "ajvQuery" {
					rc.queryMode = coerceArrays
				}
				o.memoReq = false // the coerced query is part of the answer
			}
		}
		o.rc = rc
	}
	return nil
}

// checkRocketChat is check for a Rocket.Chat operation, in the http-router's order: the query
// string (qs), the query schema, the body (parseBodyParams), the body schema.
func checkRocketChat(r *http.Request, o *operation, contentType string, raw []byte) (Params, error) {
	var p Params
	q, err := parseQS(r.URL.RawQuery)
	if err != nil {
		return p, fmt.Errorf("%s: query: %w", o.id, ErrInvalidQuery)
	}
	var query any = q
	if o.rc.query != nil {
		var ok bool
		var errs []ajvError
		if query, ok, errs = validateAjv(o.rc.query, query, o.rc.queryMode); !ok {
			return p, ajvValidationError(o.id, "query", errs)
		}
	}
	p.Query = appendJS(nil, query)
	body := bodyValue(contentType, raw)
	if o.rc.body != nil {
		var ok bool
		var errs []ajvError
		if body, ok, errs = validateAjv(o.rc.body, body, coerceScalars); !ok {
			p.Body = appendJS(nil, body)
			return p, ajvValidationError(o.id, "body", errs)
		}
	}
	p.Body = appendJS(nil, body)
	return p, nil
}

func ajvValidationError(op, in string, errs []ajvError) *ValidationError {
	ve := &ValidationError{Operation: op, In: in}
	for _, e := range errs {
		field := strings.ReplaceAll(strings.TrimPrefix(e.InstancePath, "/"), "/", ".")
		if e.Property != "" {
			field = joinField(field, e.Property)
		}
		ve.Problems = append(ve.Problems, Problem{Field: field, Rule: e.Keyword, Message: e.Message})
	}
	if len(ve.Problems) == 0 { // unreachable: a failing Ajv run has errors
		ve.Problems = []Problem{{Rule: "invalid", Message: "invalid"}}
	}
	return ve
}

// bodyValue is the http-router's parseBodyParams (packages/http-router/src/Router.ts): the
// Content-Type is matched with includes(), so case and suffixes matter as there:
//   - contains "multipart/form-data": {} (uploads are parsed by the routes themselves);
//   - contains "application/json": JSON.parse; malformed JSON is {};
//   - contains "application/x-www-form-urlencoded": Object.fromEntries of the form (a
//     repeated field keeps its last value);
//   - anything else is read as text;
//
// then "" is {}, an array stays an array and anything else is spread into an object
// ({...value}: a string becomes {"0":"a","1":"b",…}, cut at 64 characters by the mock to bound
// memory; a number, boolean or null becomes {}).
func bodyValue(contentType string, raw []byte) any {
	var parsed any
	switch {
	case strings.Contains(contentType, "multipart/form-data"):
		return newJSObject(0)
	case strings.Contains(contentType, "application/json"):
		v, err := parseJS(raw)
		if err != nil {
			return newJSObject(0)
		}
		parsed = v
	case strings.Contains(contentType, "application/x-www-form-urlencoded"):
		parsed = formObject(string(raw))
	default:
		parsed = string(raw)
	}
	switch x := parsed.(type) {
	case []any, *jsObject:
		return x
	case string:
		obj := newJSObject(0)
		i := 0
		for _, r := range x {
			if i == 64 {
				break
			}
			obj.set(strconv.Itoa(i), string(r))
			i++
		}
		return obj
	}
	return newJSObject(0)
}

// formObject is Object.fromEntries(new URLSearchParams(body)): fields in order of first
// appearance, a repeated field keeping its last value.
func formObject(body string) *jsObject {
	obj := newJSObject(4)
	for _, part := range strings.Split(body, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		obj.set(formDecode(k), formDecode(v))
	}
	return obj
}

// formDecode decodes a form field: "+" is a space, then percent-escapes; a malformed escape
// leaves the text as written. URLSearchParams keeps a malformed escape alone and decodes the
// rest, replacing invalid UTF-8 with U+FFFD: those corners differ [inferred: not goldened].
func formDecode(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	if d, err := url.PathUnescape(s); err == nil {
		return d
	}
	return s
}
