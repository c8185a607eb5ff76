package world

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rcinvite/rcinvite/fixtures"
)

// wantErr checks that err is the Rocket.Chat error with this envelope text ("reason [code]",
// or a plain message) and, when m is set, details.method m.
func wantErr(t *testing.T, err error, text, m string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want %q", err, text)
	}
	if e.Error() != text {
		t.Errorf("error = %q, want %q", e.Error(), text)
	}
	if got, _ := e.Details["method"].(string); got != m {
		t.Errorf("details = %v, want method %q", e.Details, m)
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// group creates a private group owned by owner with members, and returns its id.
func group(t *testing.T, w *World, owner string, members ...string) string {
	t.Helper()
	r, err := w.CreateRoom(owner, Group, NewRoom{Name: "g-" + strings.Join(append([]string{owner}, members...), "-"), Members: members})
	ok(t, err)
	return r.ID
}

func byID(id string) RoomSelector      { return RoomSelector{ID: id, HasID: true} }
func userID(id string) UserSelector    { return UserSelector{ID: id} }
func byUsername(n string) UserSelector { return UserSelector{Username: n} }
func rolesOf(w *World, rid, uid string) []string {
	if s := w.Subscription(uid, rid); s != nil {
		return s.Roles
	}
	return nil
}

func TestRoomRoleMethodsCheckInOrder(t *testing.T) {
	const notFound = `The required "roomId" or "roomName" param provided does not match any `
	for _, tc := range []struct {
		name    string
		caller  string
		k       Kind
		room    RoomSelector
		target  UserSelector
		role    RoomRole
		remove  bool
		text, m string
	}{
		{"a channel named by an unknown id", admin, Channel, byID("nope"), userID("bob"), Owner, false, notFound + "channel [error-room-not-found]", ""},
		{"a group through channels.*", admin, Channel, byID("ProjectX"), userID("bob"), Owner, false, notFound + "channel [error-room-not-found]", ""},
		{"channels.* asks for no room parameter", admin, Channel, RoomSelector{}, userID("bob"), Owner, false, notFound + "channel [error-room-not-found]", ""},
		{"groups.* asks for one", admin, Group, RoomSelector{}, userID("bob"), Owner, false, `The parameter "roomId" or "roomName" is required [error-room-param-not-provided]`, ""},
		{"a group the caller cannot access", "bob", Group, byID("ProjectX"), userID("alice"), Moderator, false, notFound + "group [error-room-not-found]", ""},
		{"a banned member cannot access the group", "carol", Group, byID("ProjectX"), userID("alice"), Moderator, false, notFound + "group [error-room-not-found]", ""},
		{"the room before the user", admin, Channel, byID("nope"), UserSelector{}, Owner, false, notFound + "channel [error-room-not-found]", ""},
		{"no user parameter", admin, Group, byID("ProjectX"), UserSelector{User: " "}, Owner, false, `The required "userId" or "username" param was not provided [error-user-param-not-provided]`, ""},
		{"an unknown user", admin, Group, byID("ProjectX"), byUsername("nobody"), Owner, false, `The required "userId" or "username" param provided does not match any users [error-invalid-user]`, ""},
		{"a moderator may not set owners", "alice", Group, byID("ProjectX"), userID(admin), Owner, false, "Not allowed [error-not-allowed]", "addRoomOwner"},
		{"a moderator may not set moderators", "alice", Group, byID("ProjectX"), userID(admin), Moderator, false, "Not allowed [error-not-allowed]", "addRoomModerator"},
		{"a moderator may not set leaders", "alice", Group, byID("ProjectX"), userID(admin), Leader, true, "Not allowed [error-not-allowed]", "removeRoomLeader"},
		{"the permission before the user's membership", "bob", Channel, byID("GENERAL"), userID("nobody-here"), Owner, false, `The required "userId" or "username" param provided does not match any users [error-invalid-user]`, ""},
		{"owner: not in the room", admin, Group, byID("ProjectX"), userID("bob"), Owner, false, "User is not in this room [error-user-not-in-room]", "addRoomOwner"},
		{"moderator: not in the room", admin, Group, byID("ProjectX"), userID("bob"), Moderator, false, "User is not in this room [error-user-not-in-room]", "addRoomModerator"},
		{"already a moderator", admin, Group, byID("ProjectX"), userID("alice"), Moderator, false, "User is already a moderator [error-user-already-moderator]", "addRoomModerator"},
		{"already an owner", admin, Group, byID("ProjectX"), userID(admin), Owner, false, "User is already an owner [error-user-already-owner]", "addRoomOwner"},
		{"remove owner: not in the room is an invalid room", admin, Group, byID("ProjectX"), userID("bob"), Owner, true, "Invalid room [error-invalid-room]", "removeRoomOwner"},
		{"remove moderator: not in the room is an invalid room", admin, Group, byID("ProjectX"), userID("bob"), Moderator, true, "Invalid room [error-invalid-room]", "removeRoomModerator"},
		{"remove leader: not in the room", admin, Group, byID("ProjectX"), userID("bob"), Leader, true, "User is not in this room [error-user-not-in-room]", "removeRoomLeader"},
		{"remove owner: a member without roles is not an owner", admin, Channel, byID("GENERAL"), userID("bob"), Owner, true, "User is not an owner [error-user-not-owner]", "removeRoomOwner"},
		{"remove owner: a moderator is not an owner", admin, Group, byID("ProjectX"), userID("alice"), Owner, true, "User is not an owner [error-user-not-owner]", "removeRoomOwner"},
		{"remove leader: roles without leader", admin, Group, byID("ProjectX"), userID("alice"), Leader, true, "User is not a leader [error-user-not-leader]", "removeRoomLeader"},
		{"the last owner stays", admin, Group, byID("ProjectX"), userID(admin), Owner, true, "This is the last owner. Please set a new owner before removing this one. [error-remove-last-owner]", "removeRoomOwner"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, "")
			change := w.AddRoomRole
			if tc.remove {
				change = w.RemoveRoomRole
			}
			before := w.Export()
			wantErr(t, change(tc.caller, tc.k, tc.room, tc.target, tc.role), tc.text, tc.m)
			if !reflect.DeepEqual(before, w.Export()) {
				t.Error("a refused role change changed the world")
			}
		})
	}
}

