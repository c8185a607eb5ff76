package statefile_test

import (
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/rcinvite/rcinvite/mockserver/statefile"
	"github.com/rcinvite/rcinvite/mockserver/world"
)

// TestLoginTokensAreDocumentsOfTheirOwn: logins past the session cap, a logout, an expired
// token and a deleted user's tokens all come back in their order, and no user document in
// the file holds its tokens.
func TestLoginTokensAreDocumentsOfTheirOwn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := open(t, path)
	w := newWorld(t)
	stored(t, s, "", w, statefile.Settings{})
	for range world.MaxLoginTokens + 3 {
		must(w.Login(world.Credentials{User: "bob", Password: "rocket.chat"}))(t)
	}
	alice := must(w.Login(world.Credentials{User: "alice", Password: "rocket.chat"}))(t)
	must(w.Login(world.Credentials{User: "alice", Password: "rocket.chat"}))(t)
	if err := w.Logout("alice", alice.AuthToken); err != nil {
		t.Fatal(err)
	}
	old := must(w.Login(world.Credentials{User: "carol", Password: "rocket.chat"}))(t)
	w.Clock().Advance(world.LoginExpiration)
	if _, err := w.Authenticate("carol", old.AuthToken); err == nil {
		t.Fatal("an expired token authenticated")
	}
	dave := must(w.CreateUser(admin, world.NewUser{Username: "dave", Email: "dave@example.com", Name: "Dave", Password: "x"}))(t)
	must(w.Login(world.Credentials{User: "dave", Password: "x"}))(t)
	if err := w.DeleteUser(admin, world.UserSelector{ID: dave.ID}); err != nil {
		t.Fatal(err)
	}
	if err := w.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	got := reread(t, s)
	sameState(t, got[""].State, w.Export())
	boltView(t, path, func(tx *bolt.Tx) {
		wb := tx.Bucket([]byte("worlds")).Bucket([]byte("w:"))
		_ = wb.Bucket([]byte(world.Users)).ForEach(func(k, v []byte) error {
			if strings.Contains(string(v), "loginTokens") {
				t.Errorf("user %s holds its login tokens in the file", k)
			}
			return nil
		})
		n := wb.Bucket([]byte(world.LoginTokens)).Stats().KeyN
		want := 0
		for _, u := range w.Export().Users {
			want += len(u.LoginTokens)
		}
		if n != want {
			t.Errorf("%d login tokens in the file, the world holds %d", n, want)
		}
	})
}

// boltView reads the closed bbolt file at path.
func boltView(t *testing.T, path string, view func(*bolt.Tx)) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *bolt.Tx) error { view(tx); return nil })
}

// writeV1 writes st as the default world of a file of format 1, the layout before login
// tokens were documents of their own: each user document holds its tokens.
func writeV1(t *testing.T, path string, st world.State) {
	t.Helper()
	boltFile(t, path, func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket([]byte("rcmock"))
		_ = meta.Put([]byte("format"), []byte("rcmock-state/1"))
		worlds, _ := tx.CreateBucket([]byte("worlds"))
		b, _ := worlds.CreateBucket([]byte("w:"))
		_ = b.Put([]byte("version"), []byte(st.Version))
		_ = b.Put([]byte("settings"), []byte(`{"createdAt":"2026-05-01T09:00:00Z","latency":0,"fixtures":"default"}`))
		next := uint64(0)
		put := func(coll, id string, v any) {
			docs, _ := b.CreateBucketIfNotExists([]byte(coll))
			raw, _ := json.Marshal(v)
			_ = docs.Put([]byte(id), append(binary.BigEndian.AppendUint64(nil, next), raw...))
			next++
		}
		for _, u := range st.Users {
			put(world.Users, u.ID, u)
		}
		for _, r := range st.Rooms {
			put(world.Rooms, r.ID, r)
		}
		for _, sub := range st.Subscriptions {
			put(world.Subscriptions, sub.ID, sub)
		}
		for _, inv := range st.Invites {
			put(world.Invites, inv.ID, inv)
		}
		return b.Put([]byte("next"), binary.BigEndian.AppendUint64(nil, next))
	})
}

