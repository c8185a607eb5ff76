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
package world

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/rcinvite/rcinvite/fixtures"
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
}

// World is one isolated Rocket.Chat server state. It is safe for concurrent use.
type World struct {
	mu       sync.Mutex
	fixtures *fixtures.Set
	clock    *Clock
	random   io.Reader
	siteURL  string
	version  string

	store // the data and their indexes (index.go)

	recorder  Recorder // nil: changes are not recorded (record.go)
	seq       uint64   // the Seq of the last recorded Changeset
	replaced  bool     // the data were replaced (Reset, Import) since the last unlock
	versioned bool     // the version changed since the last unlock
}

// New returns a world loaded with o.Fixtures.
func New(o Options) (*World, error) {
	w := &World{
		fixtures: o.Fixtures,
		clock:    o.Clock,
		random:   o.Random,
		siteURL:  strings.TrimRight(o.SiteURL, "/"),
		version:  DefaultVersion,
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
	if err := w.Reset(); err != nil {
		return nil, fmt.Errorf("new world: %w", err)
	}
	return w, nil
}

// Clock returns the world's clock.
func (w *World) Clock() *Clock { return w.clock }

// Version returns the Rocket.Chat version the world emulates ("8.4.0").
func (w *World) Version() string {
	w.mu.Lock()
	defer w.unlock()
	return w.version
}

// SetVersion changes the emulated version. Versions 8.3.x and 8.4.x are accepted; below 8.4.0
// useInviteToken does not check bans. Anything else is error-invalid-version.
func (w *World) SetVersion(v string) error {
	p, ok := parseVersion(v)
	if !ok || p[0] != 8 || p[1] < 3 || p[1] > 4 {
		return ErrInvalidVersion(v)
	}
	w.mu.Lock()
	defer w.unlock()
	w.version, w.versioned = v, true
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

// Reset puts the world's data back to its fixtures. Fixture invites are dated relative to
// the clock's now at the reset (createdAt = now - age). The version and the clock are kept:
// resume the clock first for a reset to real time.
func (w *World) Reset() error {
	w.mu.Lock()
	defer w.unlock()
	w.replaced = true
	return w.load(w.fixtures)
}

// Export returns a deep copy of the world's data.
func (w *World) Export() State {
	w.mu.Lock()
	defer w.unlock()
	s := State{Version: w.version}
	for u := range w.users.values() {
		c := *u
		c.Emails, c.Roles, c.LoginTokens = slices.Clone(u.Emails), slices.Clone(u.Roles), slices.Clone(u.LoginTokens)
		s.Users = append(s.Users, c)
	}
	for r := range w.rooms.values() {
		c := *r
		c.Usernames, c.Uids = slices.Clone(r.Usernames), slices.Clone(r.Uids)
		if r.U != nil {
			u := *r.U
			c.U = &u
		}
		s.Rooms = append(s.Rooms, c)
	}
	for sub := range w.subs.values() {
		c := *sub
		c.Roles = slices.Clone(sub.Roles)
		s.Subscriptions = append(s.Subscriptions, c)
	}
	for inv := range w.invites.values() {
		c := *inv
		if inv.Expires != nil {
			e := *inv.Expires
			c.Expires = &e
		}
		s.Invites = append(s.Invites, c)
	}
	return s
}

// Import replaces the world's data with s (as produced by Export). The version is set when
// s.Version is not empty.
func (w *World) Import(s State) error {
	if s.Version != "" {
		if p, ok := parseVersion(s.Version); !ok || p[0] != 8 || p[1] < 3 || p[1] > 4 {
			return ErrInvalidVersion(s.Version)
		}
	}
	if err := checkState(s); err != nil {
		return err
	}
	s, err := deepCopy(s)
	if err != nil {
		return coded("error-invalid-state", err.Error(), nil)
	}
	c := newStore()
	for _, u := range s.Users {
		c.putUser(&u)
	}
	for _, r := range s.Rooms {
		c.rooms.put(r.ID, &r)
	}
	for _, sub := range s.Subscriptions {
		c.putSub(&sub)
	}
	for _, inv := range s.Invites {
		c.putInvite(&inv)
	}
	w.mu.Lock()
	defer w.unlock()
	w.store = c
	w.replaced = true
	if s.Version != "" {
		w.version, w.versioned = s.Version, true
	}
	return nil
}

// deepCopy copies s so the world shares no slices with the caller.
func deepCopy(s State) (State, error) {
	var out State
	b, err := json.Marshal(s)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	return out, err
}

// checkState refuses states whose ids are missing or repeated.
func checkState(s State) error {
	bad := func(what, id string) error {
		return coded("error-invalid-state", fmt.Sprintf("%s %q: missing or duplicate _id", what, id), nil)
	}
	seen := map[string]bool{}
	check := func(what, id string) error {
		k := what + "\x00" + id
		if id == "" || seen[k] {
			return bad(what, id)
		}
		seen[k] = true
		return nil
	}
	for _, u := range s.Users {
		if err := check("user", u.ID); err != nil {
			return err
		}
	}
	for _, r := range s.Rooms {
		if err := check("room", r.ID); err != nil {
			return err
		}
	}
	for _, sub := range s.Subscriptions {
		if err := check("subscription", sub.ID); err != nil {
			return err
		}
		if err := check("membership", sub.Rid+"\x00"+sub.U.ID); err != nil {
			return bad("subscription", sub.ID)
		}
	}
	for _, inv := range s.Invites {
		if err := check("invite", inv.ID); err != nil {
			return err
		}
	}
	return nil
}

// table is a collection kept in insertion order (MongoDB's natural order for find({})). It
// remembers which documents were written since the world last recorded its changes.
type table[T any] struct {
	byID    map[string]*T
	order   idSet
	touched []string // ids written or deleted since the last record, in first-write order
	seen    map[string]bool
}

func (t *table[T]) get(id string) *T { return t.byID[id] }

func (t *table[T]) put(id string, v *T) {
	t.order.add(id)
	t.byID[id] = v
	t.touch(id)
}

func (t *table[T]) del(id string) {
	if _, ok := t.byID[id]; ok {
		delete(t.byID, id)
		t.order.remove(id)
		t.touch(id)
	}
}

// touch marks document id as changed in place: callers touch what they edit through a pointer.
func (t *table[T]) touch(id string) {
	if t.seen == nil {
		t.seen = map[string]bool{}
	}
	if !t.seen[id] {
		t.seen[id] = true
		t.touched = append(t.touched, id)
	}
}

// untouch forgets the changes marked so far, keeping small marks' memory for the next operation.
func (t *table[T]) untouch() {
	switch n := len(t.touched); {
	case n == 0:
	case n <= 64:
		clear(t.seen)
		t.touched = t.touched[:0]
	default: // after a Reset or Import: let the large marks go
		t.touched, t.seen = nil, nil
	}
}

// values yields the documents in insertion order. The table must not gain or lose documents
// during the iteration.
func (t *table[T]) values() iter.Seq[*T] {
	return func(yield func(*T) bool) {
		for id := range t.order.values() {
			if !yield(t.byID[id]) {
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