func TestRoomRoleMethodsChangeTheSubscription(t *testing.T) {
	w := newWorld(t, "")
	gid := group(t, w, "bob", "alice", "carol")
	if got := rolesOf(w, gid, "bob"); !reflect.DeepEqual(got, []string{"owner"}) {
		t.Fatalf("creator roles = %v", got)
	}
	if got := rolesOf(w, gid, "alice"); got != nil {
		t.Fatalf("member roles = %v, want no key", got)
	}
	w.Clock().Advance(time.Minute)
	ok(t, w.AddRoomRole("bob", Group, byID(gid), byUsername("ALICE"), Moderator)) // usernames ignore case
	ok(t, w.AddRoomRole("bob", Group, RoomSelector{Name: "g-bob-alice-carol", HasName: true}, userID("alice"), Leader))
	if got := rolesOf(w, gid, "alice"); !reflect.DeepEqual(got, []string{"moderator", "leader"}) {
		t.Errorf("roles = %v", got)
	}
	if s := w.Subscription("alice", gid); !s.UpdatedAt.Time().Equal(start.Add(time.Minute)) {
		t.Errorf("_updatedAt = %v, want the change's time", s.UpdatedAt.Time())
	}
	// Removing a role nobody holds passes for moderator and leader when the key is missing.
	ok(t, w.RemoveRoomRole("bob", Group, byID(gid), userID("carol"), Moderator))
	ok(t, w.RemoveRoomRole("bob", Group, byID(gid), userID("carol"), Leader))
	if got := rolesOf(w, gid, "carol"); got != nil {
		t.Errorf("a $pull on a missing key created roles %v", got)
	}
	ok(t, w.RemoveRoomRole("bob", Group, byID(gid), userID("alice"), Moderator))
	ok(t, w.RemoveRoomRole("bob", Group, byID(gid), userID("alice"), Leader))
	if got := rolesOf(w, gid, "alice"); got == nil || len(got) != 0 {
		t.Errorf("roles after removing every role = %#v, want an empty list", got)
	}
}

