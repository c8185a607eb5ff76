// Package world holds the Rocket.Chat 8.4.0 rules of one mock world: users and their login
// tokens, rooms, subscriptions (with bans), invites and a clock. It knows nothing of HTTP:
// operations take the authenticated caller's user id and return values whose JSON tags are
// Rocket.Chat's field names, or an *Error that mockserver/api renders into the server's envelope.
//
// Every operation runs under one mutex per World, so rules are atomic; in particular the
// maxUses check and the uses increment of useInviteToken cannot race (a deliberate difference:
// Rocket.Chat lets parallel redemptions overshoot maxUses).
//
// Times are UTC: the mock's "server local time" is UTC, which decides where
// findOrCreateInvite's calendar days fall.
//
// The rules record why they answer as they do: the handle Explain returns records each check
// an operation runs, with the state it looked at, into an explain.Trace (explain.go holds the
// checks and their words). The handle New returns records nothing.
package world

import (
	"crypto/rand"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rcinvite/rcinvite/fixtures"
	"github.com/rcinvite/rcinvite/mockserver/explain"
)

// DefaultVersion is the Rocket.Chat version a world emulates unless told otherwise.
const DefaultVersion = "8.4.0"

// DefaultSiteURL is the Site_Url used in invite links unless Options.SiteURL is set. [inferred]
const DefaultSiteURL = "http://localhost:3000"

// Options configure a World. The zero value is usable: the default fixtures, a real-time clock,
// version 8.4.0, crypto/rand and DefaultSiteURL.
type Options struct {
	Fixtures *fixtures.Set // nil = fixtures.Default(); use &fixtures.Set{} for an empty world
	Clock    *Clock        // nil = NewClock()
	Version  string        // "" = DefaultVersion
	Random   io.Reader     // nil = crypto/rand; source of ids and tokens
	SiteURL  string        // "" = DefaultSiteURL; invite urls are SiteURL + "/invite/" + _id
	// Passwords hashes passwords and keeps the fixture users' hashes; share one between the
	// worlds of a server. nil = one shared by every world, at DefaultBcryptCost.
	Passwords *Passwords
}

// World is one isolated Rocket.Chat server state. It is safe for concurrent use.
//
// A new or reset world holds no data of its own until an operation first needs them: then it
// builds them from its fixtures, dated at the instant it was made or reset (pending, datedAt).
// Until that moment it costs a few hundred bytes and shares nothing but the fixture set, which
// it only reads; so thousands of sandboxes that are opened and never used (or used late) are
// cheap, and each one that is used is exactly the world it would have been if built at once.
//
// A *World is a handle: Explain returns another handle on the same state whose operations
// record their decisions. The handle holds nothing else (world_test pins its two fields), so
// every setting and datum belongs in shared.
type World struct {
	*shared
	why *explain.Trace // where this handle's operations record their steps; nil: nowhere
}

// shared is the state every handle on one world shares.
type shared struct {
	// mutex guards everything below. Operations take it through lock (data) or lockSettings
	// (version, recorder: no data) and release it through unlock, never directly: lock is where
	// a pending world builds its data, unlock where changes are recorded.
	mutex     sync.Mutex
	fixtures  *fixtures.Set // read only: sandboxes share one set
	clock     *Clock
	random    io.Reader
	siteURL   string
	version   string
	passwords *Passwords // fixture users' hashes, made once per fixture set and cost

	store // the data and their indexes (index.go); empty while pending

	pending bool      // the data are the fixtures dated at datedAt, not built yet
	datedAt time.Time // the clock's time when the world was made or last reset

	settings settingsBox // Rocket.Chat settings (rate limiter, CORS) and the limiter's counters; own lock

	recorder Recorder // nil: changes are not recorded (record.go)
	// recordedPending: the recorder holds the world as its fixtures dated at datedAt, not as
	// documents, so the first change records every document (record.go).
	recordedPending bool
	seq             uint64        // the Seq of the last recorded Changeset
	epoch           atomic.Uint64 // rollbacks so far (record.go); written under mutex, read without it
	// syncTo is what Sync waits for, written under mutex with recorder and seq and read without
	// the lock: on a busy world, a request that waited for the lock to read them saw changesets
	// of requests after its own, often queued for the next commit, and waited for that too.
	syncTo    atomic.Pointer[syncPoint]
	replaced  bool // the data were replaced (Reset, Import) since the last unlock
	versioned bool // the version changed since the last unlock
}

