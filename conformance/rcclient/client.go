// Package rcclient is a small typed client for the Rocket.Chat REST operations the conformance
// suite drives. Every answer it receives is checked against the contract (spec/openapi.yaml)
// before it is decoded: an answer off the contract is a *ContractViolation, which names the
// operation, the field and the rule, and is also handed to the OnViolation hook so that a test
// fails even where it expected an error.
//
//	admin, err := rcclient.New("http://127.0.0.1:3000").Login(ctx, "rocketchat.internal.admin.test", "…")
//	invite, err := admin.FindOrCreateInvite(ctx, "GENERAL", 7, 10)
//	_, err = bob.UseInviteToken(ctx, invite.ID)
//	var rcErr *rcclient.Error
//	if errors.As(err, &rcErr) && rcErr.ErrorType == "error-user-is-banned" { … }
//
// The package has no _test.go files on purpose: `go test ./conformance/...` passes -ginkgo.*
// flags to every test binary, so its checks live in the suite (conformance/self_check_test.go).
package rcclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rcinvite/rcinvite/spec"
)

// Client talks to one Rocket.Chat server (or one sandbox of the mock) as one user, or as
// nobody. It is safe for concurrent use; WithCredentials returns a copy.
type Client struct {
	base        *url.URL // scheme, host and an optional path prefix (a sandbox's base path)
	http        *http.Client
	contract    *spec.Validator
	onViolation func(*ContractViolation)
	exchanges   *exchangeLog // shared with every copy
	userID      string
	authToken   string
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sends requests through hc (default: a client with a 30 s timeout).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithContract checks answers against v instead of spec.Default().
func WithContract(v *spec.Validator) Option { return func(c *Client) { c.contract = v } }

// OnViolation calls f with every contract violation, before the call returns it as its error.
func OnViolation(f func(*ContractViolation)) Option { return func(c *Client) { c.onViolation = f } }

// New returns an anonymous client for the server at baseURL ("http://host:port", optionally
// followed by a path prefix such as a mock sandbox's "/sandboxes/<id>").
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("rcclient: base URL %q: want scheme://host[:port][/prefix]", baseURL)
	}
	c := &Client{base: u, http: &http.Client{Timeout: 30 * time.Second}, exchanges: &exchangeLog{}}
	for _, o := range opts {
		o(c)
	}
	if c.contract == nil {
		c.contract = spec.Default()
	}
	return c, nil
}

// WithCredentials returns a copy of c that sends X-User-Id and X-Auth-Token; an empty value
// leaves that header out.
func (c *Client) WithCredentials(userID, authToken string) *Client {
	cp := *c
	cp.userID, cp.authToken = userID, authToken
	return &cp
}

// Anonymous returns a copy of c that sends no credentials.
func (c *Client) Anonymous() *Client { return c.WithCredentials("", "") }

// UserID is the X-User-Id this client sends ("" when anonymous).
func (c *Client) UserID() string { return c.userID }

// AuthToken is the X-Auth-Token this client sends ("" when anonymous).
func (c *Client) AuthToken() string { return c.authToken }

// Response is an answer as received: the operation it belongs to, status, headers and body.
type Response struct {
	Operation string // operationId in spec/openapi.yaml
	Method    string
	Path      string // Rocket.Chat path, without the client's prefix
	Status    int
	Header    http.Header
	Body      []byte
	Exchange  *Exchange // the request and this answer, for failure messages
}

// Raw is a request body sent exactly as given (malformed JSON, say). Content type
// application/json unless ContentType says otherwise.
type Raw struct {
	Body        []byte
	ContentType string
}

// Do sends one request and checks the answer against the contract. path is the Rocket.Chat
// path ("/api/v1/useInviteToken"); body is nil (none), a Raw, or a value sent as JSON. Only
// transport failures and contract violations are errors: a 400 is a Response like a 200.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body any) (*Response, error) {
	send, sent, err := c.request(ctx, method, path, query, body)
	if err != nil {
		return nil, err
	}
	// The contract knows Rocket.Chat's paths, not the sandbox prefix: check against those.
	check, _ := http.NewRequestWithContext(ctx, method, path, nil)
	check.URL.RawQuery = send.URL.RawQuery
	ex := &Exchange{Method: method, Path: check.URL.RequestURI(), request: sent}
	if route, err := c.contract.FindRoute(check); err == nil {
		ex.Operation = route.OperationID
	}
	res, err := c.exchange(send, ex)
	c.exchanges.record(ex) // complete: an Exchange is never changed once recorded
	if err != nil {
		return nil, err
	}
	r := &Response{Operation: ex.Operation, Method: method, Path: path, Status: ex.Status, Header: res.Header, Body: ex.response, Exchange: ex}
	if err := c.contract.ValidateResponse(check, r.Status, r.Header, r.Body); err != nil {
		v := &ContractViolation{Response: r, Err: err}
		if c.onViolation != nil {
			c.onViolation(v)
		}
		return r, v
	}
	return r, nil
}

