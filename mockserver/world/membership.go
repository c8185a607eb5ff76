package world

import "github.com/rcinvite/rcinvite/mockserver/explain"

// Kick is channels.kick (k Channel) and groups.kick (k Group). In order: the room
// (findChannelByIdOrName, archived channels refused; groups.kick's getRoomFromParams, which
// checks neither access nor archiving), the user (getUserFromParams), then
// removeUserFromRoomMethod. channels.kick answers the channel as it is afterwards; groups.kick
// answers nothing but success (nil).
func (w *World) Kick(uid string, k Kind, sel RoomSelector, target UserSelector) (*Room, error) {
	w.lock()
	defer w.unlock()
	var r *Room
	var err error
	if k == Group {
		r, err = w.groupFromParams(sel)
	} else {
		r, err = w.channelByIdOrName(sel, true)
	}
	if err != nil {
		return nil, err
	}
	// The route's `!user?.username` failure ("Invalid user") cannot happen here: every mock
	// user has a username.
	u, err := w.userFromParams(target)
	if err != nil {
		return nil, err
	}
	if err := w.removeUserFromRoom(uid, r, u); err != nil {
		return nil, err
	}
	if k == Group {
		return nil, nil
	}
	return r.clone(), nil
}

// removeUserFromRoom is removeUserFromRoomMethod, in its order: remove-user scoped to the
// room; a room type that allows removing members (not a DM); a caller
// without kick-user-from-any-<t>-room must have access to the room ("…does not match any
// group", whatever the room type) and the target must have a subscription; the target is not
// the room's last owner. Then the subscription goes (a BANNED one too, which lifts the ban
// [inferred]). A kicker with kick-user-from-any-<t>-room (admins, for channels) may "remove"
// a user who is not in the room: it succeeds and changes nothing. Callers hold the world lock.
func (w *World) removeUserFromRoom(uid string, r *Room, target *User) error {
	const m = "removeUserFromRoom"
	// spec/SOURCES.md channelsKick #5, #6 (can and allowsMemberAction record the refusal)
	if !w.can(uid, "remove-user", r.ID) || !w.allowsMemberAction(r, "removing members") {
		return errNotAllowed(m) // can or allowsMemberAction recorded the refusal
	}
	// (The method's "Invalid user" for a caller who does not exist cannot happen over REST.)
	kickAny := w.can(uid, "kick-user-from-any-"+r.T+"-room", "")
	if !kickAny && !w.canAccess(r, uid) { // spec/SOURCES.md channelsKick #8
		return errRoomNotFound(Group.Noun) // canAccess recorded it
	}
	s := w.sub(r.ID, target.ID)
	switch {
	case s == nil && !kickAny: // spec/SOURCES.md channelsKick #9
		return w.refuse(errUserNotInRoom(m), chkRoomMember, S{target.Username, r.ID}, N{subNone})
	case s == nil:
		w.note(chkRoomMember, explain.Note, S{target.Username, r.ID}, N{subNone, 1})
		return nil
	}
	w.note(chkRoomMember, explain.Pass, S{target.Username, r.ID}, N{subState(s)})
	if w.isLastOwner(s, lastOwnerKick) { // spec/SOURCES.md channelsKick #10
		return errLastOwner(m) // isLastOwner recorded it
	}
	w.leave(r, s, w.username(uid))
	return nil
}

// allowsMemberAction is memberActionAllowed for action (in words: "leaving"), recorded.
func (w *World) allowsMemberAction(r *Room, action string) bool {
	ok := memberActionAllowed(r)
	w.note(chkRoomType, verdictOf(ok), S{r.ID, r.T, action}, N{})
	return ok
}

func errLastOwner(m string) *Error {
	return coded("error-you-are-last-owner", "You are the last owner. Please set new owner before leaving the room.", method(m))
}

// leave deletes a member's subscription (Subscriptions.removeByRoomIdAndUserId, into the
// trash) and counts the member out of usersCount; by is the kicker's username ("" when the
// member leaves). A BANNED subscription was counted out by the ban already. [inferred: whether
// 8.4's removeByRoomIdAndUserId decrements usersCount again for a banned subscription is not
// seen]
func (w *World) leave(r *Room, s *Subscription, by string) { // spec/SOURCES.md channelsKick #12, channelsLeave #8
	now := dateOf(w.clock.Now())
	before, banned := r.UsersCount, s.Banned()
	if !banned {
		r.UsersCount--
	}
	r.UpdatedAt = now
	w.rooms.touch(r.ID)
	w.discardSub(s, now)
	w.note(chkRoomLeft, explain.Note, S{s.U.Username, r.ID, by}, N{int64(before), int64(r.UsersCount), explain.Flag(banned)})
}

// Leave is channels.leave (k Channel), groups.leave (k Group) and rooms.leave (k AnyRoom):
// the family's room lookup (archived rooms refused; groups need access, so a banned member
// gets error-room-not-found), then leaveRoomMethod: a room type members can leave (not a DM),
// leave-c / leave-p, a subscription of the caller ("You are not in this room"), not the last
// owner. channels.leave answers the channel afterwards; the others nothing but success (nil).
func (w *World) Leave(uid string, k Kind, sel RoomSelector) (*Room, error) {
	const m = "leaveRoom"
	w.lock()
	defer w.unlock()
	r, err := w.findRoom(uid, k, sel, true)
	if err != nil {
		return nil, err
	}
	// The route's Users.findOneById(this.userId) cannot fail for an authenticated caller.
	// spec/SOURCES.md channelsLeave #4, #5 (allowsMemberAction and can record the refusal)
	if !w.allowsMemberAction(r, "leaving") || (r.T == "c" && !w.can(uid, "leave-c", "")) || (r.T == "p" && !w.can(uid, "leave-p", "")) {
		return nil, errNotAllowed(m) // allowsMemberAction or can recorded the refusal
	}
	s := w.sub(r.ID, uid)
	if s == nil { // spec/SOURCES.md channelsLeave #6
		return nil, w.refuse(coded("error-user-not-in-room", "You are not in this room", method(m)), chkRoomMember, S{w.username(uid), r.ID}, N{subNone})
	}
	w.note(chkRoomMember, explain.Pass, S{s.U.Username, r.ID}, N{subState(s)})
	if w.isLastOwner(s, lastOwnerLeave) { // spec/SOURCES.md channelsLeave #7
		return nil, errLastOwner(m) // isLastOwner recorded it
	}
	w.leave(r, s, "")
	if k != Channel {
		return nil, nil
	}
	return r.clone(), nil
}

// RoomOf is channels.info (k Channel) and groups.info (k Group): the family's room lookup with
// archived rooms allowed. channels.info needs no access (any logged-in user reads a channel,
// a banned one too); groups.info needs access to the group.
func (w *World) RoomOf(uid string, k Kind, sel RoomSelector) (*Room, error) {
	w.lock()
	defer w.unlock()
	r, err := w.findRoom(uid, k, sel, false)
	if err != nil {
		return nil, err
	}
	w.note(chkRoomRead, explain.Note, S{r.ID, r.T}, N{explain.Flag(k == Group)})
	return r.clone(), nil
}
