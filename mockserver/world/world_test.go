package world

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rcinvite/rcinvite/fixtures"
)

const admin = "rocketchat.internal.admin.test"

var start = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

// newWorld returns the default world at a frozen start time with a seeded random source.
func newWorld(t *testing.T, version string) *World {
	t.Helper()
	return frozenWorld(t, Options{Version: version})
}

// frozenWorld returns a world with options o, its clock frozen at start and a seeded random source.
func frozenWorld(t *testing.T, o Options) *World {
	t.Helper()
	o.Clock = NewClock()
	o.Clock.Freeze(start)
	o.Random = rand.NewChaCha8([32]byte{1})
	w, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// failure describes an expected error: a coded one by Code, a plain one by its text.
type failure struct {
	code, plain, field string
	status             int
}

func (f failure) check(t *testing.T, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want a *world.Error", err)
	}
	if f.code != "" && (e.Code != f.code || e.Plain) {
		t.Errorf("error = %+v, want code %q", e, f.code)
	}
	if f.plain != "" && (!e.Plain || e.Reason != f.plain) {
		t.Errorf("error = %+v, want plain %q", e, f.plain)
	}
	if f.field != "" && e.Details["field"] != f.field {
		t.Errorf("details = %v, want field %q", e.Details, f.field)
	}
	if want := max(f.status, 400); e.HTTPStatus() != want {
		t.Errorf("status = %d, want %d", e.HTTPStatus(), want)
	}
}

func invite(t *testing.T, w *World, id string) Invite {
	t.Helper()
	for _, inv := range w.Export().Invites {
		if inv.ID == id {
			return inv
		}
	}
	t.Fatalf("no invite %q", id)
	return Invite{}
}

