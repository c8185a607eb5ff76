// Package statefile keeps the mock's worlds in one embedded, transactional file (bbolt): the
// --state-file of rcmock. Every world (the default one and each sandbox) is stored document by
// document (users with their login-token hashes, rooms, subscriptions, invites) with its
// emulated version and its sandbox settings, so that a restart finds every world as it was.
//
// Writes are group commits: a world hands its changesets to its Log under its own lock (no I/O
// there); one committer goroutine per Store writes everything queued so far in one bbolt
// transaction, which bbolt fsyncs, then wakes the requests waiting on it. A request is answered
// only after Wait returns, so an acknowledged change survives a crash (kill -9, power loss).
//
// What is not kept: each world's clock (a restart runs every clock in real time again) and
// the request journal.
//
// Layout of the file:
//
//	rcmock/format                  "rcmock-state/1"
//	worlds/<key>/version           the emulated version
//	worlds/<key>/settings          Settings as JSON
//	worlds/<key>/next              the next insertion ordinal (8 bytes, big endian)
//	worlds/<key>/<collection>/<id> 8-byte insertion ordinal + the document's JSON
//
// where <key> is "w:" + the world's id (the default world's id is "").
package statefile

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/rcinvite/rcinvite/mockserver/world"
)

// format marks a bbolt file as an rcmock state file of this layout.
const format = "rcmock-state/1"

// ErrClosed is returned by Wait once the store is closed with changes still unwritten.
var ErrClosed = errors.New("state file closed")

// collections are the document collections of a world, in the order a State lists them.
var collections = []string{world.Users, world.Rooms, world.Subscriptions, world.Invites, world.Trash}

var (
	bucketMeta   = []byte("rcmock")
	bucketWorlds = []byte("worlds")
	keyFormat    = []byte("format")
	keyVersion   = []byte("version")
	keySettings  = []byte("settings")
	keyNext      = []byte("next")
)

// Settings are what the mock server keeps of a world besides its data.
type Settings struct {
	CreatedAt time.Time     `json:"createdAt"`
	Latency   time.Duration `json:"latency"`  // slept before each Rocket.Chat API answer
	Fixtures  string        `json:"fixtures"` // the fixtures a reset goes back to: "default" or "empty"
}

// Saved is one world read back from the file.
type Saved struct {
	ID       string // "" for the default world
	Settings Settings
	State    world.State
}

// Store is an open state file. It is safe for concurrent use.
type Store struct {
	db   *bolt.DB
	path string

	mu       sync.Mutex
	wake     sync.Cond     // tells the committer the queue is not empty, or the store closing
	queue    []entry       // written by the next transaction, in order
	enqueued uint64        // entries ever queued
	notify   chan struct{} // closed (and replaced) after each transaction
	failure  error         // the write error that stopped the store; later waits return it
	closing  bool
	logs     map[string]*Log
	done     chan struct{} // closed when the committer has stopped

	durable atomic.Uint64 // entries written and fsynced
}

// entry is one queued write: a changeset, new settings, or the deletion of a world.
type entry struct {
	key      []byte
	cs       *world.Changeset
	settings *Settings
	drop     bool
}

// Open opens the state file at path, creating it when missing, and starts its committer. A
// file that is not an rcmock state file, or is corrupt, is an error; so is a file another
// process holds open.
func Open(path string) (st *Store, err error) {
	defer func() {
		if p := recover(); p != nil { // bbolt panics on some corrupt pages
			st, err = nil, fmt.Errorf("open state file %s: corrupt: %v", path, p)
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:        time.Second,
		NoFreelistSync: true, // rebuilt at open: fewer pages written per commit
		FreelistType:   bolt.FreelistMapType,
	})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("open state file %s: in use by another process", path)
	case err != nil:
		return nil, fmt.Errorf("open state file %s: %w (not a state file, or corrupt)", path, err)
	}
	if err := db.Update(initialise); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	}
	s := &Store{db: db, path: path, notify: make(chan struct{}), logs: map[string]*Log{}, done: make(chan struct{})}
	s.wake.L = &s.mu
	go s.commit()
	return s, nil
}