// TestAFileOfFormat1IsMigrated opens a file written in format 1: its users come back with
// their tokens in order (one a user held twice kept once, at its first place), the file is
// format 2 afterwards with the tokens out of the user documents, and it keeps working.
func TestAFileOfFormat1IsMigrated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	w := newWorld(t)
	for range 3 {
		must(w.Login(world.Credentials{User: "bob", Password: "rocket.chat"}))(t)
	}
	want := w.Export()
	v1 := w.Export()
	for i, u := range v1.Users {
		if u.ID == "bob" { // a token held twice, which format 1 could store
			v1.Users[i].LoginTokens = append(v1.Users[i].LoginTokens, u.LoginTokens[0])
		}
	}
	writeV1(t, path, v1)

	s := open(t, path)
	saved, err := s.Worlds()
	if err != nil || len(saved) != 1 {
		t.Fatalf("Worlds() = %d worlds, %v", len(saved), err)
	}
	sameState(t, saved[0].State, want)
	w2 := newWorld(t)
	if err := w2.Import(saved[0].State); err != nil {
		t.Fatalf("the migrated world does not import: %v", err)
	}
	w2.Record(s.Resume(saved[0]))
	bob := must(w2.Login(world.Credentials{User: "bob", Password: "rocket.chat"}))(t)
	if err := w2.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	sameState(t, reread(t, s)[""].State, w2.Export())
	boltView(t, path, func(tx *bolt.Tx) {
		if got := string(tx.Bucket([]byte("rcmock")).Get([]byte("format"))); got != "rcmock-state/2" {
			t.Errorf("format after migration %q", got)
		}
		raw := tx.Bucket([]byte("worlds")).Bucket([]byte("w:")).Bucket([]byte(world.Users)).Get([]byte("bob"))
		if strings.Contains(string(raw), "loginTokens") {
			t.Error("bob's document still holds its tokens")
		}
	})
	if bob.UserID != "bob" {
		t.Errorf("login after migration: %+v", bob)
	}
}

// TestALoginTokenOfNoStoredUserIsCorruption: a token whose key names no user, or a hash other
// than its own, fails the read with an error naming it.
func TestALoginTokenOfNoStoredUserIsCorruption(t *testing.T) {
	for name, key := range map[string]string{"unknown user": "nobody\x00h", "no separator": "bob", "another hash": "bob\x00other"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			s := open(t, path)
			must(s.Create("", statefile.Settings{}, newWorld(t).Export()))(t)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			boltFile(t, path, func(tx *bolt.Tx) error {
				b, err := tx.Bucket([]byte("worlds")).Bucket([]byte("w:")).CreateBucketIfNotExists([]byte(world.LoginTokens))
				if err != nil {
					return err
				}
				return b.Put([]byte(key), []byte("\x00\x00\x00\x00\x00\x00\x01\x00"+`{"hashedToken":"h","when":"2026-05-01T10:00:00.000Z"}`))
			})
			s = open(t, path)
			defer s.Close()
			if _, err := s.Worlds(); err == nil || !strings.Contains(err.Error(), "login token") {
				t.Errorf("Worlds() = %v, want an error naming the login token", err)
			}
		})
	}
}

// TestAnUnchangedWorldIsStoredAsItsFixtures: a world no operation changed is written as its
// fixtures as of an instant, with no documents; reads keep it so, its first change writes
// every document, and a reset makes it pending again.
func TestAnUnchangedWorldIsStoredAsItsFixtures(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := open(t, path)
	w := newWorld(t)
	st := w.Stored()
	log := must(s.Create("sb", statefile.Settings{Fixtures: "default"}, st))(t)
	w.Record(log)
	w.ValidateInviteToken("PrjXok")
	if err := w.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	pendingAt := func(step string) *time.Time {
		t.Helper()
		before := w.Export()
		got := reread(t, s)["sb"]
		if got.State.Pending != nil && len(got.State.Users) > 0 {
			t.Errorf("%s: a pending world read back with %d users", step, len(got.State.Users))
		}
		s = open(t, path) // as a restart does: the world imports what the file holds
		w.Record(nil)
		if err := w.Import(got.State); err != nil {
			t.Fatal(err)
		}
		w.Record(s.Resume(got))
		sameState(t, w.Export(), before)
		return got.State.Pending
	}
	if at := pendingAt("a read"); at == nil || !at.Equal(*st.Pending) {
		t.Fatalf("after a read the file holds pending %v, want %s", at, st.Pending)
	}
	must(w.UseInviteToken("bob", "PrjXok"))(t)
	if err := w.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if at := pendingAt("the first change"); at != nil {
		t.Fatalf("after the first change the file still holds pending %v", at)
	}
	w.Clock().Advance(time.Hour)
	if err := w.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := w.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if at := pendingAt("a reset"); at == nil || !at.Equal(st.Pending.Add(time.Hour)) {
		t.Fatalf("after a reset the file holds pending %v, want %s", at, st.Pending.Add(time.Hour))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	boltView(t, path, func(tx *bolt.Tx) {
		if b := tx.Bucket([]byte("worlds")).Bucket([]byte("w:sb")).Bucket([]byte(world.Users)); b != nil {
			t.Errorf("a pending world keeps %d user documents in the file", b.Stats().KeyN)
		}
	})
}
