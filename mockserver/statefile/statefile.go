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
// A transaction that fails (disk full, I/O error) leaves the file at its last commit, and its
// changes are undone in memory too: for each world it touched, the store drops that world's
// changes still queued and hands what the file holds to the owner's RollbackFunc, which puts
// the world back (WithRollback). Its waiters get an error wrapping world.ErrRolledBack. Nothing
// sticks: the next transaction is tried as usual, so writes succeed again once the disk has
// room. The first failure of a run is logged at error level at once, the recovery at info.
//
// A file is checked before bbolt opens it (checkFile): a corrupt one is an error, never a panic.
//
// What is not kept: each world's clock (a restart runs every clock in real time again) and
// the request journal.
//
// Layout of the file:
//
//	rcmock/format                           "rcmock-state/2"
//	worlds/<key>/version                    the emulated version
//	worlds/<key>/settings                   Settings as JSON
//	worlds/<key>/next                       the next insertion ordinal (8 bytes, big endian)
//	worlds/<key>/pending                    when set, the world holds no documents: it is its
//	                                        fixtures dated at this instant (RFC 3339, ns)
//	worlds/<key>/<collection>/<ord><id>     <ord> + the document's JSON, <ord> its 8-byte insertion
//	                                        ordinal (big endian)
//	worlds/<key>/loginTokens/<ord><uid>\x00<hash> <ord> + the login token's JSON
//
// A world no request has changed (a new sandbox, a reset one) is stored as pending: a few
// bytes instead of every fixture document; its first change writes them all. After a restart
// it is built from the fixtures rcmock then runs with (the set of its name, default or
// empty), dated at that instant.
//
// where <key> is "w:" + the world's id (the default world's id is ""), and a user's document
// leaves its login tokens out: they are documents of their own, so that a login or a logout
// writes one small document, not the user with every token it holds. Reading a world puts
// each user's tokens back in the order they were written.
//
// Documents are keyed by their insertion ordinal first, so that new documents are appended
// at the end of their collection's B+tree: a commit of many new documents writes a few pages,
// where id keys (random, as Rocket.Chat's ids are) put each one on a page of its own (format
// 2: 90 pages per commit of 27 channel creations, against 17). Finding a stored document's key
// by its id takes an index, kept in memory by the committer (ordIndex), built from a world's
// keys the first time a run writes to it and dropped whenever a transaction fails.
//
// A file of an earlier format is migrated when opened, in one transaction: format 1
// (rcmock-state/1, where each user document held its tokens) has its tokens moved out of the
// user documents, and formats 1 and 2 (rcmock-state/2, documents keyed by id) have their
// documents keyed by ordinal and id.
package statefile

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/rcinvite/rcinvite/mockserver/world"
)

// format marks a bbolt file as an rcmock state file of this layout; formatV1 is the layout
// before login tokens were documents of their own, formatV2 the one before documents were
// keyed by ordinal: Open migrates both.
const (
	format   = "rcmock-state/3"
	formatV2 = "rcmock-state/2"
	formatV1 = "rcmock-state/1"
)

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
	keyPending   = []byte("pending")
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

// Reload is what a RollbackFunc gets for one world: called with the world's lock held (so that
// the world records nothing meanwhile), it drops the world's changes still queued (they were
// made on the state being undone) and returns what the file holds for the world with the Log
// to record to from now on, or ok false when the file holds no such world (its creation was
// undone).
type Reload func() (saved Saved, log *Log, ok bool, err error)

// RollbackFunc puts world id back as the file holds it after a commit failed, through reload.
// It is called from the committer, without the store's lock, once per world the failed
// transaction touched, before the failure is reported to anyone waiting.
type RollbackFunc func(id string, reload Reload)

// Option configures a Store.
type Option func(*Store)

// WithRollback sets the function that puts worlds back after a failed commit. Without it a
// failed commit is still reported to its waiters, but the worlds keep the undone changes in
// memory.
func WithRollback(f RollbackFunc) Option { return func(s *Store) { s.rollback = f } }