// Regression: a subscription whose last role was removed keeps `roles: []`, and
// removeRoomModerator then refuses it (the key exists), where it passes a member never given a
// role. The mock used to drop the key.
func TestRemovingTheLastRoleKeepsAnEmptyRolesKey(t *testing.T) {
	w := newWorld(t, "")
	gid := group(t, w, "bob", "alice")
	ok(t, w.AddRoomRole("bob", Group, byID(gid), userID("alice"), Moderator))
	ok(t, w.RemoveRoomRole("bob", Group, byID(gid), userID("alice"), Moderator))
	wantErr(t, w.RemoveRoomRole("bob", Group, byID(gid), userID("alice"), Moderator), "User is not a moderator [error-user-not-moderator]", "removeRoomModerator")
	b, err := json.Marshal(w.Subscription("alice", gid))
	ok(t, err)
	if !strings.Contains(string(b), `"roles":[]`) {
		t.Errorf("subscription %s, want roles: []", b)
	}
	st := w.Export()
	ok(t, w.Import(st))
	if got := rolesOf(w, gid, "alice"); got == nil {
		t.Error("export and import lost the empty roles list")
	}
	// A ban pulls the room roles the same way.
	ok(t, w.AddRoomRole("bob", Group, byID(gid), userID("alice"), Owner))
	ok(t, w.Ban("bob", gid, userID("alice")))
	if got := rolesOf(w, gid, "alice"); got == nil || len(got) != 0 {
		t.Errorf("roles after a ban = %#v, want []", got)
	}
}

func TestRoomRolesDecideWhoMayInviteAndBan(t *testing.T) {
	w := newWorld(t, "")
	gid := group(t, w, "bob", "alice", "carol")
	if _, err := w.FindOrCreateInvite("alice", gid, 7, 10); err == nil {
		t.Fatal("a plain member created an invite")
	}
	ok(t, w.AddRoomRole("bob", Group, byID(gid), userID("alice"), Moderator))
	inv, err := w.FindOrCreateInvite("alice", gid, 7, 10)
	ok(t, err)

	ok(t, w.RemoveRoomRole("bob", Group, byID(gid), userID("alice"), Moderator))
	_, err = w.FindOrCreateInvite("alice", gid, 7, 10)
	wantErr(t, err, "[not_authorized]", "")
	wantErr(t, w.Ban("alice", gid, userID("carol")), "Not allowed", "")
	// The invite a demoted moderator created still works: useInviteToken does not look at
	// its creator.
	_, err = w.UseInviteToken(admin, inv.ID)
	ok(t, err)
	if got := invite(t, w, inv.ID).Uses; got != 1 {
		t.Errorf("uses = %d, want 1", got)
	}

	ok(t, w.AddRoomRole("bob", Group, byID(gid), userID("alice"), Moderator))
	ok(t, w.Ban("alice", gid, userID("carol")))
	// A moderator may kick (remove-user) but not give roles (set-*: admin, owner).
	_, err = w.Kick("alice", Group, byID(gid), userID(admin))
	ok(t, err)
	wantErr(t, w.AddRoomRole("alice", Group, byID(gid), userID(admin), Moderator), "Not allowed [error-not-allowed]", "addRoomModerator")
	// A leader has no permission of its own.
	ok(t, w.AddRoomRole("bob", Group, byID(gid), userID("alice"), Leader))
	ok(t, w.RemoveRoomRole("bob", Group, byID(gid), userID("alice"), Moderator))
	_, err = w.FindOrCreateInvite("alice", gid, 1, 1)
	wantErr(t, err, "[not_authorized]", "")
}

func TestOwnersAndTheLastOwner(t *testing.T) {
	w := newWorld(t, "")
	gid := group(t, w, "bob", "alice")
	ok(t, w.AddRoomRole("bob", Group, byID(gid), userID("alice"), Owner))
	// A second owner may give roles and remove the first.
	ok(t, w.AddRoomRole("alice", Group, byID(gid), userID("alice"), Leader))
	ok(t, w.RemoveRoomRole("alice", Group, byID(gid), userID("bob"), Owner))
	wantErr(t, w.RemoveRoomRole("alice", Group, byID(gid), userID("alice"), Owner),
		"This is the last owner. Please set a new owner before removing this one. [error-remove-last-owner]", "removeRoomOwner")
	_, err := w.Leave("alice", Group, byID(gid))
	wantErr(t, err, "You are the last owner. Please set new owner before leaving the room. [error-you-are-last-owner]", "leaveRoom")
	_, err = w.Kick(admin, Group, byID(gid), userID("alice"))
	wantErr(t, err, `The required "roomId" or "roomName" param provided does not match any group [error-room-not-found]`, "")
	ok(t, w.AddRoomRole("alice", Group, byID(gid), userID("bob"), Moderator))
	_, err = w.Kick("bob", Group, byID(gid), userID("alice"))
	wantErr(t, err, "You are the last owner. Please set new owner before leaving the room. [error-you-are-last-owner]", "removeUserFromRoom")
	ok(t, w.Ban("alice", gid, userID("bob")))
	ok(t, w.Unban("alice", gid, userID("bob")))
	if _, err := w.Leave("bob", Group, byID(gid)); err == nil {
		t.Error("a user neither member nor banned left the group")
	}
}

