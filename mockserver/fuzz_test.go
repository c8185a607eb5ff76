package mockserver_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rcinvite/rcinvite/mockserver"
	"github.com/rcinvite/rcinvite/spec"
)

// sandboxPlaceholder in a fuzzed path stands for the id of a sandbox that exists.
const sandboxPlaceholder = "{sb}"

// fuzzInput is one request the fuzzer builds.
type fuzzInput struct {
	method, target, contentType, userID, authToken, authorization string
	host, origin, secFetchSite                                    string // "" host: 127.0.0.1:3000
	declaredLength                                                int64  // -1: unknown (chunked); otherwise the Content-Length sent
	remote                                                        bool   // from a non-loopback address
	body                                                          []byte
}

// fuzzSeeds are real requests: every family of path, with and without auth, good and bad bodies.
var fuzzSeeds = []fuzzInput{
	{method: "POST", target: "/api/v1/useInviteToken", contentType: "application/json", userID: "alice", authToken: "alice-token", body: []byte(`{"token":"Forevr"}`)},
	{method: "POST", target: "/api/v1/useInviteToken", contentType: "application/json", userID: "bob", authToken: "bob-token", body: []byte(`{"token":"PrjXok"}`)},
	{method: "POST", target: "/api/v1/useInviteToken", contentType: "application/json", userID: "carol", authToken: "carol-token", body: []byte(`{"token":"PrjXok"}`)},
	{method: "POST", target: "/api/v1/useInviteToken", contentType: "application/json", body: []byte(`{"token":"PrjXok"}`)},
	{method: "POST", target: "/api/v1/useInviteToken", contentType: "application/json", userID: "alice", authToken: "alice-token", body: []byte(`{"token":`)},
	{method: "POST", target: "/api/v1/useInviteToken", contentType: "text/plain", userID: "alice", authToken: "alice-token", body: []byte(`token=Expird`)},
	{method: "POST", target: "/api/v1/useInviteToken", contentType: "application/json", userID: "alice", authToken: "alice-token", declaredLength: 40, body: []byte(`{"token":"MaxedX"}`)},
	{method: "POST", target: "/api/v1/validateInviteToken", contentType: "application/json", body: []byte(`{"token":"PrjXok","x":1}`)},
	{method: "POST", target: "/api/v1/validateInviteToken", contentType: "application/json", body: []byte(`{"token":12}`)},
	{method: "POST", target: "/api/v1/findOrCreateInvite", contentType: "application/json", userID: adminID, authToken: adminToken, body: []byte(`{"rid":"ProjectX","days":"7","maxUses":10}`)},
	{method: "GET", target: "/api/v1/listInvites", userID: adminID, authToken: adminToken},
	{method: "DELETE", target: "/api/v1/removeInvite/PrjXok", userID: adminID, authToken: adminToken},
	{method: "POST", target: "/api/v1/rooms.banUser", contentType: "application/json", userID: adminID, authToken: adminToken, body: []byte(`{"roomId":"ProjectX","username":"alice"}`)},
	{method: "POST", target: "/api/v1/rooms.unbanUser", contentType: "application/json", userID: adminID, authToken: adminToken, body: []byte(`{"roomId":"ProjectX","userId":"carol"}`)},
	{method: "GET", target: "/api/v1/rooms.bannedUsers?roomId=ProjectX&count=-1&offset=x", userID: "alice", authToken: "alice-token"},
	{method: "POST", target: "/api/v1/login", contentType: "application/json", body: []byte(`{"user":"alice","password":"rocket.chat"}`)},
	{method: "POST", target: "/api/v1/login", contentType: "application/json", body: []byte(`{"user":"alice","password":{"digest":"00","algorithm":"sha-256"}}`)},
	{method: "GET", target: "/api/v1/me", userID: "alice", authToken: "wrong"},
	{method: "GET", target: "/api/info"},
	{method: "GET", target: "/api/v1/channels.members?roomId=GENERAL", userID: "bob", authToken: "bob-token"},
	{method: "POST", target: "/api/v1/users.create", contentType: "application/json", userID: adminID, authToken: adminToken, body: []byte(`{"email":"d@x.io","name":"D","password":"p","username":"d"}`)},
	{method: "PUT", target: "/api/v1/useInviteToken", declaredLength: -1, body: []byte(`{}`)},
	{method: "POST", target: "/sandboxes/" + sandboxPlaceholder + "/api/v1/useInviteToken", contentType: "application/json", userID: "bob", authToken: "bob-token", body: []byte(`{"token":"PrjXok"}`)},
	{method: "GET", target: "/sandboxes/sb-unknown/api/info"},
	{method: "GET", target: "/sandboxes//api/info"},
	{method: "POST", target: "/_mock/reset?sandbox=" + sandboxPlaceholder},
	{method: "PUT", target: "/_mock/clock", contentType: "application/json", body: []byte(`{"advance":"25h"}`)},
	{method: "PUT", target: "/_mock/clock", contentType: "application/json", body: []byte(`{"freeze":"2026-01-01T00:00:00Z","resume":true}`)},
	{method: "POST", target: "/_mock/sandboxes", contentType: "application/json", body: []byte(`{"emulate":"8.3.0","latency":"1ms","fixtures":"empty"}`)},
	{method: "DELETE", target: "/_mock/sandboxes/" + sandboxPlaceholder},
	{method: "PUT", target: "/_mock/settings?sandbox=nope", contentType: "application/json", body: []byte(`{"emulate":"9.0.0"}`)},
	{method: "PUT", target: "/_mock/state", contentType: "application/json", body: []byte(`{"users":[{"_id":""}]}`)},
	{method: "GET", target: "/_mock/requests?limit=abc&status=200"},
	{method: "GET", target: "/_mock/state", remote: true},
	{method: "GET", target: "/_mock/state", authorization: "Bearer x"},
	{method: "GET", target: "/livez"},
	{method: "GET", target: "/_mock/state", host: "evil.example:3000"},
	{method: "PUT", target: "/_mock/state", host: "rebind.evil.example", contentType: "application/json", body: []byte(`{"users":[]}`)},
	{method: "POST", target: "/_mock/reset", contentType: "text/plain", origin: "https://evil.example", secFetchSite: "cross-site"},
	{method: "POST", target: "/_mock/sandboxes", contentType: "application/x-www-form-urlencoded", secFetchSite: "cross-site", body: []byte(`{}`)},
	{method: "GET", target: "/_mock/clock", host: "localhost:3000", origin: "http://localhost:3000", secFetchSite: "same-origin"},
	{method: "GET", target: "/_mock/clock", host: "[::1]:3000", origin: "null"},
	{method: "GET", target: "/api/info", host: "evil.example", origin: "https://evil.example", secFetchSite: "cross-site"},
	{method: "POST", target: "/api/v1/login", contentType: "application/x-www-form-urlencoded", body: []byte(`user=alice&p%61ssword=rocket.chat`)},
	{method: "GET", target: "/%2e%2e/api/info"},
	{method: "GET", target: "/_mock/worlds"},
	{method: "GET", target: "/_mock/world?sandbox=" + sandboxPlaceholder + "&limit=0"},
	{method: "GET", target: "/_mock/ui"},
	{method: "GET", target: "/_mock/ui/app.js", remote: true, authorization: "Bearer x"},
	{method: "GET", target: "/_mock/ui/../state"},
	{method: "GET", target: "/_mock/events?after=3&sandbox=" + sandboxPlaceholder},
	{method: "POST", target: "/_mock/events?after=-1"},
}

