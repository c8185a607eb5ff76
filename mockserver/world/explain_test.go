package world

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rcinvite/rcinvite/mockserver/explain"
)

// TestWorldHandleHoldsOnlyStateAndTrace pins World to its two fields: a setting or datum added
// to the handle instead of to shared would be lost by every handle Explain returns.
func TestWorldHandleHoldsOnlyStateAndTrace(t *testing.T) {
	typ := reflect.TypeFor[World]()
	if typ.NumField() != 2 || typ.Field(0).Name != "shared" || typ.Field(1).Name != "why" {
		t.Errorf("World has fields %v: put new fields in shared", fieldNames(typ))
	}
}

func fieldNames(typ reflect.Type) []string {
	var out []string
	for i := range typ.NumField() {
		out = append(out, typ.Field(i).Name)
	}
	return out
}

// TestEveryCheckIsWorded: each check has a unique name and words any step, zero or full.
func TestEveryCheckIsWorded(t *testing.T) {
	seen := map[string]bool{}
	full := explain.Step{S: S{"a", "b", "c", "d"}, N: N{1, 2, 3, 4}}
	for _, c := range Checks() {
		if c.Name == "" || seen[c.Name] {
			t.Errorf("check name %q is empty or repeated", c.Name)
		}
		seen[c.Name] = true
		for _, v := range []explain.Verdict{explain.Pass, explain.Fail, explain.Note} {
			for _, st := range []explain.Step{{}, full} {
				st.Check, st.Verdict = c, v
				if c.Text(&st) == "" {
					t.Errorf("%s words a %s step as nothing", c.Name, v)
				}
			}
		}
	}
}

// traced runs op on a handle of w that records into a fresh trace, and returns the trace.
func traced(w *World, op func(w *World)) *explain.Trace {
	tr := explain.New()
	op(w.Explain(tr))
	return tr
}

func stepOf(t *testing.T, tr *explain.Trace, check string) explain.ExplainedStep {
	t.Helper()
	for _, s := range tr.Explain().Steps {
		if s.Check == check {
			return s
		}
	}
	t.Fatalf("no %s step in %s", check, tr.Explain().Summary)
	return explain.ExplainedStep{}
}

func TestBanStepSaysWhoBannedAndWhen(t *testing.T) {
	w := newWorld(t, "")
	if err := w.Ban(admin, "ProjectX", UserSelector{Username: "alice"}); err != nil {
		t.Fatal(err)
	}
	tr := traced(w, func(w *World) { _, _ = w.UseInviteToken("alice", "PrjXok") })
	s := stepOf(t, tr, "subscription.ban")
	if s.Verdict != "fail" || !strings.Contains(s.Text, "banned by rocketchat.internal.admin.test at 2026-05-01T10:00Z") ||
		!strings.Contains(s.Text, "since 8.4.0") {
		t.Errorf("ban step: %s %q", s.Verdict, s.Text)
	}
	if s.Facts["bannedBy"] != admin || s.Facts["checksBans"] != true || s.Facts["subscription"] != "banned" {
		t.Errorf("ban facts %v", s.Facts)
	}
}

func TestBanStepUnder83LiftsTheBan(t *testing.T) {
	w := newWorld(t, "8.3.0")
	tr := traced(w, func(w *World) { _, _ = w.UseInviteToken("carol", "PrjXok") })
	s := stepOf(t, tr, "subscription.ban")
	if s.Verdict != "note" || !strings.Contains(s.Text, "emulates 8.3.0") || !strings.Contains(s.Text, "lifts the ban") {
		t.Errorf("8.3.0 ban step: %s %q", s.Verdict, s.Text)
	}
	if u := stepOf(t, tr, "invite.use"); !strings.Contains(u.Text, "ban is lifted") {
		t.Errorf("use step %q", u.Text)
	}
}