func TestKick(t *testing.T) {
	notIn := "User is not in this room [error-user-not-in-room]"
	t.Run("a member without remove-user may not kick", func(t *testing.T) {
		w := newWorld(t, "")
		_, err := w.Kick("bob", Channel, byID("GENERAL"), userID("carol"))
		wantErr(t, err, "Not allowed [error-not-allowed]", "removeUserFromRoom")
	})
	t.Run("channels.kick takes the user by userId and answers the channel", func(t *testing.T) {
		w := newWorld(t, "")
		count := room(t, w, "GENERAL").UsersCount
		r, err := w.Kick(admin, Channel, byID("GENERAL"), userID("bob"))
		ok(t, err)
		if r.ID != "GENERAL" || r.UsersCount != count-1 {
			t.Errorf("channel = %+v, want usersCount %d", r, count-1)
		}
		if w.Subscription("bob", "GENERAL") != nil {
			t.Error("the kicked user kept the subscription")
		}
	})
	t.Run("an admin may kick a non-member from a channel: nothing happens", func(t *testing.T) {
		w := newWorld(t, "")
		gid := group(t, w, "bob")
		_, err := w.Kick(admin, Channel, byID("GENERAL"), userID("bob"))
		ok(t, err)
		before := w.Export()
		_, err = w.Kick(admin, Channel, byID("GENERAL"), userID("bob"))
		ok(t, err)
		if !reflect.DeepEqual(before, w.Export()) {
			t.Error("kicking a non-member changed the world")
		}
		// kick-user-from-any-p-room is nobody's: in a group the admin needs access first.
		_, err = w.Kick(admin, Group, byID(gid), userID("bob"))
		wantErr(t, err, `The required "roomId" or "roomName" param provided does not match any group [error-room-not-found]`, "")
	})
	t.Run("a group's moderator kicks a non-member", func(t *testing.T) {
		w := newWorld(t, "")
		_, err := w.Kick("alice", Group, byID("ProjectX"), userID("bob"))
		wantErr(t, err, notIn, "removeUserFromRoom")
	})
	t.Run("groups.kick finds the group without access, then removeUserFromRoom refuses", func(t *testing.T) {
		w := newWorld(t, "")
		_, err := w.Kick("bob", Group, byID("ProjectX"), userID("alice"))
		wantErr(t, err, "Not allowed [error-not-allowed]", "removeUserFromRoom")
		_, err = w.Kick("bob", Group, byID("GENERAL"), userID("alice"))
		wantErr(t, err, `The required "roomId" or "roomName" param provided does not match any group [error-room-not-found]`, "")
		_, err = w.Kick("bob", Group, RoomSelector{}, userID("alice"))
		wantErr(t, err, `The parameter "roomId" or "roomName" is required [error-room-param-not-provided]`, "")
	})
	t.Run("kicking a banned member deletes the ban", func(t *testing.T) {
		w := newWorld(t, "")
		count := room(t, w, "ProjectX").UsersCount
		r, err := w.Kick(admin, Group, byID("ProjectX"), userID("carol"))
		ok(t, err)
		if r != nil {
			t.Errorf("groups.kick answered a room: %+v", r)
		}
		if s := w.Subscription("carol", "ProjectX"); s != nil {
			t.Errorf("subscription after the kick = %+v", s)
		}
		if got := room(t, w, "ProjectX").UsersCount; got != count {
			t.Errorf("usersCount = %d, want %d (the ban counted her out already)", got, count)
		}
		// She is neither banned nor a member: the invite admits her and counts a use.
		_, err = w.UseInviteToken("carol", "PrjXok")
		ok(t, err)
		if got := invite(t, w, "PrjXok").Uses; got != 1 {
			t.Errorf("uses = %d, want 1", got)
		}
	})
}