// New returns a world loaded with o.Fixtures.
func New(o Options) (*World, error) {
	w := &World{shared: &shared{
		fixtures:  o.Fixtures,
		clock:     o.Clock,
		random:    o.Random,
		siteURL:   strings.TrimRight(o.SiteURL, "/"),
		version:   DefaultVersion,
		passwords: o.Passwords,
	}}
	if w.passwords == nil {
		w.passwords = defaultPasswords()
	}
	if w.fixtures == nil {
		w.fixtures = fixtures.Default()
	}
	if w.clock == nil {
		w.clock = NewClock()
	}
	if w.random == nil {
		w.random = rand.Reader
	}
	if w.siteURL == "" {
		w.siteURL = DefaultSiteURL
	}
	if o.Version != "" {
		if err := w.SetVersion(o.Version); err != nil {
			return nil, fmt.Errorf("new world: %w", err)
		}
	}
	w.pending, w.datedAt = true, w.clock.Now()
	return w, nil
}

// lock takes the world's mutex for an operation on its data, building the data first when the
// world is pending. Every operation that reads or writes the data starts here.
func (w *World) lock() {
	w.mutex.Lock()
	if w.pending {
		w.pending = false
		w.load(w.fixtures, dateOf(w.datedAt))
		w.store.untouch() // built, not changed: a recorder holding the pending world holds these
	}
}

// lockSettings takes the world's mutex for an operation that touches no data (the version,
// the recorder): a pending world stays pending.
func (w *World) lockSettings() { w.mutex.Lock() }

// Explain returns a handle on the same world whose operations record the steps that decide
// their answers into t (nil: they record nothing).
func (w *World) Explain(t *explain.Trace) *World { return &World{shared: w.shared, why: t} }

// Clock returns the world's clock.
func (w *World) Clock() *Clock { return w.clock }

// Version returns the Rocket.Chat version the world emulates ("8.4.0").
func (w *World) Version() string {
	w.lockSettings()
	defer w.unlock()
	return w.version
}

// SetVersion changes the emulated version. Versions 8.3.x and 8.4.x are accepted; below 8.4.0
// useInviteToken does not check bans. Anything else is error-invalid-version.
func (w *World) SetVersion(v string) error {
	if err := CheckVersion(v); err != nil {
		return err
	}
	w.lockSettings()
	defer w.unlock()
	w.version, w.versioned = v, true
	return nil
}

// CheckVersion returns nil for a version a world can emulate (8.3.x and 8.4.x) and
// error-invalid-version otherwise.
func CheckVersion(v string) error {
	if p, ok := parseVersion(v); !ok || p[0] != 8 || p[1] < 3 || p[1] > 4 {
		return ErrInvalidVersion(v)
	}
	return nil
}

// parseVersion reads "major.minor.patch".
func parseVersion(v string) ([3]int, bool) {
	var out [3]int
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return out, false
	}
	for i, s := range parts {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || strconv.Itoa(n) != s {
			return out, false
		}
		out[i] = n
	}
	return out, true
}

// checksBansOnInvite reports whether useInviteToken checks bans (PR #40087, 8.4.0).
func (w *World) checksBansOnInvite() bool {
	p, _ := parseVersion(w.version)
	return p[0] > 8 || (p[0] == 8 && p[1] >= 4)
}

// Reset puts the world's data back to its fixtures and starts the rate limiter's counts afresh
// (its settings are kept). Fixture invites are dated relative to
// the clock's now at the reset (createdAt = now - age). The version and the clock are kept:
// resume the clock first for a reset to real time. The data are built when next needed; a
// recorder is told the instant they are dated at (Changeset.Pending).
func (w *World) Reset() error {
	w.settings.restartLimiter(w.clock.Now()) // settings kept, counts forgotten
	w.lockSettings()
	defer w.unlock()
	w.replaced = true
	w.store, w.pending, w.datedAt = store{}, true, w.clock.Now()
	return nil
}