func FuzzServer(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s.method, s.target, s.contentType, s.userID, s.authToken, s.authorization, s.host, s.origin, s.secFetchSite,
			s.declaredLength, s.remote, s.body)
	}
	f.Fuzz(func(t *testing.T, method, target, contentType, userID, authToken, authorization, host, origin, secFetchSite string,
		declaredLength int64, remote bool, body []byte) {
		in := fuzzInput{method, target, contentType, userID, authToken, authorization, host, origin, secFetchSite, declaredLength, remote, body}
		srv, err := mockserver.New()
		if err != nil {
			t.Fatal(err)
		}
		srv.EndStreams() // an event stream the fuzzer opens ends at once instead of following the journal
		sandbox := ""
		if strings.Contains(target, sandboxPlaceholder) {
			sandbox = openSandbox(t, srv)
			in.target = strings.ReplaceAll(target, sandboxPlaceholder, sandbox)
		}
		req, ok := in.request()
		if !ok {
			return // net/http would refuse it before any handler runs
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		checkAnswer(t, req, sandbox, rec.Code, rec.Header(), rec.Body.Bytes())
		checkJournalExplains(t, srv, req, sandbox, rec.Code)
		checkNoForeignPage(t, req, rec.Code)
	})
}

// checkNoForeignPage: nothing under /_mock/ answers a request naming a host that is not a
// loopback name (a DNS rebinding page) or sent by another site's page.
func checkNoForeignPage(t *testing.T, req *http.Request, status int) {
	t.Helper()
	if !strings.HasPrefix(req.URL.Path, "/_mock/") {
		return
	}
	host := req.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	ip := net.ParseIP(host)
	loopbackName := host == "localhost" || strings.HasSuffix(host, ".localhost") || (ip != nil && ip.IsLoopback())
	crossSite := strings.EqualFold(req.Header.Get("Sec-Fetch-Site"), "cross-site") ||
		(req.Header.Get("Origin") != "" && !strings.EqualFold(strings.TrimSuffix(req.Header.Get("Origin"), "/"), "http://"+req.Host))
	if (!loopbackName || crossSite) && status != http.StatusForbidden {
		t.Fatalf("%s %s with Host %q, Origin %q, Sec-Fetch-Site %q answered %d, want 403",
			req.Method, req.URL, req.Host, req.Header.Get("Origin"), req.Header.Get("Sec-Fetch-Site"), status)
	}
}