func TestLeave(t *testing.T) {
	w := newWorld(t, "")
	count := room(t, w, "GENERAL").UsersCount
	r, err := w.Leave("bob", Channel, RoomSelector{Name: "general", HasName: true})
	ok(t, err)
	if r.UsersCount != count-1 {
		t.Errorf("usersCount = %d, want %d", r.UsersCount, count-1)
	}
	_, err = w.Leave("bob", Channel, byID("GENERAL"))
	wantErr(t, err, "You are not in this room [error-user-not-in-room]", "leaveRoom")
	_, err = w.Leave("carol", Group, byID("ProjectX"))
	wantErr(t, err, `The required "roomId" or "roomName" param provided does not match any group [error-room-not-found]`, "")
	_, err = w.Leave("carol", AnyRoom, byID("dm-admin-alice"))
	wantErr(t, err, "Not allowed [error-not-allowed]", "leaveRoom")
	_, err = w.Leave(admin, AnyRoom, byID("dm-admin-alice"))
	wantErr(t, err, "Not allowed [error-not-allowed]", "leaveRoom")
	_, err = w.Leave("bob", AnyRoom, RoomSelector{})
	wantErr(t, err, `The parameter "roomId" or "roomName" is required [error-roomid-param-not-provided]`, "")
	_, err = w.Leave("bob", AnyRoom, byID(""))
	wantErr(t, err, `The required "roomId" or "roomName" param provided does not match any channel [error-room-not-found]`, "")
	r, err = w.Leave("alice", AnyRoom, byID("ProjectX"))
	ok(t, err)
	if r != nil {
		t.Errorf("rooms.leave answered a room: %+v", r)
	}
	// The invites alice made stay usable after she left (findOrCreateInvite is by admin here,
	// her own would be kept the same way: nothing deletes invites by creator).
	_, err = w.UseInviteToken("alice", "PrjXok")
	ok(t, err)
	if got := invite(t, w, "PrjXok").Uses; got != 1 {
		t.Errorf("a departed member's return uses = %d, want 1", got)
	}
}

// A banned member of a channel may leave it (channels.leave finds channels without access):
// the BANNED subscription goes, and the ban with it. [inferred]
func TestLeavingAChannelDeletesTheBan(t *testing.T) {
	w := newWorld(t, "")
	ok(t, w.Ban(admin, "GENERAL", userID("carol")))
	_, err := w.Leave("carol", Channel, byID("GENERAL"))
	ok(t, err)
	if s := w.Subscription("carol", "GENERAL"); s != nil {
		t.Errorf("subscription = %+v", s)
	}
	_, err = w.JoinChannel("carol", byID("GENERAL"))
	ok(t, err)
}

func TestArchivedRooms(t *testing.T) {
	set := fixtures.Default()
	set.Rooms = append(set.Rooms,
		fixtures.Room{ID: "Old", T: "c", Name: "old", Owner: admin, Members: []string{"bob"}, Archived: true},
		fixtures.Room{ID: "OldP", T: "p", Name: "old-p", Owner: admin, Members: []string{"bob"}, Archived: true})
	c := NewClock()
	c.Freeze(start)
	w, err := New(Options{Fixtures: set, Clock: c})
	ok(t, err)
	wantErr(t, w.AddRoomRole(admin, Channel, byID("Old"), userID("bob"), Moderator), "The channel, old, is archived [error-room-archived]", "")
	wantErr(t, w.AddRoomRole(admin, Group, byID("OldP"), userID("bob"), Moderator), "The private group, old-p, is archived [error-room-archived]", "")
	_, err = w.Leave("bob", AnyRoom, byID("OldP"))
	wantErr(t, err, "The channel, old-p, is archived [error-room-archived]", "")
	_, err = w.RoomRoles("bob", Channel, byID("Old"))
	wantErr(t, err, "The channel, old, is archived [error-room-archived]", "")
	if r, err := w.RoomOf("bob", Channel, byID("Old")); err != nil || !r.Archived {
		t.Errorf("channels.info of an archived channel = %+v, %v", r, err)
	}
	// groups.kick looks at neither access nor archiving.
	_, err = w.Kick(admin, Group, byID("OldP"), userID("bob"))
	ok(t, err)
}

