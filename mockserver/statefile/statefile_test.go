package statefile_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/rcinvite/rcinvite/mockserver/statefile"
	"github.com/rcinvite/rcinvite/mockserver/world"
)

const admin = "rocketchat.internal.admin.test"

var ctx = context.Background()

func open(t *testing.T, path string) *statefile.Store {
	t.Helper()
	s, err := statefile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newWorld is the default world on a frozen clock with a seeded random source.
func newWorld(t *testing.T) *world.World {
	t.Helper()
	c := world.NewClock()
	c.Freeze(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC))
	w, err := world.New(world.Options{Clock: c, Random: rand.NewChaCha8([32]byte{7})})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// stored creates world w under id in s and makes it record there.
func stored(t *testing.T, s *statefile.Store, id string, w *world.World, set statefile.Settings) *statefile.Log {
	t.Helper()
	log, err := s.Create(id, set, w.Export())
	if err != nil {
		t.Fatal(err)
	}
	w.Record(log)
	return log
}

// reread closes s, opens its file again and returns the worlds it holds by id.
func reread(t *testing.T, s *statefile.Store) map[string]statefile.Saved {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	s2 := open(t, s.Path())
	defer s2.Close()
	saved, err := s2.Worlds()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]statefile.Saved{}
	for _, w := range saved {
		out[w.ID] = w
	}
	return out
}

func sameState(t *testing.T, got, want world.State) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("stored state\n%s\nwant\n%s", g, w)
	}
}

// must fails the test on err, else returns v: must(w.Login(…))(t).
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// TestRoundTrip changes a world in every way and reads it back, documents in their order.
func TestRoundTrip(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "state.db"))
	w := newWorld(t)
	created := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	stored(t, s, "", w, statefile.Settings{CreatedAt: created, Latency: 5 * time.Millisecond, Fixtures: "default"})
	must(w.Login(world.Credentials{User: "bob", Password: "rocket.chat"}))(t)
	must(w.UseInviteToken("bob", "PrjXok"))(t)
	must(w.FindOrCreateInvite(admin, "GENERAL", 7, 5))(t)
	must(w.CreateUser(admin, world.NewUser{Username: "dave", Email: "dave@example.com", Name: "Dave", Password: "x"}))(t)
	room := must(w.CreateRoom("bob", world.Group, world.NewRoom{Name: "bobs", Members: []string{"carol"}}))(t)
	if err := w.RemoveInvite(admin, "Expird"); err != nil {
		t.Fatal(err)
	}
	if err := w.DeleteRoom("bob", world.Group, world.RoomSelector{ID: room.ID}); err != nil {
		t.Fatal(err)
	}
	// A removed role leaves `roles: []`, which the file must keep apart from no key.
	if err := w.RemoveRoomRole(admin, world.Group, world.RoomSelector{ID: "ProjectX"}, world.UserSelector{ID: "alice"}, world.Moderator); err != nil {
		t.Fatal(err)
	}
	if err := w.Ban(admin, "ProjectX", world.UserSelector{ID: "alice"}); err != nil {
		t.Fatal(err)
	}
	if err := w.SetVersion("8.3.0"); err != nil {
		t.Fatal(err)
	}
	if err := w.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	got := reread(t, s)
	if len(got) != 1 {
		t.Fatalf("%d worlds stored, want 1", len(got))
	}
	sameState(t, got[""].State, w.Export())
	if len(got[""].State.Trash) == 0 {
		t.Error("the deleted room's trash entries were not stored")
	}
	want := statefile.Settings{CreatedAt: created, Latency: 5 * time.Millisecond, Fixtures: "default"}
	if got[""].Settings != want {
		t.Errorf("settings %+v, want %+v", got[""].Settings, want)
	}
	if got[""].State.Version != "8.3.0" {
		t.Errorf("version %q, want 8.3.0", got[""].State.Version)
	}
}

