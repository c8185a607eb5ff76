package statefile_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/rcinvite/rcinvite/mockserver/statefile"
	"github.com/rcinvite/rcinvite/mockserver/world"
)

// faultyStore is a store whose commits fail while full is set, as on a full disk, and whose
// rollbacks put the worlds of worlds back.
type faultyStore struct {
	*statefile.Store
	full   atomic.Bool
	mu     sync.Mutex
	worlds map[string]*world.World
	logs   bytes.Buffer
}

func openFaulty(t *testing.T, path string) *faultyStore {
	t.Helper()
	f := &faultyStore{worlds: map[string]*world.World{}}
	logger := slog.New(slog.NewTextHandler(&syncWriter{w: &f.logs, mu: &f.mu}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s, err := statefile.Open(path,
		statefile.WithLogger(logger),
		statefile.WithWriteFault(func() error {
			if f.full.Load() {
				return fmt.Errorf("write %s: %w", path, syscall.ENOSPC)
			}
			return nil
		}),
		statefile.WithRollback(func(id string, reload statefile.Reload) {
			f.mu.Lock()
			w := f.worlds[id]
			f.mu.Unlock()
			if err := w.Rollback(func() (world.State, world.Recorder, error) {
				saved, log, ok, err := reload()
				if err == nil && !ok {
					err = errors.New("world gone")
				}
				return saved.State, log, err
			}); err != nil {
				t.Errorf("rollback of world %q: %v", id, err)
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	f.Store = s
	return f
}

func (f *faultyStore) add(t *testing.T, id string, w *world.World) {
	t.Helper()
	f.mu.Lock()
	f.worlds[id] = w
	f.mu.Unlock()
	stored(t, f.Store, id, w, statefile.Settings{})
	if err := w.Sync(ctx); err != nil {
		t.Fatal(err)
	}
}

func (f *faultyStore) log() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.logs.String()
}

type syncWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// TestAFailedCommitIsUndoneAndTheNextOneIsTried pins the disk-full failure: after the first
// failed write every request answered 500 until restart, and the failed change stayed in memory
// but not on disk. Now the change is undone in memory (memory equals the file), the waiter is
// told, and once the disk has room again the same change commits.
func TestAFailedCommitIsUndoneAndTheNextOneIsTried(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openFaulty(t, path)
	w := newWorld(t)
	s.add(t, "", w)

	s.full.Store(true)
	must(w.UseInviteToken("bob", "PrjXok"))(t)
	err := w.Sync(ctx)
	if !errors.Is(err, world.ErrRolledBack) || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), path) {
		t.Fatalf("Sync on a full disk = %v, want an error naming the file and the disk full, wrapping world.ErrRolledBack", err)
	}
	if uses := inviteUses(t, w.Export(), "PrjXok"); uses != 0 {
		t.Errorf("after the failed commit the invite has %d uses in memory, want the file's 0", uses)
	}
	epoch := w.Epoch()
	if !w.ValidateInviteToken("PrjXok") || w.SyncSince(ctx, epoch) != nil {
		t.Error("a read after the failure does not answer, or reports the failure it did not see")
	}
	if n := strings.Count(s.log(), "level=ERROR"); n != 1 {
		t.Errorf("%d error lines after one failed commit, want 1 at once:\n%s", n, s.log())
	}
	must(w.UseInviteToken("alice", "Forevr"))(t) // a second failure is not logged at error level again
	if err := w.Sync(ctx); !errors.Is(err, world.ErrRolledBack) {
		t.Fatalf("second failure: %v", err)
	}
	if n := strings.Count(s.log(), "level=ERROR"); n != 1 {
		t.Errorf("%d error lines after two failed commits in a row, want 1", n)
	}

	s.full.Store(false)
	must(w.UseInviteToken("bob", "PrjXok"))(t)
	if err := w.Sync(ctx); err != nil {
		t.Fatalf("once the disk has room: %v", err)
	}
	if !strings.Contains(s.log(), "state file written again") {
		t.Errorf("no recovery line:\n%s", s.log())
	}
	got := reread(t, s.Store)
	sameState(t, got[""].State, w.Export())
	if uses := inviteUses(t, got[""].State, "PrjXok"); uses != 1 {
		t.Errorf("the file holds %d uses, want 1", uses)
	}
}

// TestChangesQueuedBehindAFailedCommitAreUndoneToo: a change made while a failing commit is
// in flight was made on the state being undone, so it goes too; another world's does not.
func TestChangesQueuedBehindAFailedCommitAreUndoneToo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	started, release := make(chan struct{}), make(chan struct{})
	var hold atomic.Bool
	f := &faultyStore{worlds: map[string]*world.World{}}
	s, err := statefile.Open(path,
		statefile.WithWriteFault(func() error {
			if !hold.Load() {
				return nil
			}
			hold.Store(false)
			close(started)
			<-release
			return syscall.EIO
		}),
		statefile.WithRollback(func(id string, reload statefile.Reload) {
			f.mu.Lock()
			w := f.worlds[id]
			f.mu.Unlock()
			_ = w.Rollback(func() (world.State, world.Recorder, error) {
				saved, log, _, err := reload()
				return saved.State, log, err
			})
		}))
	if err != nil {
		t.Fatal(err)
	}
	f.Store = s
	a, b := newWorld(t), newWorld(t)
	f.add(t, "a", a)
	f.add(t, "b", b)

	hold.Store(true)
	must(a.UseInviteToken("bob", "PrjXok"))(t) // this commit fails, after the next changes queue
	<-started
	must(a.UseInviteToken("alice", "Forevr"))(t) // queued behind it: undone with it
	must(b.UseInviteToken("bob", "PrjXok"))(t)   // another world: written
	close(release)
	if err := a.Sync(ctx); !errors.Is(err, world.ErrRolledBack) {
		t.Errorf("world a: %v, want its queued change undone", err)
	}
	if err := b.Sync(ctx); err != nil {
		t.Errorf("world b: %v, want its change written", err)
	}
	got := reread(t, f.Store)
	sameState(t, got["a"].State, a.Export())
	sameState(t, got["b"].State, b.Export())
	if inviteUses(t, got["a"].State, "PrjXok") != 0 || inviteUses(t, got["b"].State, "PrjXok") != 1 {
		t.Error("the file holds a's undone change, or lacks b's")
	}
}
