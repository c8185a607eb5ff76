package spec

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	yaml "go.yaml.in/yaml/v4"
)

// Validator validates requests and responses against one OpenAPI document. Everything it needs
// is computed once by NewValidator; it is safe for concurrent use.
//
// It remembers checks that passed (a bounded memo of up to 4096 requests and 4096 responses,
// each shard cleared when full; inputs over about 4 KiB are not remembered), keyed by every
// input the answer depends on: for a request its operation, escaped path, raw query,
// Content-Type and body; for a response its operation, status, Content-Type and body.
// Operations with header or cookie parameters, or with response headers, are never remembered.
// A failing check is always re-run in full, so the memo changes the cost of an answer, never
// the answer. It cannot be turned off; it needs no care from callers.
type Validator struct {
	doc      *openapi3.T
	ops      []*operation
	router   *router
	opts     *openapi3filter.Options
	reqMemo  *memo
	respMemo *memo
}

// NewRocketChatValidator is NewValidator for a Rocket.Chat contract: source is doc's YAML, from
// which the request schemas are compiled as Rocket.Chat's Ajv instances compile them (see
// ajv.go and rocketchat.go: x-rocketchat-validate, x-rocketchat-query). Requests are then
// checked that way; responses still with kin-openapi.
func NewRocketChatValidator(doc *openapi3.T, source []byte) (*Validator, error) {
	root, err := parseSource(source)
	if err != nil {
		return nil, err
	}
	return newRocketChatValidator(doc, root)
}

// newRocketChatValidator is NewRocketChatValidator with the source parsed.
func newRocketChatValidator(doc *openapi3.T, root *yaml.Node) (*Validator, error) {
	v, err := NewValidator(doc)
	if err != nil {
		return nil, err
	}
	ops := make([]*operation, 0, len(v.ops))
	ops = append(ops, v.ops...)
	if err := compileRocketChat(root, ops); err != nil {
		return nil, err
	}
	return v, nil
}

// NewValidator prepares the route lookup and per-operation data of doc (which must be valid).
// Requests are checked with kin-openapi.
func NewValidator(doc *openapi3.T) (*Validator, error) {
	if doc == nil || doc.Paths == nil {
		return nil, errNoDocument
	}
	rt, ops, err := newRouter(doc)
	if err != nil {
		return nil, err
	}
	for i, o := range ops {
		o.index = i
		o.coercion = coercionTable(o.kin.Operation)
		o.hasBody = o.kin.Operation.RequestBody != nil && o.kin.Operation.RequestBody.Value != nil
		o.memoReq = onlyPathAndQuery(o.kin.PathItem.Parameters) && onlyPathAndQuery(o.kin.Operation.Parameters)
		o.headered = headeredStatuses(o.kin.Operation.Responses)
	}
	return &Validator{
		doc:    doc,
		ops:    ops,
		router: rt,
		opts: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
			AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
			SkipSettingDefaults:   true,
		},
		reqMemo:  newMemo(),
		respMemo: newMemo(),
	}, nil
}

// onlyPathAndQuery reports whether every parameter is in the path or the query, the inputs a
// request's memo key holds.
func onlyPathAndQuery(params openapi3.Parameters) bool {
	for _, p := range params {
		if p == nil || p.Value == nil {
			return false
		}
		if p.Value.In != openapi3.ParameterInPath && p.Value.In != openapi3.ParameterInQuery {
			return false
		}
	}
	return true
}

// headeredStatuses lists the statuses whose response declares a header besides Content-Type
// (a 429's X-RateLimit-*): their checks depend on headers a memo key does not hold, so they are
// never remembered. "default" is -1; an undeclared response (nil) marks every status.
func headeredStatuses(responses *openapi3.Responses) map[int]bool {
	out := map[int]bool{}
	if responses == nil {
		return out
	}
	for code, r := range responses.Map() {
		status := -1
		if n, err := strconv.Atoi(code); err == nil {
			status = n
		}
		if r == nil || r.Value == nil {
			out[0] = true
			continue
		}
		for name := range r.Value.Headers {
			if !strings.EqualFold(name, "Content-Type") {
				out[status] = true
			}
		}
	}
	return out
}

// rememberResponse reports whether a check of a response with this status may be memoized.
func (o *operation) rememberResponse(status int) bool {
	if o.headered[0] || o.headered[status] {
		return false
	}
	if o.headered[-1] && o.kin.Operation.Responses.Status(status) == nil {
		return false // the default response applies, and it declares headers
	}
	return true
}

