package world

import (
	"iter"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// idSet is a set of ids kept in insertion order with O(1) add, remove and lookup. A removal
// leaves a hole in ids that a later compaction reclaims, so removals cost amortised O(1).
// A slot i holds a live id exactly when pos[ids[i]] == i (an id removed and added again is
// live only at its new slot).
type idSet struct {
	ids []string
	pos map[string]int
}

// add appends id unless it is present; it reports whether id was added.
func (o *idSet) add(id string) bool {
	if _, ok := o.pos[id]; ok {
		return false
	}
	if o.pos == nil {
		o.pos = map[string]int{}
	}
	o.pos[id] = len(o.ids)
	o.ids = append(o.ids, id)
	return true
}

// remove drops id if present. It must not run while values is being iterated.
func (o *idSet) remove(id string) {
	p, ok := o.pos[id]
	if !ok {
		return
	}
	delete(o.pos, id)
	o.ids[p] = ""
	switch holes := len(o.ids) - len(o.pos); {
	case len(o.pos) == 0:
		o.ids = o.ids[:0]
	case holes > 32 && holes > len(o.pos):
		o.compact()
	}
}

// compact closes the holes, keeping the order.
func (o *idSet) compact() {
	live := o.ids[:0]
	for i, id := range o.ids {
		if p, ok := o.pos[id]; ok && p == i {
			o.pos[id] = len(live)
			live = append(live, id)
		}
	}
	clear(o.ids[len(live):])
	o.ids = live
}

// len is the number of ids in the set.
func (o *idSet) len() int { return len(o.pos) }

// values yields the ids in insertion order. The set must not change during the iteration.
func (o *idSet) values() iter.Seq[string] {
	return func(yield func(string) bool) {
		for i, id := range o.ids {
			if p, ok := o.pos[id]; ok && p == i && !yield(id) {
				return
			}
		}
	}
}

// inviteKey is what findOrCreateInvite matches a reusable invite on.
type inviteKey struct {
	uid, rid      string
	days, maxUses int
}

func keyOf(inv *Invite) inviteKey {
	return inviteKey{uid: inv.UserID, rid: inv.Rid, days: inv.Days, maxUses: inv.MaxUses}
}

// usedUp reports whether the invite can take no more uses. Uses only grow, so a used-up
// invite stays used up until an Import or Reset replaces the data.
func (inv *Invite) usedUp() bool { return inv.MaxUses > 0 && inv.Uses >= inv.MaxUses }

// store is a world's data with the indexes the rules look documents up by. Every write goes
// through its methods (putUser, putSub, putInvite, …), which keep the indexes consistent;
// Reset and Import build a fresh store.
type store struct {
	users   table[User]
	rooms   table[Room]
	subs    table[Subscription]
	invites table[Invite]
	trash   table[Deleted] // keyed by Deleted.Key, oldest first (trash.go)

	subOf      map[string]string         // subKey(rid, uid) → subscription _id
	roomSubs   map[string]*idSet         // rid → its subscription ids in insertion order
	userSubs   map[string]*idSet         // uid → its subscription ids in insertion order
	reusable   map[inviteKey]*reuseList  // see below
	tokenUsers map[string]map[string]int // hashed login token → user id → how many of its tokens have that hash
	tokenMarks marks                     // login tokens added or removed since the last record: TokenKey(uid, hash)
	byUsername map[string][]string       // folded username → the ids of the users with it, in insertion order
	byEmail    map[string][]string       // folded email address → the ids of the users with it, in insertion order
	byRoomName map[string][]string       // folded room name (not empty) → the ids of the rooms with it, in insertion order

	notes notes // what explanations tell beyond the documents (explain.go); its zero value is empty
}

// newStore returns an empty store.
//
// Its reusable index holds, per inviteKey, the invites with that key that are not used up, in
// insertion order: findOrCreateInvite reuses the first of them that has not expired. Expired
// invites stay, since moving the clock back revives them.
func newStore() store {
	return store{
		users:      newTable[User](),
		rooms:      newTable[Room](),
		subs:       newTable[Subscription](),
		invites:    newTable[Invite](),
		trash:      newTable[Deleted](),
		subOf:      map[string]string{},
		roomSubs:   map[string]*idSet{},
		userSubs:   map[string]*idSet{},
		reusable:   map[inviteKey]*reuseList{},
		tokenUsers: map[string]map[string]int{},
		byUsername: map[string][]string{},
		byEmail:    map[string][]string{},
		byRoomName: map[string][]string{},
	}
}

// addTo adds id to the set m[k], creating it.
func addTo[K comparable](m map[K]*idSet, k K, id string) {
	o := m[k]
	if o == nil {
		o = &idSet{}
		m[k] = o
	}
	o.add(id)
}

// removeFrom removes id from the set m[k], dropping the set once empty.
func removeFrom[K comparable](m map[K]*idSet, k K, id string) {
	if o := m[k]; o != nil {
		o.remove(id)
		if o.len() == 0 {
			delete(m, k)
		}
	}
}

// putUser stores u (new or replacing the user with its _id) and indexes its login tokens,
// username and email addresses.
func (s *store) putUser(u *User) {
	if old := s.users.get(u.ID); old != nil {
		s.unindexUser(old)
	}
	s.users.put(u.ID, u)
	for _, t := range u.LoginTokens {
		s.indexToken(t.HashedToken, u.ID)
	}
	s.byUsername[foldKey(u.Username)] = append(s.byUsername[foldKey(u.Username)], u.ID)
	for i, e := range u.Emails {
		if !slices.ContainsFunc(u.Emails[:i], func(o Email) bool { return foldKey(o.Address) == foldKey(e.Address) }) {
			s.byEmail[foldKey(e.Address)] = append(s.byEmail[foldKey(e.Address)], u.ID)
		}
	}
}

// delUser removes u and its login tokens from the index (not its subscriptions).
func (s *store) delUser(u *User) {
	s.unindexUser(u)
	s.users.del(u.ID)
}

// unindexUser drops u's login tokens, username and email addresses from the indexes.
func (s *store) unindexUser(u *User) {
	for _, t := range u.LoginTokens {
		s.unindexToken(t.HashedToken, u.ID)
	}
	dropID(s.byUsername, foldKey(u.Username), u.ID)
	for _, e := range u.Emails {
		dropID(s.byEmail, foldKey(e.Address), u.ID)
	}
}

// putRoom stores r (new or replacing the room with its _id) and indexes its name.
func (s *store) putRoom(r *Room) {
	if old := s.rooms.get(r.ID); old != nil && old.Name != "" {
		dropID(s.byRoomName, foldKey(old.Name), old.ID)
	}
	s.rooms.put(r.ID, r)
	if r.Name != "" {
		s.byRoomName[foldKey(r.Name)] = append(s.byRoomName[foldKey(r.Name)], r.ID)
	}
}

// delRoom removes r and its name from the index (not its subscriptions).
func (s *store) delRoom(r *Room) {
	if r.Name != "" {
		dropID(s.byRoomName, foldKey(r.Name), r.ID)
	}
	s.rooms.del(r.ID)
}

// roomNamed is the first stored room whose name equals name but for case, or nil.
func (s *store) roomNamed(name string) *Room {
	if ids := s.byRoomName[foldKey(name)]; len(ids) > 0 {
		return s.rooms.get(ids[0])
	}
	return nil
}

// dropID removes id from the list m[k], dropping the list once empty.
func dropID(m map[string][]string, k, id string) {
	ids := slices.DeleteFunc(m[k], func(x string) bool { return x == id })
	if len(ids) == 0 {
		delete(m, k)
	} else {
		m[k] = ids
	}
}

// firstUser is the first stored user of ids (kept in insertion order), or nil.
func (s *store) firstUser(ids []string) *User {
	if len(ids) == 0 {
		return nil
	}
	return s.users.get(ids[0])
}

// foldKey maps s to a key that two strings share exactly when strings.EqualFold holds for
// them: each rune (invalid UTF-8 as utf8.RuneError, as EqualFold decodes it) becomes the
// smallest rune of its simple case-folding orbit, so that a username or email lookup that
// ignores case, as Meteor's does, is a map access instead of a scan of every user.
func foldKey(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii { // an ASCII letter's orbit starts at its capital (K: K, k, KELVIN SIGN)
		return strings.ToUpper(s)
	}
	out := make([]byte, 0, len(s))
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		out = utf8.AppendRune(out, least)
	}
	return string(out)
}