func room(t *testing.T, w *World, id string) Room {
	t.Helper()
	for _, r := range w.Export().Rooms {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no room %q", id)
	return Room{}
}

func user(t *testing.T, w *World, id string) User {
	t.Helper()
	for _, u := range w.Export().Users {
		if u.ID == id {
			return u
		}
	}
	t.Fatalf("no user %q", id)
	return User{}
}

func TestUseInviteTokenChecksInOrder(t *testing.T) {
	for _, tc := range []struct {
		name, user, token, version string
		want                       *failure
	}{
		{"empty token", "bob", "", "", &failure{code: "error-invalid-token", field: "token"}},
		{"unknown token", "bob", "nope", "", &failure{code: "error-invalid-token", field: "token"}},
		{"lookup is case-sensitive", "bob", "prjxok", "", &failure{code: "error-invalid-token"}},
		{"room gone", "bob", "Gonezz", "", &failure{code: "error-invalid-room", field: "rid"}},
		{"expired", "bob", "Expird", "", &failure{code: "error-invite-expired", field: "expires"}},
		{"used up", "bob", "MaxedX", "", &failure{code: "error-invite-expired", field: "maxUses"}},
		{"direct room", "bob", "DMroom", "", &failure{code: "error-room-type-not-allowed", field: "token"}},
		{"banned user, valid token", "carol", "PrjXok", "", &failure{code: "error-user-is-banned"}},
		{"banned user, unknown token gets the token error", "carol", "nope", "", &failure{code: "error-invalid-token"}},
		{"banned user, expired token gets the expiry error", "carol", "Expird", "", &failure{code: "error-invite-expired"}},
		{"banned user, used-up token gets the expiry error", "carol", "MaxedX", "", &failure{code: "error-invite-expired"}},
		{"banned user, gone room gets the room error", "carol", "Gonezz", "", &failure{code: "error-invalid-room"}},
		{"banned user, direct room gets the type error", "carol", "DMroom", "", &failure{code: "error-room-type-not-allowed"}},
		{"non-member joins", "bob", "PrjXok", "", nil},
		{"unlimited invite", "bob", "Forevr", "", nil},
		{"8.3.0 lets a banned user join", "carol", "PrjXok", "8.3.0", nil},
		{"8.4.1 checks bans too", "carol", "PrjXok", "8.4.1", &failure{code: "error-user-is-banned"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, tc.version)
			res, err := w.UseInviteToken(tc.user, tc.token)
			if tc.want != nil {
				tc.want.check(t, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := (InviteRoom{Rid: "ProjectX", Name: "project-x", FName: "Project X", T: "p"}); res.Room != want {
				t.Errorf("room = %+v, want %+v", res.Room, want)
			}
			if s := w.Subscription(tc.user, "ProjectX"); s == nil || s.Banned() {
				t.Errorf("subscription after join = %+v", s)
			}
		})
	}
}

func TestUseInviteTokenErrorTexts(t *testing.T) {
	w := newWorld(t, "")
	for token, want := range map[string]string{
		"nope":   "The invite token is invalid. [error-invalid-token]",
		"Gonezz": "The invite token is invalid. [error-invalid-room]",
		"Expird": "The invite token has expired. [error-invite-expired]",
		"DMroom": "Can't join room of this type via invite [error-room-type-not-allowed]",
	} {
		if _, err := w.UseInviteToken("bob", token); err == nil || err.Error() != want {
			t.Errorf("%s: error = %v, want %q", token, err, want)
		}
	}
	_, err := w.UseInviteToken("carol", "PrjXok")
	var e *Error
	if !errors.As(err, &e) || e.Error() != "User is banned from this room [error-user-is-banned]" || !reflect.DeepEqual(e.Details, map[string]any{"method": "useInviteToken"}) {
		t.Errorf("ban error = %+v", e)
	}
}

func TestBanCheckWritesNothing(t *testing.T) {
	w := newWorld(t, "")
	before := w.Export()
	if _, err := w.UseInviteToken("carol", "PrjXok"); err == nil {
		t.Fatal("banned user joined")
	}
	if after := w.Export(); !reflect.DeepEqual(before, after) {
		t.Errorf("state changed by a refused redemption")
	}
}

func TestUseInviteTokenCountsOnlyNewMembers(t *testing.T) {
	w := newWorld(t, "")
	count := room(t, w, "ProjectX").UsersCount
	if _, err := w.UseInviteToken("alice", "PrjXok"); err != nil {
		t.Fatal(err)
	}
	if got := invite(t, w, "PrjXok").Uses; got != 0 {
		t.Errorf("member used a slot: uses = %d", got)
	}
	if got := user(t, w, "alice").InviteToken; got != "PrjXok" {
		t.Errorf("inviteToken = %q", got)
	}
	if _, err := w.UseInviteToken("bob", "PrjXok"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.UseInviteToken("bob", "PrjXok"); err != nil {
		t.Fatal(err)
	}
	if got := invite(t, w, "PrjXok").Uses; got != 1 {
		t.Errorf("uses = %d, want 1", got)
	}
	if got := room(t, w, "ProjectX").UsersCount; got != count+1 {
		t.Errorf("usersCount = %d, want %d", got, count+1)
	}
}

func TestUnbanThenUseIncrementsUses(t *testing.T) {
	w := newWorld(t, "")
	if err := w.Unban(admin, "ProjectX", UserSelector{Username: "carol"}); err != nil {
		t.Fatal(err)
	}
	if s := w.Subscription("carol", "ProjectX"); s != nil {
		t.Fatalf("unban kept the subscription: %+v", s)
	}
	if _, err := w.UseInviteToken("carol", "PrjXok"); err != nil {
		t.Fatal(err)
	}
	if got := invite(t, w, "PrjXok").Uses; got != 1 {
		t.Errorf("uses = %d, want 1", got)
	}
	if s := w.Subscription("carol", "ProjectX"); s == nil || s.Status != "" {
		t.Errorf("re-joined subscription = %+v, want one without status", s)
	}
}

func TestBannedJoinBefore84(t *testing.T) {
	w := newWorld(t, "8.3.0")
	count := room(t, w, "ProjectX").UsersCount
	if _, err := w.UseInviteToken("carol", "PrjXok"); err != nil {
		t.Fatal(err)
	}
	if got := room(t, w, "ProjectX").UsersCount; got != count+1 {
		t.Errorf("usersCount = %d, want %d", got, count+1)
	}
	if got := invite(t, w, "PrjXok").Uses; got != 0 {
		t.Errorf("uses = %d: a subscribed (banned) user must not use a slot", got)
	}
}

func TestInviteExpiresAtItsDate(t *testing.T) {
	w := newWorld(t, "")
	w.Clock().Advance(7*24*time.Hour - time.Millisecond)
	if !w.ValidateInviteToken("PrjXok") {
		t.Fatal("invite expired early")
	}
	w.Clock().Advance(time.Millisecond)
	if w.ValidateInviteToken("PrjXok") {
		t.Fatal("invite valid at its expiry (expires <= now is expired)")
	}
	_, err := w.UseInviteToken("bob", "PrjXok")
	failure{code: "error-invite-expired", field: "expires"}.check(t, err)
}

func TestValidateInviteToken(t *testing.T) {
	w := newWorld(t, "")
	for token, want := range map[string]bool{"PrjXok": true, "Forevr": true, "DMroom": true,
		"nope": false, "": false, "Expird": false, "MaxedX": false, "Gonezz": false} {
		if got := w.ValidateInviteToken(token); got != want {
			t.Errorf("%q: valid = %v, want %v", token, got, want)
		}
	}
}

func TestMaxUsesIsEnforced(t *testing.T) {
	w := newWorld(t, "")
	inv, err := w.FindOrCreateInvite(admin, "GENERAL", 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.CreateUser(admin, NewUser{Username: "dave", Email: "dave@example.com", Name: "Dave", Password: "x", JoinDefaultChannels: new(false)}); err != nil {
		t.Fatal(err)
	}
	dave := w.userByUsername("dave").ID
	eve, _ := w.CreateUser(admin, NewUser{Username: "eve", Email: "eve@example.com", Name: "Eve", Password: "x", JoinDefaultChannels: new(false)})
	if _, err := w.UseInviteToken(dave, inv.ID); err != nil {
		t.Fatal(err)
	}
	_, err = w.UseInviteToken(eve.ID, inv.ID)
	failure{code: "error-invite-expired", field: "maxUses"}.check(t, err)
}

func TestConcurrentRedemptionsRespectMaxUses(t *testing.T) {
	set := &fixtures.Set{
		Users:   []fixtures.User{{ID: "owner", Username: "owner", Roles: []string{"user"}}},
		Rooms:   []fixtures.Room{{ID: "R", T: "p", Name: "r", Owner: "owner"}},
		Invites: []fixtures.Invite{{Token: "Five55", Room: "R", Creator: "owner", MaxUses: 5}},
	}
	for i := range 200 {
		id := fmt.Sprintf("u%03d", i)
		set.Users = append(set.Users, fixtures.User{ID: id, Username: id})
	}
	w, err := New(Options{Fixtures: set})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	joined := 0
	for i := range 200 {
		wg.Go(func() {
			if _, err := w.UseInviteToken(fmt.Sprintf("u%03d", i), "Five55"); err == nil {
				mu.Lock()
				joined++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if joined != 5 {
		t.Errorf("%d users joined, want exactly 5", joined)
	}
	if got := invite(t, w, "Five55").Uses; got != 5 {
		t.Errorf("uses = %d, want 5", got)
	}
	if got := room(t, w, "R").UsersCount; got != 6 {
		t.Errorf("usersCount = %d, want 6", got)
	}
}

func TestFindOrCreateInviteErrors(t *testing.T) {
	for _, tc := range []struct {
		name, user, rid string
		days, maxUses   int
		want            failure
	}{
		{"empty rid", admin, "", 7, 10, failure{code: "error-the-field-is-required", field: "rid"}},
		{"no permission before room checks", "bob", "unknown", 7, 10, failure{code: "not_authorized"}},
		{"plain member of a channel", "bob", "GENERAL", 7, 10, failure{code: "not_authorized"}},
		{"banned user lost the moderator role", "carol", "ProjectX", 7, 10, failure{code: "not_authorized"}},
		{"admin with unknown rid", admin, "invalid", 7, 10, failure{code: "error-invalid-room", field: "rid"}},
		{"admin not subscribed", admin, "nowhere", 7, 10, failure{code: "error-invalid-room"}},
		{"direct room", admin, "dm-admin-alice", 7, 10, failure{code: "error-room-type-not-allowed"}},
		{"bad days", admin, "ProjectX", 2, 10, failure{code: "invalid-number-of-days"}},
		{"bad maxUses", admin, "ProjectX", 7, 3, failure{code: "invalid-number-of-uses"}},
		{"days checked before maxUses", admin, "ProjectX", 2, 3, failure{code: "invalid-number-of-days"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, "")
			_, err := w.FindOrCreateInvite(tc.user, tc.rid, tc.days, tc.maxUses)
			tc.want.check(t, err)
		})
	}
}

func TestFindOrCreateInviteCreates(t *testing.T) {
	w := newWorld(t, "")
	inv, err := w.FindOrCreateInvite("alice", "ProjectX", 15, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.ID) != 6 || strings.Trim(inv.ID, unmistakable) != "" {
		t.Errorf("_id = %q, want 6 characters of Meteor's alphabet", inv.ID)
	}
	if inv.URL != DefaultSiteURL+"/invite/"+inv.ID {
		t.Errorf("url = %q", inv.URL)
	}
	if inv.Expires == nil || !inv.Expires.Time().Equal(start.AddDate(0, 0, 15)) || !inv.CreatedAt.Time().Equal(start) {
		t.Errorf("createdAt %v expires %v", inv.CreatedAt.Time(), inv.Expires)
	}
	if stored := invite(t, w, inv.ID); stored.URL != "" || stored.UserID != "alice" || stored.Uses != 0 {
		t.Errorf("stored = %+v", stored)
	}
	never, _ := w.FindOrCreateInvite(admin, "ProjectX", 0, 1)
	if never.Expires != nil {
		t.Errorf("days 0 expires = %v, want null", never.Expires)
	}
}

func TestFindOrCreateInviteReuse(t *testing.T) {
	w := newWorld(t, "")
	mk := func(uid string, days, maxUses int) string {
		t.Helper()
		inv, err := w.FindOrCreateInvite(uid, "ProjectX", days, maxUses)
		if err != nil {
			t.Fatal(err)
		}
		return inv.ID
	}
	if got := mk(admin, 7, 10); got != "PrjXok" {
		t.Errorf("usable invite not reused: %s", got)
	}
	if got := mk("alice", 7, 10); got == "PrjXok" {
		t.Error("another creator's invite reused")
	}
	if got := mk(admin, 15, 10); got == "PrjXok" {
		t.Error("invite with other settings reused")
	}
	if got := mk(admin, 1, 0); got == "Expird" {
		t.Error("expired invite reused")
	}
	if got := mk(admin, 0, 1); got == "MaxedX" {
		t.Error("used-up invite reused")
	}
	if got := mk(admin, 0, 0); got != "Forevr" {
		t.Errorf("unlimited invite not reused: %s", got)
	}
}

func TestListAndRemoveInvites(t *testing.T) {
	w := newWorld(t, "")
	_, err := w.ListInvites("alice")
	failure{code: "not_authorized"}.check(t, err)
	copies, err := w.ListInvites(admin)
	if err != nil {
		t.Fatal(err)
	}
	list := copies.slice()
	if len(list) != 6 || list[0].ID != "PrjXok" || list[0].URL != "" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	failure{code: "not_authorized"}.check(t, w.RemoveInvite("alice", "PrjXok"))
	failure{code: "invalid-invitation-id"}.check(t, w.RemoveInvite(admin, "nope"))
	if err := w.RemoveInvite(admin, "PrjXok"); err != nil {
		t.Fatal(err)
	}
	if w.ValidateInviteToken("PrjXok") {
		t.Error("removed invite still valid")
	}
}

func TestSendInvitationEmail(t *testing.T) {
	w := newWorld(t, "")
	_, err := w.SendInvitationEmail("alice", []string{"a@example.com"})
	failure{plain: "Not allowed [error-not-allowed]"}.check(t, err)
	_, err = w.SendInvitationEmail(admin, []string{"nope", ""})
	failure{plain: "No valid email addresses [error-email-send-failed]"}.check(t, err)
	sent, err := w.SendInvitationEmail(admin, []string{"nope", "a@example.com"})
	if err != nil || !reflect.DeepEqual(sent, []string{"a@example.com"}) {
		t.Errorf("sent %v, %v", sent, err)
	}
}

func TestBanErrors(t *testing.T) {
	for _, tc := range []struct {
		name, caller, rid string
		target            UserSelector
		setup             func(t *testing.T, w *World)
		want              failure
	}{
		{"unknown target", "alice", "ProjectX", UserSelector{Username: "nobody"}, nil, failure{code: "error-invalid-user"}},
		{"no ban-user permission", "bob", "GENERAL", UserSelector{Username: "alice"}, nil, failure{plain: "Not allowed"}},
		{"unknown room", admin, "nowhere", UserSelector{Username: "alice"}, nil, failure{plain: "Not allowed"}},
		{"direct room", admin, "dm-admin-alice", UserSelector{Username: "alice"}, nil, failure{plain: "Not allowed"}},
		{"caller cannot access the room", admin, "", UserSelector{Username: "bob"}, nil,
			failure{plain: `The required "roomId" or "roomName" param provided does not match any group`}},
		{"target not in the room", "alice", "ProjectX", UserSelector{Username: "bob"}, nil, failure{plain: "User is not in this room"}},
		{"target already banned", "alice", "ProjectX", UserSelector{ID: "carol"}, nil, failure{plain: "User is already banned from this room"}},
		{"last owner", "alice", "ProjectX", UserSelector{Username: admin}, nil,
			failure{plain: "You are the last owner. Please set new owner before banning the user."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, "")
			rid := tc.rid
			if rid == "" { // a group of bob's the admin is not in
				r, err := w.CreateRoom("bob", Group, NewRoom{Name: "bobs"})
				if err != nil {
					t.Fatal(err)
				}
				rid = r.ID
			}
			before := w.Export()
			tc.want.check(t, w.Ban(tc.caller, rid, tc.target))
			if !reflect.DeepEqual(before, w.Export()) {
				t.Error("a refused ban changed the state")
			}
		})
	}
}

func TestBanKeepsSubscription(t *testing.T) {
	w := newWorld(t, "")
	count := room(t, w, "ProjectX").UsersCount
	if err := w.Ban(admin, "ProjectX", UserSelector{ID: "alice"}); err != nil {
		t.Fatal(err)
	}
	s := w.Subscription("alice", "ProjectX")
	if s == nil || s.Status != "BANNED" || len(s.Roles) != 0 {
		t.Errorf("subscription = %+v, want BANNED without roles", s)
	}
	if got := room(t, w, "ProjectX").UsersCount; got != count-1 {
		t.Errorf("usersCount = %d, want %d", got, count-1)
	}
	m, err := w.RoomMembers(admin, Group, RoomSelector{ID: "ProjectX"}, Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range m.Members {
		if u.ID == "alice" || u.ID == "carol" {
			t.Errorf("banned %s listed as member", u.ID)
		}
	}
	b, _ := w.BannedUsers(admin, "ProjectX", Page{})
	if b.Total != 2 || b.Members[0].ID != "alice" || b.Members[1].ID != "carol" {
		t.Errorf("banned = %+v", b)
	}
	_, err = w.FindOrCreateInvite("alice", "ProjectX", 7, 10)
	failure{code: "not_authorized"}.check(t, err)
}

func TestUnban(t *testing.T) {
	w := newWorld(t, "")
	failure{code: "error-invalid-user"}.check(t, w.Unban(admin, "ProjectX", UserSelector{Username: "nobody"}))
	failure{plain: "Not allowed"}.check(t, w.Unban("bob", "ProjectX", UserSelector{Username: "carol"}))
	failure{plain: "error-user-not-banned"}.check(t, w.Unban(admin, "ProjectX", UserSelector{Username: "alice"}))
	failure{plain: "error-user-not-banned"}.check(t, w.Unban(admin, "ProjectX", UserSelector{Username: "bob"}))
	count := room(t, w, "ProjectX").UsersCount
	if err := w.Unban("alice", "ProjectX", UserSelector{Username: "carol"}); err != nil {
		t.Fatal(err)
	}
	if w.Subscription("carol", "ProjectX") != nil || room(t, w, "ProjectX").UsersCount != count {
		t.Error("unban must delete the subscription and leave usersCount")
	}
	failure{plain: "error-user-not-banned"}.check(t, w.Unban(admin, "ProjectX", UserSelector{Username: "carol"}))
}

func TestBannedUsersNeedsAccess(t *testing.T) {
	w := newWorld(t, "")
	_, err := w.BannedUsers("bob", "ProjectX", Page{})
	failure{plain: "unauthorized", status: 401}.check(t, err)
	_, err = w.BannedUsers("carol", "ProjectX", Page{})
	failure{plain: "unauthorized", status: 401}.check(t, err)
	_, err = w.BannedUsers("alice", "nowhere", Page{})
	failure{plain: "unauthorized", status: 401}.check(t, err)
}

func TestBanEntryPoints(t *testing.T) {
	w := newWorld(t, "")
	if err := w.Ban(admin, "GENERAL", UserSelector{Username: "carol"}); err != nil {
		t.Fatal(err)
	}
	_, err := w.JoinChannel("carol", RoomSelector{Name: "general"})
	failure{code: "error-not-allowed"}.check(t, err)
	var e *Error
	if errors.As(err, &e) && e.Details["method"] != "joinRoom" {
		t.Errorf("details = %v", e.Details)
	}
	_, err = w.InviteToRoom(admin, Channel, RoomSelector{ID: "GENERAL"}, UserSelector{Username: "carol"})
	failure{code: "error-user-is-banned"}.check(t, err)
	_, err = w.InviteToRoom("alice", Group, RoomSelector{ID: "ProjectX"}, UserSelector{Username: "carol"})
	failure{code: "error-user-is-banned"}.check(t, err)
	if _, err := w.RoomInfo("carol", RoomSelector{ID: "GENERAL"}); err == nil {
		t.Error("banned user can read rooms.info")
	}
}

func TestRooms(t *testing.T) {
	w := newWorld(t, "")
	r, err := w.CreateRoom("bob", Channel, NewRoom{Name: "room-1", Members: []string{"alice", "ghost"}})
	if err != nil || r.UsersCount != 2 || r.U.ID != "bob" || r.T != "c" {
		t.Fatalf("create = %+v, %v", r, err)
	}
	if s := w.Subscription("bob", r.ID); s == nil || !reflect.DeepEqual(s.Roles, []string{"owner"}) {
		t.Errorf("creator subscription = %+v", s)
	}
	_, err = w.CreateRoom("bob", Group, NewRoom{Name: "Room-1"})
	failure{code: "error-duplicate-channel-name"}.check(t, err)
	_, err = w.CreateRoom("bob", Group, NewRoom{Name: "bad name"})
	failure{code: "error-invalid-room-name"}.check(t, err)
	if _, err := w.JoinChannel("carol", RoomSelector{ID: r.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = w.JoinChannel("carol", RoomSelector{ID: "ProjectX"})
	failure{code: "error-room-not-found"}.check(t, err)
	_, err = w.InviteToRoom("bob", Group, RoomSelector{ID: "ProjectX"}, UserSelector{Username: "bob"})
	failure{code: "error-room-not-found"}.check(t, err)
	_, err = w.InviteToRoom(admin, Channel, RoomSelector{ID: "GENERAL"}, UserSelector{})
	failure{code: "error-users-params-not-provided"}.check(t, err)
	if r, err := w.InviteToRoom(admin, Group, RoomSelector{ID: "ProjectX"}, UserSelector{Usernames: []string{"BOB", "ghost", "bob"}}); err != nil || r.UsersCount != 3 {
		t.Errorf("invite by usernames = %+v, %v", r, err)
	}
	_, err = w.InviteToRoom("bob", Channel, RoomSelector{ID: "GENERAL"}, UserSelector{Username: "ghost"})
	failure{plain: "invalid-user-invite-list"}.check(t, err)
	_, err = w.InviteToRoom("carol", Channel, RoomSelector{ID: r.ID}, UserSelector{Username: "admin"})
	failure{plain: "invalid-user-invite-list"}.check(t, err)
	_, err = w.InviteToRoom("carol", Channel, RoomSelector{ID: r.ID}, UserSelector{ID: admin})
	failure{code: "error-not-allowed"}.check(t, err)
	if g, err := w.InviteToRoom("alice", Group, RoomSelector{Name: "project-x"}, UserSelector{ID: "bob"}); err != nil || g.UsersCount != 3 {
		t.Fatalf("groups.invite = %+v, %v", g, err)
	}
	failure{code: "error-not-allowed"}.check(t, w.DeleteRoom("alice", Channel, RoomSelector{ID: r.ID}))
	if err := w.DeleteRoom("bob", Channel, RoomSelector{ID: r.ID}); err != nil {
		t.Fatal(err)
	}
	if w.Subscription("alice", r.ID) != nil {
		t.Error("subscriptions survive the room")
	}
	if err := w.DeleteRoom(admin, Group, RoomSelector{ID: "ProjectX"}); err != nil {
		t.Fatal(err)
	}
	_, err = w.UseInviteToken("bob", "Forevr")
	failure{code: "error-invalid-room"}.check(t, err)
	_, err = w.CreateRoom("bob", Channel, NewRoom{})
	failure{plain: `Param "name" is required`}.check(t, err)
}

func TestRoomInfoAndMembers(t *testing.T) {
	w := newWorld(t, "")
	_, err := w.RoomInfo("bob", RoomSelector{ID: "ProjectX"})
	var e *Error
	if !errors.As(err, &e) || !e.Plain || e.Reason != "not-allowed" || e.Code != "Not Allowed" {
		t.Errorf("no access = %+v", e)
	}
	_, err = w.RoomInfo("bob", RoomSelector{ID: "nowhere"})
	failure{code: "error-room-not-found"}.check(t, err)
	_, err = w.RoomInfo("bob", RoomSelector{})
	failure{code: "error-roomid-param-not-provided"}.check(t, err)
	if r, err := w.RoomInfo("bob", RoomSelector{Name: "general"}); err != nil || r.UsersCount != 4 {
		t.Errorf("GENERAL = %+v, %v", r, err)
	}
	if m, err := w.RoomMembers("bob", Channel, RoomSelector{ID: "GENERAL"}, Page{Unlimited: true}); err != nil || m.Count != m.Total {
		t.Errorf("count 0 (API_Allow_Infinite_Count) = %+v, %v", m, err)
	}
	if m, err := w.RoomMembers("bob", Channel, RoomSelector{ID: "GENERAL"}, Page{Count: -2}); err != nil || m.Count != 2 {
		t.Errorf("count -2 = %+v, %v", m, err)
	}
	m, err := w.RoomMembers("bob", Channel, RoomSelector{ID: "GENERAL"}, Page{Count: 2, Offset: 1})
	if err != nil || m.Total != 4 || m.Count != 2 || m.Offset != 1 || m.Members[0].Username != "bob" {
		t.Errorf("members = %+v, %v", m, err)
	}
	_, err = w.RoomMembers("bob", Group, RoomSelector{ID: "ProjectX"}, Page{})
	failure{code: "error-room-not-found"}.check(t, err)
	if err := w.Ban(admin, "GENERAL", UserSelector{ID: "bob"}); err != nil {
		t.Fatal(err)
	}
	_, err = w.RoomMembers("bob", Channel, RoomSelector{ID: "GENERAL"}, Page{})
	failure{plain: "unauthorized", status: 403}.check(t, err)
	if r, _ := w.RoomInfo(admin, RoomSelector{ID: "GENERAL"}); r.UsersCount != 3 {
		t.Errorf("usersCount after ban = %d, want 3", r.UsersCount)
	}
}

func TestUsers(t *testing.T) {
	w := newWorld(t, "")
	// validateUserData refuses a caller without create-user itself: 400, not 403.
	_, err := w.CreateUser("alice", NewUser{Username: "dave", Email: "dave@example.com"})
	failure{code: "error-action-not-allowed"}.check(t, err)
	if e := err.(*Error); e.Reason != "Adding user is not allowed" || e.Details["method"] != "insertOrUpdateUser" || e.Details["action"] != "Adding_user" {
		t.Errorf("create-user refusal %+v", e)
	}
	u, err := w.CreateUser(admin, NewUser{Username: "dave", Email: "dave@example.com", Name: "Dave", Password: "pw"})
	if err != nil || !reflect.DeepEqual(u.Roles, []string{"user"}) {
		t.Fatalf("create = %+v, %v", u, err)
	}
	if w.Subscription(u.ID, "GENERAL") == nil {
		t.Error("joinDefaultChannels did not join GENERAL")
	}
	// validateUserData's order: name, username, its pattern, password, then availability;
	// the email's format last.
	for _, tc := range []struct {
		name string
		n    NewUser
		want string
	}{
		{"unknown role", NewUser{Name: "", Username: "", Email: "bad", Roles: []string{"user", "nope"}}, "The field Roles consist invalid role id [error-action-not-allowed]"},
		{"blank name", NewUser{Name: " \t", Username: "", Email: "bad"}, "The field Name is required [error-the-field-is-required]"},
		{"blank username", NewUser{Name: "F", Username: "\uFEFF ", Email: "bad"}, "The field Username is required [error-the-field-is-required]"},
		{"invalid username", NewUser{Name: "F", Username: `<b>"x'&`, Email: "bad"}, "&lt;b&gt;&quot;x&#39;&amp; is not a valid username [error-input-is-not-a-valid-field]"},
		{"no password", NewUser{Name: "F", Username: "dave", Email: "bad"}, "The field Password is required [error-the-field-is-required]"},
		{"taken username", NewUser{Name: "F", Username: "dave", Email: "bad", Password: "pw"}, "dave is already in use :( [error-field-unavailable]"},
		{"taken email", NewUser{Name: "F", Username: "dave2", Email: "DAVE@example.com", Password: "pw"}, "DAVE@example.com is already in use :( [error-field-unavailable]"},
		{"invalid email", NewUser{Name: "F", Username: "frank", Email: "not-an-email", Password: "pw"}, "Invalid email not-an-email [error-invalid-email]"},
	} {
		_, err := w.CreateUser(admin, tc.n)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: error = %v, want %s", tc.name, err, tc.want)
		}
	}
	var details map[string]any
	if _, err := w.CreateUser(admin, NewUser{Name: "F", Username: "a b"}); err != nil {
		details = err.(*Error).Details
	}
	if want := map[string]any{"method": "insertOrUpdateUser", "input": "a b", "field": "Username"}; !reflect.DeepEqual(details, want) {
		t.Errorf("invalid username details = %v, want %v", details, want)
	}
	r, err := w.CreateUser(admin, NewUser{Name: "Rand", Username: "rand", Email: "rand@example.com", SetRandomPassword: true})
	if err != nil {
		t.Fatalf("setRandomPassword without a password: %v", err)
	}
	if _, err := w.Login(Credentials{User: r.Username, Password: ""}); err == nil {
		t.Error("a user with a random password logged in with an empty one")
	}
	if _, err := w.Login(Credentials{User: "dave@example.com", Password: "pw"}); err != nil {
		t.Errorf("new user cannot log in: %v", err)
	}
	failure{plain: "unauthorized", status: 401}.check(t, w.DeleteUser("bob", UserSelector{ID: u.ID}))
	failure{code: "error-invalid-user"}.check(t, w.DeleteUser(admin, UserSelector{Username: "nobody"}))
	failure{code: "error-user-param-not-provided"}.check(t, w.DeleteUser(admin, UserSelector{Username: "  "}))
	_, err = w.CreateRoom(admin, Group, NewRoom{})
	failure{plain: `Body param "name" is required`}.check(t, err)
	_, err = w.CreateRoom(admin, Channel, NewRoom{})
	failure{plain: `Param "name" is required`}.check(t, err)
	for _, reserved := range []string{"here", "ALL", "System", "user", "administrator"} {
		_, err := w.CreateUser(admin, NewUser{Username: reserved, Email: reserved + "@example.com", Name: "R", Password: "pw"})
		failure{code: "error-blocked-username"}.check(t, err)
	}
	count := room(t, w, "GENERAL").UsersCount
	if err := w.DeleteUser(admin, UserSelector{Username: "dave"}); err != nil {
		t.Fatal(err)
	}
	if room(t, w, "GENERAL").UsersCount != count-1 || w.Subscription(u.ID, "GENERAL") != nil {
		t.Error("deleted user still counted")
	}
}

func TestLogin(t *testing.T) {
	w := newWorld(t, "")
	for _, tc := range []struct {
		name string
		c    Credentials
		want *failure
	}{
		{"user as username", Credentials{User: "alice", Password: "rocket.chat"}, nil},
		{"user as email", Credentials{User: "alice@rocket.chat", Password: "rocket.chat"}, nil},
		{"username field", Credentials{Username: "ALICE", Password: "rocket.chat"}, nil},
		{"email field", Credentials{Email: "alice@rocket.chat", Password: "rocket.chat"}, nil},
		{"digest", Credentials{User: "alice", Digest: passwordDigest("rocket.chat")}, nil},
		{"wrong password", Credentials{User: "alice", Password: "nope"}, &failure{code: "403", status: 401}},
		{"unknown user", Credentials{User: "nobody", Password: "x"}, &failure{code: "Unauthorized", status: 401}},
		{"resume with a fixture token", Credentials{Resume: "bob-token"}, nil},
		{"resume with an unknown token", Credentials{Resume: "nope"}, &failure{code: "403", status: 401}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := w.Login(tc.c)
			if tc.want != nil {
				var e *Error
				if !errors.As(err, &e) || !e.Legacy || e.Code != tc.want.code || e.HTTPStatus() != 401 {
					t.Errorf("error = %+v, want legacy %q", err, tc.want.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if id, err := w.Authenticate(s.UserID, s.AuthToken); err != nil || id != s.Me.ID {
				t.Errorf("token does not authenticate: %v", err)
			}
		})
	}
}

func TestTokensAreStoredHashed(t *testing.T) {
	w := newWorld(t, "")
	s, err := w.Login(Credentials{User: "alice", Password: "rocket.chat"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.AuthToken) != 43 {
		t.Errorf("token %q: want 43 characters", s.AuthToken)
	}
	state, _ := json.Marshal(w.Export())
	for _, secret := range []string{s.AuthToken, "alice-token", `"rocket.chat"`} {
		if strings.Contains(string(state), secret) {
			t.Errorf("state holds %q in clear", secret)
		}
	}
	if err := w.Logout("alice", s.AuthToken); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Authenticate("alice", s.AuthToken); err == nil {
		t.Error("token still valid after logout")
	}
	if _, err := w.Authenticate("alice", "alice-token"); err != nil {
		t.Error("logout revoked the other token")
	}
	for _, pair := range [][2]string{{"alice", "bob-token"}, {"", "alice-token"}, {"alice", ""}, {"nobody", "x"}} {
		_, err := w.Authenticate(pair[0], pair[1])
		failure{code: "You must be logged in to do this.", status: 401}.check(t, err)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	w := newWorld(t, "")
	if _, err := w.UseInviteToken("bob", "PrjXok"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.FindOrCreateInvite("alice", "ProjectX", 30, 100); err != nil {
		t.Fatal(err)
	}
	s := w.Export()
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var decoded State
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatal(err)
	}
	other := newWorld(t, "8.3.0")
	if err := other.Import(decoded); err != nil {
		t.Fatal(err)
	}
	if got := other.Export(); !reflect.DeepEqual(got, s) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", got, s)
	}
	if other.Version() != "8.4.0" {
		t.Errorf("version = %s", other.Version())
	}
	dup := decoded
	dup.Invites = append(dup.Invites, dup.Invites[0])
	failure{code: "error-invalid-state"}.check(t, other.Import(dup))
	failure{code: "error-invalid-version"}.check(t, other.Import(State{Version: "9.0.0"}))
}

func TestReset(t *testing.T) {
	w := newWorld(t, "")
	want := w.Export()
	if _, err := w.UseInviteToken("bob", "PrjXok"); err != nil {
		t.Fatal(err)
	}
	w.Clock().Advance(time.Hour)
	if err := w.Reset(); err != nil {
		t.Fatal(err)
	}
	if got := invite(t, w, "Expird").CreatedAt.Time(); !got.Equal(start.Add(time.Hour - 48*time.Hour)) {
		t.Errorf("fixture invite dated %v, want 48h before the reset", got)
	}
	if got := invite(t, w, "PrjXok"); got.Uses != 0 || w.Subscription("bob", "ProjectX") != nil || len(w.Export().Invites) != len(want.Invites) {
		t.Errorf("reset did not restore the fixtures: %+v", got)
	}
}

func TestVersion(t *testing.T) {
	w := newWorld(t, "")
	if w.Version() != "8.4.0" || w.Info() != "8.4" {
		t.Errorf("version %s info %s", w.Version(), w.Info())
	}
	for _, v := range []string{"8.3.0", "8.3.2", "8.4.0", "8.4.12"} {
		if err := w.SetVersion(v); err != nil {
			t.Errorf("%s refused: %v", v, err)
		}
	}
	for _, v := range []string{"", "8.4", "8.2.0", "8.5.0", "9.0.0", "v8.4.0", "8.04.0", "8.4.x"} {
		failure{code: "error-invalid-version"}.check(t, w.SetVersion(v))
	}
	if _, err := New(Options{Version: "7.0.0"}); err == nil {
		t.Error("New accepted version 7.0.0")
	}
}

func TestClock(t *testing.T) {
	c := NewClock()
	if c.State().Frozen || time.Since(c.Now()) > time.Minute {
		t.Error("new clock is not real time")
	}
	c.Freeze(start)
	c.Advance(25 * time.Hour)
	if got := c.Now(); !got.Equal(start.Add(25 * time.Hour)) {
		t.Errorf("frozen+advanced = %v", got)
	}
	if s := c.State(); !s.Frozen || s.Offset != 25*time.Hour {
		t.Errorf("state = %+v", s)
	}
	c.Resume()
	c.Advance(time.Hour)
	if d := time.Until(c.Now()); d < 59*time.Minute || d > 61*time.Minute {
		t.Errorf("running clock offset = %v, want 1h", d)
	}
	c.Resume()
	if s := c.State(); s.Frozen || s.Offset != 0 {
		t.Errorf("after resume = %+v", s)
	}
}