// initialise marks a new file as a state file, or checks the mark of an existing one.
func initialise(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		foreign := tx.ForEach(func([]byte, *bolt.Bucket) error { return errors.New("") }) != nil
		if foreign {
			return errors.New("a bbolt file, but not an rcmock state file")
		}
		meta, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		if err := meta.Put(keyFormat, []byte(format)); err != nil {
			return err
		}
		_, err = tx.CreateBucket(bucketWorlds)
		return err
	}
	if got := string(meta.Get(keyFormat)); got != format {
		return fmt.Errorf("format %q, want %q", got, format)
	}
	if tx.Bucket(bucketWorlds) == nil {
		return errors.New("corrupt: no worlds bucket")
	}
	return nil
}

// Path returns the file's path.
func (s *Store) Path() string { return s.path }

func worldKey(id string) []byte { return []byte("w:" + id) }

// Worlds reads every stored world: documents in the order they were first written.
func (s *Store) Worlds() (saved []Saved, err error) {
	defer func() {
		if p := recover(); p != nil {
			saved, err = nil, fmt.Errorf("read state file %s: corrupt: %v", s.path, p)
		}
	}()
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketWorlds).ForEachBucket(func(k []byte) error {
			w, err := readWorld(tx.Bucket(bucketWorlds).Bucket(k))
			if err != nil {
				return fmt.Errorf("world %q: %w", k, err)
			}
			if len(k) < 2 || string(k[:2]) != "w:" {
				return fmt.Errorf("world key %q: not w:<id>", k)
			}
			w.ID = string(k[2:])
			saved = append(saved, w)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read state file %s: %w", s.path, err)
	}
	return saved, nil
}

// readWorld decodes one world's bucket.
func readWorld(b *bolt.Bucket) (Saved, error) {
	var w Saved
	w.State.Version = string(b.Get(keyVersion))
	if raw := b.Get(keySettings); raw != nil {
		if err := json.Unmarshal(raw, &w.Settings); err != nil {
			return w, fmt.Errorf("settings: %w", err)
		}
	}
	for _, coll := range collections {
		docs, err := readCollection(b.Bucket([]byte(coll)))
		if err != nil {
			return w, fmt.Errorf("%s: %w", coll, err)
		}
		if err := addDocs(&w.State, coll, docs); err != nil {
			return w, fmt.Errorf("%s: %w", coll, err)
		}
	}
	return w, nil
}

// readCollection returns a collection's documents in insertion order.
func readCollection(b *bolt.Bucket) ([]json.RawMessage, error) {
	if b == nil {
		return nil, nil
	}
	type doc struct {
		ord uint64
		raw json.RawMessage
	}
	var docs []doc
	err := b.ForEach(func(k, v []byte) error {
		if len(v) < 8 || !json.Valid(v[8:]) {
			return fmt.Errorf("document %q: not an ordinal and JSON", k)
		}
		docs = append(docs, doc{binary.BigEndian.Uint64(v), append(json.RawMessage(nil), v[8:]...)})
		return nil
	})
	slices.SortFunc(docs, func(a, b doc) int { return cmp.Compare(a.ord, b.ord) })
	out := make([]json.RawMessage, len(docs))
	for i, d := range docs {
		out[i] = d.raw
	}
	return out, err
}

func (s *Store) logLocked(id string) *Log {
	l := s.logs[id]
	if l == nil {
		l = &Log{s: s, key: worldKey(id)}
		s.logs[id] = l
	}
	return l
}

