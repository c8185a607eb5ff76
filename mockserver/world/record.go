package world

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrRolledBack is wrapped by a Recorder's Wait error when the changes could not be made
// durable and were undone: the world is back to what the recorder holds, so the operation
// that made them may run again.
var ErrRolledBack = errors.New("changes undone")

// Collections of the stored documents, named as Rocket.Chat's MongoDB collections are in
// State's JSON: the Collection of a Change.
const (
	Users         = "users"
	Rooms         = "rooms"
	Subscriptions = "subscriptions"
	Invites       = "invites"
	Trash         = "trash" // deleted rooms' and subscriptions' _ids (Deleted), keyed by Deleted.Key
	// LoginTokens are the users' login tokens, one LoginToken document each, keyed by user
	// id and hash (TokenOwner splits the key); a Users document leaves its loginTokens out.
	// So a login or a logout records one small document however many tokens the user holds.
	LoginTokens = "loginTokens"
)

// Change is one document an operation wrote or deleted.
type Change struct {
	Collection string          // Users, Rooms, Subscriptions, Invites or Trash
	ID         string          // the document's _id
	Doc        json.RawMessage // the document as JSON (the State encoding); nil when deleted
}

// Changeset is what one operation changed in a world. A world numbers its changesets 1, 2, 3…
// in the order it made them; a recorder applies them in that order.
type Changeset struct {
	Seq     uint64
	Replace bool // every earlier document is gone: Changes hold the whole data in order (Reset, Import)
	// Pending, with Replace, says the data are the world's fixtures dated at this instant, not
	// built yet (a Reset, or a world no operation has changed): Changes is empty. The first
	// operation that changes such a world records a Replace with every document.
	Pending *time.Time
	Version string   // the emulated version, when it changed (or with Replace)
	Changes []Change // documents written or deleted, each once, with its value at the end of the operation
}

// Recorder receives a world's changesets, for instance to keep them on disk.
type Recorder interface {
	// Record is called with the world's lock held, once per operation that changed data, in
	// order: it must not block on I/O (queue the changeset and return).
	Record(Changeset)
	// Wait returns once every changeset recorded so far is durable, or ctx's error, or the
	// error that keeps the recorder from making them durable.
	Wait(ctx context.Context) error
	// WaitFor is Wait for the changesets up to Seq seq: it may return before later ones are
	// durable.
	WaitFor(ctx context.Context, seq uint64) error
}

// syncPoint is a world's recorder and the Seq of its last recorded changeset (Sync).
type syncPoint struct {
	r   Recorder
	seq uint64
}

// setSyncPoint publishes the recorder and seq for Sync. Callers hold w.mutex.
func (w *World) setSyncPoint() {
	if w.recorder == nil {
		w.syncTo.Store(nil)
		return
	}
	w.syncTo.Store(&syncPoint{w.recorder, w.seq})
}

// Record sends every later change of the world to r (nil stops recording). The data the
// world holds now are not sent: r starts from what it already holds, which Stored returns (its
// documents, or for a pending world its fixtures as of an instant, and then the first change
// sends every document).
func (w *World) Record(r Recorder) {
	w.lockSettings()
	defer w.unlock()
	w.recorder = r
	w.setSyncPoint()
	w.recordedPending = w.pending
	w.forget()
}

// Stored is what a new recorder of the world starts from: Export, or for a pending world a
// State holding no documents whose Pending is the instant its fixtures are dated at. Storing
// a world that no request has changed (a new sandbox) costs a few bytes instead of every
// fixture document, and keeps it pending. Callers make sure nobody changes the world until it
// records (Record).
func (w *World) Stored() State {
	w.lockSettings()
	if w.pending {
		defer w.unlock()
		at := w.datedAt
		return State{Version: w.version, Pending: &at}
	}
	w.unlock()
	return w.Export()
}

// Sync waits until every change the world made so far is durable in its recorder: callers
// answer a request only then, so that an answer never reports data a crash could lose.
// It takes no lock: it waits for the changesets recorded up to the moment it is called (the
// operation's own, and those whose data it saw), not for any recorded later.
func (w *World) Sync(ctx context.Context) error {
	p := w.syncTo.Load()
	if p == nil {
		return nil
	}
	return p.r.WaitFor(ctx, p.seq)
}

// unlock records the changes of the operation that held the lock, then releases it. Every
// operation releases w.mutex through unlock, so none can change data unrecorded.
func (w *World) unlock() {
	if w.recorder != nil {
		if cs, changed := w.changeset(); changed {
			w.seq++
			cs.Seq = w.seq
			w.recorder.Record(cs)
			w.setSyncPoint()
			if cs.Replace {
				w.recordedPending = cs.Pending != nil
			}
		}
	}
	w.forget()
	w.mutex.Unlock()
}

// forget clears the change marks.
func (w *World) forget() {
	w.replaced, w.versioned = false, false
	w.store.untouch()
}

// untouch forgets the store's change marks.
func (s *store) untouch() {
	s.users.untouch()
	s.rooms.untouch()
	s.subs.untouch()
	s.invites.untouch()
	s.trash.untouch()
	s.tokenMarks.untouch()
}