// TestDeletes checks that deleted documents and deleted worlds are gone from the file, and
// that a deleted world's later changes do not bring it back.
func TestDeletes(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "state.db"))
	main, sandbox := newWorld(t), newWorld(t)
	stored(t, s, "", main, statefile.Settings{Fixtures: "default"})
	stored(t, s, "sb-1", sandbox, statefile.Settings{Fixtures: "empty"})
	if err := main.RemoveInvite(admin, "PrjXok"); err != nil {
		t.Fatal(err)
	}
	if err := main.DeleteUser(admin, world.UserSelector{ID: "carol"}); err != nil {
		t.Fatal(err)
	}
	s.Delete("sb-1")
	must(sandbox.UseInviteToken("bob", "PrjXok"))(t) // after its deletion: dropped
	if err := s.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	got := reread(t, s)
	if _, ok := got["sb-1"]; ok || len(got) != 1 {
		t.Fatalf("worlds after deleting sb-1: %v", keys(got))
	}
	st := got[""].State
	for _, inv := range st.Invites {
		if inv.ID == "PrjXok" {
			t.Error("removed invite PrjXok still stored")
		}
	}
	for _, sub := range st.Subscriptions {
		if sub.U.ID == "carol" {
			t.Errorf("deleted user's subscription %s still stored", sub.ID)
		}
	}
	sameState(t, st, main.Export())
}

func keys(m map[string]statefile.Saved) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestConcurrentUsesEndWithTheLastValue redeems one invite from many goroutines, each waiting
// for its change as a request would: the stored invite ends with the final count.
func TestConcurrentUsesEndWithTheLastValue(t *testing.T) {
	const users = 200
	s := open(t, filepath.Join(t.TempDir(), "state.db"))
	w := newWorld(t)
	st := w.Export()
	for i := range users {
		st.Users = append(st.Users, world.User{ID: fmt.Sprintf("u%d", i), Username: fmt.Sprintf("u%d", i), Roles: []string{"user"}, Active: true, Type: "user"})
	}
	if err := w.Import(st); err != nil {
		t.Fatal(err)
	}
	stored(t, s, "", w, statefile.Settings{})
	var wg sync.WaitGroup
	errs := make(chan error, users)
	for g := range 16 {
		wg.Go(func() {
			for i := g; i < users; i += 16 {
				_, err := w.UseInviteToken(fmt.Sprintf("u%d", i), "Forevr")
				if err == nil {
					err = w.Sync(ctx)
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := reread(t, s)[""].State
	for _, inv := range got.Invites {
		if inv.ID == "Forevr" && inv.Uses != users {
			t.Errorf("stored Forevr uses %d, want %d", inv.Uses, users)
		}
	}
	sameState(t, got, w.Export())
}

// orderedWriter serialises Record calls, as a world's lock does.
type orderedWriter struct {
	mu  sync.Mutex
	seq uint64
	log *statefile.Log
}

func (o *orderedWriter) write(uses int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seq++
	doc, _ := json.Marshal(world.Invite{ID: "inv", Rid: "r", Uses: uses})
	o.log.Record(world.Changeset{Seq: o.seq, Changes: []world.Change{{Collection: world.Invites, ID: "inv", Doc: doc}}})
}

// TestRecordOrderIsKept writes one document from many goroutines: the file holds the value
// of the last changeset recorded.
func TestRecordOrderIsKept(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "state.db"))
	o := &orderedWriter{log: must(s.Create("x", statefile.Settings{}, world.State{Version: "8.4.0"}))(t)}
	var wg sync.WaitGroup
	var last sync.Mutex
	lastUses := 0
	for g := range 32 {
		wg.Go(func() {
			for i := range 50 {
				uses := g*1000 + i
				last.Lock() // record and remember in one step, so lastUses is the last recorded value
				o.write(uses)
				lastUses = uses
				last.Unlock()
				if err := o.log.Wait(ctx); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got := reread(t, s)["x"].State
	if len(got.Invites) != 1 || got.Invites[0].Uses != lastUses {
		t.Errorf("stored invites %+v, want one with uses %d", got.Invites, lastUses)
	}
}

func TestSettingsAreKept(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "state.db"))
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	log := must(s.Create("sb-a", statefile.Settings{CreatedAt: at, Fixtures: "empty"}, world.State{Version: "8.3.0"}))(t)
	log.SetLatency(250 * time.Millisecond)
	if err := log.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	got := reread(t, s)["sb-a"]
	want := statefile.Settings{CreatedAt: at, Latency: 250 * time.Millisecond, Fixtures: "empty"}
	if !got.Settings.CreatedAt.Equal(at) || got.Settings.Latency != want.Latency || got.Settings.Fixtures != want.Fixtures {
		t.Errorf("settings %+v, want %+v", got.Settings, want)
	}
	if got.State.Version != "8.3.0" {
		t.Errorf("version %q, want 8.3.0", got.State.Version)
	}
}

func TestNewAndEmptyFilesHoldNoWorlds(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "new.db"), empty} {
		s := open(t, path)
		saved, err := s.Worlds()
		if err != nil || len(saved) != 0 {
			t.Errorf("%s: worlds %v, %v; want none", path, saved, err)
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}
}

// TestBadFilesFailWithAClearError covers garbage, a foreign bbolt file and a corrupt document.
func TestBadFilesFailWithAClearError(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "foreign.db")
	boltFile(t, foreign, func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("other"))
		return err
	})
	badDoc := filepath.Join(dir, "baddoc.db")
	s := open(t, badDoc)
	must(s.Create("", statefile.Settings{}, newWorld(t).Export()))(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var firstInvite string
	boltFile(t, badDoc, func(tx *bolt.Tx) error {
		invites := tx.Bucket([]byte("worlds")).Bucket([]byte("w:")).Bucket([]byte("invites"))
		k, v := invites.Cursor().First() // its key: 8-byte ordinal + id
		firstInvite = string(k[8:])
		return invites.Put(k, append(slices.Clone(v[:8]), "{not json"...))
	})
	for _, c := range []struct{ path, want string }{
		{garbage, "not a state file (not a bbolt database)"},
		{foreign, "not an rcmock state file"},
	} {
		if _, err := statefile.Open(c.path); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) {
			t.Errorf("Open(%s) = %v, want an error naming the file and %q", filepath.Base(c.path), err, c.want)
		}
	}
	s = open(t, badDoc)
	defer s.Close()
	if _, err := s.Worlds(); err == nil || !strings.Contains(err.Error(), fmt.Sprintf(`document %q: not JSON`, firstInvite)) {
		t.Errorf("Worlds() with a corrupt document = %v, want an error naming it", err)
	}
}

func boltFile(t *testing.T, path string, update func(*bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(update); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFileInUseIsRefused(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "state.db"))
	defer s.Close()
	if _, err := statefile.Open(s.Path()); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second Open = %v, want an in-use error", err)
	}
}

