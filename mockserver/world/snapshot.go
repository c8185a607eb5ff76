package world

import "iter"

// copyBatch is how many documents one batch of Copies holds.
const copyBatch = 4096

// Copies is a copy of many documents, taken at one instant under the world's lock and held in
// batches, so that a caller writing them out one by one can let each batch go once written:
// an answer built from them never holds the whole copy and the whole answer at once (100k
// invites are 16 MB copied, 21 MB as JSON).
type Copies[T any] struct {
	batches [][]T
	n       int
}

// Append adds one document (a copy: the Copies owns it).
func (c *Copies[T]) Append(v T) {
	if len(c.batches) == 0 || len(c.batches[len(c.batches)-1]) == copyBatch {
		c.batches = append(c.batches, make([]T, 0, min(copyBatch, c.capHint())))
	}
	last := &c.batches[len(c.batches)-1]
	*last = append(*last, v)
	c.n++
}

// capHint is the size of a new batch: small ones for small collections.
func (c *Copies[T]) capHint() int {
	if c.n == 0 {
		return 16
	}
	return copyBatch
}

// Len is the number of documents.
func (c *Copies[T]) Len() int { return c.n }

// Drain yields the documents in order with their index, and lets each batch go after its last
// document has been yielded: the Copies is empty afterwards (or from where the caller stopped).
func (c *Copies[T]) Drain() iter.Seq2[int, *T] {
	return func(yield func(int, *T) bool) {
		if c == nil {
			return
		}
		i := 0
		for b := range c.batches {
			for k := range c.batches[b] {
				if !yield(i, &c.batches[b][k]) {
					return
				}
				i++
			}
			c.batches[b] = nil
		}
		c.batches, c.n = nil, 0
	}
}

// copiesOf returns copies of the documents of list.
func copiesOf[T any](list []T, copy func(*T) T) *Copies[T] {
	c := &Copies[T]{}
	for i := range list {
		c.Append(copy(&list[i]))
	}
	return c
}

// slice returns the documents as one slice, never nil.
func (c *Copies[T]) slice() []T {
	out := make([]T, 0, c.n)
	for _, b := range c.batches {
		out = append(out, b...)
	}
	return out
}

// Snapshot is a copy of a world's data taken at one instant, for writing it out document by
// document (GET /_mock/state): the State that Export returns, in Copies.
type Snapshot struct {
	Version       string
	Users         *Copies[User]
	Rooms         *Copies[Room]
	Subscriptions *Copies[Subscription]
	Invites       *Copies[Invite]
	Trash         *Copies[Deleted] // deleted rooms and subscriptions, for rooms.get and subscriptions.get
}

// Snapshot returns a deep copy of the world's data, document by document.
func (w *World) Snapshot() Snapshot {
	w.lock()
	defer w.unlock()
	s := Snapshot{Version: w.version, Users: &Copies[User]{}, Rooms: &Copies[Room]{},
		Subscriptions: &Copies[Subscription]{}, Invites: &Copies[Invite]{}, Trash: &Copies[Deleted]{}}
	for u := range w.users.values() {
		s.Users.Append(*u.clone())
	}
	for r := range w.rooms.values() {
		s.Rooms.Append(*r.clone())
	}
	for sub := range w.subs.values() {
		s.Subscriptions.Append(*sub.clone())
	}
	for inv := range w.invites.values() {
		s.Invites.Append(inv.copy())
	}
	for d := range w.trash.values() {
		s.Trash.Append(*d)
	}
	return s
}
