package spec

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

var jsonCT = http.Header{"Content-Type": {"application/json"}}

func TestResponsesFromTheReferenceValidate(t *testing.T) {
	v := testValidator(t)
	cases := []struct {
		name, method, path string
		status             int
		body               string
	}{
		{"useInviteToken success", "POST", "/api/v1/useInviteToken", 200, `{"room":{"rid":"x","fname":"x","name":"x","t":"p"},"success":true}`},
		{"useInviteToken discussion", "POST", "/api/v1/useInviteToken", 200, `{"room":{"rid":"x","prid":"y","t":"c"},"success":true}`},
		{"401", "POST", "/api/v1/useInviteToken", 401, `{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}`},
		{"banned", "POST", "/api/v1/useInviteToken", 400, `{"success":false,"error":"User is banned from this room [error-user-is-banned]","errorType":"error-user-is-banned","details":{"method":"useInviteToken"}}`},
		{"invalid token", "POST", "/api/v1/useInviteToken", 400, `{"success":false,"error":"The invite token is invalid. [error-invalid-token]","errorType":"error-invalid-token","details":{"method":"validateInviteToken","field":"token"}}`},
		{"ban plain error", "POST", "/api/v1/rooms.banUser", 400, `{"success":false,"error":"User is already banned from this room"}`},
		{"unban not banned", "POST", "/api/v1/rooms.unbanUser", 400, `{"success":false,"error":"error-user-not-banned"}`},
		{"bannedUsers no access", "GET", "/api/v1/rooms.bannedUsers?roomId=ProjectX", 401, `{"success":false,"error":"unauthorized"}`},
		{"bannedUsers not logged in", "GET", "/api/v1/rooms.bannedUsers?roomId=ProjectX", 401, `{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}`},
		{"removeInvite true", "DELETE", "/api/v1/removeInvite/PrjXok", 200, `true`},
		{"listInvites bare array", "GET", "/api/v1/listInvites", 200, `[{"_id":"PrjXok","rid":"ProjectX","userId":"admin","days":7,"maxUses":10,"uses":0,"createdAt":"2026-05-01T10:00:00.000Z","expires":"2026-05-08T10:00:00.000Z","url":"","_updatedAt":"2026-05-01T10:00:00.000Z"}]`},
		{"not_authorized", "POST", "/api/v1/findOrCreateInvite", 400, `{"success":false,"error":"[not_authorized]","errorType":"not_authorized"}`},
		{"getOne null", "GET", "/api/v1/subscriptions.getOne?roomId=x", 200, `{"subscription":null,"success":true}`},
		{"rich room", "GET", "/api/v1/rooms.info?roomId=x", 200, `{"room":{"_id":"x","t":"p","name":"x","msgs":3,"sysMes":true},"success":true}`},
	}
	for _, c := range cases {
		if err := v.ValidateResponse(httptest.NewRequest(c.method, c.path, nil), c.status, jsonCT, []byte(c.body)); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestResponsesOffTheContractAreNamed(t *testing.T) {
	v := testValidator(t)
	req := httptest.NewRequest("POST", "/api/v1/useInviteToken", nil)
	cases := []struct {
		name   string
		status int
		body   string
		want   []string
	}{
		{"the published docs' success body", 200, `{"room":{"_id":"x","name":"x","topic":"y"},"success":true}`,
			[]string{"useInviteToken: response", "room._id", "must NOT have additional properties", "must have required property 'rid'"}},
		{"an undocumented status", 418, `{}`, []string{"status 418 is not documented"}},
		{"a docs-style error type", 400, `{"success":false,"error":"Invalid invite token","errorType":"error-invite-token-expired"}`,
			[]string{"field errorType", "must be equal to one of the allowed values"}},
		{"a ban error without errorType", 400, `{"success":false,"error":"User is banned from this room"}`,
			[]string{"must have required property 'errorType'"}},
		{"not JSON", 200, `{"room":`, []string{"must be valid JSON"}},
	}
	for _, c := range cases {
		err := v.ValidateResponse(req, c.status, jsonCT, []byte(c.body))
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		ve := asValidationError(t, err)
		if ve.In != "response" || ve.Operation != "useInviteToken" {
			t.Errorf("%s: %+v", c.name, ve)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not mention %q", c.name, err.Error(), w)
			}
		}
	}
	if err := v.ValidateResponse(req, 200, http.Header{"Content-Type": {"text/html"}}, []byte(`<p>`)); err == nil {
		t.Error("an HTML answer was accepted")
	}
}

func TestRequestValidation(t *testing.T) {
	v := testValidator(t)
	cases := []struct {
		name, path, body string
		field, rule, msg string
	}{
		{"missing token", "/api/v1/useInviteToken", `{}`, "token", "required", "must have required property 'token'"},
		{"extra key", "/api/v1/useInviteToken", `{"token":"a","x":1}`, "x", "additionalProperties", "must NOT have additional properties"},
		{"object token", "/api/v1/useInviteToken", `{"token":{}}`, "token", "type", "must be string"},
		{"malformed JSON is {}", "/api/v1/useInviteToken", `{"token":`, "token", "required", "must have required property 'token'"},
		{"empty body is {}", "/api/v1/useInviteToken", ``, "token", "required", "must have required property 'token'"},
		{"days 1.5", "/api/v1/findOrCreateInvite", `{"rid":"r","days":1.5,"maxUses":0}`, "days", "type", "must be integer"},
		{"days seven", "/api/v1/findOrCreateInvite", `{"rid":"r","days":"seven","maxUses":0}`, "days", "type", "must be integer"},
		{"ban without user", "/api/v1/rooms.banUser", `{"roomId":"r"}`, "", "oneOf", "must match exactly one schema in oneOf"},
		{"ban with empty roomId", "/api/v1/rooms.banUser", `{"roomId":"","username":"carol"}`, "", "oneOf", "must match exactly one schema in oneOf"},
		{"join without room", "/api/v1/channels.join", `{"joinCode":"x"}`, "", "oneOf", "must match exactly one schema in oneOf"},
	}
	for _, c := range cases {
		r := jsonRequest("POST", c.path, c.body)
		err := v.ValidateRequest(r)
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		ve := asValidationError(t, err)
		p := ve.Problems[len(ve.Problems)-1] // a oneOf's own message comes after its branches'
		if ve.In != "body" || p.Field != c.field || p.Rule != c.rule || p.Message != c.msg {
			t.Errorf("%s: got %+v", c.name, ve)
		}
		if got, _ := io.ReadAll(r.Body); string(got) != c.body {
			t.Errorf("%s: body not restored: %q", c.name, got)
		}
	}
}

func TestRequestValidationAccepts(t *testing.T) {
	v := testValidator(t)
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/v1/useInviteToken", `{"token":"PrjXok"}`},
		{"POST", "/api/v1/useInviteToken", `{"token":""}`},
		{"POST", "/api/v1/useInviteToken", `{"token":123}`},
		{"POST", "/api/v1/findOrCreateInvite", `{"rid":"ProjectX","days":"7","maxUses":10}`},
		{"POST", "/api/v1/findOrCreateInvite", `{"rid":"r","days":3,"maxUses":0}`},
		{"POST", "/api/v1/channels.invite", `{"username":"bob"}`},
		{"GET", "/api/v1/subscriptions.getOne?roomId=", ``},
		{"POST", "/api/v1/rooms.banUser", `{"roomId":"ProjectX","userId":"carol"}`},
		{"POST", "/api/v1/rooms.unbanUser", `{"roomId":"ProjectX","username":"carol"}`},
		{"POST", "/api/v1/channels.invite", `{"roomName":"general","userId":"bob"}`},
		{"POST", "/api/v1/login", `{"user":"alice","password":"rocket.chat"}`},
		{"POST", "/api/v1/login", `{"user":"alice","password":{"digest":"abc","algorithm":"sha-256"}}`},
		{"POST", "/api/v1/users.create", `{"email":"d@x.io","name":"D","password":"p","username":"d","joinDefaultChannels":"false"}`},
		{"GET", "/api/v1/rooms.bannedUsers?roomId=ProjectX&count=10", ``},
		{"DELETE", "/api/v1/removeInvite/abc", ``},
		{"GET", "/api/info", ``},
	} {
		if err := v.ValidateRequest(jsonRequest(c.method, c.path, c.body)); err != nil {
			t.Errorf("%s %s %s: %v", c.method, c.path, c.body, err)
		}
	}
}