// TestWaitAfterCloseFails: a change recorded after Close is never acknowledged as durable.
func TestWaitAfterCloseFails(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "state.db"))
	w := newWorld(t)
	stored(t, s, "", w, statefile.Settings{})
	if err := w.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	must(w.UseInviteToken("bob", "PrjXok"))(t)
	if err := w.Sync(ctx); !errors.Is(err, statefile.ErrClosed) {
		t.Errorf("Sync after Close = %v, want ErrClosed", err)
	}
}

// TestLoginTokensAreStoredHashed: the file holds the hash of a login token, never the token.
func TestLoginTokensAreStoredHashed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := open(t, path)
	w := newWorld(t)
	stored(t, s, "", w, statefile.Settings{})
	sess := must(w.Login(world.Credentials{User: "bob", Password: "rocket.chat"}))(t)
	if err := w.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(sess.AuthToken))
	if strings.Contains(string(raw), sess.AuthToken) {
		t.Error("the file holds a plain login token")
	}
	if !strings.Contains(string(raw), base64.StdEncoding.EncodeToString(sum[:])) {
		t.Error("the file lacks the login token's hash")
	}
}

func TestAnExistingFileReadableByOthersIsTightened(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := open(t, path)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	s = open(t, path)
	defer s.Close()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("mode %#o after Open, want 0600", perm)
	}
}

// TestOpenErrorsNameTheirCause pins the vague error: a permission error read "not a state
// file, or corrupt". Each failure now names its cause. (Permission and disk-full errors cannot
// be made for real when the tests run as root, which reads any file: their mapping is checked.)
func TestOpenErrorsNameTheirCause(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := statefile.Open(filepath.Join(notDir, "state.db")); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Open under a file = %v, want the system's reason", err)
	}
	if _, err := statefile.Open(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Open of a directory = %v, want not a regular file", err)
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{&fs.PathError{Op: "open", Path: "x", Err: syscall.EACCES}, "permission denied"},
		{fmt.Errorf("write: %w", syscall.ENOSPC), "disk full"},
		{fmt.Errorf("write: %w", syscall.EDQUOT), "disk full"},
		{fmt.Errorf("write: %w", syscall.EROFS), "read-only file system"},
		{berrors.ErrTimeout, "in use by another process"},
		{berrors.ErrChecksum, "not a state file, or corrupt"},
	} {
		if got := statefile.Cause(c.err); !strings.Contains(got, c.want) {
			t.Errorf("cause of %v = %q, want %q", c.err, got, c.want)
		}
	}
}