// Export returns a deep copy of the world's data (its collections empty, not nil, when they
// hold nothing).
func (w *World) Export() State {
	snap := w.Snapshot()
	return State{Version: snap.Version, Users: snap.Users.slice(), Rooms: snap.Rooms.slice(),
		Subscriptions: snap.Subscriptions.slice(), Invites: snap.Invites.slice(), Trash: snap.Trash.slice()}
}

// Import replaces the world's data with s (as produced by Export), keeping copies: the world
// shares no slices or pointers with s. The version is set when s.Version is not empty. A
// password that is a bare hex SHA-256 digest (a state exported by rcmock before passwords were
// bcrypt hashes) is hashed on the way in; any other password must be a bcrypt hash.
//
// A State whose Pending is set (a recorder's copy of a world no operation changed: Stored)
// makes the world its fixtures dated at that instant, built when first needed.
func (w *World) Import(s State) error {
	if s.Pending != nil {
		if err := checkStateVersion(s.Version); err != nil {
			return err
		}
		w.lockSettings()
		defer w.unlock()
		w.store, w.pending, w.datedAt, w.replaced = store{}, true, *s.Pending, true
		if s.Version != "" {
			w.version, w.versioned = s.Version, true
		}
		return nil
	}
	return w.ImportSnapshot(snapshotOf(s))
}

// snapshotOf is a Snapshot of copies of s's documents.
func snapshotOf(s State) Snapshot {
	return Snapshot{Version: s.Version,
		Users:         copiesOf(s.Users, func(u *User) User { return *u.clone() }),
		Rooms:         copiesOf(s.Rooms, func(r *Room) Room { return *r.clone() }),
		Subscriptions: copiesOf(s.Subscriptions, func(sub *Subscription) Subscription { return *sub.clone() }),
		Invites:       copiesOf(s.Invites, (*Invite).copy),
		Trash:         copiesOf(s.Trash, func(d *Deleted) Deleted { return *d }),
	}
}

// ImportSnapshot is Import without the copies: the documents of s become the world's, so
// that a state decoded document by document (PUT /_mock/state) is held once. The caller must
// not use s afterwards. Nil collections are empty.
func (w *World) ImportSnapshot(s Snapshot) error {
	if err := checkStateVersion(s.Version); err != nil {
		return err
	}
	c := newStore()
	if err := c.adopt(s, w.passwords); err != nil {
		return err
	}
	w.lock()
	defer w.unlock()
	w.store, w.pending = c, false
	w.replaced = true
	if s.Version != "" {
		w.version, w.versioned = s.Version, true
	}
	return nil
}

// checkStateVersion refuses a state's version the mock cannot emulate; "" keeps the world's.
func checkStateVersion(v string) error {
	if v == "" {
		return nil
	}
	if p, ok := parseVersion(v); !ok || p[0] != 8 || p[1] < 3 || p[1] > 4 {
		return ErrInvalidVersion(v)
	}
	return nil
}