// changeset collects the marked changes. Callers hold w.mutex.
func (w *World) changeset() (Changeset, bool) {
	var cs Changeset
	if w.replaced || w.recordedPending && !w.pending && w.touchedAny() {
		cs.Replace, cs.Version = true, w.version
		if w.pending {
			at := w.datedAt
			cs.Pending = &at
			return cs, true
		}
		cs.Changes = appendAll(cs.Changes, Users, &w.users, userDocument)
		cs.Changes = appendAll(cs.Changes, Rooms, &w.rooms, document)
		cs.Changes = appendAll(cs.Changes, Subscriptions, &w.subs, document)
		cs.Changes = appendAll(cs.Changes, Invites, &w.invites, document)
		cs.Changes = appendAll(cs.Changes, Trash, &w.trash, document)
		for u := range w.users.values() {
			for i := range u.LoginTokens {
				cs.Changes = append(cs.Changes, Change{Collection: LoginTokens, ID: TokenKey(u.ID, u.LoginTokens[i].HashedToken),
					Doc: document(&u.LoginTokens[i])})
			}
		}
		return cs, true
	}
	if w.versioned {
		cs.Version = w.version
	}
	cs.Changes = appendTouched(cs.Changes, Users, &w.users, userDocument)
	cs.Changes = appendTouched(cs.Changes, Rooms, &w.rooms, document)
	cs.Changes = appendTouched(cs.Changes, Subscriptions, &w.subs, document)
	cs.Changes = appendTouched(cs.Changes, Invites, &w.invites, document)
	cs.Changes = appendTouched(cs.Changes, Trash, &w.trash, document)
	for _, key := range w.tokenMarks.touched {
		c := Change{Collection: LoginTokens, ID: key}
		if uid, hashed, _ := TokenOwner(key); w.hasToken(uid, hashed) {
			c.Doc = document(w.users.get(uid).loginToken(hashed))
		}
		cs.Changes = append(cs.Changes, c)
	}
	return cs, cs.Version != "" || len(cs.Changes) > 0
}

// touchedAny reports whether the operation marked any document as changed.
func (w *World) touchedAny() bool {
	return len(w.users.touched)+len(w.rooms.touched)+len(w.subs.touched)+len(w.invites.touched)+
		len(w.trash.touched)+len(w.tokenMarks.touched) > 0
}

func appendAll[T any](out []Change, coll string, t *table[T], encode func(*T) json.RawMessage) []Change {
	for _, id := range t.ids() {
		out = append(out, Change{Collection: coll, ID: id, Doc: encode(t.get(id))})
	}
	return out
}

func appendTouched[T any](out []Change, coll string, t *table[T], encode func(*T) json.RawMessage) []Change {
	for _, id := range t.touched {
		c := Change{Collection: coll, ID: id}
		if v := t.get(id); v != nil {
			c.Doc = encode(v)
		}
		out = append(out, c)
	}
	return out
}

// userDocument encodes a user without its login tokens, which are documents of their own.
func userDocument(u *User) json.RawMessage {
	c := *u
	c.LoginTokens = nil
	return document(&c)
}

// document encodes a stored document. The model types hold only strings, numbers, booleans,
// slices and Dates, whose encoding cannot fail.
func document[T any](v *T) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("world: encode document: " + err.Error())
	}
	return b
}

// Rollback puts the world back as its recorder holds it, after the recorder failed to make its
// changes durable: restore runs with the world's lock held (so that nothing is recorded
// meanwhile) and returns the recorded state and the recorder to use from now on (nil keeps the
// current one). The data are replaced without being recorded; the clock is kept. When restore
// fails the world is left as it is.
func (w *World) Rollback(restore func() (State, Recorder, error)) error {
	w.mutex.Lock()
	defer w.mutex.Unlock() // not w.unlock: a rollback records nothing
	st, r, err := restore()
	if err != nil {
		return err
	}
	if err := checkStateVersion(st.Version); err != nil {
		return err
	}
	if st.Pending != nil {
		w.store, w.pending, w.datedAt = store{}, true, *st.Pending
	} else {
		c := newStore()
		if err := c.adopt(snapshotOf(st), w.passwords); err != nil {
			return err
		}
		w.store, w.pending = c, false
	}
	w.recordedPending = w.pending
	if st.Version != "" {
		w.version = st.Version
	}
	if r != nil {
		w.recorder = r
		w.setSyncPoint()
	}
	w.epoch.Add(1)
	w.forget()
	return nil
}

// Epoch counts the world's rollbacks: take it before an operation, and hand it to SyncSince
// after.
func (w *World) Epoch() uint64 { return w.epoch.Load() }

// SyncSince is Sync for an operation begun at epoch e (Epoch): it reports an error wrapping
// ErrRolledBack exactly when what the operation saw or did may have been undone, that is
// when the world was rolled back since e. A rollback from before e is no failure of the
// operation's: it saw the state put back.
func (w *World) SyncSince(ctx context.Context, e uint64) error {
	err := w.Sync(ctx)
	if w.Epoch() != e {
		if errors.Is(err, ErrRolledBack) {
			return err
		}
		return fmt.Errorf("the world was put back as its recorder holds it: %w", ErrRolledBack)
	}
	if errors.Is(err, ErrRolledBack) {
		return nil
	}
	return err
}
