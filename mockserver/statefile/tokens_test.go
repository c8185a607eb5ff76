package statefile_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
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

// openMigrated opens the file at path, written in an earlier format with one world, and
// checks that the world reads back as want; it returns the store and a world that imported
// what was read and records to the file.
func openMigrated(t *testing.T, path string, want world.State) (*statefile.Store, *world.World) {
	t.Helper()
	s := open(t, path)
	saved, err := s.Worlds()
	if err != nil || len(saved) != 1 {
		t.Fatalf("Worlds() = %d worlds, %v", len(saved), err)
	}
	sameState(t, saved[0].State, want)
	w := newWorld(t)
	if err := w.Import(saved[0].State); err != nil {
		t.Fatalf("the migrated world does not import: %v", err)
	}
	w.Record(s.Resume(saved[0]))
	return s, w
}

// writeV1 writes st as the default world of a file of format 1, the layout before login
// tokens were documents of their own: each user document holds its tokens, and documents are
// keyed by id.
func writeV1(t *testing.T, path string, st world.State) { writeLegacy(t, path, "rcmock-state/1", st) }

// writeV2 writes st as the default world of a file of format 2: login tokens are documents of
// their own (keyed <user id>\x00<hash>), and documents are keyed by id.
func writeV2(t *testing.T, path string, st world.State) { writeLegacy(t, path, "rcmock-state/2", st) }