func TestRoomRolesLists(t *testing.T) {
	w := newWorld(t, "")
	roles, err := w.RoomRoles("alice", Group, byID("ProjectX"))
	ok(t, err)
	want := []RoomRoleHolder{
		{ID: "ProjectX-alice", Rid: "ProjectX", U: UserRef{ID: "alice", Username: "alice"}, Roles: []string{"moderator"}},
		{ID: "ProjectX-" + admin, Rid: "ProjectX", U: UserRef{ID: admin, Username: admin}, Roles: []string{"owner"}},
	}
	if !reflect.DeepEqual(roles, want) {
		t.Errorf("roles = %+v\nwant %+v", roles, want)
	}
	// A channel is open to anyone with view-c-room; a banned member is not.
	if _, err := w.RoomRoles("bob", Channel, byID("GENERAL")); err != nil {
		t.Error(err)
	}
	ok(t, w.Ban(admin, "GENERAL", userID("carol")))
	_, err = w.RoomRoles("carol", Channel, byID("GENERAL"))
	wantErr(t, err, "Invalid user [error-invalid-user]", "getRoomRoles")
	_, err = w.RoomRoles("bob", Group, byID("ProjectX"))
	wantErr(t, err, `The required "roomId" or "roomName" param provided does not match any group [error-room-not-found]`, "")
}

func TestRoomOf(t *testing.T) {
	w := newWorld(t, "")
	ok(t, w.Ban(admin, "GENERAL", userID("carol")))
	if r, err := w.RoomOf("carol", Channel, byID("GENERAL")); err != nil || r.ID != "GENERAL" {
		t.Errorf("channels.info for a banned member = %+v, %v", r, err)
	}
	_, err := w.RoomOf("carol", Group, byID("ProjectX"))
	wantErr(t, err, `The required "roomId" or "roomName" param provided does not match any group [error-room-not-found]`, "")
	if r, err := w.RoomOf("alice", Group, RoomSelector{Name: "project-x"}); err != nil || r.ID != "ProjectX" {
		t.Errorf("groups.info by name = %+v, %v", r, err)
	}
	_, err = w.RoomOf("bob", Channel, RoomSelector{Name: "", HasName: true})
	wantErr(t, err, `The required "roomId" or "roomName" param provided does not match any channel [error-room-not-found]`, "")
}

func TestCreateDirectMessage(t *testing.T) {
	w := newWorld(t, "")
	dm, err := w.CreateDirectMessage(admin, []string{"bob"}, false)
	ok(t, err)
	want := &DirectRoom{T: "d", Rid: "bob" + admin, Usernames: []string{"bob", admin}, ID: "bob" + admin}
	if !reflect.DeepEqual(dm, want) {
		t.Errorf("dm = %+v, want %+v", dm, want)
	}
	r := room(t, w, dm.Rid)
	if r.UsersCount != 2 || !reflect.DeepEqual(r.Uids, []string{"bob", admin}) {
		t.Errorf("room = %+v", r)
	}
	mine, theirs := w.Subscription(admin, dm.Rid), w.Subscription("bob", dm.Rid)
	if mine == nil || theirs == nil || !mine.Open || theirs.Open || mine.Name != "bob" || mine.FName != "Bob" || theirs.Name != admin || mine.Roles != nil {
		t.Errorf("subscriptions = %+v / %+v", mine, theirs)
	}
	// The same pair, in either direction, gets the same room.
	again, err := w.CreateDirectMessage("bob", []string{admin}, false)
	ok(t, err)
	if again.Rid != dm.Rid || !w.Subscription("bob", dm.Rid).Open {
		t.Errorf("again = %+v; bob's subscription open = %v", again, w.Subscription("bob", dm.Rid).Open)
	}
	// Invites refuse DMs at creation.
	_, err = w.FindOrCreateInvite(admin, dm.Rid, 7, 10)
	wantErr(t, err, "Cannot create invite links for this room type [error-room-type-not-allowed]", "findOrCreateInvite")
	// Three or more: a new _id, every subscription open.
	group3, err := w.CreateDirectMessage(admin, []string{"carol", "bob"}, false)
	ok(t, err)
	if len(group3.Rid) != 17 || !reflect.DeepEqual(group3.Usernames, []string{"bob", "carol", admin}) || !w.Subscription("carol", group3.Rid).Open {
		t.Errorf("group DM = %+v", group3)
	}
	if s := w.Subscription(admin, group3.Rid); s.Name != "bob, carol" || s.FName != "Bob, Carol" {
		t.Errorf("group DM subscription named %q / %q", s.Name, s.FName)
	}
	// With oneself.
	self, err := w.CreateDirectMessage("bob", []string{"bob"}, false)
	ok(t, err)
	if !reflect.DeepEqual(self.Usernames, []string{"bob"}) || room(t, w, self.Rid).UsersCount != 1 {
		t.Errorf("self DM = %+v", self)
	}
	// excludeSelf: a DM of the others only.
	others, err := w.CreateDirectMessage(admin, []string{"alice", "bob"}, true)
	ok(t, err)
	if others.Rid != "alicebob" || w.Subscription(admin, others.Rid) != nil {
		t.Errorf("excludeSelf DM = %+v", others)
	}
}

