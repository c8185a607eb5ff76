package world

import (
	"slices"
	"strings"

	"github.com/rcinvite/rcinvite/mockserver/explain"
)

// roomRoles are the room-scoped roles a ban strips.
var roomRoles = []string{"owner", "moderator", "leader"}

// checkBanAction runs the checks banUserFromRoomMethod and unbanUserFromRoom share, in order,
// with their plain Error messages (server/lib/banUserFromRoom.ts, unbanUserFromRoom.ts): permission and room, caller, access, target.
func (w *World) checkBanAction(uid, rid string, target *User) (*Room, error) {
	r := w.rooms.get(rid)
	switch {
	case !w.can(uid, "ban-user", rid):
		return nil, plain("Not allowed") // can recorded the refusal
	case r == nil:
		return nil, w.refuse(plain("Not allowed"), chkBanRoom, S{rid}, N{0})
	case !memberActionAllowed(r): // spec/SOURCES.md roomsBanUser #6
		return nil, w.refuse(plain("Not allowed"), chkBanRoom, S{rid, r.T}, N{1})
	case w.users.get(uid) == nil:
		return nil, w.refuse(plain("Invalid user"), chkBanCaller, S{uid}, N{})
	case !w.canAccess(r, uid):
		return nil, plain(`The required "roomId" or "roomName" param provided does not match any group`) // canAccess recorded it
	case target == nil:
		return nil, w.refuse(plain("User not found"), chkTargetUser, S{}, N{})
	}
	return r, nil
}

// Ban is rooms.banUser (banUserFromRoom.ts): the subscription is kept with status BANNED, usersCount drops
// by one and the room roles owner/moderator/leader are stripped.
func (w *World) Ban(uid, rid string, target UserSelector) error {
	w.lock()
	defer w.unlock()
	u, err := w.userFromParams(target)
	if err != nil {
		return err
	}
	r, err := w.checkBanAction(uid, rid, u)
	if err != nil {
		return err
	}
	s := w.sub(rid, u.ID)
	st := w.banTargetStep(u, rid, s, false)
	switch {
	case s == nil:
		return w.why.Refuse(&st, plain("User is not in this room"))
	case s.Banned():
		return w.why.Refuse(&st, plain("User is already banned from this room"))
	case slices.Contains(s.Roles, "owner") && w.ownerCount(rid) == 1:
		st.N[2] = 1
		return w.why.Refuse(&st, plain("You are the last owner. Please set new owner before banning the user."))
	}
	w.why.Record(&st)
	now := dateOf(w.clock.Now())
	var stripped []string
	s.Status, s.UpdatedAt = statusBanned, now
	// Subscriptions.removeRolesByUserId is a $pullAll: a subscription that had roles keeps
	// `roles: []`, one that had none keeps no key.
	s.Roles = slices.DeleteFunc(s.Roles, func(role string) bool {
		strip := slices.Contains(roomRoles, role)
		if strip {
			stripped = append(stripped, role)
		}
		return strip
	})
	r.UsersCount--
	r.UpdatedAt = now
	w.subs.touch(s.ID)
	w.rooms.touch(r.ID)
	w.notes.banned(s.ID, w.username(uid), now.Time().UnixMilli())
	w.note(chkBanned, explain.Note, S{u.Username, r.ID, strings.Join(stripped, ", ")}, N{int64(r.UsersCount + 1), int64(r.UsersCount)})
	return nil
}

func (w *World) ownerCount(rid string) int {
	n := 0
	for _, s := range w.roomSubsOf(rid) {
		if slices.Contains(s.Roles, "owner") && !s.Banned() {
			n++
		}
	}
	return n
}

// Unban is rooms.unbanUser (unbanUserFromRoom.ts, executeUnbanUserFromRoom.ts): the subscription is deleted; the user is no member
// afterwards. A target that is not banned answers the plain error "error-user-not-banned".
func (w *World) Unban(uid, rid string, target UserSelector) error {
	w.lock()
	defer w.unlock()
	u, err := w.userFromParams(target)
	if err != nil {
		return err
	}
	if _, err := w.checkBanAction(uid, rid, u); err != nil {
		return err
	}
	s := w.sub(rid, u.ID)
	st := w.banTargetStep(u, rid, s, true)
	if s == nil || !s.Banned() {
		return w.why.Refuse(&st, plain("error-user-not-banned"))
	}
	w.why.Record(&st)
	w.discardSub(s, dateOf(w.clock.Now()))
	w.note(chkBanned, explain.Note, S{u.Username, rid}, N{0, 0, 1})
	return nil
}

// BannedUsers is rooms.bannedUsers (v1/rooms.ts): needs only room access, else 401 "unauthorized".
func (w *World) BannedUsers(uid, rid string, p Page) (*Members, error) {
	w.lock()
	defer w.unlock()
	r := w.rooms.get(rid)
	if r == nil {
		return nil, w.refuse(ErrUnauthorized(), chkRoomFound, S{"_id", rid}, N{})
	}
	if !w.canAccess(r, uid) {
		return nil, ErrUnauthorized() // canAccess recorded it
	}
	var list []Member
	for _, s := range w.roomSubsOf(rid) {
		if u := w.users.get(s.U.ID); u != nil && s.Banned() {
			list = append(list, Member{ID: u.ID, Username: u.Username, Name: u.Name})
		}
	}
	slices.SortFunc(list, func(a, b Member) int { return strings.Compare(a.Username, b.Username) })
	m := p.apply(list)
	w.note(chkMembersPage, explain.Note, S{rid, "banned users"}, N{int64(m.Total), int64(m.Count), int64(m.Offset)})
	return &m, nil
}

// banTargetStep is chkBanTarget's step for u's subscription s to rid.
func (w *World) banTargetStep(u *User, rid string, s *Subscription, unban bool) explain.Step {
	st := explain.Step{Check: chkBanTarget, S: S{u.Username, rid}, N: N{subState(s), explain.Flag(unban)}}
	if s != nil && s.Banned() {
		b := w.notes.ban(s)
		st.S[2], st.N[3] = b.by, b.at
	}
	return st
}
