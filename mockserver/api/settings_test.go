package api

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rcinvite/rcinvite/mockserver/world"
	"github.com/rcinvite/rcinvite/spec"
)

func send(h http.Handler, method, path, user, body string, header map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if user != "" {
		r.Header.Set("X-User-Id", user)
		r.Header.Set("X-Auth-Token", tokens[user])
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func TestRateLimitedCallsAnswer429WithTheServersTextAndHeaders(t *testing.T) {
	h, w := newHandler(t)
	if err := w.SetSettings(world.Settings{RateLimiter: world.RateLimiterSettings{Enabled: true, Calls: 2, Interval: time.Minute}}); err != nil {
		t.Fatal(err)
	}
	first := send(h, "POST", "/api/v1/useInviteToken", "bob", `{"token":"nope"}`, nil)
	if first.Code != 400 || first.Header().Get("X-RateLimit-Limit") != "2" || first.Header().Get("X-RateLimit-Remaining") != "1" {
		t.Fatalf("first call %d %v", first.Code, first.Header())
	}
	// A body the schema refuses is counted too: the limiter runs before validation.
	if rec := send(h, "POST", "/api/v1/useInviteToken", "bob", `{}`, nil); rec.Code != 400 || rec.Header().Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("second call %d %v", rec.Code, rec.Header())
	}
	w.Clock().Advance(15 * time.Second)
	rec := send(h, "POST", "/api/v1/useInviteToken", "bob", `{"token":"PrjXok"}`, nil)
	want := `{"error":"Error, too many requests. Please slow down. You must wait 45 seconds before trying this endpoint again. [error-too-many-requests]","success":false}`
	if rec.Code != 429 || rec.Body.String() != want {
		t.Fatalf("third call %d %s", rec.Code, rec.Body)
	}
	if rec.Header().Get("X-RateLimit-Remaining") != "0" || rec.Header().Get("X-RateLimit-Reset") != itoa64(w.Clock().Now().Add(45*time.Second).UnixMilli()) {
		t.Errorf("headers %v", rec.Header())
	}
	if err := spec.Default().ValidateResponse(httptest.NewRequest("POST", "/api/v1/useInviteToken", nil), rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
		t.Errorf("429 off the contract: %v", err)
	}
	// Not logged in: 401 before the limiter, uncounted. The admin holds api-bypass-rate-limit.
	if rec := send(h, "POST", "/api/v1/useInviteToken", "", `{}`, nil); rec.Code != 401 || rec.Header().Get("X-RateLimit-Limit") != "" {
		t.Errorf("anonymous %d %v", rec.Code, rec.Header())
	}
	if rec := send(h, "POST", "/api/v1/useInviteToken", admin, `{"token":"nope"}`, nil); rec.Code != 400 || rec.Header().Get("X-RateLimit-Limit") != "" {
		t.Errorf("admin %d %v", rec.Code, rec.Header())
	}
	// Another route has its own count; /api/info (API.default) has no limiter at all.
	if rec := send(h, "GET", "/api/v1/me", "bob", "", nil); rec.Code != 200 {
		t.Errorf("me %d", rec.Code)
	}
	for range 5 {
		if rec := send(h, "GET", "/api/info", "", "", nil); rec.Code != 200 || rec.Header().Get("X-RateLimit-Limit") != "" {
			t.Fatalf("info %d %v", rec.Code, rec.Header())
		}
	}
	// The window ends on the world's clock.
	w.Clock().Advance(46 * time.Second)
	if rec := send(h, "POST", "/api/v1/useInviteToken", "bob", `{"token":"nope"}`, nil); rec.Code != 400 || rec.Header().Get("X-RateLimit-Remaining") != "1" {
		t.Errorf("after the window %d %v", rec.Code, rec.Header())
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func TestCORSAsTheServersSettingsMakeIt(t *testing.T) {
	h, w := newHandler(t)
	origin := map[string]string{"Origin": "https://app.example"}
	if rec := send(h, "GET", "/api/info", "", "", origin); rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS off by default, got %v", rec.Header())
	}
	set := func(o string) {
		t.Helper()
		if err := w.SetSettings(world.Settings{CORS: world.CORSSettings{Enabled: true, Origin: o}}); err != nil {
			t.Fatal(err)
		}
	}
	set("*")
	rec := send(h, "GET", "/api/info", "", "", origin)
	if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != "*" || rec.Header().Get("Access-Control-Allow-Methods") != corsMethods || rec.Header().Get("Access-Control-Allow-Headers") != corsHeaders {
		t.Errorf("* %d %v", rec.Code, rec.Header())
	}
	if rec := send(h, "GET", "/api/info", "", "", nil); rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("no Origin header: %v", rec.Header())
	}
	set(" https://other.example , HTTPS://App.Example")
	rec = send(h, "POST", "/api/v1/useInviteToken", "bob", `{"token":"PrjXok"}`, origin)
	if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("listed origin %d %v", rec.Code, rec.Header())
	}
	rec = send(h, "POST", "/api/v1/useInviteToken", "bob", `{"token":"PrjXok"}`, map[string]string{"Origin": "https://evil.example"})
	if rec.Code != 403 || rec.Body.Len() != 0 {
		t.Errorf("unlisted origin %d %q", rec.Code, rec.Body)
	}
	// A preflight: the router answers any OPTIONS with "OK".
	rec = send(h, "OPTIONS", "/api/v1/useInviteToken", "", "", map[string]string{"Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
	if rec.Code != 200 || rec.Body.String() != "OK" || rec.Header().Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("preflight %d %q %v", rec.Code, rec.Body, rec.Header())
	}
}