// isInvalidQueryString reports whether body is the http-router's answer to a query string qs
// refuses, which the document declares once (components/schemas/InvalidQueryString) for every
// operation.
func (v *Validator) isInvalidQueryString(body []byte) bool {
	ref := v.doc.Components.Schemas["InvalidQueryString"]
	if ref == nil || ref.Value == nil {
		return false
	}
	var val any
	if err := json.Unmarshal(body, &val); err != nil {
		return false
	}
	return ref.Value.VisitJSON(val) == nil
}

// Document returns the OpenAPI document the validator was built from.
func (v *Validator) Document() *openapi3.T { return v.doc }

type constError string

func (e constError) Error() string { return string(e) }

const errNoDocument = constError("spec: no document")

// jsonHeader is the read-only header of the synthetic requests whose body is validated.
var jsonHeader = http.Header{"Content-Type": {"application/json"}}

// ValidateRequest checks r's path, query and body parameters against its operation. The body is
// read as Rocket.Chat's parseBodyParams reads it (malformed JSON counts as {}), coerced like
// Coerce, and validated; r.Body is then restored to the original bytes. Authentication is not
// checked: that is the caller's job. Failures are a *ValidationError, or a route error
// wrapping ErrNoRoute / ErrMethodNotAllowed.
func (v *Validator) ValidateRequest(r *http.Request) error {
	o, params, err := v.lookup(r)
	if err != nil {
		return err
	}
	var raw []byte
	var readErr error
	if o.hasBody {
		raw, readErr = readBody(r)
	}
	_, err = v.check(r, o, params, raw, readErr)
	return err
}

// CheckRequest is ValidateRequest for a server that has read the body itself: raw is r's body
// (r.Body is not read). It returns the params the operation's handler sees with the
// validation's verdict; the body params are set whenever r resolves to an operation, even when
// err is a *ValidationError. The params must not be modified (they may be shared with later
// calls). For a Rocket.Chat contract (Default, NewRocketChatValidator) requests are checked as
// Rocket.Chat's Ajv checks them (see ajv.go); otherwise with kin-openapi.
func (v *Validator) CheckRequest(r *http.Request, raw []byte) (Params, error) {
	o, pathParams, err := v.lookup(r)
	if err != nil {
		return Params{}, err
	}
	return v.check(r, o, pathParams, raw, nil)
}

// check validates the parameters of r and its body raw against o and returns the body params
// the operation's handler sees. readErr is the failure to read the body, if any: it is reported
// in place of the body's problems. Passing checks are remembered (see Validator). Operations
// of a Rocket.Chat document are checked as Rocket.Chat's Ajv does (checkRocketChat); others,
// such as the mock's control API, with kin-openapi.
func (v *Validator) check(r *http.Request, o *operation, pathParams map[string]string, raw []byte, readErr error) (Params, error) {
	contentType := r.Header.Get("Content-Type")
	remember := o.memoReq && readErr == nil
	var arr [512]byte
	var key []byte
	if remember {
		key = requestKey(arr[:0], o, r.URL.EscapedPath(), r.URL.RawQuery, contentType, raw)
		if val, ok := v.reqMemo.get(key); ok {
			return decodeParams(val), nil
		}
	}
	var p Params
	var err error
	if o.rc != nil {
		p, err = checkRocketChat(r, o, contentType, raw)
	} else {
		p.Body, err = v.checkKin(r, o, pathParams, contentType, raw, readErr)
	}
	if err != nil {
		return p, err
	}
	if remember {
		v.reqMemo.put(key, encodeParams(p)) // a fresh copy: p.Body may be the caller's raw bytes
	}
	return p, nil
}

// encodeParams packs Params into one memo value: the query's length, the query, the body.
func encodeParams(p Params) []byte {
	out := binary.AppendUvarint(make([]byte, 0, len(p.Query)+len(p.Body)+4), uint64(len(p.Query)))
	out = append(out, p.Query...)
	return append(out, p.Body...)
}

func decodeParams(val []byte) Params {
	n, k := binary.Uvarint(val)
	q := val[k : k+int(n)]
	if len(q) == 0 {
		q = nil
	}
	return Params{Query: q, Body: val[k+int(n):]}
}

