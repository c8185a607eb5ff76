package spec

import (
	"bytes"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// validateTwice runs ValidateRequest twice on fresh copies of the same request, so that the
// second run can only differ from the first through the memo.
func validateTwice(t *testing.T, v *Validator, method, path, contentType, body string) [2]error {
	t.Helper()
	var errs [2]error
	for i := range errs {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		errs[i] = v.ValidateRequest(r)
		if got, _ := io.ReadAll(r.Body); string(got) != body {
			t.Errorf("%s %s run %d: body not restored: %q", method, path, i, got)
		}
	}
	return errs
}

func TestMemoNeverPassesARequestThatFails(t *testing.T) {
	v := testValidator(t)
	body := `{"token":"PrjXok"}`
	for _, errs := range [][2]error{
		validateTwice(t, v, "POST", "/api/v1/useInviteToken", "application/json", body),
	} {
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("useInviteToken %s: %v", body, errs)
		}
	}
	// The same body, remembered as valid for useInviteToken, is invalid for findOrCreateInvite.
	// The same check with another input also fails, every time, with its full problems.
	cases := []struct{ name, method, path, contentType, body, field, rule string }{
		{"same body, other operation", "POST", "/api/v1/findOrCreateInvite", "application/json", body, "rid", "required"},
		{"same body, other content type", "POST", "/api/v1/useInviteToken", "text/plain", body, "token", "required"},
	}
	for _, c := range cases {
		errs := validateTwice(t, v, c.method, c.path, c.contentType, c.body)
		for i, err := range errs {
			if err == nil {
				t.Errorf("%s: run %d accepted", c.name, i)
				continue
			}
			ve := asValidationError(t, err)
			if !hasProblem(ve, c.field, c.rule) {
				t.Errorf("%s: run %d problems %+v, want %s %s", c.name, i, ve.Problems, c.field, c.rule)
			}
		}
		if errs[0] != nil && errs[1] != nil && errs[0].Error() != errs[1].Error() {
			t.Errorf("%s: second answer differs: %q vs %q", c.name, errs[0], errs[1])
		}
	}
}

func TestMemoKeepsTheQueryApart(t *testing.T) {
	v := testValidator(t)
	if errs := validateTwice(t, v, "GET", "/api/v1/rooms.bannedUsers?roomId=ProjectX", "", ""); errs[0] != nil || errs[1] != nil {
		t.Fatalf("valid query refused: %v", errs)
	}
	for _, q := range []string{"roomId=", "roomId=ProjectX&count=x"} {
		for i, err := range validateTwice(t, v, "GET", "/api/v1/rooms.bannedUsers?"+q, "", "") {
			if err == nil {
				t.Errorf("?%s: run %d accepted", q, i)
			} else if ve := asValidationError(t, err); ve.In != "query" {
				t.Errorf("?%s: run %d in %q", q, i, ve.In)
			}
		}
	}
}