// WithLogger sends the store's failures and recoveries to l (the first failed commit of a run
// at error level, at once; the first success after it at info). Without it the store logs nothing.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// WithWriteFault makes every transaction call fault first and fail with its error, if any: a
// seam for tests of a full or failing disk where none can be made.
func WithWriteFault(fault func() error) Option { return func(s *Store) { s.fault = fault } }

// Store is an open state file. It is safe for concurrent use.
type Store struct {
	db       *bolt.DB
	path     string
	rollback RollbackFunc
	log      *slog.Logger
	fault    func() error

	mu       sync.Mutex
	wake     sync.Cond // tells the committer the queue is not empty, or the store closing
	queue    []*entry  // written by the next transaction, in order
	pending  *batch    // the batch entries queued now belong to
	last     *batch    // the batch of the last entry queued, or nil
	closing  bool
	logs     map[string]*Log
	done     chan struct{} // closed when the committer has stopped
	failures int           // failed commits in a row (committer only)
	ords     ordIndex      // where documents are stored (committer only)
	lastErr  error         // the last commit's error (committer; read by Close after it stopped)
}

// entry is one queued write: a changeset, new settings, or the deletion of a world.
type entry struct {
	key      []byte
	cs       *world.Changeset
	settings *Settings
	drop     bool
	b        *batch
	undone   bool // dropped by a rollback before it was written (s.mu)
}

// batch is what the entries queued between two transactions wait on. Entries of one world
// dropped by a rollback mark it for that world.
type batch struct {
	done   chan struct{} // closed once the transaction holding the batch has ended
	err    error         // the transaction's error, set before done is closed
	undone map[string]error
}

func newBatch() *batch { return &batch{done: make(chan struct{})} }

// result is the outcome for the world with key (a nil key: for every world), once done.
func (b *batch) result(key []byte) error {
	if b.err != nil {
		return b.err
	}
	if key != nil {
		return b.undone[string(key)]
	}
	return nil
}

// Open opens the state file at path, creating it when missing (mode 0600), and starts its
// committer. An existing file readable by others is tightened to 0600. Errors name the file
// and their cause: permission denied, disk full, in use by another process, not a state file,
// or corrupt (checked before bbolt reads it, so that no corruption can crash the process).
func Open(path string, opts ...Option) (st *Store, err error) {
	defer func() {
		if p := recover(); p != nil { // bbolt panics on some corrupt pages that checkFile lets pass
			st, err = nil, fmt.Errorf("open state file %s: corrupt: %v", path, p)
		}
	}()
	if err := checkExisting(path); err != nil {
		return nil, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:        time.Second,
		NoFreelistSync: true, // rebuilt at open: fewer pages written per commit
		FreelistType:   bolt.FreelistMapType,
	})
	if err != nil {
		return nil, fmt.Errorf("open state file %s: %s", path, cause(err))
	}
	if err := db.Update(initialise); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open state file %s: %s", path, cause(err))
	}
	s := &Store{db: db, path: path, pending: newBatch(), logs: map[string]*Log{}, done: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	s.wake.L = &s.mu
	go s.commit()
	return s, nil
}

// checkExisting checks an existing, non-empty file before bbolt opens it: its mode (tightened
// to 0600 when others may read it) and its pages (checkFile). A missing or empty file is new.
func checkExisting(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open state file %s: %s", path, cause(err))
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open state file %s: %s", path, cause(err))
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("open state file %s: not a regular file", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		if err := os.Chmod(path, perm&0o700); err != nil {
			return fmt.Errorf("open state file %s: mode %#o lets other users read it and cannot be tightened to 0600: %s", path, perm, cause(err))
		}
	}
	if info.Size() == 0 {
		return nil
	}
	if err := checkFile(f); err != nil {
		if errors.Is(err, errNotBolt) {
			return fmt.Errorf("open state file %s: not a state file (not a bbolt database)", path)
		}
		return fmt.Errorf("open state file %s: corrupt: %v", path, err)
	}
	return nil
}

