// Package mocktest runs the mock Rocket.Chat server inside Go tests, so a Rocket.Chat client
// can be tested against invite links, bans and expiry without a real server. This is the
// package's runnable example (Example in example_test.go, run by go test): bob redeems the
// fixture invite PrjXok and joins project-x; carol, banned from the room, is refused by
// Rocket.Chat 8.4.0's ban check.
//
//	m, err := mocktest.New()
//	if err != nil {
//		fmt.Println(err)
//		return
//	}
//	defer m.Close()
//
//	bob := m.Session("bob", "bob-token") // fixture users carry fixed tokens
//	res, err := bob.PostJSON("/api/v1/useInviteToken", map[string]string{"token": "PrjXok"})
//	if err != nil {
//		fmt.Println(err)
//		return
//	}
//	var joined struct {
//		Room struct {
//			Name string `json:"name"`
//		} `json:"room"`
//	}
//	if err := res.Decode(&joined); err != nil {
//		fmt.Println(err)
//		return
//	}
//	fmt.Println(res.StatusCode, joined.Room.Name)
//
//	carol := m.Session("carol", "carol-token")
//	res, err = carol.PostJSON("/api/v1/useInviteToken", map[string]string{"token": "PrjXok"})
//	if err != nil {
//		fmt.Println(err)
//		return
//	}
//	var refused struct {
//		ErrorType string `json:"errorType"`
//	}
//	if err := res.Decode(&refused); err != nil {
//		fmt.Println(err)
//		return
//	}
//	fmt.Println(res.StatusCode, refused.ErrorType)
//	// Output:
//	// 200 project-x
//	// 400 error-user-is-banned
//
// In a test, Start runs the mock and closes it when the test ends; Login opens a session;
// Requests reads the journal of what the mock answered ([]mockserver.JournalEntry: method,
// path, status, both bodies with secrets redacted); a sandbox is a world of its own, with its
// own clock. The code under test is your client, pointed at the world's URL; Session.PostJSON
// stands in for it here. This test is the README's "Use the mock from your own Go module",
// built and run by the repository's own tests in a module of its own:
//
//	func TestInviteLinks(t *testing.T) {
//		m := mocktest.Start(t)                  // closed when the test ends
//		bob := m.Login(t, "bob", "rocket.chat") // a fresh session: bob.UserID, bob.AuthToken
//
//		// Your client goes here, pointed at m.URL with bob's credentials.
//		res, err := bob.PostJSON("/api/v1/useInviteToken", map[string]string{"token": "PrjXok"})
//		if err != nil || res.StatusCode != http.StatusOK {
//			t.Fatalf("bob uses PrjXok: %v, %v", res, err)
//		}
//
//		// The journal: one request, answered 200 ([]mockserver.JournalEntry).
//		sent := m.Requests(t, mocktest.RequestFilter{Path: "/api/v1/useInviteToken"})
//		if len(sent) != 1 || sent[0].Status != http.StatusOK {
//			t.Errorf("journal: %+v", sent)
//		}
//
//		// A sandbox has its own invites and clock: eight days on, the 7-day PrjXok has expired.
//		sb := m.NewSandbox(t, mocktest.SandboxOptions{})
//		sb.Advance(t, 8*24*time.Hour)
//		res, err = sb.Session("bob", "bob-token").PostJSON("/api/v1/useInviteToken", map[string]string{"token": "PrjXok"})
//		var refused struct {
//			ErrorType string `json:"errorType"`
//		}
//		if err != nil || res.Decode(&refused) != nil || refused.ErrorType != "error-invite-expired" {
//			t.Errorf("PrjXok after 8 days: %v, %v", res, err)
//		}
//	}
//
// The default fixtures hold the admin rocketchat.internal.admin.test (password the same),
// alice, bob and carol (password "rocket.chat"; fixed tokens such as "bob-token"), the private
// room project-x (_id ProjectX) where carol is banned, and invite tokens such as PrjXok
// (valid), Expird (expired) and MaxedX (used up); the README lists them all.
//
// Sandboxes are isolated worlds on the same server (their API is at Sandbox.URL + "/api/..."):
// one per parallel test keeps tests from seeing each other's invites or clock. A sandbox may
// emulate another Rocket.Chat version: SandboxOptions{Emulate: "8.3.0"} has no ban check in
// useInviteToken.
//
// When a test fails, mocktest prints after the test's own output why the mock answered each
// request of the test as it did: for every world the test used (the mock's default world and
// its sandboxes), the journal's last requests with the explanation of each answer, the checks
// Rocket.Chat's rules ran in order (see GET /_mock/requests, "explain"):
//
//	mocktest: why the mock answered as it did (default world, 1 request):
//	  #1 POST /api/v1/useInviteToken → 400 error-user-is-banned (as carol)
//	    [pass] carol authenticated: X-Auth-Token is their login token
//	    [pass] invite PrjXok (room ProjectX): 0 of 10 uses, expires … (in 6 d 23 h on the world's clock)
//	    [pass] room ProjectX is a private group: member actions allowed
//	    [fail] carol has a subscription to ProjectX with status BANNED, …; this check exists since 8.4.0: …
//
// mocktest drives the mock through its control API from the loopback address, so it needs no
// control token; do not pass mockserver.WithControlToken to Start.
package mocktest

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rcinvite/rcinvite/mockserver"
)

