package api

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/rcinvite/rcinvite/spec"
)

func TestMembershipOperations(t *testing.T) {
	const (
		channelNotFound = `The required "roomId" or "roomName" param provided does not match any channel [error-room-not-found]`
		groupNotFound   = `The required "roomId" or "roomName" param provided does not match any group [error-room-not-found]`
	)
	for _, tc := range []opCase{
		// room roles
		{"addModerator: ok", "POST", "/api/v1/channels.addModerator", admin, `{"roomId":"GENERAL","userId":"bob"}`, 200, "", ""},
		{"addModerator: by username, extra keys ignored", "POST", "/api/v1/channels.addModerator", admin, `{"roomName":"general","username":"BOB","reason":"x"}`, 200, "", ""},
		{"addModerator: a group through channels.*", "POST", "/api/v1/channels.addModerator", admin, `{"roomId":"ProjectX","userId":"alice"}`, 400, "error-room-not-found", channelNotFound},
		{"addModerator: no room", "POST", "/api/v1/channels.addModerator", admin, `{"userId":"bob"}`, 400, "error-room-not-found", channelNotFound},
		{"addModerator: empty roomId is looked up", "POST", "/api/v1/groups.addModerator", admin, `{"roomId":"","roomName":"project-x","userId":"bob"}`, 400, "error-room-not-found", groupNotFound},
		{"addModerator: groups need a room", "POST", "/api/v1/groups.addModerator", admin, `{"userId":"bob"}`, 400, "error-room-param-not-provided", `The parameter "roomId" or "roomName" is required [error-room-param-not-provided]`},
		{"addModerator: no user", "POST", "/api/v1/groups.addModerator", admin, `{"roomId":"ProjectX","userId":" "}`, 400, "error-user-param-not-provided", `The required "userId" or "username" param was not provided [error-user-param-not-provided]`},
		{"addModerator: unknown user", "POST", "/api/v1/groups.addModerator", admin, `{"roomId":"ProjectX","user":"nobody"}`, 400, "error-invalid-user", ""},
		{"addModerator: not a member", "POST", "/api/v1/groups.addModerator", admin, `{"roomId":"ProjectX","userId":"bob"}`, 400, "error-user-not-in-room", "User is not in this room [error-user-not-in-room]"},
		{"addModerator: already", "POST", "/api/v1/groups.addModerator", admin, `{"roomId":"ProjectX","userId":"alice"}`, 400, "error-user-already-moderator", "User is already a moderator [error-user-already-moderator]"},
		{"addModerator: a moderator may not", "POST", "/api/v1/groups.addModerator", "alice", `{"roomId":"ProjectX","userId":"alice"}`, 400, "error-not-allowed", "Not allowed [error-not-allowed]"},
		{"addOwner: not logged in", "POST", "/api/v1/channels.addOwner", "", `{"roomId":"GENERAL","userId":"bob"}`, 401, "-", "You must be logged in to do this."},
		{"addOwner: an object is not a string (the mock's)", "POST", "/api/v1/channels.addOwner", admin, `{"roomId":"GENERAL","userId":{}}`, 400, "invalid-params", "The request body cannot be read: json: cannot unmarshal object into Go struct field roomUserBody.userId of type string [invalid-params]"},
		{"addOwner: ok", "POST", "/api/v1/groups.addOwner", admin, `{"roomId":"ProjectX","userId":"alice"}`, 200, "", ""},
		{"addLeader: ok", "POST", "/api/v1/groups.addLeader", admin, `{"roomId":"ProjectX","userId":"alice"}`, 200, "", ""},
		{"removeOwner: last owner", "POST", "/api/v1/groups.removeOwner", admin, `{"roomId":"ProjectX","userId":"` + admin + `"}`, 400, "error-remove-last-owner", "This is the last owner. Please set a new owner before removing this one. [error-remove-last-owner]"},
		{"removeOwner: not an owner", "POST", "/api/v1/channels.removeOwner", admin, `{"roomId":"GENERAL","userId":"bob"}`, 400, "error-user-not-owner", "User is not an owner [error-user-not-owner]"},
		{"removeModerator: not in the room", "POST", "/api/v1/groups.removeModerator", admin, `{"roomId":"ProjectX","userId":"bob"}`, 400, "error-invalid-room", "Invalid room [error-invalid-room]"},
		{"removeModerator: no roles key passes", "POST", "/api/v1/channels.removeModerator", admin, `{"roomId":"GENERAL","userId":"bob"}`, 200, "", ""},
		{"removeModerator: ok", "POST", "/api/v1/groups.removeModerator", admin, `{"roomId":"ProjectX","userId":"alice"}`, 200, "", ""},
		{"removeLeader: not a leader", "POST", "/api/v1/groups.removeLeader", admin, `{"roomId":"ProjectX","userId":"alice"}`, 400, "error-user-not-leader", "User is not a leader [error-user-not-leader]"},
		{"removeLeader: an unknown user", "POST", "/api/v1/channels.removeLeader", admin, `{"roomId":"GENERAL","userId":"nobody"}`, 400, "error-invalid-user", ""},
		{"channels.roles: ok", "GET", "/api/v1/channels.roles?roomId=GENERAL", "bob", ``, 200, "", ""},
		{"channels.roles: no query", "GET", "/api/v1/channels.roles", "bob", ``, 400, "invalid-params", ""},
		{"channels.roles: an extra key", "GET", "/api/v1/channels.roles?roomId=GENERAL&count=1", "bob", ``, 400, "invalid-params", ""},
		{"groups.roles: no access", "GET", "/api/v1/groups.roles?roomId=ProjectX", "bob", ``, 400, "error-room-not-found", groupNotFound},
		{"groups.roles: no query", "GET", "/api/v1/groups.roles", "bob", ``, 400, "error-room-param-not-provided", ""},
		{"groups.roles: ok", "GET", "/api/v1/groups.roles?roomName=project-x&extra=1", "alice", ``, 200, "", ""},
		// membership
		{"channels.kick: ok", "POST", "/api/v1/channels.kick", admin, `{"roomId":"GENERAL","userId":"bob"}`, 200, "", ""},
		{"channels.kick: username is not accepted", "POST", "/api/v1/channels.kick", admin, `{"roomId":"GENERAL","username":"bob"}`, 400, "invalid-params", ""},
		{"channels.kick: not allowed", "POST", "/api/v1/channels.kick", "bob", `{"roomName":"general","userId":"carol"}`, 400, "error-not-allowed", "Not allowed [error-not-allowed]"},
		{"channels.kick: the last owner", "POST", "/api/v1/channels.kick", admin, `{"roomId":"GENERAL","userId":"` + admin + `"}`, 400, "error-you-are-last-owner", "You are the last owner. Please set new owner before leaving the room. [error-you-are-last-owner]"},
		{"groups.kick: not in the room", "POST", "/api/v1/groups.kick", "alice", `{"roomId":"ProjectX","username":"bob"}`, 400, "error-user-not-in-room", "User is not in this room [error-user-not-in-room]"},
		{"groups.kick: a banned member", "POST", "/api/v1/groups.kick", "alice", `{"roomId":"ProjectX","userId":"carol"}`, 200, "", ""},
		{"channels.leave: ok", "POST", "/api/v1/channels.leave", "bob", `{"roomId":"GENERAL"}`, 200, "", ""},
		{"channels.leave: both keys", "POST", "/api/v1/channels.leave", "bob", `{"roomId":"GENERAL","roomName":"general"}`, 400, "invalid-params", ""},
		{"channels.leave: by name", "POST", "/api/v1/channels.leave", "bob", `{"roomName":"general"}`, 200, "", ""},
		{"groups.leave: banned", "POST", "/api/v1/groups.leave", "carol", `{"roomId":"ProjectX"}`, 400, "error-room-not-found", groupNotFound},
		{"groups.leave: ok", "POST", "/api/v1/groups.leave", "alice", `{"roomName":"project-x"}`, 200, "", ""},
		{"rooms.leave: a DM", "POST", "/api/v1/rooms.leave", "alice", `{"roomId":"dm-admin-alice"}`, 400, "error-not-allowed", "Not allowed [error-not-allowed]"},
		{"rooms.leave: not in the room", "POST", "/api/v1/rooms.leave", "bob", `{"roomId":"ProjectX"}`, 400, "error-user-not-in-room", "You are not in this room [error-user-not-in-room]"},
		{"rooms.leave: no key", "POST", "/api/v1/rooms.leave", "bob", `{}`, 400, "invalid-params", ""},
		{"rooms.leave: unknown", "POST", "/api/v1/rooms.leave", "bob", `{"roomId":""}`, 400, "error-room-not-found", channelNotFound},
		{"channels.info: a banned member reads it", "GET", "/api/v1/channels.info?roomName=general", "carol", ``, 200, "", ""},
		{"channels.info: no query", "GET", "/api/v1/channels.info", "carol", ``, 400, "error-room-not-found", channelNotFound},
		{"groups.info: ok", "GET", "/api/v1/groups.info?roomId=ProjectX", "alice", ``, 200, "", ""},
		{"groups.info: banned", "GET", "/api/v1/groups.info?roomId=ProjectX", "carol", ``, 400, "error-room-not-found", groupNotFound},
		// direct messages
		{"im.create: ok", "POST", "/api/v1/im.create", "bob", `{"username":"carol"}`, 200, "", ""},
		{"dm.create: a list", "POST", "/api/v1/dm.create", "bob", `{"usernames":"carol, alice","excludeSelf":"false"}`, 200, "", ""},
		{"im.create: both keys", "POST", "/api/v1/im.create", "bob", `{"username":"carol","usernames":"alice"}`, 400, "invalid-params", ""},
		{"im.create: too many", "POST", "/api/v1/im.create", "bob", `{"usernames":"a,b,c,d,e,f,g,h"}`, 400, "error-direct-message-max-user-exceeded", "You cannot add more than 8 users, including yourself to a direct message [error-direct-message-max-user-exceeded]"},
		// users
		{"users.info: ok", "GET", "/api/v1/users.info?username=alice", "bob", ``, 200, "", ""},
		{"users.info: oneself with rooms", "GET", "/api/v1/users.info?userId=bob&includeUserRooms=true", "bob", ``, 200, "", ""},
		{"users.info: unknown", "GET", "/api/v1/users.info?userId=nobody", "bob", ``, 400, "-", "User not found."},
		{"users.info: empty", "GET", "/api/v1/users.info?userId=", "bob", ``, 400, "-", "Invalid search query."},
		{"users.info: by email passes the schema only", "GET", "/api/v1/users.info?email=bob@rocket.chat", "bob", ``, 400, "-", "Invalid search query."},
		{"users.info: no query", "GET", "/api/v1/users.info", "bob", ``, 400, "invalid-params", ""},
		// sync
		{"subscriptions.get: all", "GET", "/api/v1/subscriptions.get", "carol", ``, 200, "", ""},
		{"subscriptions.get: since", "GET", "/api/v1/subscriptions.get?updatedSince=2026-05-01T09:00:00.000Z", "carol", ``, 200, "", ""},
		{"subscriptions.get: not a date", "GET", "/api/v1/subscriptions.get?updatedSince=yesterday", "carol", ``, 400, "error-roomId-param-invalid", `The "lastUpdate" query parameter must be a valid date. [error-roomId-param-invalid]`},
		{"subscriptions.get: an extra key", "GET", "/api/v1/subscriptions.get?foo=1", "carol", ``, 400, "invalid-params", "must NOT have additional properties [invalid-params]"},
		{"rooms.get: all, extra keys ignored", "GET", "/api/v1/rooms.get?foo=1", "alice", ``, 200, "", ""},
		{"rooms.get: not a date", "GET", "/api/v1/rooms.get?updatedSince=x", "alice", ``, 400, "error-updatedSince-param-invalid", `The "updatedSince" query parameter must be a valid date. [error-updatedSince-param-invalid]`},
	} {
		t.Run(tc.name, tc.run)
	}
}