// checkJournalExplains: every answer a world journaled carries an explanation that ends in it.
func checkJournalExplains(t *testing.T, srv http.Handler, req *http.Request, sandbox string, status int) {
	t.Helper()
	path, world := req.URL.Path, ""
	switch {
	case strings.HasPrefix(path, "/api/") || path == "/api":
	case sandbox != "" && strings.HasPrefix(path, "/sandboxes/"+sandbox+"/api"):
		world = "&sandbox=" + sandbox
	default:
		return // not a world's Rocket.Chat API: not journaled
	}
	e := mustServe(t, srv, http.StatusOK, http.MethodGet, "/_mock/requests?limit=1"+world, "", "", "")
	var j struct{ Requests []mockserver.JournalEntry }
	if err := json.Unmarshal(e.body, &j); err != nil || len(j.Requests) != 1 {
		t.Fatalf("%s %s: journal %s", req.Method, req.URL, e)
	}
	x := j.Requests[0].Explain
	if x == nil || len(x.Steps) == 0 || !strings.HasPrefix(x.Outcome, strconv.Itoa(status)) {
		t.Fatalf("%s %s answered %d; its explanation: %+v", req.Method, req.URL, status, x)
	}
}

// openSandbox opens a sandbox with the default fixtures and returns its id.
func openSandbox(t *testing.T, h http.Handler) string {
	t.Helper()
	e := mustServe(t, h, http.StatusCreated, http.MethodPost, "/_mock/sandboxes", "", "", "")
	var sb struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(e.body, &sb); err != nil || sb.ID == "" {
		t.Fatalf("%s: no sandbox id", e)
	}
	return sb.ID
}

