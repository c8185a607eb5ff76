package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// /api/v1/me is getUserInfo(user): avatarUrl, settings.preferences over the defaults, the
// first verified address as email, services reduced to password.exists; nothing secret.
func TestMeIsGetUserInfo(t *testing.T) {
	h, _ := newHandler(t)
	rec := send(h, "GET", "/api/v1/me", "alice", "", nil)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var me map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &me); err != nil {
		t.Fatal(err)
	}
	if me["avatarUrl"] != "http://localhost:3000/avatar/alice" || me["isOAuthUser"] != false {
		t.Errorf("avatarUrl/isOAuthUser: %v", me)
	}
	settings, _ := me["settings"].(map[string]any)
	prefs, _ := settings["preferences"].(map[string]any)
	if prefs["enableAutoAway"] != true || prefs["idleTimeLimit"] != 300.0 || prefs["desktopNotifications"] != "all" {
		t.Errorf("preferences: %v", settings)
	}
	if svc, _ := me["services"].(map[string]any); svc["password"].(map[string]any)["exists"] != true || len(svc) != 1 {
		t.Errorf("services: %v", me["services"])
	}
	for _, secret := range []string{"alice-token", "password\":\"", "loginTokens", "hashedToken"} {
		if strings.Contains(rec.Body.String(), secret) {
			t.Errorf("me shows %q: %s", secret, rec.Body)
		}
	}
	// login's data.me is the same view.
	rec = send(h, "POST", "/api/v1/login", "", `{"user":"alice","password":"rocket.chat"}`, nil)
	var login struct {
		Data struct {
			Me map[string]any `json:"me"`
		} `json:"data"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &login)
	if login.Data.Me["avatarUrl"] != "http://localhost:3000/avatar/alice" || login.Data.Me["settings"] == nil {
		t.Errorf("login me: %s", rec.Body)
	}
}

// /api/info resolves credentials though it needs none: view-statistics (admin) sees the
// whole version and the build; everyone sees minimumClientVersions.
func TestInfoForPrivilegedCallers(t *testing.T) {
	h, _ := newHandler(t)
	get := func(user string, header map[string]string) map[string]any {
		t.Helper()
		rec := send(h, "GET", "/api/info", user, "", header)
		var v map[string]any
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &v) != nil {
			t.Fatalf("%s: %d %s", user, rec.Code, rec.Body)
		}
		return v
	}
	for _, v := range []map[string]any{get("", nil), get("bob", nil), get("", map[string]string{"X-User-Id": admin, "X-Auth-Token": "wrong"})} {
		if v["version"] != "8.4" || v["info"] != nil || v["minimumClientVersions"] == nil {
			t.Errorf("unprivileged: %v", v)
		}
	}
	v := get(admin, nil)
	info, _ := v["info"].(map[string]any)
	if v["version"] != "8.4.0" || info["version"] != "8.4.0" || v["minimumClientVersions"] == nil {
		t.Errorf("admin: %v", v)
	}
}