// A legacy route with validateParams says its schema failures as Meteor.Error('invalid-params',
// messages.join('\n ')): every message on its own line after a space, then the code.
func TestValidateParamsMessagesJoinWithNewlineSpace(t *testing.T) {
	ve := &spec.ValidationError{Operation: "channelsKick", In: "body", Problems: []spec.Problem{
		{Rule: "required", Message: "must have required property 'userId'"},
		{Rule: "oneOf", Message: "must match exactly one schema in oneOf"},
	}}
	got := invalidParams(&spec.Route{Validate: spec.ValidateParams}, ve)
	want := `{"error":"must have required property 'userId'\n must match exactly one schema in oneOf [invalid-params]","errorType":"invalid-params","success":false}`
	if got.status != http.StatusBadRequest || string(got.body) != want {
		t.Errorf("%d %s\nwant %s", got.status, got.body, want)
	}
	// A typed route joins the same way and adds no code; its query errors are
	// error-invalid-params.
	ve.In = "query"
	typed := invalidParams(&spec.Route{Validate: spec.ValidateRouter}, ve)
	if want := `{"error":"must have required property 'userId'\n must match exactly one schema in oneOf","errorType":"error-invalid-params","success":false}`; string(typed.body) != want {
		t.Errorf("%s\nwant %s", typed.body, want)
	}
}

