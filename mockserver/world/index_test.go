package world

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// audit rebuilds every index of w from its tables and fails when a maintained index differs.
func audit(t *testing.T, w *World, step string) {
	t.Helper()
	w.mutex.Lock()
	defer w.mutex.Unlock()
	want := newStore()
	for u := range w.users.values() {
		want.putUser(u)
	}
	for r := range w.rooms.values() {
		want.putRoom(r)
	}
	for sub := range w.subs.values() {
		want.putSub(sub)
	}
	for inv := range w.invites.values() {
		want.putInvite(inv)
	}
	lists := func(m map[string]*idSet) map[string][]string {
		out := map[string][]string{}
		for k, o := range m {
			out[k] = slices.Collect(o.values())
		}
		return out
	}
	if got, exp := lists(w.roomSubs), lists(want.roomSubs); !reflect.DeepEqual(got, exp) {
		t.Errorf("%s: subscriptions by room = %v, want %v", step, got, exp)
	}
	if got, exp := lists(w.userSubs), lists(want.userSubs); !reflect.DeepEqual(got, exp) {
		t.Errorf("%s: subscriptions by user = %v, want %v", step, got, exp)
	}
	if !maps.Equal(w.subOf, want.subOf) {
		t.Errorf("%s: subOf = %v, want %v", step, w.subOf, want.subOf)
	}
	reusable := func(s *store) map[inviteKey][]string {
		out := map[inviteKey][]string{}
		for k, l := range s.reusable {
			dead := 0
			for _, inv := range l.invites {
				if s.reusableNow(inv) {
					out[k] = append(out[k], inv.ID)
				} else {
					dead++
				}
			}
			if dead != l.dead {
				t.Errorf("%s: reuse list %v counts %d dead invites, holds %d", step, k, l.dead, dead)
			}
		}
		return out
	}
	if got, exp := reusable(&w.store), reusable(&want); !reflect.DeepEqual(got, exp) {
		t.Errorf("%s: reusable invites = %v, want %v", step, got, exp)
	}
	if !reflect.DeepEqual(w.tokenUsers, want.tokenUsers) {
		t.Errorf("%s: login tokens = %v, want %v", step, w.tokenUsers, want.tokenUsers)
	}
	if !reflect.DeepEqual(w.byRoomName, want.byRoomName) {
		t.Errorf("%s: rooms by name %v, want %v", step, w.byRoomName, want.byRoomName)
	}
	if !reflect.DeepEqual(w.byUsername, want.byUsername) || !reflect.DeepEqual(w.byEmail, want.byEmail) {
		t.Errorf("%s: users by username %v and email %v, want %v and %v", step, w.byUsername, w.byEmail, want.byUsername, want.byEmail)
	}
}

func TestIdSetKeepsOrderThroughRemovalsAndCompaction(t *testing.T) {
	var o idSet
	var want []string
	for i := range 200 {
		id := fmt.Sprint(i)
		o.add(id)
		want = append(want, id)
	}
	if o.add("7") {
		t.Error("add of a present id reported an addition")
	}
	for i := 0; i < 200; i += 3 { // enough removals to compact
		o.remove(fmt.Sprint(i))
		want = slices.DeleteFunc(want, func(s string) bool { return s == fmt.Sprint(i) })
	}
	o.remove("absent")
	o.add("0") // removed earlier: comes back last
	want = append(want, "0")
	if got := slices.Collect(o.values()); !slices.Equal(got, want) {
		t.Fatalf("values = %v, want %v", got, want)
	}
	if o.len() != len(want) || len(o.ids) > 2*len(want)+33 {
		t.Errorf("len = %d (%d slots), want %d", o.len(), len(o.ids), len(want))
	}
	for _, id := range slices.Clone(want) {
		o.remove(id)
	}
	if o.len() != 0 || len(o.ids) != 0 || slices.Collect(o.values()) != nil {
		t.Errorf("emptied set: len %d, slots %d", o.len(), len(o.ids))
	}
}