func TestQueryValidation(t *testing.T) {
	v := testValidator(t)
	for _, c := range []struct{ path, field, rule, msg string }{
		{"/api/v1/rooms.bannedUsers", "roomId", "required", "must have required property 'roomId'"},
		{"/api/v1/rooms.bannedUsers?roomId=x&count=many", "count", "type", "must be number"},
		{"/api/v1/rooms.bannedUsers?roomId=x&extra=1", "extra", "additionalProperties", "must NOT have additional properties"},
		{"/api/v1/subscriptions.getOne", "roomId", "required", "must have required property 'roomId'"},
	} {
		err := v.ValidateRequest(httptest.NewRequest("GET", c.path, nil))
		if err == nil {
			t.Errorf("%s: accepted", c.path)
			continue
		}
		ve := asValidationError(t, err)
		if p := ve.Problems[0]; ve.In != "query" || p.Field != c.field || p.Rule != c.rule || p.Message != c.msg {
			t.Errorf("%s: got %+v", c.path, ve)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	v := testValidator(t)
	// Ajv without allErrors stops at the first failing keyword: only the missing token.
	err := v.ValidateRequest(jsonRequest("POST", "/api/v1/useInviteToken", `{"x":1}`))
	ve := asValidationError(t, err)
	want := "useInviteToken: body: field token: required: must have required property 'token'"
	if err.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", err.Error(), want)
	}
	if got := ve.AjvMessage(); got != "must have required property 'token'" {
		t.Errorf("AjvMessage() = %q", got)
	}
	// oneOf reports each branch's first error, then its own; the router joins them with "\n ".
	ve = asValidationError(t, v.ValidateRequest(jsonRequest("POST", "/api/v1/rooms.banUser", `{}`)))
	if got := ve.AjvMessage(); got != "must have required property 'userId'\n must have required property 'username'\n must match exactly one schema in oneOf" {
		t.Errorf("AjvMessage() = %q", got)
	}
}

// Regression: JSON 7.0 passed the contract but failed Go's decode into an int, and the swallowed
// error made findOrCreateInvite create a never-expiring invite. The handler must see 7.
func TestJavaScriptNumbersReachTheHandler(t *testing.T) {
	v := testValidator(t)
	cases := []struct{ body, params string }{
		{`{"rid":"ProjectX","days":7.0,"maxUses":10}`, `{"rid":"ProjectX","days":7,"maxUses":10}`},
		{`{"rid":"ProjectX","days":7,"maxUses":1e1}`, `{"rid":"ProjectX","days":7,"maxUses":10}`},
		{`{"rid":"ProjectX","days":-0,"maxUses":0.0}`, `{"rid":"ProjectX","days":0,"maxUses":0}`},
		// any integer passes Rocket.Chat's schema: the handler refuses 3 later, in its own order
		{`{"rid":"ProjectX","days":3,"maxUses":2}`, `{"rid":"ProjectX","days":3,"maxUses":2}`},
		{`{"rid":"ProjectX","days":1e300,"maxUses":0}`, `{"rid":"ProjectX","days":1e+300,"maxUses":0}`},
	}
	for _, c := range cases {
		r := jsonRequest("POST", "/api/v1/findOrCreateInvite", c.body)
		p, err := v.CheckRequest(r, []byte(c.body))
		if err != nil || string(p.Body) != c.params {
			t.Errorf("%s: params %s, %v; want %s", c.body, p.Body, err, c.params)
		}
	}
}

// Regression: a days value of the wrong type carried the handler's errorType, so the mock ran
// the rule on {"days":1.5} and created an invite instead of answering invalid-params.
func TestWrongTypeOfHandlerCheckedFieldIsInvalidParams(t *testing.T) {
	v := testValidator(t)
	for _, body := range []string{
		`{"rid":"r","days":1.5,"maxUses":10}`,
		`{"rid":"r","days":"seven","maxUses":10}`,
		`{"rid":"r","days":1e400,"maxUses":10}`,
	} {
		ve := asValidationError(t, v.ValidateRequest(jsonRequest("POST", "/api/v1/findOrCreateInvite", body)))
		if ve.AjvMessage() != "must be integer" {
			t.Errorf("%s: %q", body, ve.AjvMessage())
		}
	}
}

func TestBodiesWithoutJSONContentType(t *testing.T) {
	v := testValidator(t)
	cases := []struct {
		name, ct, body string
		ok             bool
	}{
		{"form fields", "application/x-www-form-urlencoded", "token=PrjXok", true},
		{"text", "text/plain", "PrjXok", false},
		{"no content type", "", `{"token":"PrjXok"}`, false},
		{"no content type, no body", "", "", false},
		{"json with charset", "application/json; charset=utf-8", `{"token":"PrjXok"}`, true},
		{"broken content type: includes() still finds JSON", "application/json; =", `{"token":"PrjXok"}`, true},
		{"upper-case type is text to includes()", "Application/JSON", `{"token":"PrjXok"}`, false},
		{"multipart", "multipart/form-data; boundary=x", "--x--", false},
	}
	for _, c := range cases {
		r := httptest.NewRequest("POST", "/api/v1/useInviteToken", strings.NewReader(c.body))
		if c.ct != "" {
			r.Header.Set("Content-Type", c.ct)
		}
		err := v.ValidateRequest(r)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v, want ok=%v", c.name, err, c.ok)
		}
		if err != nil {
			asValidationError(t, err)
		}
	}
}