func TestCreateDirectMessageRefusals(t *testing.T) {
	w := newWorld(t, "")
	_, err := w.CreateDirectMessage("bob", []string{"a", "b", "c", "d", "e", "f", "g", "h"}, false)
	wantErr(t, err, "You cannot add more than 8 users, including yourself to a direct message [error-direct-message-max-user-exceeded]", "createDirectRoom")
	guest, err := w.CreateUser(admin, NewUser{Email: "g@example.com", Name: "Guest", Password: "x", Username: "guest1", Roles: []string{"guest"}})
	ok(t, err)
	_, err = w.CreateDirectMessage(guest.ID, []string{"bob"}, false)
	wantErr(t, err, "Not allowed [error-not-allowed]", "createDirectMessage")
	// An unknown username is dropped after the member count: the caller's DM with themselves,
	// counted as two. [as createDirectRoom does]
	dm, err := w.CreateDirectMessage("bob", []string{"nobody"}, false)
	ok(t, err)
	if !reflect.DeepEqual(dm.Usernames, []string{"bob"}) || room(t, w, dm.Rid).UsersCount != 2 {
		t.Errorf("dm = %+v, usersCount %d", dm, room(t, w, dm.Rid).UsersCount)
	}
}

func TestUserInfo(t *testing.T) {
	w := newWorld(t, "")
	other, err := w.UserInfo("bob", UserQuery{Username: "alice"})
	ok(t, err)
	if other.ID != "alice" || other.Emails != nil || other.Roles != nil || other.Services != nil || other.CanViewAllInfo || other.Rooms != nil {
		t.Errorf("another user's info = %+v", other)
	}
	full, err := w.UserInfo(admin, UserQuery{UserID: "alice", IncludeUserRooms: true})
	ok(t, err)
	if !full.CanViewAllInfo || len(full.Emails) != 1 || !reflect.DeepEqual(full.Roles, []string{"user"}) || full.Services != nil || full.Rooms == nil {
		t.Errorf("the admin's view = %+v", full)
	}
	var rids []string
	for _, r := range *full.Rooms {
		rids = append(rids, r.T+":"+r.Rid)
	}
	if want := []string{"c:GENERAL", "d:dm-admin-alice", "p:ProjectX"}; !reflect.DeepEqual(rids, want) {
		t.Errorf("rooms = %v, want %v (by type, then name)", rids, want)
	}
	self, err := w.UserInfo("bob", UserQuery{UserID: "bob", IncludeUserRooms: true})
	ok(t, err)
	if self.Services == nil || !self.Services.Password || !self.CanViewAllInfo || self.Rooms == nil {
		t.Errorf("one's own info = %+v", self)
	}
	// Rooms only for oneself or view-other-user-channels.
	if info, _ := w.UserInfo("bob", UserQuery{UserID: "alice", IncludeUserRooms: true}); info.Rooms != nil {
		t.Errorf("bob saw alice's rooms")
	}
	// userId and username both match either field (findOneByIdOrUsername).
	if info, err := w.UserInfo("bob", UserQuery{UserID: "carol"}); err != nil || info.Username != "carol" {
		t.Errorf("by id = %+v, %v", info, err)
	}
	_, err = w.UserInfo("bob", UserQuery{Username: "ALICE"})
	wantErr(t, err, "User not found.", "")
	_, err = w.UserInfo("bob", UserQuery{})
	wantErr(t, err, "Invalid search query.", "")
	_, err = w.UserInfo(admin, UserQuery{ImportID: "x"})
	wantErr(t, err, "User not found.", "")
}

