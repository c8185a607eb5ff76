package mockserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/rcinvite/rcinvite/mockserver/statefile"
	"github.com/rcinvite/rcinvite/mockserver/world"
)

// WithStateFile keeps every world (the default one and each sandbox, with its emulated
// version, latency and fixtures) in the state file at path, created when missing: a
// changing request is answered only once its change is on disk, and New reads the worlds back
// from the file instead of the fixtures. Without it the server keeps everything in memory.
// Clocks and journals are not kept: after a restart every clock runs in real time again.
// When the file cannot be written (disk full), the change is undone, so the worlds always
// equal the file, and the request answers 500 error-state-not-saved; later changes are tried
// again as usual. Close the Server to close the file.
func WithStateFile(path string) Option {
	return func(c *config) error {
		if path == "" {
			return errors.New("state file: empty path")
		}
		c.stateFile = path
		return nil
	}
}

// Fixture set names a sandbox can start from ("fixtures" of POST and PUT /_mock/sandboxes).
const (
	fixturesDefault = "default"
	fixturesEmpty   = "empty"
)

// openStateFile opens cfg.stateFile and restores its worlds: the default world from the file
// when it holds one (the stored version and latency win over the options), from the fixtures
// otherwise; every stored sandbox as it was. Without a state file it does nothing.
func (s *Server) openStateFile() error {
	if s.cfg.stateFile == "" {
		return nil
	}
	opts := []statefile.Option{statefile.WithRollback(s.rollback), statefile.WithLogger(s.log)}
	if s.cfg.stateFault != nil {
		opts = append(opts, statefile.WithWriteFault(s.cfg.stateFault))
	}
	st, err := statefile.Open(s.cfg.stateFile, opts...)
	if err != nil {
		return err
	}
	saved, err := st.Worlds()
	if err != nil {
		_ = st.Close()
		return err
	}
	s.store = st
	for _, w := range saved {
		if err := s.restore(w); err != nil {
			_ = st.Close()
			return fmt.Errorf("state file %s: world %q: %w", st.Path(), w.ID, err)
		}
	}
	if s.main.saved.Load() == nil {
		set := statefile.Settings{CreatedAt: s.main.createdAt, Latency: s.cfg.latency, Fixtures: fixturesDefault}
		if err := s.storeWorld(s.main, set); err != nil {
			_ = st.Close()
			return err
		}
	}
	if err := st.Wait(context.Background()); err != nil {
		_ = st.Close()
		return err
	}
	return nil
}

// restore rebuilds one stored world: the default one in place, a sandbox as a new one.
func (s *Server) restore(w statefile.Saved) error {
	sb := s.main
	if w.ID != "" {
		o := sandboxOptions{latency: w.Settings.Latency, fixtures: w.Settings.Fixtures}
		if o.fixtures != fixturesEmpty {
			o.fixtures = fixturesDefault
		}
		var err error
		if sb, err = s.newSandbox(w.ID, o); err != nil {
			return err
		}
	}
	if err := sb.world.Import(w.State); err != nil {
		return err
	}
	if err := checkLatency(w.Settings.Latency); err != nil {
		return err
	}
	sb.latency.Store(int64(w.Settings.Latency))
	if !w.Settings.CreatedAt.IsZero() {
		sb.createdAt = w.Settings.CreatedAt
	}
	if world.HasLegacyPasswords(w.State) {
		// A file from before passwords were bcrypt hashes: the world is written back, so that
		// no replayable digest stays on disk.
		if err := s.storeWorld(sb, w.Settings); err != nil {
			return err
		}
	} else {
		log := s.store.Resume(w)
		sb.saved.Store(log)
		sb.world.Record(log)
	}
	if w.ID != "" {
		s.sandboxes[w.ID] = sb
	}
	return nil
}