// The rules' answers over HTTP: a channel's kick answers the channel as it is afterwards, a
// DM is named by its members' ids, and users.info hides what the caller may not see.
func TestMembershipAnswers(t *testing.T) {
	h, _ := newHandler(t)
	_, body := do(t, h, "POST", "/api/v1/channels.kick", admin, `{"roomId":"GENERAL","userId":"bob"}`)
	if ch, _ := field(body, "channel").(map[string]any); ch["_id"] != "GENERAL" || ch["usersCount"] != 3.0 {
		t.Errorf("kick answered %v", body)
	}
	_, body = do(t, h, "POST", "/api/v1/im.create", admin, `{"username":"alice"}`)
	want := map[string]any{"t": "d", "rid": "alice" + admin, "usernames": []any{"alice", admin}, "_id": "alice" + admin}
	if !reflect.DeepEqual(field(body, "room"), want) {
		t.Errorf("im.create answered %v, want room %v (the fixture DM dm-admin-alice has another _id)", body, want)
	}
	_, body = do(t, h, "GET", "/api/v1/users.info?username=alice", "bob", ``)
	user, _ := field(body, "user").(map[string]any)
	if _, ok := user["emails"]; ok || user["canViewAllInfo"] != false || user["username"] != "alice" {
		t.Errorf("bob sees %v", user)
	}
	_, body = do(t, h, "GET", "/api/v1/channels.roles?roomId=GENERAL", "bob", ``)
	roles, _ := field(body, "roles").([]any)
	if len(roles) != 1 || field(roles[0], "roles") == nil {
		t.Errorf("channels.roles answered %v", body)
	}
}