// checkKin validates parameters and body with kin-openapi (documents without Rocket.Chat's
// Ajv semantics: the control API).
func (v *Validator) checkKin(r *http.Request, o *operation, pathParams map[string]string, contentType string, raw []byte, readErr error) ([]byte, error) {
	body := coerceBody(o.coercion, kinBodyParams(contentType, raw))
	ctx := r.Context()
	input := &openapi3filter.RequestValidationInput{
		Request: r, PathParams: pathParams, Route: o.kin, Options: v.opts,
	}
	var errs openapi3.MultiError
	for _, p := range o.kin.PathItem.Parameters {
		if ov := o.kin.Operation.Parameters; ov != nil && ov.GetByInAndName(p.Value.In, p.Value.Name) != nil {
			continue
		}
		if err := openapi3filter.ValidateParameter(ctx, input, p.Value); err != nil {
			errs = append(errs, err)
		}
	}
	for _, p := range o.kin.Operation.Parameters {
		if err := openapi3filter.ValidateParameter(ctx, input, p.Value); err != nil {
			errs = append(errs, err)
		}
	}
	switch {
	case o.hasBody && readErr != nil:
		errs = append(errs, &openapi3filter.RequestError{RequestBody: o.kin.Operation.RequestBody.Value, Reason: "reading failed", Err: readErr})
	case o.hasBody:
		if err := v.validateBody(ctx, r, o, pathParams, body); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return body, newValidationError(o.id, errs)
	}
	return body, nil
}

// validateBody validates the coerced body params against o's request body schema.
func (v *Validator) validateBody(ctx context.Context, r *http.Request, o *operation, params map[string]string, body []byte) error {
	synthetic := &http.Request{
		Method: r.Method, URL: r.URL, Header: jsonHeader,
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
	}
	input := &openapi3filter.RequestValidationInput{
		Request: synthetic.WithContext(ctx), PathParams: params, Route: o.kin, Options: v.opts,
	}
	return openapi3filter.ValidateRequestBody(ctx, input, o.kin.Operation.RequestBody.Value)
}

// readBody reads r.Body and puts the same bytes back.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	raw, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(raw))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }
	return raw, err
}

// BodyParams turns a raw body into the JSON object (or array) a Rocket.Chat route's schema and
// handler see, as the http-router's parseBodyParams builds it (see bodyValue), written back as
// JSON.stringify would.
func BodyParams(contentType string, raw []byte) []byte {
	return appendJS(nil, bodyValue(contentType, raw))
}

// kinBodyParams is the body a kin-openapi-checked operation (the control API) sees:
//   - application/json: the body; empty or malformed JSON counts as {};
//   - application/x-www-form-urlencoded: an object of its fields, strings (one value) or
//     arrays of strings (repeated keys);
//   - multipart/form-data: {};
//   - anything else is text: empty counts as {}, otherwise the object of its characters
//     ({"0":"a","1":"b",…}), cut at 64 characters.
func kinBodyParams(contentType string, raw []byte) []byte {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = ""
	}
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		if len(bytes.TrimSpace(raw)) == 0 || !json.Valid(raw) {
			return []byte("{}")
		}
		return raw
	case mt == "application/x-www-form-urlencoded":
		values, err := url.ParseQuery(string(raw))
		if err != nil {
			return []byte("{}")
		}
		obj := make(map[string]any, len(values))
		for k, vs := range values {
			if len(vs) == 1 {
				obj[k] = vs[0]
			} else {
				obj[k] = vs
			}
		}
		out, _ := json.Marshal(obj)
		return out
	case mt == "multipart/form-data":
		return []byte("{}")
	}
	if len(raw) == 0 {
		return []byte("{}")
	}
	obj := map[string]string{}
	i := 0
	for _, r := range string(raw) {
		if i == 64 {
			break
		}
		obj[strconv.Itoa(i)] = string(r)
		i++
	}
	out, _ := json.Marshal(obj)
	return out
}

// ValidateResponse checks a response to req (status, Content-Type and body) against the
// operation. A status the operation does not document is a problem. An absent Content-Type is
// taken as application/json. Passing checks are remembered (see Validator).
func (v *Validator) ValidateResponse(req *http.Request, status int, header http.Header, body []byte) error {
	o, params, err := v.lookup(req)
	if err != nil {
		return err
	}
	if header == nil || header.Get("Content-Type") == "" {
		header = jsonHeader
	}
	var arr [512]byte
	var key []byte
	remember := o.rememberResponse(status)
	if remember {
		key = responseKey(arr[:0], o, status, header.Get("Content-Type"), body)
		if _, ok := v.respMemo.get(key); ok {
			return nil
		}
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: o.kin, Options: v.opts,
		},
		Status:  status,
		Header:  header,
		Options: v.opts,
	}
	input.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(req.Context(), input); err != nil {
		if status == http.StatusBadRequest && v.isInvalidQueryString(body) {
			return nil // any route's answer to a query string qs refuses (components/responses/InvalidQueryString)
		}
		return newValidationError(o.id, openapi3.MultiError{err})
	}
	if remember {
		v.respMemo.put(key, nil)
	}
	return nil
}