// addLoginToken appends a login session to u, first dropping u's sessions expired at now and,
// when u would hold more than MaxLoginTokens, its oldest ones. Personal access tokens stay.
func (s *store) addLoginToken(u *User, t LoginToken, now time.Time) {
	sessions := 0
	for _, old := range u.LoginTokens {
		if old.session() && !old.expired(now) {
			sessions++
		}
	}
	keep := u.LoginTokens[:0]
	for _, old := range u.LoginTokens {
		switch {
		case !old.session():
		case old.expired(now):
			s.unindexToken(old.HashedToken, u.ID)
			continue
		case sessions >= MaxLoginTokens:
			sessions--
			s.unindexToken(old.HashedToken, u.ID)
			continue
		}
		keep = append(keep, old)
	}
	clear(u.LoginTokens[len(keep):])
	u.LoginTokens = append(keep, t)
	s.indexToken(t.HashedToken, u.ID)
}

// removeLoginToken removes u's first login token with this hash; it reports whether there was one.
func (s *store) removeLoginToken(u *User, hashed string) bool {
	if !s.hasToken(u.ID, hashed) {
		return false
	}
	for i, t := range u.LoginTokens {
		if t.HashedToken == hashed {
			u.LoginTokens = append(u.LoginTokens[:i:i], u.LoginTokens[i+1:]...)
			s.unindexToken(hashed, u.ID)
			return true
		}
	}
	return false
}

