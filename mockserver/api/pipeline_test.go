package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rcinvite/rcinvite/spec"
)

func TestEveryOperationHasAHandler(t *testing.T) {
	for path, item := range spec.Default().Document().Paths.Map() {
		for method, op := range item.Operations() {
			if operations[op.OperationID] == nil {
				t.Errorf("%s %s (%s) has no handler", method, path, op.OperationID)
			}
		}
	}
}

func TestBodyOverOneMebibyteIs413(t *testing.T) {
	h, _ := newHandler(t)
	body := `{"token":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
	status, v := do(t, h, "POST", "/api/v1/useInviteToken", "bob", body)
	if status != http.StatusRequestEntityTooLarge || field(v, "errorType") != "error-payload-too-large" {
		t.Errorf("status %d body %v", status, v)
	}
}

func TestAuthRunsBeforeBodyChecks(t *testing.T) {
	h, _ := newHandler(t)
	big := strings.Repeat("x", MaxBodyBytes+1)
	if status, _ := do(t, h, "POST", "/api/v1/useInviteToken", "", big); status != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401 before the size check", status)
	}
}

func TestUnauthorizedBodyIsExact(t *testing.T) {
	h, _ := newHandler(t)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/useInviteToken", nil))
	var got, want map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &got)
	_ = json.Unmarshal([]byte(`{"success":false,"status":"error","message":"You must be logged in to do this.","error":"You must be logged in to do this."}`), &want)
	if rec.Code != 401 || len(got) != len(want) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

func TestBareAnswers(t *testing.T) {
	h, _ := newHandler(t)
	if _, v := do(t, h, "DELETE", "/api/v1/removeInvite/PrjXok", admin, ""); v != true {
		t.Errorf("removeInvite answered %v, want bare true", v)
	}
	_, v := do(t, h, "GET", "/api/v1/listInvites", admin, "")
	if list, ok := v.([]any); !ok || len(list) != 5 || field(list[0], "url") != "" {
		t.Errorf("listInvites answered %v, want a bare array of 5 stored invites", v)
	}
}

func TestInviteFlowThroughHTTP(t *testing.T) {
	h, w := newHandler(t)
	_, v := do(t, h, "POST", "/api/v1/findOrCreateInvite", "alice", `{"rid":"ProjectX","days":1,"maxUses":1}`)
	token, _ := field(v, "_id").(string)
	if url, _ := field(v, "url").(string); url != "http://localhost:3000/invite/"+token || len(token) != 6 {
		t.Fatalf("invite %v", v)
	}
	if _, v := do(t, h, "POST", "/api/v1/useInviteToken", "bob", `{"token":"`+token+`"}`); field(field(v, "room"), "rid") != "ProjectX" {
		t.Fatalf("use: %v", v)
	}
	if _, v := do(t, h, "POST", "/api/v1/validateInviteToken", "", `{"token":"`+token+`"}`); field(v, "valid") != false {
		t.Errorf("used-up invite still valid: %v", v)
	}
	if _, v := do(t, h, "GET", "/api/v1/subscriptions.getOne?roomId=ProjectX", "bob", ""); field(field(v, "subscription"), "rid") != "ProjectX" {
		t.Errorf("subscription: %v", v)
	}
	if _, v := do(t, h, "POST", "/api/v1/rooms.banUser", "alice", `{"roomId":"ProjectX","username":"bob"}`); field(v, "success") != true {
		t.Fatalf("ban: %v", v)
	}
	if _, v := do(t, h, "GET", "/api/v1/rooms.info?roomId=ProjectX", "alice", ""); field(field(v, "room"), "usersCount") != float64(2) {
		t.Errorf("usersCount after ban: %v", v)
	}
	_, v = do(t, h, "POST", "/api/v1/useInviteToken", "bob", `{"token":"Forevr"}`)
	if field(v, "errorType") != "error-user-is-banned" {
		t.Errorf("banned use: %v", v)
	}
	if err := w.SetVersion("8.3.0"); err != nil {
		t.Fatal(err)
	}
	if status, _ := do(t, h, "POST", "/api/v1/useInviteToken", "bob", `{"token":"Forevr"}`); status != 200 {
		t.Errorf("8.3.0 refused a banned user: %d", status)
	}
	if _, v := do(t, h, "GET", "/api/info", "", ""); field(v, "version") != "8.3" {
		t.Errorf("info: %v", v)
	}
}

func TestLoginTokenWorksAndLogoutRevokes(t *testing.T) {
	h, _ := newHandler(t)
	_, v := do(t, h, "POST", "/api/v1/login", "", `{"user":"carol@rocket.chat","password":"rocket.chat"}`)
	token, _ := field(field(v, "data"), "authToken").(string)
	if field(v, "status") != "success" || token == "" {
		t.Fatalf("login: %v", v)
	}
	req := func(path string) int {
		r := httptest.NewRequest("POST", path, nil)
		r.Header.Set("X-User-Id", "carol")
		r.Header.Set("X-Auth-Token", token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	if got := req("/api/v1/logout"); got != 200 {
		t.Fatalf("logout = %d", got)
	}
	if got := req("/api/v1/logout"); got != 401 {
		t.Errorf("token still works after logout: %d", got)
	}
}

func TestFormBody(t *testing.T) {
	h, _ := newHandler(t)
	r := httptest.NewRequest("POST", "/api/v1/useInviteToken", strings.NewReader("token=PrjXok"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-User-Id", "bob")
	r.Header.Set("X-Auth-Token", "bob-token")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != 200 {
		t.Errorf("form body: %d %s", rec.Code, rec.Body)
	}
}

// TestCoercedBodyReachesTheRule: the params the rule decodes are the coerced body (numeric
// strings become numbers) on the first request and on its repeat, when the contract check is
// remembered.
func TestCoercedBodyReachesTheRule(t *testing.T) {
	h, _ := newHandler(t)
	for run := range 2 {
		status, v := do(t, h, "POST", "/api/v1/findOrCreateInvite", admin, `{"rid":"ProjectX","days":"7","maxUses":"10"}`)
		if status != 200 || field(v, "_id") != "PrjXok" || field(v, "days") != 7.0 || field(v, "maxUses") != 10.0 {
			t.Errorf("run %d: %d %v", run, status, v)
		}
	}
	// A handler-checked value still reaches the rule, which answers with its own error.
	status, v := do(t, h, "POST", "/api/v1/findOrCreateInvite", admin, `{"rid":"ProjectX","days":"3","maxUses":"10"}`)
	if status != 400 || field(v, "errorType") == "invalid-params" {
		t.Errorf("days 3: %d %v", status, v)
	}
}

func TestExactBodies(t *testing.T) {
	h, _ := newHandler(t)
	for _, c := range []struct{ path, body string }{
		{"/api/v1/validateInviteToken", `{"valid":true,"success":true}`},
	} {
		for run := range 2 {
			rec := httptest.NewRecorder()
			r := httptest.NewRequest("POST", c.path, strings.NewReader(`{"token":"PrjXok"}`))
			r.Header.Set("Content-Type", "application/json")
			h.ServeHTTP(rec, r)
			if got := rec.Body.String(); got != c.body {
				t.Errorf("%s run %d: %s, want %s", c.path, run, got, c.body)
			}
		}
	}
}

// A path or a method no route has gets the Hono router's own 404, a text, whatever the body.
func TestUnroutedRequestsGetTheRoutersText404(t *testing.T) {
	h, _ := newHandler(t)
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/nothing"}, {"GET", "/api/v1/useInviteToken"}, {"PUT", "/api/info"}, {"POST", "/api/v2/useInviteToken"},
	} {
		rec := send(h, c.method, c.path, "bob", `{"token":"PrjXok"}`, nil)
		if rec.Code != 404 || rec.Body.String() != "404 Not Found" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
			t.Errorf("%s %s: %d %q %v", c.method, c.path, rec.Code, rec.Body, rec.Header())
		}
	}
}