// Mock is a running mock server. Its embedded World is the default world, served at
// URL + "/api/...".
type Mock struct {
	*World
	// Server is the handler behind the test server.
	Server *mockserver.Server
	ts     *httptest.Server
}

// Start runs a mock server configured by opts on a loopback port and closes it when t ends.
// It fails t if the options are invalid.
func Start(t testing.TB, opts ...mockserver.Option) *Mock {
	t.Helper()
	m, err := New(opts...)
	if err != nil {
		t.Fatalf("start mock: %v", err)
	}
	t.Cleanup(m.Close)
	t.Cleanup(func() { m.explainIfFailed(t, "default world", 0) }) // runs first: cleanups run last-in first-out
	return m
}

// New runs a mock server like Start, for code without a testing.TB (examples, TestMain);
// the caller must Close it.
func New(opts ...mockserver.Option) (*Mock, error) {
	srv, err := mockserver.New(opts...)
	if err != nil {
		return nil, err
	}
	ts := httptest.NewServer(srv)
	return &Mock{
		World:  &World{URL: ts.URL, root: ts.URL, client: ts.Client()},
		Server: srv,
		ts:     ts,
	}, nil
}

// Close stops the server, waiting for requests in flight (open dashboard streams are ended).
func (m *Mock) Close() {
	m.Server.EndStreams()
	m.ts.Close()
}

// Client returns an HTTP client for the mock's URLs.
func (m *Mock) Client() *http.Client { return m.client }

// SandboxOptions configure a sandbox; the zero value is a sandbox like the default world.
type SandboxOptions struct {
	// ID is the sandbox's id: 1 to 64 letters, digits, '.', '_' or '-', beginning with a letter
	// or a digit. "" derives one from the test's name and a random suffix ("TestJoin-k3vaq2m7").
	ID string
	// Emulate is the Rocket.Chat version the sandbox behaves like ("8.3.0"); "" keeps the server's.
	Emulate string
	// Latency is waited before each of the sandbox's Rocket.Chat API answers.
	Latency time.Duration
	// Empty starts the sandbox with only the admin user instead of the fixtures.
	Empty bool
	// RateLimit, when set, turns on Rocket.Chat's REST rate limiter in the sandbox (off by
	// default, as under TEST_MODE).
	RateLimit *RateLimit
	// CORSOrigin, when set, turns on CORS for the sandbox's Rocket.Chat API with this
	// API_CORS_Origin ("*" or a comma-separated list of origins).
	CORSOrigin string
}

// RateLimit is Rocket.Chat's rate limiter setting: Calls per Interval per client address and
// /api/v1 route; zero values are Rocket.Chat's defaults (10 calls, 1 minute). The window runs on
// the world's clock, so Advance ends it.
type RateLimit struct {
	Calls    int
	Interval time.Duration
}

func (r RateLimit) body() map[string]any {
	b := map[string]any{"enabled": true}
	if r.Calls != 0 {
		b["calls"] = r.Calls
	}
	if r.Interval != 0 {
		b["interval"] = r.Interval.String()
	}
	return b
}

// Sandbox is an isolated world on a Mock: its own users, rooms, invites, clock, settings and
// journal, served at URL + "/api/...".
type Sandbox struct {
	*World
	// ID is the sandbox's id (SandboxOptions.ID).
	ID string
}