func writeLegacy(t *testing.T, path, format string, st world.State) {
	t.Helper()
	boltFile(t, path, func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket([]byte("rcmock"))
		_ = meta.Put([]byte("format"), []byte(format))
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
		var tokens []world.LoginToken
		var owners []string
		for _, u := range st.Users {
			if format != "rcmock-state/1" {
				for _, tok := range u.LoginTokens {
					tokens, owners = append(tokens, tok), append(owners, u.ID)
				}
				u.LoginTokens = nil
			}
			put(world.Users, u.ID, u)
		}
		for i, tok := range tokens {
			put(world.LoginTokens, world.TokenKey(owners[i], tok.HashedToken), tok)
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
// format 3 afterwards with the tokens out of the user documents, and it keeps working.
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

	s, w2 := openMigrated(t, path, want)
	bob := must(w2.Login(world.Credentials{User: "bob", Password: "rocket.chat"}))(t)
	if err := w2.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	sameState(t, reread(t, s)[""].State, w2.Export())
	boltView(t, path, func(tx *bolt.Tx) {
		if got := string(tx.Bucket([]byte("rcmock")).Get([]byte("format"))); got != "rcmock-state/3" {
			t.Errorf("format after migration %q", got)
		}
		raw := docByID(t, tx.Bucket([]byte("worlds")).Bucket([]byte("w:")).Bucket([]byte(world.Users)), "bob")
		if strings.Contains(string(raw), "loginTokens") {
			t.Error("bob's document still holds its tokens")
		}
	})
	if bob.UserID != "bob" {
		t.Errorf("login after migration: %+v", bob)
	}
}

// docByID is the value of the document with this id in a collection's bucket of format 3
// (keyed by its 8-byte ordinal and its id), or nil. It checks that keys are in that form.
func docByID(t *testing.T, b *bolt.Bucket, id string) []byte {
	t.Helper()
	var found []byte
	_ = b.ForEach(func(k, v []byte) error {
		if len(k) <= 8 || len(v) < 8 || string(k[:8]) != string(v[:8]) {
			t.Errorf("key %q: not the ordinal of its value and an id", k)
		} else if string(k[8:]) == id {
			found = slices.Clone(v)
		}
		return nil
	})
	return found
}

// TestAFileOfFormat2IsMigrated opens a file written in format 2 (documents keyed by id): its
// worlds come back as they were, every document is keyed by its ordinal and id afterwards,
// and it keeps working: a login adds a token, a logout removes one, a rewritten user keeps
// its place.
func TestAFileOfFormat2IsMigrated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	w := newWorld(t)
	bob := must(w.Login(world.Credentials{User: "bob", Password: "rocket.chat"}))(t)
	must(w.Login(world.Credentials{User: "bob", Password: "rocket.chat"}))(t)
	want := w.Export()
	writeV2(t, path, want)

	s, w2 := openMigrated(t, path, want)
	must(w2.Login(world.Credentials{User: "alice", Password: "rocket.chat"}))(t)
	if err := w2.Logout("bob", bob.AuthToken); err != nil {
		t.Fatal(err)
	}
	must(w2.UseInviteToken("bob", "PrjXok"))(t)
	if err := w2.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	sameState(t, reread(t, s)[""].State, w2.Export())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	boltView(t, path, func(tx *bolt.Tx) {
		if got := string(tx.Bucket([]byte("rcmock")).Get([]byte("format"))); got != "rcmock-state/3" {
			t.Errorf("format after migration %q", got)
		}
		wb := tx.Bucket([]byte("worlds")).Bucket([]byte("w:"))
		for _, coll := range []string{world.Users, world.Rooms, world.Subscriptions, world.Invites, world.LoginTokens} {
			if b := wb.Bucket([]byte(coll)); b == nil {
				t.Errorf("no %s bucket", coll)
			} else {
				docByID(t, b, "") // checks every key
			}
		}
		if docByID(t, wb.Bucket([]byte(world.Invites)), "PrjXok") == nil {
			t.Error("the invite PrjXok is not found by its id")
		}
	})
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
				return b.Put([]byte("\x00\x00\x00\x00\x00\x00\x01\x00"+key), []byte("\x00\x00\x00\x00\x00\x00\x01\x00"+`{"hashedToken":"h","when":"2026-05-01T10:00:00.000Z"}`))
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

// TestNewDocumentsAreAppended: a commit of many new documents into a large collection writes
// about as many pages as the documents fill, not a page per document: documents are keyed by
// insertion ordinal first, so new ones go to the end of the tree (keyed by id, as Rocket.Chat's
// random ids, each landed on a page of its own: a commit of 27 channel creations wrote 90
// pages). A rewrite and a deletion of documents stored long before still find them.
func TestNewDocumentsAreAppended(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := open(t, path)
	defer s.Close()
	w := newWorld(t)
	st := w.Export()
	log := must(s.Create("big", statefile.Settings{}, st))(t)
	doc := func(i int) (string, json.RawMessage) {
		id := fmt.Sprintf("%x", sha256.Sum256([]byte(fmt.Sprint(i))))[:17] // spread as random ids are
		raw, _ := json.Marshal(world.Invite{ID: id, Rid: "ProjectX", UserID: "alice", Days: 1, MaxUses: 5})
		return id, raw
	}
	var seq uint64
	commit := func(changes []world.Change) int64 {
		t.Helper()
		before := statefile.PagesWritten(s)
		seq++
		log.Record(world.Changeset{Seq: seq, Changes: changes})
		if err := log.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		return statefile.PagesWritten(s) - before
	}
	const stored, added = 5000, 200
	var first []world.Change
	for i := range stored {
		id, raw := doc(i)
		first = append(first, world.Change{Collection: world.Invites, ID: id, Doc: raw})
	}
	commit(first)
	var next []world.Change
	bytes := 0
	for i := stored; i < stored+added; i++ {
		id, raw := doc(i)
		next = append(next, world.Change{Collection: world.Invites, ID: id, Doc: raw})
		bytes += len(id) + 8 + len(raw) + 16 // key, value, leaf element header
	}
	pages := commit(next)
	fill := int64(bytes/os.Getpagesize()) + 1
	t.Logf("%d new documents (%d pages' worth) into %d: %d pages written", added, fill, stored, pages)
	if pages > 2*fill+8 {
		t.Errorf("a commit of %d new documents wrote %d pages, want at most %d (they fill %d)", added, pages, 2*fill+8, fill)
	}
	oldID, _ := doc(7)
	goneID, _ := doc(11)
	rewritten, _ := json.Marshal(world.Invite{ID: oldID, Rid: "ProjectX", UserID: "alice", Days: 7, MaxUses: 5})
	commit([]world.Change{{Collection: world.Invites, ID: oldID, Doc: rewritten}, {Collection: world.Invites, ID: goneID}})
	got := reread(t, s)["big"].State.Invites
	if len(got) != len(st.Invites)+stored+added-1 {
		t.Fatalf("%d invites read back, want %d", len(got), len(st.Invites)+stored+added-1)
	}
	for i, inv := range got {
		if inv.ID == goneID {
			t.Errorf("the deleted invite %s is read back", goneID)
		}
		if inv.ID == oldID && (inv.Days != 7 || i != len(st.Invites)+7) {
			t.Errorf("the rewritten invite: days %d at place %d, want 7 at place %d (its own)", inv.Days, i, len(st.Invites)+7)
		}
	}
}

// TestTheDocumentIndexIsRebuiltPastItsBudget: with a budget of a few documents, the
// committer's index of stored documents is dropped over and over and rebuilt from the file;
// rewrites and deletions in two worlds still find their documents, and both read back as
// the worlds hold them.
func TestTheDocumentIndexIsRebuiltPastItsBudget(t *testing.T) {
	defer statefile.SetMaxIndexed(5)()
	path := filepath.Join(t.TempDir(), "state.db")
	s := open(t, path)
	defer s.Close()
	worlds := map[string]*world.World{"": newWorld(t), "sb": newWorld(t)}
	for id, w := range worlds {
		stored(t, s, id, w, statefile.Settings{})
	}
	for round := range 3 {
		for id, w := range worlds {
			r := must(w.CreateRoom(admin, world.Channel, world.NewRoom{Name: fmt.Sprintf("r-%s-%d", id, round)}))(t)
			must(w.FindOrCreateInvite("alice", "ProjectX", []int{1, 7, 15}[round], 5))(t)
			must(w.UseInviteToken("bob", "PrjXok"))(t)
			if round > 0 {
				if err := w.DeleteRoom(admin, world.Channel, world.RoomSelector{ID: r.ID}); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Sync(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	got := reread(t, s)
	for id, w := range worlds {
		sameState(t, got[id].State, w.Export())
	}
}

// TestWaitForWaitsForItsOwnCommit: a request waits for the transaction holding its own
// changeset, not for one holding changesets queued after it: while the transaction holding
// changeset 2 is held up, WaitFor(1) returns once changeset 1's transaction has ended, and
// WaitFor(2) and Wait only when 2's has. (World.Sync waited for the world's last batch: on a
// busy world, often the next transaction's.) A batch holding entries without a Seq (the
// world created again) is waited for by every WaitFor.
func TestWaitForWaitsForItsOwnCommit(t *testing.T) {
	entered, release := make(chan struct{}, 4), make(chan struct{}, 4)
	var hold atomic.Bool
	s, err := statefile.Open(filepath.Join(t.TempDir(), "state.db"), statefile.WithWriteFault(func() error {
		if hold.Load() {
			entered <- struct{}{}
			<-release
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	log := must(s.Create("", statefile.Settings{}, newWorld(t).Export()))(t)
	change := func(seq uint64) world.Changeset {
		raw, _ := json.Marshal(world.Invite{ID: fmt.Sprint("inv-", seq), Rid: "ProjectX", UserID: "alice", Days: 1, MaxUses: 5})
		return world.Changeset{Seq: seq, Changes: []world.Change{{Collection: world.Invites, ID: fmt.Sprint("inv-", seq), Doc: raw}}}
	}
	if err := log.Wait(ctx); err != nil { // the world's creation is written: no transaction is under way
		t.Fatal(err)
	}
	hold.Store(true)
	log.Record(change(1))
	<-entered // changeset 1's transaction has begun: changeset 2 goes to the next one
	log.Record(change(2))
	release <- struct{}{}                                     // 1's ends; 2's begins and is held
	bounded, stop := context.WithTimeout(ctx, 10*time.Second) // a failure, not a hang, if WaitFor waits for 2
	defer stop()
	if err := log.WaitFor(bounded, 1); err != nil {
		release <- struct{}{}
		t.Fatalf("WaitFor(1) while changeset 2's transaction is held: %v", err)
	}
	<-entered
	held, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := log.WaitFor(held, 2); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitFor(2) while its transaction is held: %v, want the context's deadline", err)
	}
	if err := log.Wait(held); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait while changeset 2's transaction is held: %v, want the context's deadline", err)
	}
	hold.Store(false)
	release <- struct{}{}
	if err := log.WaitFor(ctx, 2); err != nil {
		t.Fatalf("WaitFor(2): %v", err)
	}

	// The world created again, in the transaction after changeset 3's, then changeset 4: the
	// creation's entries carry no Seq, and a request that saw the new world (its Seq still 3
	// or less) waits for them, not for changeset 3's transaction only.
	hold.Store(true)
	log.Record(change(3))
	<-entered
	again := must(s.Create("", statefile.Settings{}, newWorld(t).Export()))(t)
	again.Record(change(4)) // a numbered changeset after them, in the same transaction
	release <- struct{}{}   // 3's ends; the creation's begins and is held
	<-entered
	held2, cancel2 := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel2()
	if err := again.WaitFor(held2, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitFor(1) while the world's creation is held: %v, want the context's deadline", err)
	}
	hold.Store(false)
	release <- struct{}{}
	if err := again.WaitFor(ctx, 1); err != nil {
		t.Fatalf("WaitFor(1) after the creation: %v", err)
	}
	if n := len(reread(t, s)[""].State.Invites); n != len(newWorld(t).Export().Invites)+1 { // reread closes s
		t.Errorf("%d invites stored after the world was created again, want the fixtures' and 1", n)
	}
}