func TestInviteStepsOnTheWorldsClock(t *testing.T) {
	w := newWorld(t, "")
	tr := traced(w, func(w *World) { _, _ = w.UseInviteToken("bob", "PrjXok") })
	valid := stepOf(t, tr, "invite.valid")
	if !strings.Contains(valid.Text, "0 of 10 uses, expires 2026-05-08T10:00Z (in 7 d on the world's clock)") {
		t.Errorf("valid step %q", valid.Text)
	}
	if use := stepOf(t, tr, "invite.use"); !strings.Contains(use.Text, "uses 0 → 1") {
		t.Errorf("use step %q", use.Text)
	}
	w.Clock().Advance(169 * time.Hour)
	tr = traced(w, func(w *World) { _, _ = w.UseInviteToken("bob", "PrjXok") })
	if s := stepOf(t, tr, "invite.valid"); s.Verdict != "fail" || !strings.Contains(s.Text, "expired at 2026-05-08T10:00Z (1 h ago") {
		t.Errorf("expired step: %s %q", s.Verdict, s.Text)
	}
	tr = traced(w, func(w *World) { _, _ = w.UseInviteToken("bob", "MaxedX") })
	if s := stepOf(t, tr, "invite.valid"); !strings.Contains(s.Text, "used up: 1 of 1 uses") {
		t.Errorf("used-up step %q", s.Text)
	}
}

func TestAuthTokenStepSaysWhereTheTokenIs(t *testing.T) {
	w := newWorld(t, "")
	if err := w.Logout("bob", "bob-token"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ user, token, want string }{
		{"bob", "bob-token", "logged out at 2026-05-01T10:00Z"},
		{"bob", "alice-token", "a login token of alice"},
		{"bob", "made-up", "never issued"},
	} {
		tr := traced(w, func(w *World) { _, _ = w.Authenticate(c.user, c.token) })
		if s := stepOf(t, tr, "auth.token"); s.Verdict != "fail" || !strings.Contains(s.Text, c.want) {
			t.Errorf("%s with %s: %s %q, want %q", c.user, c.token, s.Verdict, s.Text, c.want)
		}
	}
	tr := traced(w, func(w *World) { _, _ = w.Authenticate("alice", "alice-token") })
	if tr.Caller() != "alice" {
		t.Errorf("authenticated caller %q", tr.Caller())
	}
}

func TestPermissionStepNamesTheRoles(t *testing.T) {
	w := newWorld(t, "")
	tr := traced(w, func(w *World) { _, _ = w.FindOrCreateInvite("alice", "ProjectX", 7, 10) })
	if s := stepOf(t, tr, "permission"); s.Verdict != "pass" || !strings.Contains(s.Text, "alice has create-invite-links in ProjectX (role moderator)") {
		t.Errorf("granted: %q", s.Text)
	}
	tr = traced(w, func(w *World) { _, _ = w.FindOrCreateInvite("bob", "ProjectX", 7, 10) })
	if s := stepOf(t, tr, "permission"); s.Verdict != "fail" || !strings.Contains(s.Text, "holds roles user; it is granted to admin, owner, moderator") {
		t.Errorf("refused: %q", s.Text)
	}
}

// TestUntracedRulesRecordNothing: the handle New returns records nowhere (no trace to fill).
func TestUntracedRulesRecordNothing(t *testing.T) {
	w := newWorld(t, "")
	if w.why != nil {
		t.Fatal("a new world records into a trace")
	}
	if _, err := w.UseInviteToken("carol", "PrjXok"); err == nil {
		t.Fatal("carol joined")
	}
}

func TestOverviewStatesByTheRules(t *testing.T) {
	w := newWorld(t, "")
	o := w.Overview(100)
	states := map[string]string{}
	for _, inv := range o.Invites {
		states[inv.ID] = inv.State
	}
	want := map[string]string{"PrjXok": InviteValid, "Expird": InviteExpired, "MaxedX": InviteUsedUp, "Forevr": InviteValid,
		"DMroom": InviteValid, "Gonezz": InviteRoomGone}
	for id, st := range want {
		if states[id] != st {
			t.Errorf("invite %s is %q, want %q", id, states[id], st)
		}
	}
	w.Clock().Advance(169 * time.Hour)
	for _, inv := range w.Overview(100).Invites {
		if inv.ID == "PrjXok" && (inv.State != InviteExpired || inv.ExpiresInMs == nil || *inv.ExpiresInMs != -int64(time.Hour/time.Millisecond)) {
			t.Errorf("PrjXok after 169 h: %+v", inv)
		}
	}
	for _, r := range o.Rooms {
		if r.ID == "ProjectX" && (len(r.Bans) != 1 || r.Bans[0].Username != "carol" || r.MembersTotal != 2) {
			t.Errorf("ProjectX: %+v", r)
		}
	}
	if small := w.Overview(1); len(small.Users) != 1 || small.UsersTotal != 4 || len(small.Invites) != 1 {
		t.Errorf("limit 1: %d users of %d, %d invites", len(small.Users), small.UsersTotal, len(small.Invites))
	}
}