// adopt fills an empty store with the documents of s, refusing ids that are missing or
// repeated (and a user's subscription to a room twice) and passwords that are not hashes.
// Nothing is marked as changed: a Replace records every document anyway.
func (c *store) adopt(s Snapshot, passwords *Passwords) error {
	bad := func(what, id string) error {
		return coded("error-invalid-state", fmt.Sprintf("%s %q: missing or duplicate _id", what, id), nil)
	}
	c.track(false)
	defer c.track(true)
	for _, u := range s.Users.Drain() {
		if u.ID == "" || c.users.get(u.ID) != nil {
			return bad("user", u.ID)
		}
		if strings.ContainsRune(u.ID, 0) { // tokenKey ends a user id at its first NUL
			return coded("error-invalid-state", fmt.Sprintf("user %q: a NUL character in its _id", u.ID), nil)
		}
		if err := checkStoredPassword(u.Password); err != nil {
			return coded("error-invalid-state", fmt.Sprintf("user %q: %v", u.ID, err), nil)
		}
		if isLegacyDigest(u.Password) {
			u.Password = passwords.hash(u.Password)
		}
		if h, twice := repeatedToken(u.LoginTokens); twice {
			return coded("error-invalid-state", fmt.Sprintf("user %q: login token %q held twice", u.ID, h), nil)
		}
		c.putUser(u)
	}
	for _, r := range s.Rooms.Drain() {
		if r.ID == "" || c.rooms.get(r.ID) != nil {
			return bad("room", r.ID)
		}
		c.putRoom(r)
	}
	for _, sub := range s.Subscriptions.Drain() {
		if sub.ID == "" || c.subs.get(sub.ID) != nil {
			return bad("subscription", sub.ID)
		}
		if _, twice := c.subOf[subKey(sub.Rid, sub.U.ID)]; twice {
			return bad("subscription", sub.ID)
		}
		sub.Rid = c.canonicalRid(sub.Rid)
		sub.U.ID = c.canonicalUID(sub.U.ID)
		c.putSub(sub)
	}
	for _, inv := range s.Invites.Drain() {
		if inv.ID == "" || c.invites.get(inv.ID) != nil {
			return bad("invite", inv.ID)
		}
		inv.Rid, inv.UserID = c.canonicalRid(inv.Rid), c.canonicalUID(inv.UserID)
		c.putInvite(inv)
	}
	for _, d := range s.Trash.Drain() {
		c.toTrash(d)
	}
	return nil
}

// repeatedToken returns a hash two of tokens share. Stored users hold each hash once (a
// state file keeps a user's tokens by hash); Rocket.Chat's could only repeat one by writing
// the database by hand, since every token is a fresh random secret.
func repeatedToken(tokens []LoginToken) (string, bool) {
	if len(tokens) <= 16 { // most users: no map
		for i := 1; i < len(tokens); i++ {
			for _, t := range tokens[:i] {
				if t.HashedToken == tokens[i].HashedToken {
					return t.HashedToken, true
				}
			}
		}
		return "", false
	}
	seen := make(map[string]bool, len(tokens))
	for _, t := range tokens {
		if seen[t.HashedToken] {
			return t.HashedToken, true
		}
		seen[t.HashedToken] = true
	}
	return "", false
}

// track turns the tables' change marks on or off: a store being filled from a state needs none.
func (c *store) track(on bool) {
	c.users.untracked, c.rooms.untracked, c.subs.untracked, c.invites.untracked, c.trash.untracked = !on, !on, !on, !on, !on
	c.tokenMarks.untracked = !on
}

// canonicalRid returns the stored room's own copy of rid (or rid, for an unknown room), so
// that the many documents naming one room share one string: a decoded state allocates each
// occurrence anew, 16 bytes or more per invite.
func (s *store) canonicalRid(rid string) string {
	if r := s.rooms.get(rid); r != nil {
		return r.ID
	}
	return rid
}

// canonicalUID is canonicalRid for user ids.
func (s *store) canonicalUID(uid string) string {
	if u := s.users.get(uid); u != nil {
		return u.ID
	}
	return uid
}

// table is a collection kept in insertion order (MongoDB's natural order for find({})). It
// remembers which documents were written since the world last recorded its changes.
//
// Documents sit in docs in insertion order; slot maps an _id to its index there. A deletion
// leaves a nil hole that a later compaction closes, so deletions cost amortised O(1). Per
// document the table holds one map entry and one pointer: with 100k invites, an ordered id
// set beside a map by id cost about 50 more bytes each.
type table[T any] struct {
	slot map[string]int
	docs []*T
	marks
}

// marks are the keys written or deleted since a world last recorded its changes.
type marks struct {
	touched   []string // keys written or deleted since the last record, in first-write order
	seen      map[string]bool
	untracked bool // writes are not marked (a store being filled by ImportSnapshot)
}

func newTable[T any]() table[T] { return table[T]{slot: map[string]int{}} }

func (t *table[T]) get(id string) *T {
	if i, ok := t.slot[id]; ok {
		return t.docs[i]
	}
	return nil
}