func TestSyncLists(t *testing.T) {
	w := newWorld(t, "")
	all, err := w.SubscriptionsSince("bob", "")
	ok(t, err)
	if len(all.Update) != 1 || all.Update[0].Rid != "GENERAL" || len(all.Remove) != 0 {
		t.Errorf("bob's subscriptions = %+v", all)
	}
	since := start.Add(30 * time.Second).Format(time.RFC3339)
	w.Clock().Advance(time.Minute)
	gid := group(t, w, "carol", "bob")
	ok(t, w.DeleteRoom("carol", Group, byID(gid)))
	_, err = w.Kick(admin, Channel, byID("GENERAL"), userID("bob"))
	ok(t, err)
	changed, err := w.SubscriptionsSince("bob", since)
	ok(t, err)
	if len(changed.Update) != 0 || len(changed.Remove) != 2 {
		t.Errorf("bob's changes = %+v, want two removals", changed)
	}
	// carol is banned from ProjectX: the BANNED subscription is listed.
	carols, err := w.SubscriptionsSince("carol", "")
	ok(t, err)
	if !slices.ContainsFunc(carols.Update, func(s Subscription) bool { return s.Rid == "ProjectX" && s.Banned() }) {
		t.Errorf("carol's subscriptions = %+v", carols.Update)
	}
	rooms, err := w.RoomsSince("alice", since)
	ok(t, err)
	// GENERAL changed (bob was kicked); the deleted group was never alice's.
	if len(rooms.Update) != 1 || rooms.Update[0].ID != "GENERAL" || len(rooms.Remove) != 1 || rooms.Remove[0].ID != gid {
		t.Errorf("rooms.get for alice = %+v: every deleted room is listed, hers or not", rooms)
	}
	everything, err := w.RoomsSince("alice", "")
	ok(t, err)
	if len(everything.Update) != 3 || len(everything.Remove) != 0 {
		t.Errorf("alice's rooms = %+v", everything)
	}
	for _, bad := range []string{"yesterday", "2026-13-01", "1"} {
		_, err = w.SubscriptionsSince("bob", bad)
		wantErr(t, err, `The "lastUpdate" query parameter must be a valid date. [error-roomId-param-invalid]`, "")
	}
	_, err = w.RoomsSince("bob", "soon")
	wantErr(t, err, `The "updatedSince" query parameter must be a valid date. [error-updatedSince-param-invalid]`, "")
	for _, good := range []string{"2026-05-01", "2026-05-01T10:00:00.000Z", "2026-05-01T10:00", "Fri, 01 May 2026 10:00:00 GMT"} {
		if _, err := w.RoomsSince("bob", good); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
}

func TestTrashKeepsTheLatestDeletions(t *testing.T) {
	w := newWorld(t, "")
	now := dateOf(start)
	w.lock() // builds the pending world before its store is written to directly
	for i := range TrashBudget + 5 {
		w.toTrash(&Deleted{ID: string(rune('a'+i%26)) + strings.Repeat("x", i/26), Collection: Rooms, DeletedAt: now})
	}
	w.unlock()
	st := w.Export()
	if len(st.Trash) != TrashBudget || st.Trash[0].ID != "f" {
		t.Errorf("trash holds %d, first %q; want %d from the sixth", len(st.Trash), st.Trash[0].ID, TrashBudget)
	}
	// A second deletion of one _id moves it last.
	w.lock()
	w.toTrash(&Deleted{ID: "f", Collection: Rooms, DeletedAt: now})
	w.unlock()
	if st := w.Export(); st.Trash[len(st.Trash)-1].ID != "f" || len(st.Trash) != TrashBudget {
		t.Errorf("trash after re-deleting f: last %q, %d entries", st.Trash[len(st.Trash)-1].ID, len(st.Trash))
	}
	ok(t, w.Reset())
	if st := w.Export(); len(st.Trash) != 0 {
		t.Errorf("reset kept %d trash entries", len(st.Trash))
	}
}

// addRoom* find a BANNED subscription like any other [likely]: the role lands on it, and the
// ban stays.
func TestARoleGivenToABannedMemberLandsOnTheBan(t *testing.T) {
	w := newWorld(t, "")
	ok(t, w.AddRoomRole(admin, Group, byID("ProjectX"), userID("carol"), Leader))
	s := w.Subscription("carol", "ProjectX")
	if !s.Banned() || !reflect.DeepEqual(s.Roles, []string{"leader"}) {
		t.Errorf("subscription = %+v", s)
	}
	if _, err := w.UseInviteToken("carol", "PrjXok"); err == nil {
		t.Error("the role lifted the ban")
	}
}
