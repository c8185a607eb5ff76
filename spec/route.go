package spec

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// ErrNoRoute reports that no path of the document matches the request.
var ErrNoRoute = errors.New("no route")

// ErrMethodNotAllowed reports that the path exists but not with the request's method.
var ErrMethodNotAllowed = errors.New("method not allowed")

// Route is the operation a request resolves to.
type Route struct {
	OperationID  string            // operationId in the document, e.g. "useInviteToken"
	Method       string            // upper-case HTTP method
	PathTemplate string            // path as written in the document, e.g. "/api/v1/removeInvite/{_id}"
	PathParams   map[string]string // values of the template's parameters, unescaped; nil when none
	Secured      bool              // the operation requires X-User-Id and X-Auth-Token
	// Validate is how the Rocket.Chat route validates its request (x-rocketchat-validate:
	// ValidateRouter, ValidateParams or ValidateNone); "" for documents checked with kin-openapi.
	Validate string
}

// operation is everything precomputed for one method+path of the document.
type operation struct {
	id       string
	method   string
	template string
	secured  bool
	kin      *routers.Route
	coercion map[string]scalarType // top-level body property -> type to coerce to
	hasBody  bool
	index    int                  // position in the validator's operations, part of memo keys
	memoReq  bool                 // no header or cookie parameters: a request check may be remembered
	headered map[int]bool         // statuses whose responses declare headers: never remembered (see rememberResponse)
	rc       *rocketChatOperation // Ajv checks of a Rocket.Chat contract; nil: kin-openapi
}

// template is a path with {parameters}, split into segments.
type template struct {
	segments []string // literal segment, or "" for a parameter
	params   []string // parameter name per segment ("" for literals)
	methods  map[string]*operation
}

// router resolves method+path without regular expressions: a map for static paths, and a
// segment-by-segment match for the few templated ones.
type router struct {
	static    map[string]map[string]*operation // path -> method -> operation
	templates []*template
}

func newRouter(doc *openapi3.T) (*router, []*operation, error) {
	rt := &router{static: map[string]map[string]*operation{}}
	var ops []*operation
	for path, item := range doc.Paths.Map() {
		methods := map[string]*operation{}
		for method, op := range item.Operations() {
			o := &operation{
				id:       op.OperationID,
				method:   method,
				template: path,
				secured:  secured(doc, op),
				kin: &routers.Route{
					Spec: doc, Path: path, PathItem: item, Method: method, Operation: op,
				},
			}
			if o.id == "" {
				return nil, nil, errors.New("operation " + method + " " + path + " has no operationId")
			}
			methods[method] = o
			ops = append(ops, o)
		}
		if !strings.Contains(path, "{") {
			rt.static[path] = methods
			continue
		}
		t := &template{methods: methods}
		for _, seg := range strings.Split(path, "/") {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				t.segments = append(t.segments, "")
				t.params = append(t.params, seg[1:len(seg)-1])
				continue
			}
			t.segments = append(t.segments, seg)
			t.params = append(t.params, "")
		}
		rt.templates = append(rt.templates, t)
	}
	return rt, ops, nil
}

func secured(doc *openapi3.T, op *openapi3.Operation) bool {
	if op.Security != nil {
		return len(*op.Security) > 0
	}
	return len(doc.Security) > 0
}

// find resolves a request to an operation and its path parameters.
func (rt *router) find(method, path, escaped string) (*operation, map[string]string, error) {
	if methods, ok := rt.static[path]; ok {
		if o := methods[method]; o != nil {
			return o, nil, nil
		}
		return nil, nil, ErrMethodNotAllowed
	}
	segs := strings.Split(escaped, "/")
	var pathMatched bool
	for _, t := range rt.templates {
		params, ok := t.match(segs)
		if !ok {
			continue
		}
		if o := t.methods[method]; o != nil {
			return o, params, nil
		}
		pathMatched = true
	}
	if pathMatched {
		return nil, nil, ErrMethodNotAllowed
	}
	return nil, nil, ErrNoRoute
}

func (t *template) match(segs []string) (map[string]string, bool) {
	if len(segs) != len(t.segments) {
		return nil, false
	}
	var params map[string]string
	for i, lit := range t.segments {
		if t.params[i] == "" {
			if segs[i] != lit {
				return nil, false
			}
			continue
		}
		v, err := url.PathUnescape(segs[i])
		if err != nil || v == "" {
			return nil, false
		}
		if params == nil {
			params = make(map[string]string, 1)
		}
		params[t.params[i]] = v
	}
	return params, true
}

// FindRoute resolves r to the operation it calls. It answers ErrNoRoute or ErrMethodNotAllowed
// (wrapped) when the document has no such operation.
func (v *Validator) FindRoute(r *http.Request) (*Route, error) {
	o, params, err := v.lookup(r)
	if err != nil {
		return nil, err
	}
	rt := &Route{
		OperationID: o.id, Method: o.method, PathTemplate: o.template,
		PathParams: params, Secured: o.secured,
	}
	if o.rc != nil {
		rt.Validate = o.rc.validate
	}
	return rt, nil
}

func (v *Validator) lookup(r *http.Request) (*operation, map[string]string, error) {
	if r == nil || r.URL == nil {
		return nil, nil, ErrNoRoute
	}
	o, params, err := v.router.find(r.Method, r.URL.Path, r.URL.EscapedPath())
	if err != nil {
		return nil, nil, &routeError{method: r.Method, path: r.URL.Path, err: err}
	}
	return o, params, nil
}

// routeError names the request that found no operation; it unwraps to ErrNoRoute or
// ErrMethodNotAllowed.
type routeError struct {
	method, path string
	err          error
}

func (e *routeError) Error() string { return e.method + " " + e.path + ": " + e.err.Error() }

func (e *routeError) Unwrap() error { return e.err }
