package world

import (
	"slices"
	"strings"
)

// roomRoles are the room-scoped roles a ban strips.
var roomRoles = []string{"owner", "moderator", "leader"}

// checkBanAction runs the checks banUserFromRoomMethod and unbanUserFromRoom share, in order,
// with their plain Error messages (server/lib/banUserFromRoom.ts, unbanUserFromRoom.ts): permission and room, caller, access, target.
func (w *World) checkBanAction(uid, rid string, target *User) (*Room, error) {
	r := w.rooms.get(rid)
	if !w.can(uid, "ban-user", rid) || r == nil || !memberActionAllowed(r) { // spec/SOURCES.md roomsBanUser #6
		return nil, plain("Not allowed")
	}
	if w.users.get(uid) == nil {
		return nil, plain("Invalid user")
	}
	if !w.canAccess(r, uid) {
		return nil, plain(`The required "roomId" or "roomName" param provided does not match any group`)
	}
	if target == nil {
		return nil, plain("User not found")
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
	switch {
	case s == nil:
		return plain("User is not in this room")
	case s.Banned():
		return plain("User is already banned from this room")
	case slices.Contains(s.Roles, "owner") && w.ownerCount(rid) == 1:
		return plain("You are the last owner. Please set new owner before banning the user.")
	}
	now := dateOf(w.clock.Now())
	s.Status, s.UpdatedAt = statusBanned, now
	// Subscriptions.removeRolesByUserId is a $pullAll: a subscription that had roles keeps
	// `roles: []`, one that had none keeps no key.
	s.Roles = slices.DeleteFunc(s.Roles, func(role string) bool { return slices.Contains(roomRoles, role) })
	r.UsersCount--
	r.UpdatedAt = now
	w.subs.touch(s.ID)
	w.rooms.touch(r.ID)
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
	if s == nil || !s.Banned() {
		return plain("error-user-not-banned")
	}
	w.discardSub(s, dateOf(w.clock.Now()))
	return nil
}

// BannedUsers is rooms.bannedUsers (v1/rooms.ts): needs only room access, else 401 "unauthorized".
func (w *World) BannedUsers(uid, rid string, p Page) (*Members, error) {
	w.lock()
	defer w.unlock()
	r := w.rooms.get(rid)
	if r == nil || !w.canAccess(r, uid) {
		return nil, ErrUnauthorized()
	}
	var list []Member
	for _, s := range w.roomSubsOf(rid) {
		if u := w.users.get(s.U.ID); u != nil && s.Banned() {
			list = append(list, Member{ID: u.ID, Username: u.Username, Name: u.Name})
		}
	}
	slices.SortFunc(list, func(a, b Member) int { return strings.Compare(a.Username, b.Username) })
	m := p.apply(list)
	return &m, nil
}