// TestMembershipStepsSayWhy: the room-role, kick, leave, direct-message, users.info and sync
// rules word their decisive step in Rocket.Chat's terms.
func TestMembershipStepsSayWhy(t *testing.T) {
	projectX, general := RoomSelector{ID: "ProjectX"}, RoomSelector{ID: "GENERAL"}
	cases := []struct {
		name, check, verdict, want string
		op                         func(w *World) error
	}{
		{"the last owner keeps the role", "room.lastOwner", "fail", "rocketchat.internal.admin.test is the last owner of ProjectX: set a new owner before removing this one",
			func(w *World) error {
				return w.RemoveRoomRole(admin, Group, projectX, UserSelector{Username: admin}, Owner)
			}},
		{"the last owner cannot leave", "room.lastOwner", "fail", "is the last owner of ProjectX: they must set a new owner before leaving",
			func(w *World) error { _, err := w.Leave(admin, Group, projectX); return err }},
		{"a keyless subscription holds the moderator role", "role.held", "pass",
			"bob's subscription to GENERAL has no roles key, and removeRoomModerator tests only roles that exist",
			func(w *World) error {
				return w.RemoveRoomRole(admin, Channel, general, UserSelector{Username: "bob"}, Moderator)
			}},
		{"a keyless subscription holds no owner role", "role.held", "fail", "bob's subscription to GENERAL has no roles key: not an owner",
			func(w *World) error {
				return w.RemoveRoomRole(admin, Channel, general, UserSelector{Username: "bob"}, Owner)
			}},
		{"a role lands on a banned subscription", "room.member", "pass", "carol has a subscription to ProjectX with status BANNED, which counts here",
			func(w *World) error {
				return w.AddRoomRole(admin, Group, projectX, UserSelector{Username: "carol"}, Leader)
			}},
		{"kicking lifts a ban", "room.leave", "note", "rocketchat.internal.admin.test removed carol from ProjectX: their BANNED subscription is deleted, and the ban with it",
			func(w *World) error {
				_, err := w.Kick(admin, Group, projectX, UserSelector{Username: "carol"})
				return err
			}},
		{"too many direct message members", "dm.members", "fail", "9 members asked for (alice, a, b, c, d, e, f, g, h), more than DirectMesssage_maxUsers, 8",
			func(w *World) error {
				_, err := w.CreateDirectMessage("alice", strings.Split("a,b,c,d,e,f,g,h", ","), false)
				return err
			}},
		{"users.info of another user", "user.view", "note", "bob sees alice's default fields only",
			func(w *World) error {
				_, err := w.UserInfo("bob", UserQuery{Username: "alice", IncludeUserRooms: true})
				return err
			}},
		{"an updatedSince Date.parse cannot read", "sync.since", "fail", `updatedSince "last week" is no date`,
			func(w *World) error { _, err := w.RoomsSince("bob", "last week"); return err }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, "")
			tr := traced(w, func(w *World) { _ = c.op(w) })
			if s := stepOf(t, tr, c.check); s.Verdict != c.verdict || !strings.Contains(s.Text, c.want) {
				t.Errorf("%s step: %s %q, want %s %q", c.check, s.Verdict, s.Text, c.verdict, c.want)
			}
		})
	}
}

// TestAdminKickOfANonMemberSaysThereIsNothingToRemove: kick-user-from-any-c-room turns a
// missing subscription into a success, and the step says so.
func TestAdminKickOfANonMemberSaysThereIsNothingToRemove(t *testing.T) {
	w := newWorld(t, "")
	if _, err := w.Leave("bob", Channel, RoomSelector{ID: "GENERAL"}); err != nil {
		t.Fatal(err)
	}
	tr := traced(w, func(w *World) {
		_, _ = w.Kick(admin, Channel, RoomSelector{ID: "GENERAL"}, UserSelector{Username: "bob"})
	})
	if s := stepOf(t, tr, "room.member"); s.Verdict != "note" || !strings.Contains(s.Text, "nothing to remove, the kick succeeds") {
		t.Errorf("room.member step: %s %q", s.Verdict, s.Text)
	}
}
