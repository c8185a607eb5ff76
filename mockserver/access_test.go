package mockserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rcinvite/rcinvite/mockserver"
)

// controlRequest builds a request to the server as a client at remote would send it to host.
func controlRequest(method, target, host, remote, body string, hdr ...string) *http.Request {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Host, req.RemoteAddr = host, remote
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	return req
}

// serveControl sends req to srv and checks the answer against the control contract.
func serveControl(t *testing.T, srv http.Handler, req *http.Request) (status int, errorType string, raw string) {
	t.Helper()
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if strings.HasPrefix(req.URL.Path, "/_mock/") {
		checkControlAnswer(t, req.Method, req.URL.Path, rec.Result(), rec.Body.Bytes())
	}
	var e struct{ ErrorType string }
	_ = json.Unmarshal(rec.Body.Bytes(), &e)
	return rec.Code, e.ErrorType, rec.Body.String()
}

func TestControlPlaneHostAndOriginRules(t *testing.T) {
	srv, err := mockserver.New(mockserver.WithStrict(true), mockserver.WithAllowedHosts("rcmock.ci.svc", ".cluster.example", "[fd00::7]"))
	if err != nil {
		t.Fatal(err)
	}
	const loop = "127.0.0.1:5555"
	cases := []struct {
		name   string
		host   string
		hdr    []string
		status int
		code   string
	}{
		{"127.0.0.1 with port", "127.0.0.1:3000", nil, 200, ""},
		{"127.0.0.0/8", "127.8.9.10:3000", nil, 200, ""},
		{"localhost", "localhost:3000", nil, 200, ""},
		{"localhost in capitals, fully qualified", "LOCALHOST.:3000", nil, 200, ""},
		{"a subdomain of localhost", "app.localhost:3000", nil, 200, ""},
		{"IPv6 loopback", "[::1]:3000", nil, 200, ""},
		{"an allowed host", "rcmock.ci.svc:3000", nil, 200, ""},
		{"an allowed domain", "cluster.example", nil, 200, ""},
		{"a subdomain of an allowed domain", "a.b.cluster.example:80", nil, 200, ""},
		{"an allowed IPv6 address", "[fd00::7]:3000", nil, 200, ""},
		{"a rebinding name", "evil.example:3000", nil, 403, "error-host-not-allowed"},
		{"a name that only ends like an allowed one", "notrcmock.ci.svc", nil, 403, "error-host-not-allowed"},
		{"a name that only ends like an allowed domain", "evilcluster.example", nil, 403, "error-host-not-allowed"},
		{"localhost as a prefix", "localhost.evil.example", nil, 403, "error-host-not-allowed"},
		{"0.0.0.0", "0.0.0.0:3000", nil, 403, "error-host-not-allowed"},
		{"a LAN address", "192.168.1.5:3000", nil, 403, "error-host-not-allowed"},
		{"no Host at all", "", nil, 403, "error-host-not-allowed"},
		{"same-origin fetch", "127.0.0.1:3000", []string{"Origin", "http://127.0.0.1:3000", "Sec-Fetch-Site", "same-origin"}, 200, ""},
		{"same origin over a TLS proxy", "rcmock.ci.svc", []string{"Origin", "https://rcmock.ci.svc"}, 200, ""},
		{"a navigation typed in the address bar", "localhost:3000", []string{"Sec-Fetch-Site", "none", "Sec-Fetch-Mode", "navigate"}, 200, ""},
		{"Sec-Fetch-Site cross-site", "127.0.0.1:3000", []string{"Sec-Fetch-Site", "cross-site"}, 403, "error-cross-site-request"},
		{"Sec-Fetch-Site in capitals", "127.0.0.1:3000", []string{"Sec-Fetch-Site", "Cross-Site"}, 403, "error-cross-site-request"},
		{"an Origin of another site", "127.0.0.1:3000", []string{"Origin", "https://evil.example"}, 403, "error-cross-site-request"},
		{"an Origin on another port", "127.0.0.1:3000", []string{"Origin", "http://127.0.0.1:8080"}, 403, "error-cross-site-request"},
		{"an Origin with the default port where the Host has another", "localhost:3000", []string{"Origin", "http://localhost"}, 403, "error-cross-site-request"},
		{"Origin null", "127.0.0.1:3000", []string{"Origin", "null"}, 403, "error-cross-site-request"},
		{"two Origins", "127.0.0.1:3000", []string{"Origin", "http://127.0.0.1:3000", "Origin", "https://evil.example"}, 403, "error-cross-site-request"},
		{"an Origin that is not an origin", "127.0.0.1:3000", []string{"Origin", "http://127.0.0.1:3000/path"}, 403, "error-cross-site-request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, code, raw := serveControl(t, srv, controlRequest(http.MethodGet, "/_mock/clock", c.host, loop, "", c.hdr...))
			if status != c.status || code != c.code {
				t.Fatalf("GET /_mock/clock with Host %q %v: %d %s, want %d %s", c.host, c.hdr, status, raw, c.status, c.code)
			}
			if code == "error-host-not-allowed" && c.host != "" && !strings.Contains(raw, "--allowed-hosts") {
				t.Errorf("the refusal does not say how to allow the host: %s", raw)
			}
		})
	}
	t.Run("the Rocket.Chat API answers any Host and Origin, as a real server does", func(t *testing.T) {
		status, _, raw := serveControl(t, srv, controlRequest(http.MethodGet, "/api/info", "evil.example:3000", "192.0.2.1:1",
			"", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"))
		if status != http.StatusOK {
			t.Errorf("GET /api/info with a foreign Host: %d %s", status, raw)
		}
	})
}

func TestAllowedHostsRefusesWhatIsNotAHostName(t *testing.T) {
	for _, bad := range []string{"", " ", ".", "http://rcmock", "rcmock:3000", "*.example", "rc mock", "a/b", "user@host"} {
		if _, err := mockserver.New(mockserver.WithAllowedHosts(bad)); err == nil {
			t.Errorf("WithAllowedHosts(%q) accepted", bad)
		}
	}
}

// TestDNSRebindingCannotReadOrReplaceTheState pins the DNS rebinding attack: a page on a
// hostile name that resolves to 127.0.0.1 sent `Host: evil.example:3000`, read the whole state
// with GET /_mock/state and replaced it with PUT.
func TestDNSRebindingCannotReadOrReplaceTheState(t *testing.T) {
	srv, err := mockserver.New(mockserver.WithStrict(true))
	if err != nil {
		t.Fatal(err)
	}
	const evil, loop = "evil.example:3000", "127.0.0.1:5555"
	if status, code, raw := serveControl(t, srv, controlRequest(http.MethodGet, "/_mock/state", evil, loop, "")); status != 403 || code != "error-host-not-allowed" {
		t.Errorf("GET /_mock/state with Host %s: %d %s, want 403 error-host-not-allowed", evil, status, raw)
	}
	empty := `{"version":"8.4.0","users":[],"rooms":[],"subscriptions":[],"invites":[]}`
	if status, code, raw := serveControl(t, srv, controlRequest(http.MethodPut, "/_mock/state", evil, loop, empty)); status != 403 || code != "error-host-not-allowed" {
		t.Errorf("PUT /_mock/state with Host %s: %d %s, want 403 error-host-not-allowed", evil, status, raw)
	}
	if status, _, raw := serveControl(t, srv, controlRequest(http.MethodGet, "/api/v1/me", "localhost:3000", loop, "",
		"X-User-Id", "bob", "X-Auth-Token", "bob-token")); status != http.StatusOK {
		t.Errorf("after the refused PUT, bob's session: %d %s: the state was replaced", status, raw)
	}
}

// TestCrossSiteSimplePostCannotResetOrFillSandboxes pins the CSRF attack: a page elsewhere
// sent "simple" requests (Content-Type text/plain, no preflight) that reset the world and
// created sandboxes until the cap answered 429 to everybody.
func TestCrossSiteSimplePostCannotResetOrFillSandboxes(t *testing.T) {
	srv, err := mockserver.New(mockserver.WithStrict(true))
	if err != nil {
		t.Fatal(err)
	}
	const host, loop = "127.0.0.1:3000", "127.0.0.1:5555"
	for _, hdr := range [][]string{
		{"Content-Type", "text/plain", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"},
		{"Content-Type", "text/plain", "Origin", "https://evil.example"},                      // a browser without Fetch Metadata
		{"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "cross-site"}, // Origin stripped by a privacy setting
	} {
		for _, target := range []string{"/_mock/reset", "/_mock/sandboxes"} {
			status, code, raw := serveControl(t, srv, controlRequest(http.MethodPost, target, host, loop, `{}`, hdr...))
			if status != 403 || code != "error-cross-site-request" {
				t.Errorf("cross-site POST %s %v: %d %s, want 403 error-cross-site-request", target, hdr, status, raw)
			}
		}
	}
	status, _, raw := serveControl(t, srv, controlRequest(http.MethodGet, "/_mock/sandboxes", host, loop, ""))
	if status != 200 || !strings.Contains(raw, `"sandboxes":[]`) {
		t.Errorf("after refused cross-site POSTs: %d %s, want no sandbox", status, raw)
	}
	// curl -d sends a form Content-Type and no Origin: it keeps working.
	status, _, raw = serveControl(t, srv, controlRequest(http.MethodPost, "/_mock/sandboxes", host, loop, `{}`,
		"Content-Type", "application/x-www-form-urlencoded"))
	if status != http.StatusCreated {
		t.Errorf("curl -d POST /_mock/sandboxes: %d %s, want 201", status, raw)
	}
}

// TestControlTokenGuessesAreThrottled pins the token guessing attack: wrong control tokens were
// answered as fast as they came (~25k guesses/s). Now a client address gets
// tokenFailuresPerSecond (10) wrong tries a second, then 429 until the second ends, even for
// the right token; other addresses are not affected.
func TestControlTokenGuessesAreThrottled(t *testing.T) {
	srv, err := mockserver.New(mockserver.WithStrict(true), mockserver.WithControlToken("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	const host, guesser = "127.0.0.1:3000", "192.0.2.9:4000"
	// 22 guesses, sent within far less than a second, span at most two one-second windows:
	// one of them holds 11 or more, so at least one guess is refused with 429.
	throttled := 0
	for range 22 {
		status, code, raw := serveControl(t, srv, controlRequest(http.MethodGet, "/_mock/clock", host, guesser, "", "Authorization", "Bearer guess"))
		switch {
		case status == 429 && code == "error-too-many-requests":
			throttled++
		case status == 401 && code == "error-control-unauthorized":
		default:
			t.Fatalf("wrong token: %d %s, want 401 or 429", status, raw)
		}
	}
	if throttled == 0 {
		t.Fatal("22 wrong tokens in a row were never answered 429")
	}
	if status, _, raw := serveControl(t, srv, controlRequest(http.MethodGet, "/_mock/clock", host, "192.0.2.10:4000", "",
		"Authorization", "Bearer s3cret")); status != http.StatusOK {
		t.Errorf("another address with the right token: %d %s, want 200", status, raw)
	}
}

// TestTheDashboardWaiverCoversOnlyItsAssets: the control token is waived for the dashboard's
// page and assets, not for a path that only starts like one ("/_mock/ui/../state" would be
// the state once cleaned).
func TestTheDashboardWaiverCoversOnlyItsAssets(t *testing.T) {
	srv, err := mockserver.New(mockserver.WithControlToken("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	const host, remote = "127.0.0.1:3000", "192.0.2.9:4000"
	for target, want := range map[string]int{
		"/_mock/ui":              http.StatusOK,
		"/_mock/ui/../state":     http.StatusUnauthorized,
		"/_mock/ui/./app.js":     http.StatusUnauthorized,
		"/_mock/ui//app.js":      http.StatusUnauthorized,
		"/_mock/state":           http.StatusUnauthorized,
		"/_mock/ui/%2e%2e/state": http.StatusUnauthorized,
	} {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, controlRequest(http.MethodGet, target, host, remote, ""))
		if rec.Code != want {
			t.Errorf("GET %s without the token: %d %s, want %d", target, rec.Code, rec.Body, want)
		}
	}
}