// NewSandbox opens a sandbox under an id of the caller's choosing (PUT /_mock/sandboxes/{id})
// and deletes it when t ends. It fails t if the mock refuses, for instance because a sandbox
// with opts.ID is open with other options.
func (m *Mock) NewSandbox(t testing.TB, opts SandboxOptions) *Sandbox {
	t.Helper()
	id := opts.ID
	if id == "" {
		id = sandboxIDFor(t.Name())
	}
	req := map[string]any{}
	if opts.RateLimit != nil {
		req["rateLimiter"] = opts.RateLimit.body()
	}
	if opts.CORSOrigin != "" {
		req["cors"] = map[string]any{"enabled": true, "origin": opts.CORSOrigin}
	}
	if opts.Emulate != "" {
		req["emulate"] = opts.Emulate
	}
	if opts.Latency != 0 {
		req["latency"] = opts.Latency.String()
	}
	if opts.Empty {
		req["fixtures"] = "empty"
	}
	var created struct {
		ID       string `json:"id"`
		BasePath string `json:"basePath"`
	}
	m.control(t, http.MethodPut, "/_mock/sandboxes/"+url.PathEscape(id), "", req, &created)
	t.Cleanup(func() {
		if err := m.call(http.MethodDelete, "/_mock/sandboxes/"+url.PathEscape(created.ID), "", nil, nil); err != nil {
			t.Errorf("delete sandbox %s: %v", created.ID, err)
		}
	})
	sb := &Sandbox{
		World: &World{URL: m.root + created.BasePath, root: m.root, sandbox: created.ID, client: m.client},
		ID:    created.ID,
	}
	t.Cleanup(func() { sb.explainIfFailed(t, "sandbox "+sb.ID, 0) }) // before the sandbox is deleted
	return sb
}

// sandboxIDFor derives a sandbox id from a test's name: its characters outside the id's
// alphabet become '-', it is cut to 54 characters, and '-' and 8 random characters follow
// (40 bits, so that sandboxes of one test, or of tests of one name in several packages
// sharing a mock, never meet).
func sandboxIDFor(testName string) string {
	id := strings.Map(func(r rune) rune {
		if r < utf8.RuneSelf && (alnum(byte(r)) || r == '.' || r == '_' || r == '-') {
			return r
		}
		return '-'
	}, testName)
	if id == "" || !alnum(id[0]) {
		id = "t" + id
	}
	return id[:min(len(id), 54)] + "-" + strings.ToLower(rand.Text()[:8])
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }

// World is one world of the mock, the default one or a sandbox, and the control calls that
// act on it.
type World struct {
	// URL is the world's base URL: its Rocket.Chat API is at URL + "/api/...".
	URL     string
	root    string // the server's URL, where /_mock/ lives
	sandbox string // "" for the default world
	client  *http.Client
}

// Session returns a session for a user whose credentials are known, such as the fixture
// tokens ("bob", "bob-token").
func (w *World) Session(userID, authToken string) *Session {
	return &Session{UserID: userID, AuthToken: authToken, base: w.URL, client: w.client}
}

// Login logs user (username or email) in with password through POST /api/v1/login and
// returns the session. It fails t if the login is refused.
func (w *World) Login(t testing.TB, user, password string) *Session {
	t.Helper()
	res, err := w.Session("", "").PostJSON("/api/v1/login", map[string]string{"user": user, "password": password})
	if err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	var login struct {
		Data struct {
			UserID    string `json:"userId"`
			AuthToken string `json:"authToken"`
		} `json:"data"`
	}
	if res.StatusCode != http.StatusOK || res.Decode(&login) != nil || login.Data.AuthToken == "" {
		t.Fatalf("login %s: %d %s", user, res.StatusCode, res.Body)
	}
	return w.Session(login.Data.UserID, login.Data.AuthToken)
}

// Advance moves the world's clock by d (frozen or running); other worlds keep their time.
func (w *World) Advance(t testing.TB, d time.Duration) {
	t.Helper()
	w.control(t, http.MethodPut, "/_mock/clock", w.sandbox, map[string]string{"advance": d.String()}, nil)
}

// Freeze stops the world's clock at at.
func (w *World) Freeze(t testing.TB, at time.Time) {
	t.Helper()
	w.control(t, http.MethodPut, "/_mock/clock", w.sandbox, map[string]string{"freeze": at.Format(time.RFC3339Nano)}, nil)
}

// SetRateLimit turns the world's rate limiter on with r (its counters start afresh).
func (w *World) SetRateLimit(t testing.TB, r RateLimit) {
	t.Helper()
	w.control(t, http.MethodPut, "/_mock/settings", w.sandbox, map[string]any{"rateLimiter": r.body()}, nil)
}

// RemoveRateLimit turns the world's rate limiter off, as under TEST_MODE.
func (w *World) RemoveRateLimit(t testing.TB) {
	t.Helper()
	w.control(t, http.MethodPut, "/_mock/settings", w.sandbox, map[string]any{"rateLimiter": map[string]bool{"enabled": false}}, nil)
}

// SetCORS turns CORS on for the world's Rocket.Chat API with API_CORS_Origin origin ("*" or a
// comma-separated list), or off when origin is "".
func (w *World) SetCORS(t testing.TB, origin string) {
	t.Helper()
	cors := map[string]any{"enabled": origin != ""}
	if origin != "" {
		cors["origin"] = origin
	}
	w.control(t, http.MethodPut, "/_mock/settings", w.sandbox, map[string]any{"cors": cors}, nil)
}

