package world

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

// replica applies changesets to ordered collections of raw documents, as a store would.
type replica struct {
	t       *testing.T
	seq     uint64
	version string
	colls   map[string]*ordered
	pending *time.Time // the replica holds the fixtures dated at this instant, no documents
}

type ordered struct {
	ids  []string
	docs map[string]json.RawMessage
}

func newReplica(t *testing.T, w *World) *replica {
	r := &replica{t: t, colls: map[string]*ordered{}}
	s := w.Export()
	r.Record(stateChangeset(t, s))
	r.seq = 0
	return r
}

// stateChangeset is a Replace changeset holding s.
func stateChangeset(t *testing.T, s State) Changeset {
	cs := Changeset{Replace: true, Version: s.Version}
	add := func(coll, id string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		cs.Changes = append(cs.Changes, Change{Collection: coll, ID: id, Doc: b})
	}
	for _, u := range s.Users {
		without := u
		without.LoginTokens = nil
		add(Users, u.ID, without)
	}
	for _, u := range s.Users {
		for _, tok := range u.LoginTokens {
			add(LoginTokens, TokenKey(u.ID, tok.HashedToken), tok)
		}
	}
	for _, r := range s.Rooms {
		add(Rooms, r.ID, r)
	}
	for _, sub := range s.Subscriptions {
		add(Subscriptions, sub.ID, sub)
	}
	for _, inv := range s.Invites {
		add(Invites, inv.ID, inv)
	}
	for _, d := range s.Trash {
		add(Trash, d.Key(), d)
	}
	return cs
}

func (r *replica) Record(cs Changeset) {
	if cs.Seq != r.seq+1 && r.seq != 0 || cs.Seq == 0 && r.colls[Users] != nil {
		r.t.Errorf("changeset %d after %d", cs.Seq, r.seq)
	}
	r.seq = cs.Seq
	if cs.Replace {
		r.colls, r.pending = map[string]*ordered{}, cs.Pending
	}
	if cs.Pending != nil && len(cs.Changes) > 0 {
		r.t.Errorf("changeset %d: pending with %d changes", cs.Seq, len(cs.Changes))
	}
	for _, name := range []string{Users, Rooms, Subscriptions, Invites, Trash, LoginTokens} {
		if r.colls[name] == nil {
			r.colls[name] = &ordered{docs: map[string]json.RawMessage{}}
		}
	}
	if cs.Version != "" {
		r.version = cs.Version
	}
	for _, c := range cs.Changes {
		o := r.colls[c.Collection]
		if o == nil {
			r.t.Fatalf("change in unknown collection %q", c.Collection)
		}
		_, known := o.docs[c.ID]
		switch {
		case c.Doc == nil:
			delete(o.docs, c.ID)
			o.ids = slices.DeleteFunc(o.ids, func(id string) bool { return id == c.ID })
		case known:
			o.docs[c.ID] = c.Doc
		default:
			o.docs[c.ID] = c.Doc
			o.ids = append(o.ids, c.ID)
		}
	}
}

func (r *replica) Wait(context.Context) error { return nil }

func (r *replica) WaitFor(context.Context, uint64) error { return nil }

// state decodes the replica into a State; a pending replica's is its fixtures built at the
// instant it holds, as a world that imports the pending state builds them.
func (r *replica) state() State {
	if r.pending != nil {
		w := newWorld(r.t, "")
		if err := w.Import(State{Version: r.version, Pending: r.pending}); err != nil {
			r.t.Fatal(err)
		}
		return w.Export()
	}
	s := State{Version: r.version}
	decode := func(coll string, each func(json.RawMessage) error) {
		for _, id := range r.colls[coll].ids {
			if err := each(r.colls[coll].docs[id]); err != nil {
				r.t.Fatal(err)
			}
		}
	}
	decode(Users, func(b json.RawMessage) error {
		var v User
		err := json.Unmarshal(b, &v)
		s.Users = append(s.Users, v)
		return err
	})
	owner := map[string]int{}
	for i, u := range s.Users {
		owner[u.ID] = i
	}
	for _, key := range r.colls[LoginTokens].ids {
		var v LoginToken
		if err := json.Unmarshal(r.colls[LoginTokens].docs[key], &v); err != nil {
			r.t.Fatal(err)
		}
		uid, hashed, _ := TokenOwner(key)
		i, ok := owner[uid]
		if !ok || v.HashedToken != hashed {
			r.t.Fatalf("login token %q: no such user, or another hash", key)
		}
		s.Users[i].LoginTokens = append(s.Users[i].LoginTokens, v)
	}
	decode(Rooms, func(b json.RawMessage) error {
		var v Room
		err := json.Unmarshal(b, &v)
		s.Rooms = append(s.Rooms, v)
		return err
	})
	decode(Subscriptions, func(b json.RawMessage) error {
		var v Subscription
		err := json.Unmarshal(b, &v)
		s.Subscriptions = append(s.Subscriptions, v)
		return err
	})
	decode(Invites, func(b json.RawMessage) error {
		var v Invite
		err := json.Unmarshal(b, &v)
		s.Invites = append(s.Invites, v)
		return err
	})
	decode(Trash, func(b json.RawMessage) error {
		var v Deleted
		err := json.Unmarshal(b, &v)
		s.Trash = append(s.Trash, v)
		return err
	})
	return s
}

