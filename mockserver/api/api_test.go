package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rcinvite/rcinvite/mockserver/world"
	"github.com/rcinvite/rcinvite/spec"
)

const admin = "rocketchat.internal.admin.test"

// tokens are the fixture users' fixed auth tokens.
// "mallory" sends bob's id with a wrong token.
var tokens = map[string]string{admin: "admin-token", "alice": "alice-token", "bob": "bob-token", "carol": "carol-token", "mallory": "x"}

func newHandler(t testing.TB) (*Handler, *world.World) {
	t.Helper()
	c := world.NewClock()
	c.Freeze(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC))
	w, err := world.New(world.Options{Clock: c, Random: rand.NewChaCha8([32]byte{7})})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return New(w, Options{Strict: os.Getenv("RCINVITE_LAX") == "", Logger: log}), w
}

// do sends a request as user ("" = anonymous) and returns the status and decoded body. It
// also checks the answer against the contract, independently of the handler's own check.
func do(t testing.TB, h http.Handler, method, path, user, body string) (int, any) {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if user != "" {
		id := user
		if user == "mallory" {
			id = "bob"
		}
		r.Header.Set("X-User-Id", id)
		r.Header.Set("X-Auth-Token", tokens[user])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	raw := rec.Body.Bytes()
	if rec.Code != http.StatusNotFound {
		check := httptest.NewRequest(method, path, nil)
		if err := spec.Default().ValidateResponse(check, rec.Code, rec.Header(), raw); err != nil {
			t.Errorf("%s %s: answer off the contract: %v\n%s", method, path, err, raw)
		}
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s %s: body %q is not JSON: %v", method, path, raw, err)
	}
	return rec.Code, v
}

func field(v any, key string) any {
	m, _ := v.(map[string]any)
	return m[key]
}

// opCase is one request to a fresh default world and the answer it must get.
type opCase struct {
	name, method, path, user, body string
	status                         int
	errorType, error               string // errorType "-" = must be absent, "" = not checked
}

// run sends the case to a fresh handler and checks status, success, errorType and error.
func (tc opCase) run(t *testing.T) {
	h, _ := newHandler(t)
	status, body := do(t, h, tc.method, tc.path, tc.user, tc.body)
	if status != tc.status {
		t.Fatalf("status = %d, want %d; body %v", status, tc.status, body)
	}
	if tc.status == 200 {
		if b, ok := body.(map[string]any); ok && b["success"] != true {
			t.Errorf("success = %v", b["success"])
		}
		return
	}
	if field(body, "success") != false {
		t.Errorf("success = %v, want false", field(body, "success"))
	}
	switch et := field(body, "errorType"); {
	case tc.errorType == "-" && et != nil:
		t.Errorf("errorType = %v, want none", et)
	case tc.errorType != "-" && tc.errorType != "" && et != tc.errorType:
		t.Errorf("errorType = %v, want %s (body %v)", et, tc.errorType, body)
	}
	if tc.error != "" && field(body, "error") != tc.error {
		t.Errorf("error = %v, want %q", field(body, "error"), tc.error)
	}
}

func TestOperations(t *testing.T) {
	for _, tc := range []opCase{
		// useInviteToken
		{"use: not logged in", "POST", "/api/v1/useInviteToken", "", ``, 401, "-", "You must be logged in to do this."},
		{"use: wrong token header", "POST", "/api/v1/useInviteToken", "mallory", ``, 401, "-", ""},
		{"use: missing token", "POST", "/api/v1/useInviteToken", "bob", `{}`, 400, "invalid-params", "must have required property 'token'"},
		{"use: malformed JSON", "POST", "/api/v1/useInviteToken", "bob", `{"token":`, 400, "invalid-params", "must have required property 'token'"},
		{"use: extra key", "POST", "/api/v1/useInviteToken", "bob", `{"token":"PrjXok","x":1}`, 400, "invalid-params", "must NOT have additional properties"},
		{"use: empty token", "POST", "/api/v1/useInviteToken", "bob", `{"token":""}`, 400, "error-invalid-token", "The invite token is invalid. [error-invalid-token]"},
		{"use: number token coerced", "POST", "/api/v1/useInviteToken", "bob", `{"token":123}`, 400, "error-invalid-token", ""},
		{"use: unknown", "POST", "/api/v1/useInviteToken", "bob", `{"token":"nope"}`, 400, "error-invalid-token", ""},
		{"use: room gone", "POST", "/api/v1/useInviteToken", "bob", `{"token":"Gonezz"}`, 400, "error-invalid-room", "The invite token is invalid. [error-invalid-room]"},
		{"use: expired", "POST", "/api/v1/useInviteToken", "bob", `{"token":"Expird"}`, 400, "error-invite-expired", ""},
		{"use: used up", "POST", "/api/v1/useInviteToken", "bob", `{"token":"MaxedX"}`, 400, "error-invite-expired", ""},
		{"use: DM", "POST", "/api/v1/useInviteToken", "bob", `{"token":"DMroom"}`, 400, "error-room-type-not-allowed", ""},
		{"use: banned", "POST", "/api/v1/useInviteToken", "carol", `{"token":"PrjXok"}`, 400, "error-user-is-banned", "User is banned from this room [error-user-is-banned]"},
		{"use: banned, expired", "POST", "/api/v1/useInviteToken", "carol", `{"token":"Expird"}`, 400, "error-invite-expired", ""},
		{"use: joins", "POST", "/api/v1/useInviteToken", "bob", `{"token":"PrjXok"}`, 200, "", ""},
		// validateInviteToken
		{"validate: no auth needed", "POST", "/api/v1/validateInviteToken", "", `{"token":"PrjXok"}`, 200, "", ""},
		{"validate: missing token", "POST", "/api/v1/validateInviteToken", "", `{}`, 400, "invalid-params", ""},
		// findOrCreateInvite
		{"find: missing fields", "POST", "/api/v1/findOrCreateInvite", "alice", `{"rid":"ProjectX"}`, 400, "invalid-params", ""},
		{"find: string days coerced", "POST", "/api/v1/findOrCreateInvite", "alice", `{"rid":"ProjectX","days":"7","maxUses":"10"}`, 200, "", ""},
		{"find: not authorized", "POST", "/api/v1/findOrCreateInvite", "bob", `{"rid":"unknown","days":7,"maxUses":10}`, 400, "not_authorized", "[not_authorized]"},
		{"find: empty rid", "POST", "/api/v1/findOrCreateInvite", admin, `{"rid":"","days":7,"maxUses":10}`, 400, "error-the-field-is-required", ""},
		{"find: invalid rid", "POST", "/api/v1/findOrCreateInvite", admin, `{"rid":"invalid","days":7,"maxUses":10}`, 400, "error-invalid-room", "The rid field is invalid [error-invalid-room]"},
		{"find: DM", "POST", "/api/v1/findOrCreateInvite", admin, `{"rid":"dm-admin-alice","days":7,"maxUses":10}`, 400, "error-room-type-not-allowed", ""},
		{"find: days", "POST", "/api/v1/findOrCreateInvite", admin, `{"rid":"ProjectX","days":3,"maxUses":10}`, 400, "invalid-number-of-days", ""},
		{"find: uses", "POST", "/api/v1/findOrCreateInvite", admin, `{"rid":"ProjectX","days":7,"maxUses":3}`, 400, "invalid-number-of-uses", ""},
		// listInvites / removeInvite
		{"list: admin", "GET", "/api/v1/listInvites", admin, ``, 200, "", ""},
		{"list: not admin", "GET", "/api/v1/listInvites", "alice", ``, 400, "not_authorized", ""},
		{"remove: unknown", "DELETE", "/api/v1/removeInvite/nope", admin, ``, 400, "invalid-invitation-id", "Invalid Invitation _id [invalid-invitation-id]"},
		{"remove: not admin", "DELETE", "/api/v1/removeInvite/PrjXok", "alice", ``, 400, "not_authorized", ""},
		{"remove: not logged in", "DELETE", "/api/v1/removeInvite/PrjXok", "", ``, 401, "-", ""},
		// sendInvitationEmail
		{"mail: not admin", "POST", "/api/v1/sendInvitationEmail", "alice", `{"emails":["a@example.com"]}`, 400, "-", "Not allowed [error-not-allowed]"},
		{"mail: none valid", "POST", "/api/v1/sendInvitationEmail", admin, `{"emails":["nope"]}`, 400, "-", "No valid email addresses [error-email-send-failed]"},
		{"mail: ok", "POST", "/api/v1/sendInvitationEmail", admin, `{"emails":["a@example.com"]}`, 200, "", ""},
		{"mail: schema", "POST", "/api/v1/sendInvitationEmail", admin, `{"emails":"a@example.com"}`, 400, "invalid-params", ""},
		// bans
		{"ban: both user keys", "POST", "/api/v1/rooms.banUser", "alice", `{"roomId":"ProjectX","userId":"bob","username":"bob"}`, 400, "invalid-params", ""},
		{"ban: unknown user", "POST", "/api/v1/rooms.banUser", "alice", `{"roomId":"ProjectX","username":"nobody"}`, 400, "error-invalid-user", ""},
		{"ban: not allowed", "POST", "/api/v1/rooms.banUser", "bob", `{"roomId":"GENERAL","username":"alice"}`, 400, "-", "Not allowed"},
		{"ban: not in room", "POST", "/api/v1/rooms.banUser", "alice", `{"roomId":"ProjectX","username":"bob"}`, 400, "-", "User is not in this room"},
		{"ban: already banned", "POST", "/api/v1/rooms.banUser", "alice", `{"roomId":"ProjectX","userId":"carol"}`, 400, "-", "User is already banned from this room"},
		{"ban: last owner", "POST", "/api/v1/rooms.banUser", "alice", `{"roomId":"ProjectX","userId":"` + admin + `"}`, 400, "-", "You are the last owner. Please set new owner before banning the user."},
		{"ban: ok", "POST", "/api/v1/rooms.banUser", admin, `{"roomId":"GENERAL","username":"bob"}`, 200, "", ""},
		{"unban: not banned", "POST", "/api/v1/rooms.unbanUser", admin, `{"roomId":"ProjectX","username":"alice"}`, 400, "-", "error-user-not-banned"},
		{"unban: ok", "POST", "/api/v1/rooms.unbanUser", "alice", `{"roomId":"ProjectX","username":"carol"}`, 200, "", ""},
		{"banned: list", "GET", "/api/v1/rooms.bannedUsers?roomId=ProjectX", "alice", ``, 200, "", ""},
		{"banned: no access", "GET", "/api/v1/rooms.bannedUsers?roomId=ProjectX", "bob", ``, 401, "-", "unauthorized"},
		{"banned: missing roomId", "GET", "/api/v1/rooms.bannedUsers", "alice", ``, 400, "error-invalid-params", ""},
		{"banned: bad count", "GET", "/api/v1/rooms.bannedUsers?roomId=ProjectX&count=x", "alice", ``, 400, "error-invalid-params", ""},
		// auth
		{"login: ok", "POST", "/api/v1/login", "", `{"user":"alice","password":"rocket.chat"}`, 200, "", ""},
		{"login: digest", "POST", "/api/v1/login", "", `{"user":"alice","password":{"digest":"` + digest("rocket.chat") + `","algorithm":"sha-256"}}`, 200, "", ""},
		{"login: wrong password", "POST", "/api/v1/login", "", `{"user":"alice","password":"x"}`, 401, "-", ""},
		{"login: unknown user", "POST", "/api/v1/login", "", `{"username":"nobody","password":"x"}`, 401, "-", "Unauthorized"},
		{"login: no password", "POST", "/api/v1/login", "", `{"user":"alice"}`, 401, "-", ""},
		{"login: an extra key", "POST", "/api/v1/login", "", `{"user":"alice","password":"rocket.chat","x":1}`, 401, "-", ""},
		{"login: resume", "POST", "/api/v1/login", "", `{"resume":"bob-token"}`, 200, "", ""},
		{"me", "GET", "/api/v1/me", "alice", ``, 200, "", ""},
		{"me: not logged in", "GET", "/api/v1/me", "", ``, 401, "-", ""},
		{"info", "GET", "/api/info", "", ``, 200, "", ""},
		// setup
		{"users.create: ok", "POST", "/api/v1/users.create", admin, `{"email":"dave@example.com","name":"Dave","password":"rocket.chat","username":"dave"}`, 200, "", ""},
		{"users.create: taken", "POST", "/api/v1/users.create", admin, `{"email":"x@example.com","name":"B","password":"p","username":"bob"}`, 400, "error-field-unavailable", "bob is already in use :( [error-field-unavailable]"},
		{"users.create: no create-user", "POST", "/api/v1/users.create", "alice", `{"email":"x@example.com","name":"X","password":"p","username":"xx"}`, 400, "error-action-not-allowed", "Adding user is not allowed [error-action-not-allowed]"},
		{"users.create: validateParams text", "POST", "/api/v1/users.create", admin, `{"name":"X"}`, 400, "invalid-params", "must have required property 'email' [invalid-params]"},
		{"users.create: schema", "POST", "/api/v1/users.create", admin, `{"name":"X"}`, 400, "invalid-params", ""},
		{"users.create: blank name", "POST", "/api/v1/users.create", admin, `{"email":"","name":" ","password":"","username":""}`, 400, "error-the-field-is-required", "The field Name is required [error-the-field-is-required]"},
		{"users.create: empty username", "POST", "/api/v1/users.create", admin, `{"email":"","name":"0","password":"0","username":""}`, 400, "error-the-field-is-required", "The field Username is required [error-the-field-is-required]"},
		{"users.create: invalid username", "POST", "/api/v1/users.create", admin, `{"email":"x@example.com","name":"X","password":"p","username":"<x>"}`, 400, "error-input-is-not-a-valid-field", "&lt;x&gt; is not a valid username [error-input-is-not-a-valid-field]"},
		{"users.create: no password", "POST", "/api/v1/users.create", admin, `{"email":"x@example.com","name":"X","password":"","username":"xx"}`, 400, "error-the-field-is-required", "The field Password is required [error-the-field-is-required]"},
		{"users.create: unknown role", "POST", "/api/v1/users.create", admin, `{"email":"x@example.com","name":"X","password":"p","username":"xx","roles":["user","nope"]}`, 400, "error-action-not-allowed", "The field Roles consist invalid role id [error-action-not-allowed]"},
		{"users.create: known roles", "POST", "/api/v1/users.create", admin, `{"email":"x@example.com","name":"X","password":"p","username":"xx","roles":["user","bot","livechat-agent"]}`, 200, "", ""},
		{"users.create: random password", "POST", "/api/v1/users.create", admin, `{"email":"r@example.com","name":"R","password":"","username":"rr","setRandomPassword":true}`, 200, "", ""},
		{"users.delete: unknown", "POST", "/api/v1/users.delete", admin, `{"username":"nobody"}`, 400, "error-invalid-user", ""},
		{"users.delete: ok", "POST", "/api/v1/users.delete", admin, `{"userId":"carol"}`, 200, "", ""},
		{"users.delete: no delete-user", "POST", "/api/v1/users.delete", "bob", `{"userId":"carol"}`, 401, "-", "unauthorized"},
		{"users.delete: no user", "POST", "/api/v1/users.delete", admin, `{}`, 400, "error-user-param-not-provided", ""},
		{"channels.create: ok", "POST", "/api/v1/channels.create", "bob", `{"name":"room-1","members":["alice"]}`, 200, "", ""},
		{"channels.create: taken", "POST", "/api/v1/channels.create", "bob", `{"name":"general"}`, 400, "error-duplicate-channel-name", ""},
		{"groups.create: ok", "POST", "/api/v1/groups.create", "bob", `{"name":"grp"}`, 200, "", ""},
		{"groups.create: bad name", "POST", "/api/v1/groups.create", "bob", `{"name":"a b"}`, 400, "error-invalid-room-name", ""},
		{"channels.delete: unknown", "POST", "/api/v1/channels.delete", admin, `{"roomId":"nowhere"}`, 400, "error-room-not-found", ""},
		{"channels.delete: not allowed", "POST", "/api/v1/channels.delete", "bob", `{"roomName":"general"}`, 400, "error-not-allowed", ""},
		{"groups.delete: ok", "POST", "/api/v1/groups.delete", admin, `{"roomId":"ProjectX"}`, 200, "", ""},
		{"channels.invite: banned", "POST", "/api/v1/groups.invite", "alice", `{"roomId":"ProjectX","username":"carol"}`, 400, "error-user-is-banned", ""},
		{"channels.invite: ok", "POST", "/api/v1/channels.invite", admin, `{"roomId":"GENERAL","userId":"bob"}`, 200, "", ""},
		{"groups.invite: not member", "POST", "/api/v1/groups.invite", "bob", `{"roomId":"ProjectX","username":"bob"}`, 400, "error-room-not-found", ""},
		{"groups.invite: ok", "POST", "/api/v1/groups.invite", "alice", `{"roomName":"project-x","username":"bob"}`, 200, "", ""},
		{"channels.join: ok", "POST", "/api/v1/channels.join", "bob", `{"roomId":"GENERAL"}`, 200, "", ""},
		{"channels.join: private", "POST", "/api/v1/channels.join", "bob", `{"roomId":"ProjectX"}`, 400, "error-room-not-found", ""},
		{"channels.members", "GET", "/api/v1/channels.members?roomId=GENERAL&count=2", "bob", ``, 200, "", ""},
		{"groups.members: no access", "GET", "/api/v1/groups.members?roomId=ProjectX", "bob", ``, 400, "error-room-not-found", ""},
		{"groups.members: no room", "GET", "/api/v1/groups.members", "bob", ``, 400, "error-room-param-not-provided", ""},
		{"rooms.info: ok", "GET", "/api/v1/rooms.info?roomId=ProjectX", "alice", ``, 200, "", ""},
		{"rooms.info: unknown", "GET", "/api/v1/rooms.info?roomId=nowhere", "alice", ``, 400, "error-room-not-found", ""},
		{"subscriptions.getOne: banned", "GET", "/api/v1/subscriptions.getOne?roomId=ProjectX", "carol", ``, 200, "", ""},
		{"subscriptions.getOne: none", "GET", "/api/v1/subscriptions.getOne?roomId=ProjectX", "bob", ``, 200, "", ""},
	} {
		t.Run(tc.name, tc.run)
	}
}

// TestArchivedRooms: a room archived in an imported state refuses joins and invitations with
// error-room-archived (findChannelByIdOrName / findPrivateGroupByIdOrName check it), answered
// on contract.
func TestArchivedRooms(t *testing.T) {
	for _, tc := range []struct{ name, path, user, body, want string }{
		{"channels.join", "/api/v1/channels.join", "bob", `{"roomId":"GENERAL"}`, "The channel, general, is archived [error-room-archived]"},
		{"channels.invite", "/api/v1/channels.invite", admin, `{"roomId":"GENERAL","userId":"bob"}`, "The channel, general, is archived [error-room-archived]"},
		{"groups.invite", "/api/v1/groups.invite", "alice", `{"roomId":"ProjectX","username":"bob"}`, "The private group, project-x, is archived [error-room-archived]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, w := newHandler(t)
			st := w.Export()
			for i := range st.Rooms {
				st.Rooms[i].Archived = true
			}
			if err := w.Import(st); err != nil {
				t.Fatal(err)
			}
			status, body := do(t, h, "POST", tc.path, tc.user, tc.body)
			if status != http.StatusBadRequest || field(body, "errorType") != "error-room-archived" || field(body, "error") != tc.want {
				t.Errorf("%d %v, want 400 %q", status, body, tc.want)
			}
		})
	}
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
