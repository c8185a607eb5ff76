package mockserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/rcinvite/rcinvite/mockserver/statefile"
)

// WithStateFile keeps every world (the default one and each sandbox, with its emulated
// version, latency and fixtures) in the state file at path, created when missing: a
// changing request is answered only once its change is on disk, and New reads the worlds back
// from the file instead of the fixtures. Without it the server keeps everything in memory.
// Clocks and journals are not kept: after a restart every clock runs in real time again.
// Close the Server to close the file.
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
	st, err := statefile.Open(s.cfg.stateFile)
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
	if s.main.saved == nil {
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
	sb.saved = s.store.Resume(w)
	sb.world.Record(sb.saved)
	if w.ID != "" {
		s.sandboxes[w.ID] = sb
	}
	return nil
}

// storeWorld writes a new world into the state file and records its changes from now on.
// Callers make sure nobody changes the world meanwhile (it is not reachable yet, or s.mu is held).
func (s *Server) storeWorld(sb *sandbox, set statefile.Settings) error {
	log, err := s.store.Create(sb.id, set, sb.world.Export())
	if err != nil {
		return err
	}
	sb.saved = log
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

// storeLatency writes a world's new latency.
func (s *Server) storeLatency(sb *sandbox) {
	if sb.saved != nil {
		sb.saved.SetLatency(time.Duration(sb.latency.Load()))
	}
}

// forgetSandbox removes a deleted sandbox from the state file. Callers hold s.mu.
func (s *Server) forgetSandbox(id string) {
	if s.store != nil {
		s.store.Delete(id)
	}
}

// saved returns a once every change made so far is on disk, or a 500 error-state-not-saved
// when the state file cannot be written.
func (s *Server) saved(r *http.Request, a answer) answer {
	if s.store == nil {
		return a
	}
	if err := s.store.Wait(r.Context()); err != nil {
		return fail(http.StatusInternalServerError, "error-state-not-saved", "%v", err)
	}
	return a
}

// Close ends the event streams (EndStreams), writes what is still queued to the state file
// and closes it. The server must not serve requests afterwards.
func (s *Server) Close() error {
	s.EndStreams()
	if s.store == nil {
		return nil
	}
	return s.store.Close()
}