// request builds the request as net/http's server would hand it to a handler; false when the
// server would have refused it on the wire (bad method, target or header).
func (in fuzzInput) request() (*http.Request, bool) {
	if !validToken(in.method) {
		return nil, false
	}
	u, err := url.ParseRequestURI(in.target)
	if err != nil || !strings.HasPrefix(in.target, "/") {
		return nil, false
	}
	h := http.Header{}
	for k, v := range map[string]string{"Content-Type": in.contentType, "X-User-Id": in.userID,
		"X-Auth-Token": in.authToken, "Authorization": in.authorization, "Origin": in.origin, "Sec-Fetch-Site": in.secFetchSite} {
		if v == "" {
			continue
		}
		if !validHeaderValue(v) {
			return nil, false
		}
		h.Set(k, v)
	}
	var body io.Reader = bytes.NewReader(in.body)
	length := in.declaredLength
	switch {
	case length < 0:
		length = -1
	case length == 0:
		length = int64(len(in.body))
	case length < int64(len(in.body)):
		body = io.LimitReader(body, length)
	case length > int64(len(in.body)):
		body = io.MultiReader(body, failingReader{}) // the client went away mid-body
	}
	if length < 0 {
		h.Set("Transfer-Encoding", "chunked")
	}
	r := &http.Request{Method: in.method, URL: u, RequestURI: in.target, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(body), ContentLength: length, Host: "127.0.0.1:3000", RemoteAddr: "127.0.0.1:40000"}
	if in.host != "" {
		if !validHeaderValue(in.host) || strings.ContainsAny(in.host, " /?#@") {
			return nil, false // net/http refuses such a Host
		}
		r.Host = in.host
	}
	if length < 0 {
		r.TransferEncoding = []string{"chunked"}
	}
	if in.remote {
		r.RemoteAddr = "192.0.2.7:40000" // TEST-NET-1: no packet is sent, the request is in-process
	}
	return r, true
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// validToken reports whether s is an HTTP token (RFC 9110), as a method must be.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// validHeaderValue reports whether net/http's server would accept v as a header value.
func validHeaderValue(v string) bool {
	for _, c := range []byte(v) {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return v == strings.TrimSpace(v)
}

// checkAnswer holds every answer to the invariants: no 5xx, and on the contract: spec.Default()
// for Rocket.Chat API paths (sandbox prefix stripped), spec.Control() for /_mock/; paths the
// contracts do not know answer 404 (or 405) with a JSON error envelope.
func checkAnswer(t *testing.T, req *http.Request, sandbox string, status int, header http.Header, body []byte) {
	t.Helper()
	if status >= 500 {
		t.Fatalf("%s %s answered %d: %s", req.Method, req.URL, status, body)
	}
	path := req.URL.Path
	v := spec.Default()
	switch {
	case path == "/_mock/events" || path == "/_mock/ui" || strings.HasPrefix(path, "/_mock/ui/"):
		checkDashboardAnswer(t, req, status, header, body)
		return
	case strings.HasPrefix(path, "/_mock/"):
		v = spec.Control()
	case sandbox != "" && strings.HasPrefix(path, "/sandboxes/"+sandbox+"/"):
		r2 := req.Clone(req.Context())
		r2.URL.Path = strings.TrimPrefix(path, "/sandboxes/"+sandbox)
		r2.URL.RawPath = ""
		req = r2
	case path == "/livez" && status == http.StatusOK:
		return
	case path != "/api" && !strings.HasPrefix(path, "/api/"):
		checkErrorEnvelope(t, req, status, body)
		return
	}
	if _, err := v.FindRoute(req); errors.Is(err, spec.ErrNoRoute) || errors.Is(err, spec.ErrMethodNotAllowed) {
		if v == spec.Control() && (status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusTooManyRequests) {
			checkAccessRefusal(t, req, status, body) // access is checked before the route
			return
		}
		if v != spec.Control() {
			checkRouterNotFound(t, req, status, body)
			return
		}
		checkErrorEnvelope(t, req, status, body)
		return
	}
	if err := v.ValidateResponse(req, status, header, body); err != nil {
		t.Fatalf("%s %s answered %d off the contract: %v\n%s", req.Method, req.URL, status, err, body)
	}
}

// checkRouterNotFound: the Rocket.Chat API answers a path or method it has no route for as its
// Hono router does: OPTIONS 200 "OK", anything else 404 "404 Not Found".
func checkRouterNotFound(t *testing.T, req *http.Request, status int, body []byte) {
	t.Helper()
	want := "404 Not Found"
	if req.Method == http.MethodOptions {
		want = "OK"
	}
	if (status != http.StatusNotFound && status != http.StatusOK) || string(body) != want {
		t.Fatalf("%s %s (no route) answered %d %q, want the router's %q", req.Method, req.URL, status, body, want)
	}
}

// checkDashboardAnswer: the dashboard's page and assets and the event stream answer with their
// own content type, or refuse like the control API (its JSON error envelope).
func checkDashboardAnswer(t *testing.T, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	ct := header.Get("Content-Type")
	switch {
	case status == http.StatusOK && (strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "text/javascript") ||
		strings.HasPrefix(ct, "text/css") || ct == "text/event-stream"):
		if strings.HasPrefix(req.URL.Path, "/_mock/ui") && header.Get("Content-Security-Policy") == "" {
			t.Fatalf("%s %s: a dashboard asset without its Content-Security-Policy", req.Method, req.URL)
		}
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		checkAccessRefusal(t, req, status, body)
	case strings.HasPrefix(ct, "text/plain") && (status == http.StatusNotFound || status == http.StatusMethodNotAllowed):
		// an asset the dashboard does not have (http.NotFound's plain text)
	default:
		var env struct {
			Success   *bool  `json:"success"`
			ErrorType string `json:"errorType"`
		}
		if json.Unmarshal(body, &env) != nil || env.Success == nil || *env.Success || env.ErrorType == "" {
			t.Fatalf("%s %s answered %d %s %s, want the page, the stream or an error envelope", req.Method, req.URL, status, ct, body)
		}
	}
}

// checkErrorEnvelope: an answer outside the contract is 404 or 405 {"success":false,"error":...}.
func checkErrorEnvelope(t *testing.T, req *http.Request, status int, body []byte) {
	t.Helper()
	var env struct {
		Success *bool  `json:"success"`
		Error   string `json:"error"`
	}
	if (status != http.StatusNotFound && status != http.StatusMethodNotAllowed) ||
		json.Unmarshal(body, &env) != nil || env.Success == nil || *env.Success || env.Error == "" {
		t.Fatalf("%s %s (no operation in the contract) answered %d %s, want 404/405 with a JSON error envelope",
			req.Method, req.URL, status, body)
	}
}

// checkAccessRefusal: the access gate refuses a caller with 401 error-control-unauthorized,
// 403 error-control-forbidden, error-host-not-allowed or error-cross-site-request, or 429
// error-too-many-requests, whatever the path.
func checkAccessRefusal(t *testing.T, req *http.Request, status int, body []byte) {
	t.Helper()
	var env struct {
		Success   *bool  `json:"success"`
		ErrorType string `json:"errorType"`
	}
	want := map[int][]string{http.StatusUnauthorized: {"error-control-unauthorized"},
		http.StatusForbidden:       {"error-control-forbidden", "error-host-not-allowed", "error-cross-site-request"},
		http.StatusTooManyRequests: {"error-too-many-requests"}}[status]
	if json.Unmarshal(body, &env) != nil || env.Success == nil || *env.Success || !slices.Contains(want, env.ErrorType) {
		t.Fatalf("%s %s answered %d %s, want errorType one of %v", req.Method, req.URL, status, body, want)
	}
}

func TestBodyOverOneMiBAnswers413WithRocketChatEnvelope(t *testing.T) {
	srv, err := mockserver.New(mockserver.WithStrict(true))
	if err != nil {
		t.Fatal(err)
	}
	big := append([]byte(`{"token":"`), bytes.Repeat([]byte("a"), 1<<20)...)
	big = append(big, `"}`...)
	for _, declared := range []bool{true, false} {
		in := fuzzInput{method: "POST", target: "/api/v1/useInviteToken", contentType: "application/json",
			userID: "alice", authToken: "alice-token", body: big}
		if !declared {
			in.declaredLength = -1
		}
		req, _ := in.request()
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("body of %d bytes (Content-Length sent: %v) answered %d %s, want 413", len(big), declared, rec.Code, rec.Body)
		}
		var env struct {
			Success *bool  `json:"success"`
			Error   string `json:"error"`
		}
		if json.Unmarshal(rec.Body.Bytes(), &env) != nil || env.Success == nil || *env.Success || env.Error == "" {
			t.Fatalf("413 body %s is not Rocket.Chat's {success:false, error} envelope", rec.Body)
		}
		checkAnswer(t, req, "", rec.Code, rec.Header(), rec.Body.Bytes())
	}
}