// put stores v under id: a new id goes last, a present one keeps its place.
func (t *table[T]) put(id string, v *T) {
	if i, ok := t.slot[id]; ok {
		t.docs[i] = v
	} else {
		t.slot[id] = len(t.docs)
		t.docs = append(t.docs, v)
	}
	t.touch(id)
}

func (t *table[T]) del(id string) {
	i, ok := t.slot[id]
	if !ok {
		return
	}
	delete(t.slot, id)
	t.docs[i] = nil
	t.touch(id)
	switch holes := len(t.docs) - len(t.slot); {
	case len(t.slot) == 0:
		t.docs = t.docs[:0]
	case holes > 32 && holes > len(t.slot):
		t.compact()
	}
}

// compact closes the holes in docs, keeping the order.
func (t *table[T]) compact() {
	moved := make([]int, len(t.docs))
	n := 0
	for i, v := range t.docs {
		if v != nil {
			moved[i] = n
			t.docs[n] = v
			n++
		}
	}
	clear(t.docs[n:])
	t.docs = t.docs[:n]
	for id, i := range t.slot {
		t.slot[id] = moved[i]
	}
}

// rank is id's position relative to the other documents (smaller = stored earlier), or -1.
func (t *table[T]) rank(id string) int {
	if i, ok := t.slot[id]; ok {
		return i
	}
	return -1
}

// first is the document stored earliest, or nil.
func (t *table[T]) first() *T {
	for _, v := range t.docs {
		if v != nil {
			return v
		}
	}
	return nil
}

// len is the number of documents.
func (t *table[T]) len() int { return len(t.slot) }

// ids returns the documents' ids in insertion order.
func (t *table[T]) ids() []string {
	out := make([]string, len(t.docs))
	for id, i := range t.slot {
		out[i] = id
	}
	return slices.DeleteFunc(out, func(id string) bool { return id == "" })
}

// touch marks key (a document's id) as changed: callers touch what they edit through a pointer.
func (m *marks) touch(key string) {
	if m.untracked {
		return
	}
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	if !m.seen[key] {
		m.seen[key] = true
		m.touched = append(m.touched, key)
	}
}

// untouch forgets the changes marked so far, keeping small marks' memory for the next operation.
func (m *marks) untouch() {
	switch n := len(m.touched); {
	case n == 0:
	case n <= 64:
		clear(m.seen)
		m.touched = m.touched[:0]
	default: // after a Reset or Import: let the large marks go
		m.touched, m.seen = nil, nil
	}
}

// values yields the documents in insertion order. The table must not gain or lose documents
// during the iteration.
func (t *table[T]) values() iter.Seq[*T] {
	return func(yield func(*T) bool) {
		for _, v := range t.docs {
			if v != nil && !yield(v) {
				return
			}
		}
	}
}

func (w *World) clear() { w.store = newStore() }

func subKey(rid, uid string) string { return rid + "\x00" + uid }

// sub returns uid's subscription to rid (banned or not), or nil.
func (w *World) sub(rid, uid string) *Subscription {
	return w.subs.get(w.subOf[subKey(rid, uid)])
}

// roomSubsOf returns the subscriptions of room rid in insertion order.
func (w *World) roomSubsOf(rid string) []*Subscription { return w.subsOf(w.roomSubs[rid]) }

// userSubsOf returns the subscriptions of user uid in insertion order.
func (w *World) userSubsOf(uid string) []*Subscription { return w.subsOf(w.userSubs[uid]) }

// unmistakable is Meteor's Random.id alphabet.
const unmistakable = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"

// secretAlphabet is Meteor's Random.secret alphabet (login tokens).
const secretAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"

// randomString draws n characters of alphabet from w.random without modulo bias.
func (w *World) randomString(n int, alphabet string) string {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n)
	for len(out) < n {
		if _, err := io.ReadFull(w.random, buf); err != nil {
			panic("world: random source failed: " + err.Error()) // crypto/rand never fails; a test reader must not run dry
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// newID returns a fresh Random.id() (17 characters), unique in the given table check.
func (w *World) newID(n int, taken func(string) bool) string {
	for {
		id := w.randomString(n, unmistakable)
		if !taken(id) {
			return id
		}
	}
}