// cause names what an error from opening or writing the file means to the person running rcmock.
func cause(err error) string {
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return "in use by another process (another rcmock holds its lock)"
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("permission denied (%v)", err)
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT), errors.Is(err, syscall.EFBIG):
		return fmt.Sprintf("disk full (%v)", err)
	case errors.Is(err, syscall.EROFS):
		return fmt.Sprintf("read-only file system (%v)", err)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
		return fmt.Sprintf("not a state file, or corrupt (%v)", err)
	}
	return err.Error()
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
	if tx.Bucket(bucketWorlds) == nil {
		return errors.New("corrupt: no worlds bucket")
	}
	switch got := string(meta.Get(keyFormat)); got {
	case format:
		return nil
	case formatV1:
		return migrate(tx, formatV1)
	case formatV2:
		return migrate(tx, formatV2)
	default:
		return fmt.Errorf("format %q, want %q", got, format)
	}
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

// readOne reads the world with key from the file; ok is false when the file holds none.
func (s *Store) readOne(key []byte) (w Saved, ok bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("read state file %s: corrupt: %v", s.path, p)
		}
	}()
	err = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketWorlds).Bucket(key)
		if b == nil {
			return nil
		}
		ok = true
		w, err = readWorld(b)
		w.ID = string(key[2:])
		return err
	})
	return w, ok, err
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
	if raw := b.Get(keyPending); raw != nil {
		at, err := time.Parse(time.RFC3339Nano, string(raw))
		if err != nil {
			return w, fmt.Errorf("pending: %w", err)
		}
		w.State.Pending = &at
		return w, nil
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
	tokens, err := readCollection(b.Bucket([]byte(world.LoginTokens)))
	if err != nil {
		return w, fmt.Errorf("%s: %w", world.LoginTokens, err)
	}
	if err := addTokens(&w.State, tokens); err != nil {
		return w, fmt.Errorf("%s: %w", world.LoginTokens, err)
	}
	return w, nil
}

// stored is one document read from a collection's bucket: its id (the key without its
// ordinal), its insertion ordinal and its JSON.
type stored struct {
	key []byte
	ord uint64
	raw json.RawMessage
}