func TestMalformedJSONAnswers400InvalidParams(t *testing.T) {
	srv, err := mockserver.New(mockserver.WithStrict(true))
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`{"token":`, `{token: "PrjXok"}`, `[`, "\x00\xff", `{"token":"PrjXok"}}`} {
		e := newExchange(http.MethodPost, "/api/v1/useInviteToken", body, "alice", "alice-token").run(srv)
		if e.status != http.StatusBadRequest || e.errorType() != "invalid-params" {
			t.Errorf("%s: want 400 invalid-params", e)
		}
		checkAnswer(t, e.req, "", e.status, http.Header{"Content-Type": {"application/json"}}, e.body)
	}
}

// TestSlowClientIsCutOffByReadHeaderTimeout runs the rcmock binary and trickles a request's
// headers one line at a time without ever ending them: the server must close the connection
// (--read-header-timeout 300ms here; 5 s by default) well before the client would be done
// (300 lines, 30 s).
func TestSlowClientIsCutOffByReadHeaderTimeout(t *testing.T) {
	addr := startRcmock(t, "--read-header-timeout", "300ms")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /api/info HTTP/1.1\r\nHost: "+addr+"\r\n"); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() {
		_, err := conn.Read(make([]byte, 1)) // the server says nothing until it hangs up
		closed <- err
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := range 300 {
		select {
		case err := <-closed:
			if err == nil {
				t.Fatal("the server answered a request whose headers never ended")
			}
			t.Logf("cut off after %d header lines: %v", i, err)
			return
		case <-tick.C:
			_, _ = io.WriteString(conn, "X-Slow: 1\r\n") // fails once the server has hung up
		}
	}
	t.Fatal("the server kept a connection open for 30 s of trickled headers")
}

// startRcmock builds rcmock, starts it on a free loopback port and waits for its first answer.
func startRcmock(t *testing.T, args ...string) string {
	t.Helper()
	addr, _ := startRcmockProcess(t, args...)
	return addr
}

// startRcmockProcess is startRcmock that also returns the process.
func startRcmockProcess(t *testing.T, args ...string) (string, *os.Process) {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build rcmock: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "rcmock")
	if out, err := exec.Command(gobin, "build", "-o", bin, "./cmd/rcmock").CombinedOutput(); err != nil {
		t.Fatalf("build rcmock: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	// rcmock logs `level=INFO msg=listening addr=127.0.0.1:PORT ...` once it listens.
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if _, rest, ok := strings.Cut(sc.Text(), " addr="); ok && strings.Contains(sc.Text(), "msg=listening") {
			addr, _, _ := strings.Cut(rest, " ")
			go func() { _, _ = io.Copy(io.Discard, stderr) }()
			return addr, cmd.Process
		}
	}
	t.Fatalf("rcmock exited without listening: %v", sc.Err())
	return "", nil
}
