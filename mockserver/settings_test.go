package mockserver_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/rcinvite/rcinvite/mockserver"
)

func TestRocketChatSettingsThroughTheControlAPI(t *testing.T) {
	m := startMock(t)
	a := m.send("GET", "/_mock/settings", "")
	var s struct {
		RateLimiter struct {
			Enabled  bool
			Calls    int
			Interval string
		}
		CORS struct {
			Enabled bool
			Origin  string
		}
	}
	_ = json.Unmarshal(a.raw, &s)
	if s.RateLimiter.Enabled || s.RateLimiter.Calls != 10 || s.RateLimiter.Interval != "1m0s" || s.CORS.Enabled || s.CORS.Origin != "*" {
		t.Fatalf("defaults: %s", a.raw)
	}
	if a := m.send("PUT", "/_mock/settings", `{"rateLimiter":{"enabled":true,"calls":2}}`); a.status != 200 {
		t.Fatalf("enable: %d %s", a.status, a.raw)
	}
	bob := as("bob", "bob-token")
	for i, want := range []int{200, 200, 429} {
		if a := m.send("GET", "/api/v1/me", "", bob...); a.status != want {
			t.Fatalf("call %d: %d %s", i+1, a.status, a.raw)
		}
	}
	// A refused change changes nothing; the others stay as they were.
	for _, body := range []string{`{"rateLimiter":{"calls":0}}`, `{"rateLimiter":{"interval":"forever"}}`, `{"rateLimiter":{"interval":"48h"}}`, `{"cors":{"origin":""}}`, `{"latency":"1h","cors":{"enabled":true}}`} {
		if a := m.send("PUT", "/_mock/settings", body); a.status != 400 || a.str("errorType") != "error-invalid-params" {
			t.Errorf("%s: %d %s", body, a.status, a.raw)
		}
	}
	if a := m.send("GET", "/_mock/settings", ""); !json.Valid(a.raw) || a.body["cors"].(map[string]any)["enabled"] != false {
		t.Errorf("a refused change leaked: %s", a.raw)
	}
	// A sandbox starts as under TEST_MODE unless it asks; its settings are its own.
	sb := m.newSandbox(`{"rateLimiter":{"enabled":true,"calls":1,"interval":"10s"},"cors":{"enabled":true,"origin":"http://localhost:5173"}}`)
	base := "/sandboxes/" + sb
	if a := m.send("GET", base+"/api/v1/me", "", bob...); a.status != 200 {
		t.Fatalf("sandbox first call %d", a.status)
	}
	if a := m.send("GET", base+"/api/v1/me", "", bob...); a.status != 429 {
		t.Fatalf("sandbox second call %d", a.status)
	}
	m.send("PUT", "/_mock/clock?sandbox="+sb, `{"advance":"11s"}`)
	if a := m.send("GET", base+"/api/v1/me", "", bob...); a.status != 200 {
		t.Errorf("after the sandbox's window %d", a.status)
	}
	plain := m.newSandbox(`{}`)
	for range 3 {
		if a := m.send("GET", "/sandboxes/"+plain+"/api/v1/me", "", bob...); a.status != 200 {
			t.Fatalf("plain sandbox %d", a.status)
		}
	}
}

// The control plane never answers other origins, whatever the Rocket.Chat API's CORS setting.
func TestCORSLeavesTheControlPlaneAlone(t *testing.T) {
	m := startMock(t, mockserver.WithCORS("*"))
	hdr := []string{"Origin", "http://localhost:5173"}
	res := m.raw("GET", "/api/info", hdr...)
	if res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("/api/info: %v", res.Header)
	}
	res = m.raw("GET", "/_mock/settings", hdr...)
	if res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("/_mock/settings answered cross-origin: %v", res.Header)
	}
}

func TestNewRefusesBadRocketChatSettings(t *testing.T) {
	for name, opt := range map[string]mockserver.Option{
		"negative calls":  mockserver.WithRateLimit(-1, time.Minute),
		"tiny interval":   mockserver.WithRateLimit(1, time.Microsecond),
		"huge CORS value": mockserver.WithCORS(string(make([]byte, 5000))),
	} {
		if _, err := mockserver.New(opt); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}
