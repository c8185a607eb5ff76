package world

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rcinvite/rcinvite/mockserver/explain"
)

// DirectRoom is im.create's / dm.create's room: createDirectMessage's {t, rid, usernames} with
// the route's `_id: room.rid`, in that key order.
type DirectRoom struct {
	T         string   `json:"t"`
	Rid       string   `json:"rid"`
	Usernames []string `json:"usernames"`
	ID        string   `json:"_id"`
}

// directMessageMaxUsers is DirectMesssage_maxUsers' default: members of a direct message,
// the creator included. [inferred: the setting's default is not seen in the source read]
const directMessageMaxUsers = 8

// CreateDirectMessage is im.create / dm.create: createDirectMessage(usernames, caller,
// excludeSelf) then createDirectRoom. In order: the caller's username; the room's users (the
// caller, unless excludeSelf, and the named users but the caller); create-d (without it,
// error-not-allowed: the view-d-room shortcut to an existing DM cannot trigger, since it tests
// `Object.keys(roomUsers)`, which are strings); at most directMessageMaxUsers members, counted
// before unknown usernames are dropped; then the DM of the users found: for two users the room
// whose _id is their sorted _ids joined, else any DM with exactly these users, else a new one
// (usersCount = the members asked for). Every member gets a subscription if it has none; the
// creator's is opened.
func (w *World) CreateDirectMessage(uid string, usernames []string, excludeSelf bool) (*DirectRoom, error) {
	const m = "createDirectMessage"
	w.lock()
	defer w.unlock()
	me := w.users.get(uid)
	if me == nil || me.Username == "" {
		return nil, w.refuse(coded("error-invalid-user", "Invalid user", method(m)), chkAuthUser, S{uid}, N{})
	}
	members := slices.DeleteFunc(slices.Clone(usernames), func(n string) bool { return n == me.Username })
	if !excludeSelf {
		members = append([]string{me.Username}, members...)
	}
	if !w.can(uid, "create-d", "") { // spec/SOURCES.md imCreate #4
		return nil, errNotAllowed(m) // can recorded the refusal
	}
	asked := N{int64(len(members)), directMessageMaxUsers, explain.Flag(excludeSelf)}
	if len(members) > directMessageMaxUsers { // spec/SOURCES.md imCreate #5
		return nil, w.refuse(coded("error-direct-message-max-user-exceeded",
			fmt.Sprintf("You cannot add more than %d users, including yourself to a direct message", directMessageMaxUsers), method("createDirectRoom")),
			chkDirectMembers, S{w.nameList(members)}, asked)
	}
	w.note(chkDirectMembers, explain.Pass, S{w.nameList(members)}, asked)
	found := w.usersByUsernames(members) // spec/SOURCES.md imCreate #6
	now := dateOf(w.clock.Now())
	r := w.directRoomOf(found)
	created := r == nil
	if created {
		r = w.newDirectRoom(found, len(members), now)
	}
	// (createDirectMessage's subscriptionExtra {open: true} for a view-room-administration
	// caller with excludeSelf is overridden by the `open: members.length > 2` that follows it.)
	added := 0
	for _, u := range found {
		s := w.sub(r.ID, u.ID)
		if s == nil {
			s = w.newSubscription(r, u, w.newID(17, func(id string) bool { return w.subs.get(id) != nil }), nil, now)
			s.Open = u.ID == uid || len(members) > 2 || len(found) == 1
			w.putSub(s)
			added++
		} else if u.ID == uid {
			s.Open = true
			w.touchSub(s)
		}
	}
	if w.why != nil {
		var unknown []string
		if len(found) < len(members) {
			unknown = slices.DeleteFunc(slices.Clone(members), func(n string) bool {
				return slices.ContainsFunc(found, func(u *User) bool { return u.Username == n })
			})
		}
		w.note(chkDirectRoom, explain.Note, S{r.ID, w.nameList(r.Usernames), w.nameList(unknown)}, N{explain.Flag(created), int64(added)})
	}
	return &DirectRoom{T: "d", Rid: r.ID, Usernames: append([]string{}, r.Usernames...), ID: r.ID}, nil
}

// usersByUsernames is Users.findUsersByUsernames: the users whose username is one of names
// (exactly), in insertion order; unknown names are dropped.
func (w *World) usersByUsernames(names []string) []*User {
	var out []*User
	for u := range w.users.values() {
		if slices.Contains(names, u.Username) {
			out = append(out, u)
		}
	}
	return out
}

// directRoomOf finds the DM of exactly these users: for two, by the _id their sorted _ids make
// (the legacy id createDirectRoom still looks up); otherwise a DM whose uids are these.
func (w *World) directRoomOf(users []*User) *Room {
	uids := sortedIDs(users)
	if len(uids) == 2 {
		if r := w.rooms.get(uids[0] + uids[1]); r != nil && r.T == "d" {
			return r
		}
		return nil
	}
	for r := range w.rooms.values() {
		if r.T == "d" && slices.Equal(sortedStrings(r.Uids), uids) {
			return r
		}
	}
	return nil
}

// newDirectRoom inserts createDirectRoom's room: usernames sorted by display name, uids sorted,
// usersCount the number of members asked for.
func (w *World) newDirectRoom(users []*User, asked int, now Date) *Room {
	uids := sortedIDs(users)
	id := strings.Join(uids, "")
	if len(uids) != 2 {
		id = w.newID(17, func(id string) bool { return w.rooms.get(id) != nil })
	}
	r := &Room{ID: id, T: "d", Uids: uids, UsersCount: asked, Ts: now, UpdatedAt: now}
	for _, u := range byDisplayName(users) {
		r.Usernames = append(r.Usernames, u.Username)
	}
	w.putRoom(r)
	return r
}

// directNames are the name and fname of uid's subscription to the DM r: the other members'
// usernames and display names (name, else username), in display-name order, joined by ", ";
// for a DM with oneself, one's own.
func (w *World) directNames(r *Room, uid string) (name, fname string) {
	var others []*User
	for _, id := range r.Uids {
		if u := w.users.get(id); u != nil && (id != uid || len(r.Uids) == 1) {
			others = append(others, u)
		}
	}
	var names, fnames []string
	for _, u := range byDisplayName(others) {
		names = append(names, u.Username)
		fnames = append(fnames, displayName(u))
	}
	return strings.Join(names, ", "), strings.Join(fnames, ", ")
}

func displayName(u *User) string {
	if u.Name != "" {
		return u.Name
	}
	return u.Username
}

// byDisplayName sorts users as createDirectRoom does with localeCompare on name || username:
// ignoring case first. [inferred: ICU collation is approximated]
func byDisplayName(users []*User) []*User {
	out := slices.Clone(users)
	slices.SortStableFunc(out, func(a, b *User) int {
		x, y := displayName(a), displayName(b)
		if c := strings.Compare(strings.ToLower(x), strings.ToLower(y)); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	})
	return out
}

func sortedIDs(users []*User) []string {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	slices.Sort(ids)
	return ids
}

func sortedStrings(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