func TestValidateOnUnknownRoutes(t *testing.T) {
	v := testValidator(t)
	if err := v.ValidateRequest(httptest.NewRequest("GET", "/api/v1/x", nil)); err == nil {
		t.Error("unknown route validated")
	}
	if err := v.ValidateResponse(httptest.NewRequest("PUT", "/api/v1/useInviteToken", nil), 200, nil, nil); err == nil {
		t.Error("unknown method validated")
	}
}

func BenchmarkValidateRequest(b *testing.B) {
	v := testValidator(b)
	body := `{"token":"PrjXok"}`
	r := jsonRequest("POST", "/api/v1/useInviteToken", body)
	b.ReportAllocs()
	for b.Loop() {
		r.Body = io.NopCloser(strings.NewReader(body))
		if err := v.ValidateRequest(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateResponse(b *testing.B) {
	v := testValidator(b)
	r := jsonRequest("POST", "/api/v1/useInviteToken", "")
	body := []byte(`{"room":{"rid":"ProjectX","fname":"Project X","name":"project-x","t":"p"},"success":true}`)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.ValidateResponse(r, 200, jsonCT, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFindRoute(b *testing.B) {
	v := testValidator(b)
	r := httptest.NewRequest("DELETE", "/api/v1/removeInvite/abc", nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.FindRoute(r); err != nil {
			b.Fatal(err)
		}
	}
}

// The rest-typings query validators of legacy GET routes (x-rocketchat-query) see the
// query as one object: a missing or extra key is a problem in the query, which OpenAPI
// parameters alone would let through.
func TestQueryObjectSchemas(t *testing.T) {
	v := testValidator(t)
	for _, c := range []struct {
		path string
		want string // AjvMessage; "" = valid
	}{
		{"/api/v1/subscriptions.get", ""},
		{"/api/v1/subscriptions.get?updatedSince=2026-05-01", ""},
		{"/api/v1/subscriptions.get?foo=1", "must NOT have additional properties"},
		{"/api/v1/channels.roles?roomId=GENERAL", ""},
		{"/api/v1/channels.roles?roomName=general", ""},
		{"/api/v1/channels.roles", "must match exactly one schema in oneOf"},
		{"/api/v1/channels.roles?roomId=a&roomName=b", "must match exactly one schema in oneOf"},
		{"/api/v1/users.info?username=bob&includeUserRooms=true", ""},
		{"/api/v1/users.info", "must match a schema in anyOf"},
		{"/api/v1/channels.info", ""}, // no query schema: the handler decides
	} {
		_, err := v.CheckRequest(httptest.NewRequest("GET", c.path, nil), nil)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.path, err)
			}
			continue
		}
		ve, ok := err.(*ValidationError)
		if !ok || ve.In != "query" || !strings.Contains(ve.AjvMessage(), c.want) {
			t.Errorf("%s: %v, want a query problem %q", c.path, err, c.want)
		}
	}
}

func TestRoutesSayWhetherTheyUseValidateParams(t *testing.T) {
	v := testValidator(t)
	for path, want := range map[string]bool{
		"/api/v1/channels.kick": true, "/api/v1/channels.leave": true, "/api/v1/im.create": true, "/api/v1/dm.create": true,
		"/api/v1/groups.kick": false, "/api/v1/rooms.leave": false, "/api/v1/channels.addOwner": false, "/api/v1/useInviteToken": false,
	} {
		r, err := v.FindRoute(httptest.NewRequest("POST", path, nil))
		if err != nil || (r.Validate == ValidateParams) != want {
			t.Errorf("%s: %+v %v, want validateParams %v", path, r, err, want)
		}
	}
}

// BenchmarkRequestCheck compares, in one run, the Rocket.Chat (Ajv) request check with the
// kin-openapi one it replaced, on bodies the memo has not seen (a new token each time).
func BenchmarkRequestCheck(b *testing.B) {
	doc := mustLoad(b)
	kin, err := NewValidator(doc)
	if err != nil {
		b.Fatal(err)
	}
	rc, err := NewRocketChatValidator(doc, openapiYAML)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		v    *Validator
	}{{"kin-openapi", kin}, {"ajv", rc}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n++
				body := `{"rid":"ProjectX` + strconv.Itoa(n) + `","days":7,"maxUses":10}`
				r := jsonRequest("POST", "/api/v1/findOrCreateInvite", body)
				_, _ = c.v.CheckRequest(r, []byte(body))
			}
		})
	}
}