// TestArchivedRoomsRefuseRolesAndLeaving: the routes whose lookup checks archiving.
func TestArchivedRoomsRefuseRolesAndLeaving(t *testing.T) {
	for _, tc := range []struct{ name, method, path, user, body, want string }{
		{"channels.addOwner", "POST", "/api/v1/channels.addOwner", admin, `{"roomId":"GENERAL","userId":"bob"}`, "The channel, general, is archived [error-room-archived]"},
		{"groups.removeModerator", "POST", "/api/v1/groups.removeModerator", admin, `{"roomId":"ProjectX","userId":"alice"}`, "The private group, project-x, is archived [error-room-archived]"},
		{"channels.leave", "POST", "/api/v1/channels.leave", "bob", `{"roomId":"GENERAL"}`, "The channel, general, is archived [error-room-archived]"},
		{"rooms.leave", "POST", "/api/v1/rooms.leave", "alice", `{"roomId":"ProjectX"}`, "The channel, project-x, is archived [error-room-archived]"},
		{"channels.roles", "GET", "/api/v1/channels.roles?roomId=GENERAL", "bob", ``, "The channel, general, is archived [error-room-archived]"},
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
			status, body := do(t, h, tc.method, tc.path, tc.user, tc.body)
			if status != http.StatusBadRequest || field(body, "errorType") != "error-room-archived" || field(body, "error") != tc.want {
				t.Errorf("%d %v, want 400 %q", status, body, tc.want)
			}
		})
	}
}

// Regression: channels.members named no room and answered error-room-param-not-provided, the
// groups' guard; findChannelByIdOrName has none, so the server finds no channel.
func TestChannelsMembersWithoutARoomFindsNone(t *testing.T) {
	h, _ := newHandler(t)
	status, body := do(t, h, "GET", "/api/v1/channels.members", "bob", ``)
	if status != http.StatusBadRequest || field(body, "errorType") != "error-room-not-found" {
		t.Errorf("%d %v", status, body)
	}
}
