package spec

import (
	"encoding/json"
	"math"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// FuzzRocketChatRequest sends arbitrary bodies and query strings to the operations that have
// Rocket.Chat schemas. Invariants: no panic; accepted params are JSON; and Ajv's coercion is
// settled: the params a handler sees, sent again, are accepted and come back the same.
func FuzzRocketChatRequest(f *testing.F) {
	for _, s := range []struct{ path, query, ctype, body string }{
		{"/api/v1/findOrCreateInvite", "", "application/json", `{"rid":"ProjectX","days":7.0,"maxUses":1e1}`},
		{"/api/v1/rooms.banUser", "", "application/json", `{"roomId":5,"username":null}`},
		{"/api/v1/users.create", "", "application/json", `{"email":"a","name":"b","password":"c","username":"d","active":"false","roles":["user"]}`},
		{"/api/v1/groups.invite", "", "application/x-www-form-urlencoded", `roomId=a&usernames=b`},
		{"/api/v1/rooms.bannedUsers", "roomId=ProjectX&count[]=5&offset=0x10", "", ``},
		{"/api/v1/subscriptions.getOne", "roomId[a][b]=c&roomId=d", "", ``},
		{"/api/v1/useInviteToken", "", "text/plain", `tok`},
	} {
		f.Add(s.path, s.query, s.ctype, s.body)
	}
	v := Default()
	f.Fuzz(func(t *testing.T, path, query, ctype, body string) {
		if strings.ContainsAny(path, " \r\n\t#?") || !strings.HasPrefix(path, "/") || strings.ContainsAny(query, " \r\n\t#") {
			return
		}
		if _, err := url.ParseRequestURI(path + "?" + query); err != nil {
			return // not a request target net/http would accept
		}
		method := "POST"
		if strings.HasSuffix(path, "bannedUsers") || strings.HasSuffix(path, "getOne") {
			method = "GET"
		}
		r := httptest.NewRequest(method, path+"?"+query, strings.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		p, err := v.CheckRequest(r, []byte(body))
		if err != nil {
			return
		}
		if !json.Valid(p.Body) || (p.Query != nil && !json.Valid(p.Query)) {
			t.Fatalf("params not JSON: %s %s", p.Body, p.Query)
		}
		if method == "GET" || strings.HasPrefix(string(p.Body), "[") {
			return
		}
		again := httptest.NewRequest(method, path, strings.NewReader(string(p.Body)))
		again.Header.Set("Content-Type", "application/json")
		q, err := v.CheckRequest(again, p.Body)
		if err != nil || string(q.Body) != string(p.Body) {
			t.Fatalf("coercion not settled: %s -> %s, %v", p.Body, q.Body, err)
		}
	})
}

// FuzzJavaScriptNumbers: Number.prototype.toString round-trips, and ToNumber never panics.
func FuzzJavaScriptNumbers(f *testing.F) {
	for _, x := range []float64{0, math.Copysign(0, -1), 7, 1e21, 1e-7, 1.5e-7, 123456789012345680000, 5e-324, math.MaxFloat64} {
		f.Add(x, strconv.FormatFloat(x, 'g', -1, 64))
	}
	f.Add(1.0, " 0x1F ")
	f.Fuzz(func(t *testing.T, x float64, s string) {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			got, err := strconv.ParseFloat(jsNumberString(x), 64)
			if err != nil || got != x {
				t.Fatalf("%v -> %q -> %v, %v", x, jsNumberString(x), got, err)
			}
		}
		_ = jsStringToNumber(s)
		if _, err := parseQS(s); err != nil && err != errQueryLimit {
			t.Fatalf("parseQS(%q): %v", s, err)
		}
	})
}