// hasToken reports whether user uid holds a login token with this hash. The lookup is a map
// access, not a constant-time comparison: it compares SHA-256 digests of the tokens, whose
// timing tells nothing about a token. [inferred]
func (s *store) hasToken(uid, hashed string) bool { return s.tokenUsers[hashed][uid] > 0 }

// tokenOwner is the first user (in insertion order) holding a login token with this hash, or nil.
func (s *store) tokenOwner(hashed string) *User {
	var first *User
	best := -1
	for uid := range s.tokenUsers[hashed] {
		if r := s.users.rank(uid); r >= 0 && (best < 0 || r < best) {
			first, best = s.users.get(uid), r
		}
	}
	return first
}

// TokenKey names user uid's login token with this hash in a changeset (the Change.ID of a
// LoginTokens document): a user holds at most one token with a hash, and no user id holds a NUL
// (adopt refuses both).
func TokenKey(uid, hashed string) string { return uid + "\x00" + hashed }

// TokenOwner splits the Change.ID of a LoginTokens change into the user's id and the token's
// hash; ok is false when id is not such a key.
func TokenOwner(id string) (uid, hashed string, ok bool) { return strings.Cut(id, "\x00") }

// indexToken and unindexToken keep tokenUsers and mark the token as changed: every login
// token that comes or goes passes through them, and is recorded alone, not with its user.
func (s *store) indexToken(hashed, uid string) {
	s.tokenMarks.touch(TokenKey(uid, hashed))
	m := s.tokenUsers[hashed]
	if m == nil {
		m = map[string]int{}
		s.tokenUsers[hashed] = m
	}
	m[uid]++
}

func (s *store) unindexToken(hashed, uid string) {
	s.tokenMarks.touch(TokenKey(uid, hashed))
	m := s.tokenUsers[hashed]
	if m[uid] > 1 {
		m[uid]--
		return
	}
	delete(m, uid)
	if len(m) == 0 {
		delete(s.tokenUsers, hashed)
	}
}