// Create stores a new world (replacing any world with that id) from its state and settings,
// and returns its Log. Attach the Log to the world (world.Record) before anyone changes it.
func (s *Store) Create(id string, set Settings, st world.State) (*Log, error) {
	cs, err := replaceAll(st)
	if err != nil {
		return nil, fmt.Errorf("store world %q: %w", id, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.logLocked(id)
	l.closed, l.settings = false, set
	s.enqueue(l, entry{key: l.key, drop: true})
	s.enqueue(l, entry{key: l.key, cs: &cs})
	s.enqueue(l, entry{key: l.key, settings: &set})
	return l, nil
}

// replaceAll is a changeset replacing a world's data by st.
func replaceAll(st world.State) (world.Changeset, error) {
	cs := world.Changeset{Replace: true, Version: st.Version}
	var err error
	add := func(coll, id string, v any) {
		b, e := json.Marshal(v)
		err = errors.Join(err, e)
		cs.Changes = append(cs.Changes, world.Change{Collection: coll, ID: id, Doc: b})
	}
	for _, v := range st.Users {
		add(world.Users, v.ID, v)
	}
	for _, v := range st.Rooms {
		add(world.Rooms, v.ID, v)
	}
	for _, v := range st.Subscriptions {
		add(world.Subscriptions, v.ID, v)
	}
	for _, v := range st.Invites {
		add(world.Invites, v.ID, v)
	}
	for _, v := range st.Trash {
		add(world.Trash, v.Key(), v)
	}
	return cs, err
}

// Delete removes world id from the file. Changesets its world records afterwards are dropped.
func (s *Store) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.logLocked(id)
	s.enqueue(l, entry{key: l.key, drop: true})
	l.closed = true
	delete(s.logs, id)
}

// enqueue queues e for the next transaction. Callers hold s.mu. Entries of a deleted world
// are dropped. Once the store is closing or has failed, entries are counted but never written,
// so that waiting for them reports ErrClosed or the failure instead of a false success.
func (s *Store) enqueue(l *Log, e entry) {
	if l.closed {
		return
	}
	s.enqueued++
	l.last = s.enqueued
	if s.closing || s.failure != nil {
		return
	}
	s.queue = append(s.queue, e)
	s.wake.Signal()
}

// Wait returns once everything queued so far is written and fsynced.
func (s *Store) Wait(ctx context.Context) error {
	s.mu.Lock()
	n := s.enqueued
	s.mu.Unlock()
	return s.wait(ctx, n)
}

// wait returns once the first n queued entries are durable.
func (s *Store) wait(ctx context.Context, n uint64) error {
	for {
		if s.durable.Load() >= n {
			return nil
		}
		s.mu.Lock()
		ch, failure, closed := s.notify, s.failure, s.closing
		s.mu.Unlock()
		switch {
		case s.durable.Load() >= n:
			return nil
		case failure != nil:
			return failure
		case closed && ch == nil: // the committer has stopped
			return ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// commit is the committer: it writes the queue in one transaction per round until the store
// closes and the queue is empty.
func (s *Store) commit() {
	defer close(s.done)
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.closing {
			s.wake.Wait()
		}
		batch, upto := s.queue, s.enqueued
		s.queue = nil
		if len(batch) == 0 { // closing with nothing left
			close(s.notify)
			s.notify = nil
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		err := s.db.Update(func(tx *bolt.Tx) error {
			for _, e := range batch {
				if err := apply(tx, e); err != nil {
					return err
				}
			}
			return nil
		})
		s.mu.Lock()
		if err != nil {
			s.failure = fmt.Errorf("write state file %s: %w", s.path, err)
			s.queue = nil
		} else {
			s.durable.Store(upto)
		}
		close(s.notify)
		s.notify = make(chan struct{})
		s.mu.Unlock()
	}
}

// Close writes what is queued, stops the committer and closes the file.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		<-s.done
		return nil
	}
	s.closing = true
	s.wake.Signal()
	s.mu.Unlock()
	<-s.done
	err := s.db.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.failure, err)
}

// Log is the record of one world in the file: a world.Recorder.
type Log struct {
	s        *Store
	key      []byte
	last     uint64   // the store entry number of this world's last queued entry (s.mu)
	closed   bool     // the world was deleted: later changesets are dropped (s.mu)
	settings Settings // (s.mu)
}

var _ world.Recorder = (*Log)(nil)

// Record queues a changeset; it does no I/O.
func (l *Log) Record(cs world.Changeset) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	l.s.enqueue(l, entry{key: l.key, cs: &cs})
}

// Wait returns once every changeset and setting of this world queued so far is durable.
func (l *Log) Wait(ctx context.Context) error {
	l.s.mu.Lock()
	n := l.last
	l.s.mu.Unlock()
	return l.s.wait(ctx, n)
}

// SetLatency stores a new latency in the world's settings.
func (l *Log) SetLatency(d time.Duration) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	l.settings.Latency = d
	set := l.settings
	l.s.enqueue(l, entry{key: l.key, settings: &set})
}

// Resume returns the Log of a world read back by Worlds, knowing its settings.
func (s *Store) Resume(w Saved) *Log {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.logLocked(w.ID)
	l.settings = w.Settings
	return l
}
