package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rcinvite/rcinvite/spec"
)

// FuzzRequest sends arbitrary method, path, credentials, content type and body. Invariants: no
// panic, no 5xx, and every answer to a routed request is valid against the contract.
func FuzzRequest(f *testing.F) {
	seeds := []struct{ method, path, user, token, ctype, body string }{
		{"POST", "/api/v1/useInviteToken", "bob", "bob-token", "application/json", `{"token":"PrjXok"}`},
		{"POST", "/api/v1/useInviteToken", "carol", "carol-token", "application/json", `{"token":"PrjXok"}`},
		{"POST", "/api/v1/useInviteToken", "bob", "bob-token", "application/json", `{"token":12}`},
		{"POST", "/api/v1/useInviteToken", "bob", "bob-token", "text/plain", `token`},
		{"POST", "/api/v1/useInviteToken", "", "", "", ``},
		{"POST", "/api/v1/validateInviteToken", "", "", "application/json", `{"token":null}`},
		{"POST", "/api/v1/findOrCreateInvite", "alice", "alice-token", "application/json", `{"rid":"ProjectX","days":"7","maxUses":true}`},
		{"GET", "/api/v1/listInvites", admin, "admin-token", "", ``},
		{"DELETE", "/api/v1/removeInvite/%2F", admin, "admin-token", "", ``},
		{"POST", "/api/v1/rooms.banUser", "alice", "alice-token", "application/json", `{"roomId":"ProjectX","username":"bob"}`},
		{"GET", "/api/v1/rooms.bannedUsers?roomId=ProjectX&count=-1", "alice", "alice-token", "", ``},
		{"POST", "/api/v1/login", "", "", "application/json", `{"user":"alice","password":{"digest":"x","algorithm":"sha-256"}}`},
		{"POST", "/api/v1/users.create", admin, "admin-token", "application/json", `{"email":"a@b.cc","name":"","password":"","username":"a"}`},
		{"GET", "/api/v1/channels.members?roomName=general&offset=99", "bob", "bob-token", "", ``},
		{"POST", "/api/v1/channels.create", "bob", "bob-token", "application/x-www-form-urlencoded", `name=x&members=alice&members=bob`},
		{"GET", "/api/info", "", "", "", ``},
		{"POST", "/api/v1/groups.addModerator", admin, "admin-token", "application/json", `{"roomId":"ProjectX","user":" alice "}`},
		{"POST", "/api/v1/channels.removeOwner", admin, "admin-token", "application/json", `{"roomName":"","userId":["x"]}`},
		{"GET", "/api/v1/channels.roles?roomId=GENERAL&roomId=x", "bob", "bob-token", "", ``},
		{"POST", "/api/v1/channels.kick", admin, "admin-token", "application/json", `{"roomId":"GENERAL","userId":1e3}`},
		{"POST", "/api/v1/groups.kick", "alice", "alice-token", "application/json", `{"roomId":"ProjectX","username":"carol"}`},
		{"POST", "/api/v1/rooms.leave", "alice", "alice-token", "application/json", `{"roomName":"project-x"}`},
		{"POST", "/api/v1/im.create", "bob", "bob-token", "application/json", `{"usernames":",carol,,bob","excludeSelf":1}`},
		{"GET", "/api/v1/users.info?username=alice&includeUserRooms=true&fields=", "bob", "bob-token", "", ``},
		{"GET", "/api/v1/subscriptions.get?updatedSince=2026-02-30", "carol", "carol-token", "", ``},
		{"GET", "/api/v1/rooms.get?updatedSince=0001-01-01T00:00:00Z", "carol", "carol-token", "", ``},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.user, s.token, s.ctype, s.body)
	}
	h, _ := newHandler(f)
	f.Fuzz(func(t *testing.T, method, path, user, token, ctype, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#") || strings.ContainsAny(method, " \r\n\t()<>@,;:\\\"/[]?={}") || method == "" {
			return // not a request line net/http would parse
		}
		r := httptest.NewRequest("GET", "/", strings.NewReader(body))
		r.Method = method
		u, err := r.URL.Parse(path)
		if err != nil {
			return
		}
		r.URL = u
		r.Header.Set("Content-Type", ctype)
		r.Header.Set("X-User-Id", user)
		r.Header.Set("X-Auth-Token", token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q -> %d %s", method, path, body, rec.Code, rec.Body)
		}
		check := httptest.NewRequest("GET", "/", nil)
		check.Method, check.URL = method, u
		if _, err := spec.Default().FindRoute(check); err == nil {
			if err := spec.Default().ValidateResponse(check, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
				t.Fatalf("%s %s: answer off the contract: %v", method, path, err)
			}
		}
	})
}