// readCollection returns a collection's documents in insertion order.
func readCollection(b *bolt.Bucket) ([]stored, error) {
	if b == nil {
		return nil, nil
	}
	type doc struct {
		ord uint64
		stored
	}
	var docs []doc
	err := b.ForEach(func(k, v []byte) error {
		if len(k) <= 8 || len(v) < 8 || !bytes.Equal(k[:8], v[:8]) {
			return fmt.Errorf("document key %q: not its ordinal and an id", k)
		}
		if !json.Valid(v[8:]) {
			return fmt.Errorf("document %q: not JSON", k[8:])
		}
		ord := binary.BigEndian.Uint64(v)
		docs = append(docs, doc{ord, stored{slices.Clone(k[8:]), ord, append(json.RawMessage(nil), v[8:]...)}})
		return nil
	})
	slices.SortFunc(docs, func(a, b doc) int { return cmp.Compare(a.ord, b.ord) })
	out := make([]stored, len(docs))
	for i, d := range docs {
		out[i] = d.stored
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
	s.enqueue(l, &entry{key: l.key, drop: true})
	s.enqueue(l, &entry{key: l.key, cs: &cs})
	s.enqueue(l, &entry{key: l.key, settings: &set})
	return l, nil
}

// replaceAll is a changeset replacing a world's data by st.
func replaceAll(st world.State) (world.Changeset, error) {
	cs := world.Changeset{Replace: true, Version: st.Version, Pending: st.Pending}
	if st.Pending != nil {
		return cs, nil
	}
	var err error
	add := func(coll, id string, v any) {
		b, e := json.Marshal(v)
		err = errors.Join(err, e)
		cs.Changes = append(cs.Changes, world.Change{Collection: coll, ID: id, Doc: b})
	}
	for _, v := range st.Users {
		tokens := v.LoginTokens
		v.LoginTokens = nil
		add(world.Users, v.ID, v)
		for _, t := range tokens {
			add(world.LoginTokens, world.TokenKey(v.ID, t.HashedToken), t)
		}
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

// Delete removes world id from the file and returns its Log, whose Wait reports when the
// deletion is durable. Changesets its world records afterwards are dropped.
func (s *Store) Delete(id string) *Log {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.logLocked(id)
	s.enqueue(l, &entry{key: l.key, drop: true})
	l.closed = true
	delete(s.logs, id)
	return l
}

// closedBatch is what entries queued after Close wait on: they are never written.
var closedBatch = func() *batch {
	b := &batch{done: make(chan struct{}), err: ErrClosed}
	close(b.done)
	return b
}()

// enqueue queues e for the next transaction. Callers hold s.mu. Entries of a deleted world
// are dropped. Once the store is closing, entries are never written, so that waiting for them
// reports ErrClosed instead of a false success.
func (s *Store) enqueue(l *Log, e *entry) {
	if l.closed {
		return
	}
	if s.closing {
		l.last, l.prev, l.lastFrom = closedBatch, nil, 0
		return
	}
	if l.last != s.pending { // the world's first entry of this batch
		l.prev, l.lastFrom = l.last, math.MaxUint64
	}
	seq := uint64(0) // an entry without a Seq: any changeset may depend on it
	if e.cs != nil {
		seq = e.cs.Seq
	}
	l.lastFrom = min(l.lastFrom, seq)
	e.b = s.pending
	l.last, s.last = s.pending, s.pending
	s.queue = append(s.queue, e)
	s.wake.Signal()
}

// Wait returns once everything queued so far is written and fsynced, or the error that kept
// it from being written.
func (s *Store) Wait(ctx context.Context) error {
	s.mu.Lock()
	b := s.last
	s.mu.Unlock()
	return wait(ctx, b, nil)
}

// wait returns b's result for key once b's transaction has ended.
func wait(ctx context.Context, b *batch, key []byte) error {
	if b == nil {
		return nil
	}
	select {
	case <-b.done:
		return b.result(key)
	case <-ctx.Done():
		return ctx.Err()
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
		batch := s.queue
		s.queue = nil
		s.pending = newBatch() // what is queued from now on waits on the next transaction
		if len(batch) == 0 {   // closing with nothing left
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		err := s.write(batch)
		if err != nil {
			s.ords.forget() // built from what the transaction did not write
			s.failed(batch, err)
		} else {
			s.succeeded()
		}
		s.lastErr = err
		finish(batch, err)
	}
}

// write applies the batch's entries in one transaction.
func (s *Store) write(batch []*entry) (err error) {
	defer func() {
		if p := recover(); p != nil { // a corrupt page met while writing
			err = fmt.Errorf("corrupt: %v", p)
		}
	}()
	return s.db.Update(func(tx *bolt.Tx) error {
		if s.fault != nil {
			if err := s.fault(); err != nil {
				return err
			}
		}
		for _, e := range batch { // entries are marked undone only while queued, before this
			if e.undone {
				continue
			}
			if err := apply(tx, e, &s.ords); err != nil {
				return err
			}
		}
		return nil
	})
}

// finish ends every batch the entries wait on, with the transaction's error.
func finish(entries []*entry, err error) {
	var last *batch
	for _, e := range entries {
		if e.b != last {
			last = e.b
			if err != nil && last.err == nil {
				last.err = err
			}
			select {
			case <-last.done:
			default:
				close(last.done)
			}
		}
	}
}

// failed handles a transaction that failed: its error is wrapped as world.ErrRolledBack, each
// world it touched is put back as the file holds it (RollbackFunc), and the first failure of a
// run is logged at error level. The waiters are told afterwards (finish), so that a request
// that runs again sees the world put back.
func (s *Store) failed(batch []*entry, err error) {
	s.failures++
	wrapped := fmt.Errorf("write state file %s: %s; the change was undone: %w", s.path, cause(err), world.ErrRolledBack)
	if s.log != nil {
		level := slog.LevelDebug
		if s.failures == 1 {
			level = slog.LevelError
		}
		s.log.Log(context.Background(), level, "state file cannot be written: changes are undone and answered 500 error-state-not-saved until it can",
			slog.String("file", s.path), slog.String("cause", cause(err)), slog.Int("failedCommits", s.failures))
	}
	var keys [][]byte
	seen := map[string]bool{}
	for _, e := range batch {
		e.b.err = wrapped
		if k := string(e.key); !seen[k] && !e.undone {
			seen[k] = true
			keys = append(keys, e.key)
		}
	}
	for _, key := range keys {
		id := string(key[2:])
		reload := func() (Saved, *Log, bool, error) { return s.reload(key, wrapped) }
		if s.rollback != nil {
			s.rollback(id, reload)
		} else {
			_, _, _, _ = reload()
		}
	}
}

// succeeded notes a transaction that worked: after failures, the recovery is logged.
func (s *Store) succeeded() {
	if s.failures > 0 && s.log != nil {
		s.log.Info("state file written again", slog.String("file", s.path), slog.Int("failedCommits", s.failures))
	}
	s.failures = 0
}

// reload drops the still queued entries of the world with key (their waiters get err) and reads
// the world back from the file. It serves a RollbackFunc, which calls it with the world's lock
// held.
func (s *Store) reload(key []byte, err error) (Saved, *Log, bool, error) {
	id := string(key[2:])
	s.mu.Lock()
	for _, e := range s.queue {
		if !e.undone && string(e.key) == string(key) {
			e.undone = true
			if e.b.undone == nil {
				e.b.undone = map[string]error{}
			}
			e.b.undone[string(key)] = err
			if e.b == s.pending { // the world's next changes must not wait on a batch marked undone for it
				s.pending = newBatch()
			}
		}
	}
	s.mu.Unlock()
	saved, ok, rerr := s.readOne(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.logs[id]
	switch {
	case rerr != nil:
		return saved, l, false, rerr
	case !ok:
		if l != nil { // its waiters still see the failure: l.last stays
			l.closed = true
			delete(s.logs, id)
		}
		return saved, nil, false, nil
	}
	// l.last stays: whoever waits for the world's changes so far learns they were undone
	// (world.SyncSince tells a later operation that saw only the restored state apart).
	l = s.logLocked(id)
	l.closed, l.settings = false, saved.Settings
	return saved, l, true, nil
}

// Close writes what is queued, stops the committer and closes the file. It returns the last
// commit's error, if it failed.
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
	return errors.Join(s.lastErr, s.db.Close())
}

// Log is the record of one world in the file: a world.Recorder.
type Log struct {
	s    *Store
	key  []byte
	last *batch // the batch of this world's last queued entry, or nil (s.mu)
	prev *batch // the batch of this world's entries queued before last's, or nil (s.mu)
	// lastFrom is the lowest Seq of the entries queued in last, an entry without one (a
	// world's creation, its settings, its deletion) counting as 0: every changeset may depend
	// on it. WaitFor waits for last unless its seq is below lastFrom (s.mu).
	lastFrom uint64
	closed   bool     // the world was deleted: later changesets are dropped (s.mu)
	settings Settings // (s.mu)
}

var _ world.Recorder = (*Log)(nil)

// Record queues a changeset; it does no I/O.
func (l *Log) Record(cs world.Changeset) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	l.s.enqueue(l, &entry{key: l.key, cs: &cs})
}

// Wait returns once every changeset and setting of this world queued so far is durable, or
// the error that kept them from it (wrapping world.ErrRolledBack when they were undone).
func (l *Log) Wait(ctx context.Context) error {
	l.s.mu.Lock()
	b := l.last
	l.s.mu.Unlock()
	return wait(ctx, b, l.key)
}

// WaitFor returns once the world's changesets up to Seq seq are durable, or the error that
// kept them from it: when seq was queued before the world's last batch, it waits for the
// batch before (transactions end in order), not for the last one.
func (l *Log) WaitFor(ctx context.Context, seq uint64) error {
	l.s.mu.Lock()
	b := l.last
	if l.prev != nil && seq < l.lastFrom {
		b = l.prev
	}
	l.s.mu.Unlock()
	return wait(ctx, b, l.key)
}

// SetLatency stores a new latency in the world's settings.
func (l *Log) SetLatency(d time.Duration) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	l.settings.Latency = d
	set := l.settings
	l.s.enqueue(l, &entry{key: l.key, settings: &set})
}

// Resume returns the Log of a world read back by Worlds, knowing its settings.
func (s *Store) Resume(w Saved) *Log {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.logLocked(w.ID)
	l.settings = w.Settings
	return l
}
