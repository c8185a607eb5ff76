package mockserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rcinvite/rcinvite/mockserver"
	"github.com/rcinvite/rcinvite/spec"
)

// mock is a mock server on a loopback port, with helpers that check every control answer
// against spec/mock-control.yaml.
type mock struct {
	t   *testing.T
	srv *mockserver.Server
	url string
}

func startMock(t *testing.T, opts ...mockserver.Option) *mock {
	t.Helper()
	srv, err := mockserver.New(append([]mockserver.Option{mockserver.WithStrict(true)}, opts...)...)
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.EndStreams() // or Close waits for open event streams
		ts.Close()
	})
	return &mock{t: t, srv: srv, url: ts.URL}
}

// answer is a decoded JSON answer.
type answer struct {
	status int
	raw    []byte
	body   map[string]any
}

func (a answer) str(key string) string {
	s, _ := a.body[key].(string)
	return s
}

// send performs one request; hdr is a list of header name, value pairs.
func (m *mock) send(method, path, body string, hdr ...string) answer {
	m.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, m.url+path, rd)
	if err != nil {
		m.t.Fatalf("%s %s: %v", method, path, err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		m.t.Fatalf("%s %s: read: %v", method, path, err)
	}
	a := answer{status: res.StatusCode, raw: raw}
	_ = json.Unmarshal(raw, &a.body) // bare arrays and literals leave body nil
	if strings.HasPrefix(path, "/_mock/") {
		checkControlAnswer(m.t, method, path, res, raw)
	}
	return a
}

// checkControlAnswer fails t when a control answer is off spec/mock-control.yaml. Answers to
// paths the contract does not have (404 error-not-found, 405) must still be error bodies.
func checkControlAnswer(t *testing.T, method, path string, res *http.Response, raw []byte) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	err := spec.Control().ValidateResponse(req, res.StatusCode, res.Header, raw)
	if _, noRoute := spec.Control().FindRoute(req); noRoute != nil {
		var e struct {
			Success   *bool  `json:"success"`
			Error     string `json:"error"`
			ErrorType string `json:"errorType"`
		}
		if json.Unmarshal(raw, &e) != nil || e.Success == nil || *e.Success || e.Error == "" || e.ErrorType == "" {
			t.Errorf("%s %s: %d %s is not a control error body", method, path, res.StatusCode, raw)
		}
		return
	}
	if err != nil {
		t.Errorf("%s %s: answer %d %s breaks spec/mock-control.yaml: %v", method, path, res.StatusCode, raw, err)
	}
}

// as returns the header pairs of a fixture user's fixed token.
func as(userID, token string) []string {
	return []string{"X-User-Id", userID, "X-Auth-Token", token}
}

var (
	asAdmin = as("rocketchat.internal.admin.test", "admin-token") // fixtures/default.yaml
	asBob   = as("bob", "bob-token")
	asCarol = as("carol", "carol-token")
)

// newSandbox opens a sandbox with body and returns its id.
func (m *mock) newSandbox(body string) string {
	m.t.Helper()
	a := m.send(http.MethodPost, "/_mock/sandboxes", body)
	if a.status != http.StatusCreated {
		m.t.Fatalf("create sandbox: %d %s", a.status, a.raw)
	}
	return a.str("id")
}

// createInvite makes admin create an invite to ProjectX in the world at base and returns its token.
func (m *mock) createInvite(base string, days, maxUses int) string {
	m.t.Helper()
	body, _ := json.Marshal(map[string]any{"rid": "ProjectX", "days": days, "maxUses": maxUses})
	a := m.send(http.MethodPost, base+"/api/v1/findOrCreateInvite", string(body), asAdmin...)
	if a.status != http.StatusOK || a.str("_id") == "" {
		m.t.Fatalf("findOrCreateInvite: %d %s", a.status, a.raw)
	}
	return a.str("_id")
}

func useInvite(token string) string {
	b, _ := json.Marshal(map[string]string{"token": token})
	return string(b)
}

// raw performs one request and returns the response, body closed, for its headers.
func (m *mock) raw(method, path string, hdr ...string) *http.Response {
	m.t.Helper()
	req, err := http.NewRequest(method, m.url+path, nil)
	if err != nil {
		m.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res
}