// Resume puts the world's clock back to real time.
func (w *World) Resume(t testing.TB) {
	t.Helper()
	w.control(t, http.MethodPut, "/_mock/clock", w.sandbox, map[string]bool{"resume": true}, nil)
}

// Now returns the world's current time.
func (w *World) Now(t testing.TB) time.Time {
	t.Helper()
	var clock struct {
		Now time.Time `json:"now"`
	}
	w.control(t, http.MethodGet, "/_mock/clock", w.sandbox, nil, &clock)
	return clock.Now
}

// Reset puts the world back to its fixtures, its clock to real time, and clears its journal.
func (w *World) Reset(t testing.TB) {
	t.Helper()
	w.control(t, http.MethodPost, "/_mock/reset", w.sandbox, nil, nil)
}

// RequestFilter selects journal entries; zero fields match everything.
type RequestFilter struct {
	// Path is an exact path ("/api/v1/useInviteToken") or a prefix ending in "*" ("/api/v1/rooms.*").
	Path string
	// Method matches in any case.
	Method string
	// Status is the HTTP status of the answer.
	Status int
	// Limit keeps the most recent matches only.
	Limit int
}

// Requests returns the Rocket.Chat API requests the world answered that match f, oldest first
// (at most the journal's size, 1000 by default).
func (w *World) Requests(t testing.TB, f RequestFilter) []mockserver.JournalEntry {
	t.Helper()
	q := url.Values{}
	if f.Path != "" {
		q.Set("path", f.Path)
	}
	if f.Method != "" {
		q.Set("method", f.Method)
	}
	if f.Status != 0 {
		q.Set("status", strconv.Itoa(f.Status))
	}
	if f.Limit != 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	path := "/_mock/requests"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var journal struct {
		Requests []mockserver.JournalEntry `json:"requests"`
	}
	w.control(t, http.MethodGet, path, w.sandbox, nil, &journal)
	return journal.Requests
}

// control performs a control call and fails t unless it succeeds.
func (w *World) control(t testing.TB, method, path, sandbox string, body, out any) {
	t.Helper()
	if err := w.call(method, path, sandbox, body, out); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
}

// call performs a control call on the world sandbox ("" = default) and decodes a 2xx answer into out.
func (w *World) call(method, path, sandbox string, body, out any) error {
	target := w.root + path
	if sandbox != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		target += sep + "sandbox=" + url.QueryEscape(sandbox)
	}
	res, err := send(w.client, method, target, body, nil)
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%d %s", res.StatusCode, res.Body)
	}
	if out != nil {
		return res.Decode(out)
	}
	return nil
}

// Session is a logged-in user of one world. Its helpers send the X-User-Id and X-Auth-Token
// headers and take paths relative to the world ("/api/v1/me").
type Session struct {
	// UserID is the user's _id (X-User-Id).
	UserID string
	// AuthToken is the login token (X-Auth-Token).
	AuthToken string
	base      string
	client    *http.Client
}

// Do sends req with the session's credentials. A relative URL ("/api/v1/me") is taken from the
// world's base URL. The caller closes the response body.
func (s *Session) Do(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	if !req.URL.IsAbs() {
		u, err := url.Parse(s.base + req.URL.String())
		if err != nil {
			return nil, err
		}
		req.URL, req.Host = u, u.Host
	}
	if s.UserID != "" || s.AuthToken != "" {
		req.Header.Set("X-User-Id", s.UserID)
		req.Header.Set("X-Auth-Token", s.AuthToken)
	}
	return s.client.Do(req)
}

// Get sends GET path (with its query) and reads the answer.
func (s *Session) Get(path string) (*Response, error) {
	return send(s.client, http.MethodGet, s.base+path, nil, s.header())
}

// PostJSON sends body as JSON to path and reads the answer.
func (s *Session) PostJSON(path string, body any) (*Response, error) {
	return send(s.client, http.MethodPost, s.base+path, body, s.header())
}

func (s *Session) header() http.Header {
	if s.UserID == "" && s.AuthToken == "" {
		return nil
	}
	return http.Header{"X-User-Id": {s.UserID}, "X-Auth-Token": {s.AuthToken}}
}

// Response is an answer read in full.
type Response struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Header holds the answer's headers.
	Header http.Header
	// Body is the whole body.
	Body []byte
}

// Decode unmarshals the JSON body into v.
func (r *Response) Decode(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("decode %d answer %q: %w", r.StatusCode, r.Body, err)
	}
	return nil
}

// send performs one request with an optional JSON body and reads the answer.
func send(c *http.Client, method, target string, body any, header http.Header) (*Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode body: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	return &Response{StatusCode: res.StatusCode, Header: res.Header, Body: b}, nil
}