// storeWorld writes a new world into the state file and records its changes from now on: a
// world no request has changed is written as its fixtures dated at an instant (world.Stored),
// so a new sandbox costs the file a few bytes and stays unbuilt in memory until first used.
// Callers make sure nobody changes the world meanwhile (it is not reachable yet, or s.mu is held).
func (s *Server) storeWorld(sb *sandbox, set statefile.Settings) error {
	log, err := s.store.Create(sb.id, set, sb.world.Stored())
	if err != nil {
		return err
	}
	sb.saved.Store(log)
	sb.world.Record(log)
	return nil
}

// storeSandbox writes a sandbox that openSandbox has just made, with its fixture set's name.
// Callers hold s.mu.
func (s *Server) storeSandbox(sb *sandbox) error {
	if s.store == nil {
		return nil
	}
	set := statefile.Settings{CreatedAt: sb.createdAt, Latency: time.Duration(sb.latency.Load()), Fixtures: sb.fixtures}
	return s.storeWorld(sb, set)
}

// setLatency changes a world's latency and writes it. It holds s.mu, so that a rollback
// (which holds it too) never sees the latency changed but its record not yet queued.
func (s *Server) setLatency(sb *sandbox, d time.Duration) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sb.latency.Store(int64(d))
	if log := sb.saved.Load(); log != nil {
		log.SetLatency(d)
	}
}

// forgetSandbox removes a deleted sandbox from the state file; until that is durable the
// sandbox stays in s.deleting, so that a failed commit can bring it back. Callers hold s.mu.
func (s *Server) forgetSandbox(sb *sandbox) {
	if s.store != nil {
		s.deleting[sb.id] = sb
		sb.saved.Store(s.store.Delete(sb.id))
	}
}

// saved returns a once every change of the world that log records is on disk, or a 500
// error-state-not-saved when it could not be written (the change is undone then).
func (s *Server) saved(r *http.Request, log *statefile.Log, a answer) answer {
	if s.store == nil || log == nil {
		return a
	}
	if err := log.Wait(r.Context()); err != nil {
		return fail(http.StatusInternalServerError, "error-state-not-saved", "state not saved: %v", err)
	}
	return a
}

// rollback is the state file's RollbackFunc: after a failed commit it puts world id back as
// the file holds it. A sandbox whose creation was undone goes; one whose deletion was undone
// comes back; a world's data, version and latency return to the file's. Lock order as
// everywhere: s.mu, then the world's lock (inside Rollback), then the store's (inside reload).
func (s *Server) rollback(id string, reload statefile.Reload) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sb := s.main
	if id != "" {
		if sb = s.sandboxes[id]; sb == nil {
			sb = s.deleting[id]
		}
	}
	if sb == nil { // nothing in memory: only its queued changes go
		_, _, _, _ = reload()
		return
	}
	var saved statefile.Saved
	var present bool
	err := sb.world.Rollback(func() (world.State, world.Recorder, error) {
		w, log, ok, err := reload()
		switch {
		case err != nil:
			return world.State{}, nil, err
		case !ok:
			return world.State{}, nil, errAbsent
		}
		saved, present = w, true
		sb.saved.Store(log)
		return w.State, log, nil
	})
	switch {
	case !present && errors.Is(err, errAbsent) && id != "":
		delete(s.sandboxes, id) // its creation was undone
		delete(s.deleting, id)
		return
	case err != nil:
		s.log.Error("state file: a world could not be put back after a failed commit; it differs from the file until restarted",
			slog.String("sandbox", id), slog.Any("error", err))
		return
	}
	sb.latency.Store(int64(saved.Settings.Latency))
	if id != "" {
		s.sandboxes[id] = sb // its deletion, if any, was undone
		delete(s.deleting, id)
	}
}

// errAbsent tells rollback that the file holds no such world.
var errAbsent = errors.New("not in the state file")

// Close ends the event streams (EndStreams), writes what is still queued to the state file
// and closes it. The server must not serve requests afterwards.
func (s *Server) Close() error {
	s.EndStreams()
	if s.store == nil {
		return nil
	}
	return s.store.Close()
}