// putSub stores a subscription (new or replacing the one with its _id) and indexes it.
func (s *store) putSub(sub *Subscription) {
	if old := s.subs.get(sub.ID); old != nil && (old.Rid != sub.Rid || old.U.ID != sub.U.ID) {
		s.unindexSub(old)
	}
	s.subs.put(sub.ID, sub)
	s.subOf[subKey(sub.Rid, sub.U.ID)] = sub.ID
	addTo(s.roomSubs, sub.Rid, sub.ID)
	addTo(s.userSubs, sub.U.ID, sub.ID)
}

// delSub removes a subscription.
func (s *store) delSub(sub *Subscription) {
	delete(s.notes.bans, sub.ID)
	s.subs.del(sub.ID)
	s.unindexSub(sub)
}

func (s *store) unindexSub(sub *Subscription) {
	if s.subOf[subKey(sub.Rid, sub.U.ID)] == sub.ID {
		delete(s.subOf, subKey(sub.Rid, sub.U.ID))
	}
	removeFrom(s.roomSubs, sub.Rid, sub.ID)
	removeFrom(s.userSubs, sub.U.ID, sub.ID)
}

// subsOf returns the subscriptions of the ids in set o, in its order.
func (s *store) subsOf(o *idSet) []*Subscription {
	if o == nil {
		return nil
	}
	out := make([]*Subscription, 0, o.len())
	for id := range o.values() {
		out = append(out, s.subs.get(id))
	}
	return out
}

// putInvite stores an invite (new or replacing the one with its _id) and indexes it.
func (s *store) putInvite(inv *Invite) {
	switch old := s.invites.get(inv.ID); {
	case old == inv:
		s.invites.touch(inv.ID)
		return
	case old != nil:
		s.unindexInvite(old)
	}
	s.invites.put(inv.ID, inv)
	if !inv.usedUp() {
		l := s.reusable[keyOf(inv)]
		if l == nil {
			l = &reuseList{}
			s.reusable[keyOf(inv)] = l
		}
		l.invites = append(l.invites, inv)
	}
}

// useInvite counts one use of inv, dropping it from the reuse index once used up.
func (s *store) useInvite(inv *Invite, now Date) {
	inv.Uses++
	inv.UpdatedAt = now
	s.invites.touch(inv.ID)
	if inv.usedUp() {
		s.dropReusable(inv)
	}
}

// delInvite removes an invite.
func (s *store) delInvite(inv *Invite) {
	s.invites.del(inv.ID)
	s.unindexInvite(inv)
}

// unindexInvite drops inv, no longer in the table or about to be replaced, from the reuse index.
func (s *store) unindexInvite(inv *Invite) {
	if !inv.usedUp() {
		s.dropReusable(inv)
	}
}

// dropReusable counts inv, still in its reuse list, as gone from it, and closes the list's holes
// once they outnumber its live invites (or drops the list once it holds none).
func (s *store) dropReusable(inv *Invite) {
	k := keyOf(inv)
	l := s.reusable[k]
	if l == nil {
		return
	}
	l.dead++
	switch live := len(l.invites) - l.dead; {
	case live <= 0:
		delete(s.reusable, k)
	case l.dead > 32 && l.dead > live:
		l.invites = slices.DeleteFunc(l.invites, func(c *Invite) bool { return !s.reusableNow(c) })
		l.dead = 0
	}
}

// reusableNow reports whether an invite of a reuse list still belongs there: it is the stored
// invite with its _id (not deleted, not replaced) and not used up.
func (s *store) reusableNow(inv *Invite) bool {
	return s.invites.get(inv.ID) == inv && !inv.usedUp()
}

// reuseList is the reuse index's entry for one inviteKey: the invites stored with that key, in
// insertion order, of which dead are no longer reusable (used up, deleted or replaced) and are
// skipped until a compaction removes them. It holds one pointer per invite where an ordered id
// set held a slice entry and a map entry (about 50 bytes more per invite).
type reuseList struct {
	invites []*Invite
	dead    int
}

// live yields the list's invites that are still reusable, in insertion order.
func (s *store) live(l *reuseList) iter.Seq[*Invite] {
	return func(yield func(*Invite) bool) {
		for _, inv := range l.invites {
			if s.reusableNow(inv) && !yield(inv) {
				return
			}
		}
	}
}