func TestMemoNeverPassesAResponseThatFails(t *testing.T) {
	v := testValidator(t)
	req := httptest.NewRequest("POST", "/api/v1/useInviteToken", nil)
	ok := []byte(`{"room":{"rid":"ProjectX","fname":"Project X","name":"project-x","t":"p"},"success":true}`)
	for i := range 2 {
		if err := v.ValidateResponse(req, 200, jsonCT, ok); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	cases := []struct {
		name   string
		method string
		path   string
		status int
		ct     string
	}{
		{"same body as a 400", "POST", "/api/v1/useInviteToken", 400, "application/json"},
		{"same body, undocumented status", "POST", "/api/v1/useInviteToken", 201, "application/json"},
		{"same body as text/plain", "POST", "/api/v1/useInviteToken", 200, "text/plain"},
		{"same body for another operation", "POST", "/api/v1/validateInviteToken", 200, "application/json"},
	}
	for _, c := range cases {
		for i := range 2 {
			err := v.ValidateResponse(httptest.NewRequest(c.method, c.path, nil), c.status, map[string][]string{"Content-Type": {c.ct}}, ok)
			if err == nil {
				t.Errorf("%s: run %d accepted", c.name, i)
			}
		}
	}
	// A body remembered as valid stays valid only byte for byte.
	changed := bytes.Replace(ok, []byte(`"t":"p"`), []byte(`"t":1`), 1)
	if err := v.ValidateResponse(req, 200, jsonCT, changed); err == nil {
		t.Error("changed body accepted")
	}
}

func TestMemoRemembersOnlyPasses(t *testing.T) {
	v := testValidator(t)
	validateTwice(t, v, "POST", "/api/v1/useInviteToken", "application/json", `{}`)
	_ = v.ValidateResponse(httptest.NewRequest("POST", "/api/v1/useInviteToken", nil), 200, jsonCT, []byte(`{}`))
	if n, m := v.reqMemo.len(), v.respMemo.len(); n != 0 || m != 0 {
		t.Errorf("failures remembered: %d requests, %d responses", n, m)
	}
	validateTwice(t, v, "POST", "/api/v1/useInviteToken", "application/json", `{"token":"a"}`)
	_ = v.ValidateResponse(httptest.NewRequest("POST", "/api/v1/validateInviteToken", nil), 200, jsonCT, []byte(`{"valid":true,"success":true}`))
	if n, m := v.reqMemo.len(), v.respMemo.len(); n != 1 || m != 1 {
		t.Errorf("passes remembered: %d requests, %d responses; want 1 and 1", n, m)
	}
}

func TestMemoIsBounded(t *testing.T) {
	v := testValidator(t)
	for i := range 3 * memoShards * memoShardSize {
		body := fmt.Sprintf(`{"token":"t%d"}`, i)
		if err := v.ValidateRequest(jsonRequest("POST", "/api/v1/useInviteToken", body)); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
	}
	if n := v.reqMemo.len(); n > memoShards*memoShardSize || n == 0 {
		t.Errorf("memo holds %d entries, bound %d", n, memoShards*memoShardSize)
	}
	big := `{"token":"` + strings.Repeat("x", memoMaxKey) + `"}`
	before := v.reqMemo.len()
	if errs := validateTwice(t, v, "POST", "/api/v1/useInviteToken", "application/json", big); errs[0] != nil || errs[1] != nil {
		t.Fatalf("big body refused: %v", errs)
	}
	if v.reqMemo.len() != before {
		t.Error("a body over the key bound was remembered")
	}
}

func TestMemoUnderConcurrentUse(t *testing.T) {
	v := testValidator(t)
	req := httptest.NewRequest("POST", "/api/v1/useInviteToken", nil)
	okBody := []byte(`{"room":{"rid":"x","t":"p"},"success":true}`)
	var wg sync.WaitGroup
	errc := make(chan string, 64)
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				token := fmt.Sprintf("t%d", i%7)
				if err := v.ValidateRequest(jsonRequest("POST", "/api/v1/useInviteToken", `{"token":"`+token+`"}`)); err != nil {
					errc <- fmt.Sprintf("g%d valid request refused: %v", g, err)
					return
				}
				if err := v.ValidateRequest(jsonRequest("POST", "/api/v1/findOrCreateInvite", `{"token":"`+token+`"}`)); err == nil {
					errc <- fmt.Sprintf("g%d invalid request accepted", g)
					return
				}
				if err := v.ValidateResponse(req, 200, jsonCT, okBody); err != nil {
					errc <- fmt.Sprintf("g%d valid response refused: %v", g, err)
					return
				}
				if err := v.ValidateResponse(req, 400, jsonCT, okBody); err == nil {
					errc <- fmt.Sprintf("g%d invalid response accepted", g)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for msg := range errc {
		t.Error(msg)
	}
}

// TestCheckRequestCoercesOnce: CheckRequest answers the params a handler sees (numbers as
// JavaScript writes them) and the same verdict as ValidateRequest, before and after the memo
// remembers the request.
func TestCheckRequestCoercesOnce(t *testing.T) {
	v := testValidator(t)
	cases := []struct{ path, contentType, body, params string }{
		{"/api/v1/useInviteToken", "application/json", `{"token":123}`, `{"token":"123"}`},
		{"/api/v1/useInviteToken", "application/json", `{"token":"abc"}`, `{"token":"abc"}`},
		{"/api/v1/useInviteToken", "application/json", `{"token":`, `{}`},
		{"/api/v1/useInviteToken", "application/x-www-form-urlencoded", `token=abc`, `{"token":"abc"}`},
		{"/api/v1/findOrCreateInvite", "application/json", `{"rid":"ProjectX","days":"7","maxUses":"10"}`, `{"rid":"ProjectX","days":7,"maxUses":10}`},
		{"/api/v1/findOrCreateInvite", "application/json", `{"rid":"ProjectX","days":3,"maxUses":10}`, `{"rid":"ProjectX","days":3,"maxUses":10}`},
		{"/api/v1/findOrCreateInvite", "application/json", `{"rid":"ProjectX","days":7.0,"maxUses":1e1}`, `{"rid":"ProjectX","days":7,"maxUses":10}`},
		{"/api/v1/users.create", "application/json", `{"email":"d@x.io","name":"D","password":"p","username":"d","verified":"true"}`,
			`{"email":"d@x.io","name":"D","password":"p","username":"d","verified":true}`},
	}
	for _, c := range cases {
		for run := range 2 {
			r := httptest.NewRequest("POST", c.path, strings.NewReader(c.body))
			r.Header.Set("Content-Type", c.contentType)
			raw := []byte(c.body)
			params, err := v.CheckRequest(r, raw)
			if string(params.Body) != c.params {
				t.Errorf("%s %s run %d: params %s, want %s", c.path, c.body, run, params.Body, c.params)
			}
			verr := v.ValidateRequest(r)
			if (err == nil) != (verr == nil) || (err != nil && err.Error() != verr.Error()) {
				t.Errorf("%s %s run %d: CheckRequest %v, ValidateRequest %v", c.path, c.body, run, err, verr)
			}
			// The caller's bytes are its own: changing them changes no later answer.
			for i := range raw {
				raw[i] = 'X'
			}
		}
	}
	if _, err := v.CheckRequest(httptest.NewRequest("POST", "/nowhere", nil), nil); err == nil {
		t.Error("CheckRequest of an unknown route did not fail")
	}
}

func hasProblem(ve *ValidationError, field, rule string) bool {
	for _, p := range ve.Problems {
		if p.Field == field && p.Rule == rule {
			return true
		}
	}
	return false
}