// exchange sends req and fills in ex with the answer (at most maxAnswer bytes of its body) or
// the transport failure.
func (c *Client) exchange(req *http.Request, ex *Exchange) (*http.Response, error) {
	res, err := c.http.Do(req)
	if err != nil {
		ex.Err = err
		return nil, fmt.Errorf("%s %s: %w", ex.Method, ex.Path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer+1))
	ex.Status = res.StatusCode
	if err != nil {
		ex.Err = err
		return nil, fmt.Errorf("%s %s: read answer: %w", ex.Method, ex.Path, err)
	}
	if len(raw) > maxAnswer {
		raw, ex.responseCut = raw[:maxAnswer], true
	}
	ex.response = raw
	return res, nil
}

// maxAnswer is the most of an answer the client reads (8 MiB: listInvites of a busy server).
const maxAnswer = 8 << 20

// request builds the HTTP request and returns it with the body bytes it sends.
func (c *Client) request(ctx context.Context, method, path string, query url.Values, body any) (*http.Request, []byte, error) {
	u := *c.base
	u.Path = c.base.Path + path
	u.RawPath = ""
	u.RawQuery = query.Encode()
	var data []byte
	contentType := ""
	switch b := body.(type) {
	case nil:
	case Raw:
		data, contentType = b.Body, b.ContentType
		if contentType == "" {
			contentType = "application/json"
		}
	default:
		var err error
		if data, err = json.Marshal(b); err != nil {
			return nil, nil, fmt.Errorf("%s %s: encode body: %w", method, path, err)
		}
		contentType = "application/json"
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.userID != "" {
		req.Header.Set("X-User-Id", c.userID)
	}
	if c.authToken != "" {
		req.Header.Set("X-Auth-Token", c.authToken)
	}
	return req, data, nil
}

// call sends a request, turns a non-2xx answer into an *Error, and decodes a 2xx body into out
// (when out is not nil).
func (c *Client) call(ctx context.Context, method, path string, query url.Values, body, out any) error {
	r, err := c.Do(ctx, method, path, query, body)
	if err != nil {
		return err
	}
	if r.Status < 200 || r.Status > 299 {
		return ErrorOf(r)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(r.Body, out); err != nil {
		return fmt.Errorf("%s: decode answer: %w", r.Operation, err)
	}
	return nil
}

// ContractViolation is an answer that does not match spec/openapi.yaml.
type ContractViolation struct {
	Response *Response
	Err      error // a *spec.ValidationError, or spec.ErrNoRoute for a path the contract lacks
}

func (v *ContractViolation) Error() string {
	return fmt.Sprintf("contract violation: %s: %v\n%s", v.Response.Operation, v.Err, v.Response.Exchange)
}

func (v *ContractViolation) Unwrap() error { return v.Err }

// GomegaString keeps Gomega from printing the violation's fields after its message, which
// already holds the rule, the request and the answer.
func (v *ContractViolation) GomegaString() string {
	return "(the rule, the request and the answer are above)"
}

// Error is a Rocket.Chat error answer (any status outside 2xx), as the error envelope of
// spec/openapi.yaml (components.schemas.ErrorEnvelope):
// {"success":false,"error":"…","errorType":"…","details":{…}}.
type Error struct {
	Operation string
	Status    int
	Message   string         // the `error` text ("" when `error` is not a string, as in a failed login)
	ErrorType string         // "" for plain errors
	Details   map[string]any // nil when absent
	Body      []byte         // the answer as received
	Exchange  *Exchange      // the request and this answer; nil for an Error built by hand
}

// redactedBody is the answer with its secrets redacted, judged as an answer to its request.
func (e *Error) redactedBody() json.RawMessage {
	path := ""
	if e.Exchange != nil {
		path = e.Exchange.route()
	}
	return spec.RedactBody(e.Body, false, "application/json", path)
}

// ErrorOf reads a Rocket.Chat error answer.
func ErrorOf(r *Response) *Error {
	e := &Error{Operation: r.Operation, Status: r.Status, Body: r.Body, Exchange: r.Exchange}
	var env struct {
		Error     json.RawMessage `json:"error"`
		ErrorType string          `json:"errorType"`
		Details   map[string]any  `json:"details"`
	}
	if json.Unmarshal(r.Body, &env) == nil {
		_ = json.Unmarshal(env.Error, &e.Message)
		e.ErrorType, e.Details = env.ErrorType, env.Details
	}
	return e
}

// Error is one line: the operation, the status and the answer (secrets redacted, cut).
func (e *Error) Error() string {
	return fmt.Sprintf("%s: HTTP %d: %s", e.Operation, e.Status, shorten(e.redactedBody(), 400))
}

// GomegaString is how Gomega shows the error in a failure message ("Unexpected error: …"):
// the request that got this answer, and the answer.
func (e *Error) GomegaString() string {
	if e.Exchange == nil {
		return e.Error()
	}
	return e.Exchange.String()
}

// IsType reports whether err is a Rocket.Chat error with the given errorType.
func IsType(err error, errorType string) bool {
	var e *Error
	return errors.As(err, &e) && e.ErrorType == errorType
}