func TestTableDeleteKeepsExportOrder(t *testing.T) {
	w := newWorld(t, "")
	var ids []string
	for _, days := range []int{1, 7, 15, 30} {
		for _, uses := range []int{1, 5, 25, 50, 100} {
			inv, err := w.FindOrCreateInvite(admin, "ProjectX", days, uses)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, inv.ID)
		}
	}
	for i, id := range ids {
		if i%2 == 0 {
			if err := w.RemoveInvite(admin, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	var got []string
	for _, inv := range w.Export().Invites {
		got = append(got, inv.ID)
	}
	want := []string{"PrjXok", "Expird", "MaxedX", "Forevr", "DMroom", "Gonezz"}
	for i, id := range ids {
		if i%2 == 1 {
			want = append(want, id)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("invites = %v, want %v", got, want)
	}
	audit(t, w, "after removals")
}

func TestReuseIndexFollowsEveryChange(t *testing.T) {
	w := newWorld(t, "")
	find := func(step string, days, maxUses int) string {
		t.Helper()
		inv, err := w.FindOrCreateInvite(admin, "ProjectX", days, maxUses)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		audit(t, w, step)
		return inv.ID
	}
	if id := find("fixture", 7, 10); id != "PrjXok" {
		t.Fatalf("reused %s, want PrjXok", id)
	}
	if err := w.RemoveInvite(admin, "PrjXok"); err != nil {
		t.Fatal(err)
	}
	fresh := find("after removeInvite", 7, 10)
	if fresh == "PrjXok" {
		t.Fatal("a removed invite was reused")
	}
	if id := find("again", 7, 10); id != fresh {
		t.Errorf("reused %s, want %s", id, fresh)
	}

	// A used-up invite leaves the index; a new one is created.
	single := find("single use", 0, 1)
	if _, err := w.UseInviteToken("bob", single); err != nil {
		t.Fatal(err)
	}
	audit(t, w, "after use")
	if id := find("after use", 0, 1); id == single {
		t.Error("a used-up invite was reused")
	}

	// Expired invites stay indexed: moving the clock back revives them.
	w.Clock().Advance(8 * 24 * time.Hour)
	later := find("after expiry", 7, 10)
	if later == fresh {
		t.Error("an expired invite was reused")
	}
	w.Clock().Freeze(start)
	if id := find("clock back", 7, 10); id != fresh {
		t.Errorf("with the clock back reused %s, want the first created %s", id, fresh)
	}

	// Deleting the room keeps its invites (Rocket.Chat's eraseRoom leaves them).
	if err := w.DeleteRoom(admin, Group, RoomSelector{ID: "ProjectX"}); err != nil {
		t.Fatal(err)
	}
	audit(t, w, "after room delete")
	if _, err := w.FindOrCreateInvite(admin, "ProjectX", 7, 10); err == nil {
		t.Error("findOrCreateInvite on a deleted room succeeded")
	}

	// Reset: only the fixture invites are indexed again.
	if err := w.Reset(); err != nil {
		t.Fatal(err)
	}
	if id := find("after reset", 7, 10); id != "PrjXok" {
		t.Errorf("after reset reused %s, want PrjXok", id)
	}
}

func TestReusePicksTheFirstInsertedMatch(t *testing.T) {
	w := newWorld(t, "")
	s := w.Export()
	now := dateOf(start)
	exp := dateOf(start.Add(24 * time.Hour))
	// Three invites with the same settings; "Later1" is older but inserted after "First1",
	// "UsedUp" comes first but cannot be used.
	add := func(id string, created Date, uses int) {
		s.Invites = append(s.Invites, Invite{ID: id, Rid: "ProjectX", UserID: admin, Days: 1, MaxUses: 5, Uses: uses,
			CreatedAt: created, Expires: &exp, UpdatedAt: created})
	}
	add("UsedUp", now, 5)
	add("First1", now, 0)
	add("Later1", dateOf(start.Add(-time.Hour)), 0)
	if err := w.Import(s); err != nil {
		t.Fatal(err)
	}
	audit(t, w, "after import")
	inv, err := w.FindOrCreateInvite(admin, "ProjectX", 1, 5)
	if err != nil || inv.ID != "First1" {
		t.Fatalf("FindOrCreateInvite = %v, %v; want First1", inv, err)
	}

	// Import replaces the index: an imported state without First1 reuses Later1.
	s.Invites = slices.DeleteFunc(s.Invites, func(i Invite) bool { return i.ID == "First1" })
	if err := w.Import(s); err != nil {
		t.Fatal(err)
	}
	audit(t, w, "after second import")
	if inv, err := w.FindOrCreateInvite(admin, "ProjectX", 1, 5); err != nil || inv.ID != "Later1" {
		t.Fatalf("FindOrCreateInvite = %v, %v; want Later1", inv, err)
	}
}

func TestRemovalsCompactTheInviteTableAndReuseList(t *testing.T) {
	w := newWorld(t, "")
	s := w.Export()
	created := dateOf(start)
	var ids []string
	for i := range 100 {
		id := fmt.Sprintf("Many%02d", i)
		ids = append(ids, id)
		s.Invites = append(s.Invites, Invite{ID: id, Rid: "ProjectX", UserID: admin, MaxUses: 5, CreatedAt: created, UpdatedAt: created})
	}
	if err := w.Import(s); err != nil {
		t.Fatal(err)
	}
	key := inviteKey{uid: admin, rid: "ProjectX", maxUses: 5}
	for n := 1; n <= 80; n++ { // removing from the front: both the table and the list compact
		if err := w.RemoveInvite(admin, ids[0]); err != nil {
			t.Fatal(err)
		}
		ids = ids[1:]
		audit(t, w, fmt.Sprintf("after %d removals", n))
		inv, err := w.FindOrCreateInvite(admin, "ProjectX", 0, 5)
		if err != nil || inv.ID != ids[0] {
			t.Fatalf("after %d removals FindOrCreateInvite = %v, %v; want %s", n, inv, err, ids[0])
		}
	}
	var got []string
	for _, inv := range w.Export().Invites {
		got = append(got, inv.ID)
	}
	if want := append([]string{"PrjXok", "Expird", "MaxedX", "Forevr", "DMroom", "Gonezz"}, ids...); !slices.Equal(got, want) {
		t.Errorf("invites = %v, want %v", got, want)
	}
	w.mutex.Lock()
	slots, listed := len(w.invites.docs), len(w.reusable[key].invites)
	for i := 1; i < len(got); i++ { // rank (which login-token lookups use) follows insertion order
		if a, b := w.invites.rank(got[i-1]), w.invites.rank(got[i]); a < 0 || a >= b {
			t.Errorf("rank(%s) = %d, rank(%s) = %d after compaction", got[i-1], a, got[i], b)
		}
	}
	if r := w.invites.rank("Many00"); r != -1 {
		t.Errorf("rank of a removed invite = %d, want -1", r)
	}
	w.mutex.Unlock()
	if live := len(got); slots > 2*live+33 {
		t.Errorf("%d invites held in %d table slots: removals never compacted", live, slots)
	}
	if listed > 2*len(ids)+33 {
		t.Errorf("%d reusable invites held in a list of %d: removals never compacted", len(ids), listed)
	}
}

func TestLoginTokenIndexFollowsEveryChange(t *testing.T) {
	w := newWorld(t, "")
	authOK := func(step, uid, token string, want bool) {
		t.Helper()
		_, err := w.Authenticate(uid, token)
		if (err == nil) != want {
			t.Errorf("%s: Authenticate(%s) error = %v, want ok=%v", step, uid, err, want)
		}
		_, err = w.Login(Credentials{Resume: token})
		if (err == nil) != want {
			t.Errorf("%s: resume error = %v, want ok=%v", step, err, want)
		}
		audit(t, w, step)
	}
	var tokens []string
	for range 3 {
		s, err := w.Login(Credentials{User: "bob", Password: "rocket.chat"})
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, s.AuthToken)
	}
	authOK("login", "bob", tokens[2], true)
	if _, err := w.Authenticate("alice", tokens[2]); err == nil {
		t.Error("bob's token authenticated alice")
	}
	if err := w.Logout("bob", tokens[1]); err != nil {
		t.Fatal(err)
	}
	authOK("logged out token", "bob", tokens[1], false)
	authOK("remaining token", "bob", tokens[0], true)
	authOK("fixture token", "bob", "bob-token", true)
	if got := len(user(t, w, "bob").LoginTokens); got != 3 {
		t.Errorf("bob holds %d login tokens, want 3", got)
	}

	// Import: a state where bob's tokens are gone.
	s := w.Export()
	for i := range s.Users {
		if s.Users[i].ID == "bob" {
			s.Users[i].LoginTokens = nil
		}
	}
	if err := w.Import(s); err != nil {
		t.Fatal(err)
	}
	authOK("after import", "bob", tokens[0], false)
	authOK("fixture token after import", "bob", "bob-token", false)

	// Reset: the fixture token works again, the logins' tokens do not.
	if err := w.Reset(); err != nil {
		t.Fatal(err)
	}
	authOK("fixture token after reset", "bob", "bob-token", true)
	authOK("login token after reset", "bob", tokens[0], false)

	// Deleting a user drops its tokens: resume must not find the deleted user.
	if err := w.DeleteUser(admin, UserSelector{ID: "bob"}); err != nil {
		t.Fatal(err)
	}
	authOK("after user delete", "bob", "bob-token", false)
}

func TestResumeWithASharedTokenPicksTheFirstUser(t *testing.T) {
	w := newWorld(t, "")
	s := w.Export()
	shared := LoginToken{HashedToken: hashLoginToken("shared"), When: dateOf(start)}
	for i := range s.Users { // carol, then bob, in the users' order: the first in order wins
		if id := s.Users[i].ID; id == "bob" || id == "carol" {
			s.Users[i].LoginTokens = append(s.Users[i].LoginTokens, shared)
		}
	}
	if err := w.Import(s); err != nil {
		t.Fatal(err)
	}
	first := ""
	for _, u := range s.Users {
		if u.ID == "bob" || u.ID == "carol" {
			first = u.ID
			break
		}
	}
	if got, err := w.Login(Credentials{Resume: "shared"}); err != nil || got.UserID != first {
		t.Fatalf("resume = %+v, %v; want user %s", got, err, first)
	}
	if err := w.Logout(first, "shared"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Authenticate(first, "shared"); err == nil {
		t.Error("after its logout the token still authenticates")
	}
	if got, err := w.Login(Credentials{Resume: "shared"}); err != nil || got.UserID == first {
		t.Errorf("resume after the logout = %+v, %v; want the other user", got, err)
	}
	audit(t, w, "logout")
}

// TestAUserHoldingATokenTwiceIsRefused: a state file keeps a user's login tokens by hash,
// and Rocket.Chat's logout pulls every token with the hash at once ($pull), so a state whose
// user holds one twice is refused rather than kept in a way no restart could restore.
func TestAUserHoldingATokenTwiceIsRefused(t *testing.T) {
	w := newWorld(t, "")
	s := w.Export()
	twice := LoginToken{HashedToken: hashLoginToken("twice"), When: dateOf(start)}
	s.Users[0].LoginTokens = append(s.Users[0].LoginTokens, twice, twice)
	err := w.Import(s)
	if e, ok := err.(*Error); !ok || e.Code != "error-invalid-state" || !strings.Contains(e.Reason, "held twice") {
		t.Fatalf("Import = %v, want error-invalid-state naming the token held twice", err)
	}
	many := w.Export() // the map path of repeatedToken: more than 16 tokens
	for i := range 40 {
		many.Users[0].LoginTokens = append(many.Users[0].LoginTokens, LoginToken{HashedToken: fmt.Sprint(i % 39), When: dateOf(start)})
	}
	if err := w.Import(many); err == nil {
		t.Fatal("Import of 40 tokens, two sharing a hash, succeeded")
	}
	s.Users[0].LoginTokens = s.Users[0].LoginTokens[:len(s.Users[0].LoginTokens)-1]
	s.Users[1].ID = "a\x00b"
	if err := w.Import(s); err == nil || !strings.Contains(err.Error(), "NUL") {
		t.Fatalf("Import of a user id holding a NUL = %v, want a refusal", err)
	}
}

func TestSubscriptionIndexesFollowEveryChange(t *testing.T) {
	w := newWorld(t, "")
	members := func(step, rid string) []string {
		t.Helper()
		audit(t, w, step)
		m, err := w.RoomMembers("bob", Group, RoomSelector{ID: rid}, Page{})
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		var names []string
		for _, x := range m.Members {
			names = append(names, x.Username)
		}
		return names
	}
	if _, err := w.InviteToRoom(admin, Group, RoomSelector{ID: "ProjectX"}, UserSelector{ID: "bob"}); err != nil {
		t.Fatal(err)
	}
	if got := members("after invite", "ProjectX"); !slices.Equal(got, []string{"alice", "bob", admin}) {
		t.Errorf("members = %v", got)
	}
	if err := w.Unban(admin, "ProjectX", UserSelector{ID: "carol"}); err != nil {
		t.Fatal(err)
	}
	audit(t, w, "after unban")
	if b, err := w.BannedUsers(admin, "ProjectX", Page{}); err != nil || b.Total != 0 {
		t.Errorf("banned after unban = %+v, %v", b, err)
	}
	if _, err := w.UseInviteToken("carol", "PrjXok"); err != nil {
		t.Fatal(err)
	}
	if got := members("carol rejoins", "ProjectX"); !slices.Equal(got, []string{"alice", "bob", "carol", admin}) {
		t.Errorf("members = %v", got)
	}

	// Deleting a user removes its subscriptions from every room and from usersCount.
	if err := w.DeleteUser(admin, UserSelector{ID: "alice"}); err != nil {
		t.Fatal(err)
	}
	if got := members("after user delete", "ProjectX"); !slices.Equal(got, []string{"bob", "carol", admin}) {
		t.Errorf("members = %v", got)
	}
	if r := room(t, w, "ProjectX"); r.UsersCount != 3 {
		t.Errorf("usersCount = %d, want 3", r.UsersCount)
	}
	for _, sub := range w.Export().Subscriptions {
		if sub.U.ID == "alice" {
			t.Errorf("subscription %s of a deleted user kept", sub.ID)
		}
	}

	// Deleting a room removes its subscriptions; a new room with members indexes them.
	if err := w.DeleteRoom(admin, Group, RoomSelector{ID: "ProjectX"}); err != nil {
		t.Fatal(err)
	}
	audit(t, w, "after room delete")
	for _, sub := range w.Export().Subscriptions {
		if sub.Rid == "ProjectX" {
			t.Errorf("subscription %s of a deleted room kept", sub.ID)
		}
	}
	r, err := w.CreateRoom("bob", Group, NewRoom{Name: "fresh", Members: []string{"carol"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := members("new room", r.ID); !slices.Equal(got, []string{"bob", "carol"}) {
		t.Errorf("members = %v", got)
	}
	if err := w.Import(w.Export()); err != nil {
		t.Fatal(err)
	}
	if got := members("after import", r.ID); !slices.Equal(got, []string{"bob", "carol"}) {
		t.Errorf("members = %v", got)
	}
}

// TestFoldKeyAgreesWithEqualFold: the username and email indexes find a user exactly when
// strings.EqualFold, which the lookups used before the indexes, says the names are equal.
func TestFoldKeyAgreesWithEqualFold(t *testing.T) {
	parts := []string{"a", "A", "k", "K", "\u212a", "s", "S", "\u017f", "ß", "ẞ", "σ", "Σ", "ς", "İ", "i", "ı",
		"\xff", "\ufffd", "é", "É", "-", "1", "@", ".", "ǅ", "ǆ", "Ǆ"}
	var names []string
	for _, a := range parts {
		for _, b := range parts {
			names = append(names, a+b, "x"+a+b)
		}
	}
	for _, a := range names {
		for _, b := range names {
			if got, want := foldKey(a) == foldKey(b), strings.EqualFold(a, b); got != want {
				t.Errorf("foldKey(%q) == foldKey(%q) is %v, EqualFold %v", a, b, got, want)
			}
		}
	}
}

// TestUserLookupsFollowCreatesAndDeletes: users.create and users.delete keep the username and
// email indexes, and a lookup finds the first user in insertion order.
func TestUserLookupsFollowCreatesAndDeletes(t *testing.T) {
	w := newWorld(t, "")
	u, err := w.CreateUser(admin, NewUser{Username: "Dave", Email: "Dave@Example.com", Name: "Dave", Password: "x"})
	if err != nil {
		t.Fatal(err)
	}
	audit(t, w, "create")
	if _, err := w.CreateUser(admin, NewUser{Username: "DAVE", Email: "d2@example.com", Name: "D", Password: "x"}); err == nil {
		t.Error("a username taken but for case was accepted")
	}
	if _, err := w.Login(Credentials{User: "dave@EXAMPLE.com", Password: "x"}); err != nil {
		t.Errorf("login by email in another case: %v", err)
	}
	if _, err := w.Login(Credentials{Username: "dAVE", Password: "x"}); err != nil {
		t.Errorf("login by username in another case: %v", err)
	}
	if err := w.DeleteUser(admin, UserSelector{ID: u.ID}); err != nil {
		t.Fatal(err)
	}
	audit(t, w, "delete")
	if _, err := w.Login(Credentials{Username: "dave", Password: "x"}); err == nil {
		t.Error("a deleted user logged in")
	}
	if _, err := w.CreateUser(admin, NewUser{Username: "dave", Email: "dave@example.com", Name: "Dave", Password: "y"}); err != nil {
		t.Errorf("the deleted user's name and email are still taken: %v", err)
	}
}

// TestALoginNeverIssuesATokenSomeoneHolds: a world on a seeded source that imports the state
// of another on the same seed (as after a restart from a state file) draws again rather than
// hand out a token another user holds, which would log in as that user.
func TestALoginNeverIssuesATokenSomeoneHolds(t *testing.T) {
	first := newWorld(t, "")
	bob, err := first.Login(Credentials{User: "bob", Password: "rocket.chat"})
	if err != nil {
		t.Fatal(err)
	}
	again := newWorld(t, "") // the same seed
	if err := again.Import(first.Export()); err != nil {
		t.Fatal(err)
	}
	carol, err := again.Login(Credentials{User: "carol", Password: "rocket.chat"})
	if err != nil {
		t.Fatal(err)
	}
	if carol.AuthToken == bob.AuthToken {
		t.Fatal("carol was given bob's login token")
	}
	if got, err := again.Login(Credentials{Resume: bob.AuthToken}); err != nil || got.UserID != "bob" {
		t.Errorf("bob's token resumes %+v, %v; want bob", got, err)
	}
	audit(t, again, "after the redraw")
}

// TestRoomNamesFollowCreatesAndDeletes: channels.create and groups.create refuse a name taken
// but for case by the room-name index (a scan of every room made room creation grow with the
// rooms stored); the index follows creations, deletions and an import.
func TestRoomNamesFollowCreatesAndDeletes(t *testing.T) {
	w := newWorld(t, "")
	r, err := w.CreateRoom(admin, Group, NewRoom{Name: "Team-A"})
	if err != nil {
		t.Fatal(err)
	}
	audit(t, w, "create")
	var e *Error
	if _, err := w.CreateRoom("bob", Channel, NewRoom{Name: "team-a"}); !errors.As(err, &e) || e.Code != "error-duplicate-channel-name" ||
		!strings.Contains(e.Reason, "A channel with name 'team-a' exists") {
		t.Errorf("a name taken but for case: %v, want error-duplicate-channel-name", err)
	}
	if _, err := w.CreateRoom(admin, Channel, NewRoom{Name: "Project-X"}); err == nil {
		t.Error("a fixture room's name in another case was accepted")
	}
	if err := w.DeleteRoom(admin, Group, RoomSelector{ID: r.ID}); err != nil {
		t.Fatal(err)
	}
	audit(t, w, "delete")
	if _, err := w.CreateRoom(admin, Channel, NewRoom{Name: "TEAM-A"}); err != nil {
		t.Errorf("the deleted room's name is still taken: %v", err)
	}
	if err := w.Import(w.Export()); err != nil {
		t.Fatal(err)
	}
	audit(t, w, "import")
	if _, err := w.CreateRoom(admin, Group, NewRoom{Name: "team-a"}); err == nil {
		t.Error("after an import, a name taken but for case was accepted")
	}
}