// sameJSON compares two states by their JSON encoding (the form a store keeps) and reports
// the first document that differs.
func sameJSON(t *testing.T, step string, got, want State) {
	t.Helper()
	docs := func(s State) []string {
		out := []string{"version " + s.Version}
		add := func(coll string, v any) {
			b, _ := json.Marshal(v)
			out = append(out, coll+" "+string(b))
		}
		for _, v := range s.Users {
			add(Users, v)
		}
		for _, v := range s.Rooms {
			add(Rooms, v)
		}
		for _, v := range s.Subscriptions {
			add(Subscriptions, v)
		}
		for _, v := range s.Invites {
			add(Invites, v)
		}
		for _, v := range s.Trash {
			add(Trash, v)
		}
		return out
	}
	g, w := docs(got), docs(want)
	for i := range max(len(g), len(w)) {
		if i >= len(g) || i >= len(w) || g[i] != w[i] {
			t.Errorf("after %s the recorded changes differ at document %d:\n got %s\nwant %s", step, i, at(g, i), at(w, i))
			return
		}
	}
}

func at(list []string, i int) string {
	if i < len(list) {
		return list[i]
	}
	return "(none)"
}

// TestRecordedChangesRebuildTheWorld runs every mutating operation and checks after each one
// that the changesets recorded so far rebuild exactly the world's Export, order included.
func TestRecordedChangesRebuildTheWorld(t *testing.T) {
	w := newWorld(t, "")
	rep := newReplica(t, w)
	w.Record(rep)
	s, err := w.Login(Credentials{User: "bob", Password: "rocket.chat"})
	if err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	var newUser, newRoom string
	steps := []struct {
		name string
		run  func() error
	}{
		{"login", func() error { return nil }},
		{"useInviteToken", func() error { _, err := w.UseInviteToken("bob", "PrjXok"); return err }},
		{"useInviteToken by a member", func() error { _, err := w.UseInviteToken("bob", "Forevr"); return err }},
		{"findOrCreateInvite", func() error { _, err := w.FindOrCreateInvite(admin, "GENERAL", 7, 5); return err }},
		{"removeInvite", func() error { return w.RemoveInvite(admin, "Expird") }},
		{"ban", func() error { return w.Ban(admin, "ProjectX", UserSelector{ID: "alice"}) }},
		{"unban", func() error { return w.Unban(admin, "ProjectX", UserSelector{ID: "carol"}) }},
		{"createUser", func() error {
			u, err := w.CreateUser(admin, NewUser{Username: "dave", Email: "dave@example.com", Name: "Dave", Password: "x", Active: &yes})
			if u != nil {
				newUser = u.ID
			}
			return err
		}},
		{"createUser without default rooms", func() error {
			_, err := w.CreateUser(admin, NewUser{Username: "erin", Email: "erin@example.com", Name: "Erin", Password: "x", JoinDefaultChannels: &no})
			return err
		}},
		{"createRoom", func() error {
			r, err := w.CreateRoom("bob", Group, NewRoom{Name: "bobs", Members: []string{"carol", "dave"}})
			if r != nil {
				newRoom = r.ID
			}
			return err
		}},
		{"inviteToRoom", func() error {
			_, err := w.InviteToRoom(admin, Channel, RoomSelector{Name: "general"}, UserSelector{Username: "erin"})
			return err
		}},
		{"joinChannel", func() error { _, err := w.JoinChannel("carol", RoomSelector{ID: "GENERAL"}); return err }},
		{"addRoomRole", func() error {
			return w.AddRoomRole("bob", Group, RoomSelector{ID: newRoom}, UserSelector{Username: "carol"}, Moderator)
		}},
		{"removeRoomRole", func() error {
			return w.RemoveRoomRole("bob", Group, RoomSelector{ID: newRoom}, UserSelector{Username: "carol"}, Moderator)
		}},
		{"kick", func() error {
			_, err := w.Kick("bob", Group, RoomSelector{ID: newRoom}, UserSelector{Username: "carol"})
			return err
		}},
		{"leave", func() error { _, err := w.Leave("carol", Channel, RoomSelector{ID: "GENERAL"}); return err }},
		{"createDirectMessage", func() error { _, err := w.CreateDirectMessage("bob", []string{"carol", "dave"}, false); return err }},
		{"deleteUser", func() error { return w.DeleteUser(admin, UserSelector{ID: newUser}) }},
		{"deleteRoom", func() error { return w.DeleteRoom("bob", Group, RoomSelector{ID: newRoom}) }},
		{"logout", func() error { return w.Logout("bob", s.AuthToken) }},
		{"logins beyond the session cap", func() error {
			for range MaxLoginTokens + 5 {
				if _, err := w.Login(Credentials{User: "carol", Password: "rocket.chat"}); err != nil {
					return err
				}
			}
			return nil
		}},
		{"an expired token removed", func() error {
			old, err := w.Login(Credentials{User: "alice", Password: "rocket.chat"})
			if err != nil {
				return err
			}
			w.Clock().Advance(LoginExpiration)
			if _, err := w.Authenticate("alice", old.AuthToken); err == nil {
				t.Error("an expired token authenticated")
			}
			w.Clock().Advance(-LoginExpiration)
			return nil
		}},
		{"setVersion", func() error { return w.SetVersion("8.3.0") }},
		{"useInviteToken by a banned user before 8.4", func() error { _, err := w.UseInviteToken("alice", "Forevr"); return err }},
		{"failed operation", func() error {
			if _, err := w.UseInviteToken("bob", "MaxedX"); err == nil {
				t.Error("MaxedX is used up")
			}
			return nil
		}},
		{"reset", w.Reset},
		{"import", func() error {
			st := w.Export()
			st.Invites = st.Invites[:2]
			st.Version = "8.4.0"
			return w.Import(st)
		}},
	}
	for _, step := range steps {
		if err := step.run(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		sameJSON(t, step.name, rep.state(), w.Export())
	}
	if rep.seq < uint64(len(steps)-3) {
		t.Errorf("%d changesets recorded for %d changing steps", rep.seq, len(steps)-3)
	}
}

// TestALoginRecordsItsTokenAlone: a login or a logout records the token that came or went
// (and the one the session cap drops), never the user with every token it holds, so that its
// cost does not grow with the user's tokens.
func TestALoginRecordsItsTokenAlone(t *testing.T) {
	w := newWorld(t, "")
	_ = w.Export() // built, as a world that has changed before is: its first change is no Replace
	rep := &changes{}
	w.Record(rep)
	var last *Session
	for i := range MaxLoginTokens + 20 {
		rep.got = nil
		sess, err := w.Login(Credentials{User: "bob", Password: "rocket.chat"})
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if i >= MaxLoginTokens {
			want = 2 // the oldest session goes
		}
		rep.check(t, fmt.Sprintf("login %d", i+1), want)
		last = sess
	}
	rep.got = nil
	if err := w.Logout("bob", last.AuthToken); err != nil {
		t.Fatal(err)
	}
	rep.check(t, "logout", 1)
}

// changes is a Recorder that keeps the changes of the changesets it is given.
type changes struct{ got []Change }

func (c *changes) Record(cs Changeset)        { c.got = append(c.got, cs.Changes...) }
func (c *changes) Wait(context.Context) error { return nil }

func (c *changes) WaitFor(context.Context, uint64) error { return nil }

// check fails unless exactly n changes were recorded, each a login token.
func (c *changes) check(t *testing.T, step string, n int) {
	t.Helper()
	if len(c.got) != n {
		t.Fatalf("%s recorded %d changes, want %d", step, len(c.got), n)
	}
	for _, ch := range c.got {
		if ch.Collection != LoginTokens || len(ch.Doc) > 200 {
			t.Fatalf("%s recorded %s %q (%d bytes), want a login token alone", step, ch.Collection, ch.ID, len(ch.Doc))
		}
	}
}

// TestReadsRecordNothing checks that operations that change nothing send no changeset.
func TestReadsRecordNothing(t *testing.T) {
	w := newWorld(t, "")
	rep := newReplica(t, w)
	w.Record(rep)
	w.ValidateInviteToken("PrjXok")
	_, _ = w.ListInvites(admin)
	_, _ = w.RoomInfo("bob", RoomSelector{ID: "GENERAL"})
	_, _ = w.UseInviteToken("carol", "PrjXok") // banned: refused before any write
	_, _ = w.RoomRoles("alice", Group, RoomSelector{ID: "ProjectX"})
	_, _ = w.RoomOf("bob", Channel, RoomSelector{ID: "GENERAL"})
	_, _ = w.UserInfo("bob", UserQuery{UserID: "bob", IncludeUserRooms: true})
	_, _ = w.SubscriptionsSince("bob", "2026-01-01")
	_, _ = w.RoomsSince("bob", "")
	_ = w.AddRoomRole(admin, Group, RoomSelector{ID: "ProjectX"}, UserSelector{ID: "alice"}, Moderator) // already one
	_, _ = w.Leave(admin, Group, RoomSelector{ID: "ProjectX"})                                          // the last owner
	_, _ = w.CreateDirectMessage("bob", []string{"a", "b", "c", "d", "e", "f", "g", "h"}, false)
	_ = w.Export()
	if rep.seq != 0 {
		t.Errorf("reads and refusals recorded %d changesets", rep.seq)
	}
	if err := w.Sync(context.Background()); err != nil {
		t.Errorf("Sync: %v", err)
	}
}

func TestSyncWithoutRecorder(t *testing.T) {
	w := newWorld(t, "")
	if err := w.Sync(context.Background()); err != nil {
		t.Errorf("Sync without a recorder: %v", err)
	}
	if !reflect.DeepEqual(w.Export(), w.Export()) {
		t.Error("Export is not stable")
	}
}

// TestAPendingWorldIsRecordedAsItsFixturesUntilItChanges: a world no operation has changed
// is stored as its fixtures as of an instant (Stored), reads keep it so, and its first change
// records every document; a Reset records the pending form again.
func TestAPendingWorldIsRecordedAsItsFixturesUntilItChanges(t *testing.T) {
	w := newWorld(t, "")
	st := w.Stored()
	if st.Pending == nil || !st.Pending.Equal(start) || len(st.Users) != 0 {
		t.Fatalf("Stored of a new world = pending %v, %d users; want pending at %s, no documents", st.Pending, len(st.Users), start)
	}
	rep := &replica{t: t, colls: map[string]*ordered{}, pending: st.Pending, version: st.Version}
	w.Record(rep)
	w.ValidateInviteToken("PrjXok") // builds the data, changes nothing
	if rep.seq != 0 {
		t.Fatalf("a read of a pending world recorded %d changesets", rep.seq)
	}
	sameJSON(t, "a read", rep.state(), w.Export())
	if _, err := w.UseInviteToken("bob", "PrjXok"); err != nil {
		t.Fatal(err)
	}
	if rep.pending != nil || rep.seq != 1 || len(rep.colls[Users].ids) == 0 {
		t.Fatalf("the first change recorded seq %d, pending %v: want one Replace with every document", rep.seq, rep.pending)
	}
	sameJSON(t, "the first change", rep.state(), w.Export())
	w.Clock().Advance(time.Hour)
	if err := w.Reset(); err != nil {
		t.Fatal(err)
	}
	if rep.pending == nil || !rep.pending.Equal(start.Add(time.Hour)) {
		t.Fatalf("a reset recorded pending %v, want %s", rep.pending, start.Add(time.Hour))
	}
	sameJSON(t, "reset", rep.state(), w.Export())
	if err := w.Rollback(func() (State, Recorder, error) { return State{Pending: &start}, nil, nil }); err != nil {
		t.Fatal(err)
	}
	if got := w.Stored(); got.Pending == nil || !got.Pending.Equal(start) {
		t.Errorf("after a rollback to a pending state, Stored = pending %v, want %s", got.Pending, start)
	}
}
