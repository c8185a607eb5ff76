package world

import (
	"cmp"
	"slices"
	"strings"

	"github.com/rcinvite/rcinvite/mockserver/explain"
)

// RoomRole is a room-scoped role (held on the subscription) with the methods that grant and
// revoke it: server/methods/addRoom<Role>.ts and removeRoom<Role>.ts. The three pairs share
// their shape but not every check, so each field names one of the differences.
type RoomRole struct {
	Name       string // the role's _id: "owner", "moderator", "leader"
	Permission string // the permission both methods check, scoped to the room
	add        string // the granting method's name (the errors' details.method)
	remove     string // the revoking method's name
	already    string // the reason of error-user-already-<role>
	notHolder  string // the reason of error-user-not-<role>
	// notInRoomOnRemove is the revoking method's error when the user has no subscription:
	// removeRoomOwner and removeRoomModerator say error-invalid-room "Invalid room",
	// removeRoomLeader error-user-not-in-room.
	notInRoomOnRemove func(method string) *Error
	// keylessHolds: the revoking method's holder check passes a subscription without a roles
	// key (removeRoomModerator and removeRoomLeader test `subscription.roles && …`;
	// removeRoomOwner refuses it with error-user-not-owner).
	keylessHolds bool
	lastOwner    bool // removeRoomOwner refuses to remove the room's only owner
}

// The room roles and their methods.
var (
	Owner = RoomRole{Name: "owner", Permission: "set-owner", add: "addRoomOwner", remove: "removeRoomOwner",
		already: "User is already an owner", notHolder: "User is not an owner", notInRoomOnRemove: errInvalidRoomOf, lastOwner: true}
	Moderator = RoomRole{Name: "moderator", Permission: "set-moderator", add: "addRoomModerator", remove: "removeRoomModerator",
		already: "User is already a moderator", notHolder: "User is not a moderator", notInRoomOnRemove: errInvalidRoomOf, keylessHolds: true}
	Leader = RoomRole{Name: "leader", Permission: "set-leader", add: "addRoomLeader", remove: "removeRoomLeader",
		already: "User is already a leader", notHolder: "User is not a leader", notInRoomOnRemove: errUserNotInRoom, keylessHolds: true}
)

func errInvalidRoomOf(m string) *Error { return coded("error-invalid-room", "Invalid room", method(m)) }

func errUserNotInRoom(m string) *Error {
	return coded("error-user-not-in-room", "User is not in this room", method(m))
}

// AddRoomRole is channels.addOwner, channels.addModerator, channels.addLeader and their
// groups.* twins. In order: the room (the family's lookup, archived rooms refused), the user
// (getUserFromParams), then the method: the role's permission scoped to the room, the user's
// subscription (any, a BANNED one included: findOneByRoomIdAndUserId
// does not look at status [likely]), not holding the role yet. Then $addToSet the role.
func (w *World) AddRoomRole(uid string, k Kind, sel RoomSelector, target UserSelector, role RoomRole) error {
	w.lock()
	defer w.unlock()
	s, err := w.roleTarget(uid, k, sel, target, role, role.add, errUserNotInRoom)
	if err != nil {
		return err
	}
	if slices.Contains(s.Roles, role.Name) { // spec/SOURCES.md channelsAddOwner #10
		return w.refuse(coded("error-user-already-"+role.Name, role.already, method(role.add)),
			chkRoleHeld, w.roleSlots(s, role), N{1, 1})
	}
	w.note(chkRoleHeld, explain.Pass, w.roleSlots(s, role), N{0, 1})
	s.Roles = append(s.Roles, role.Name)
	w.touchSub(s)
	w.note(chkRoleWrite, explain.Note, w.roleSlots(s, role), N{1})
	return nil
}

// roleSlots are chkRoleHeld's and chkRoleWrite's strings for s and role; the roles are joined
// only for someone who reads them.
func (w *World) roleSlots(s *Subscription, role RoomRole) S {
	if w.why == nil {
		return S{}
	}
	return S{s.U.Username, s.Rid, role.Name, strings.Join(s.Roles, ", ")}
}

// RemoveRoomRole is channels.removeOwner, channels.removeModerator, channels.removeLeader and
// their groups.* twins: the checks of AddRoomRole with the revoking method's own errors for a
// missing subscription and a user without the role, and for owners the last-owner check
// (Roles.countUsersInRole('owner', rid) == 1). Then $pull the role: a subscription that had
// roles keeps `roles: []`.
func (w *World) RemoveRoomRole(uid string, k Kind, sel RoomSelector, target UserSelector, role RoomRole) error {
	w.lock()
	defer w.unlock()
	s, err := w.roleTarget(uid, k, sel, target, role, role.remove, role.notInRoomOnRemove)
	if err != nil {
		return err
	}
	holds := slices.Contains(s.Roles, role.Name) || (s.Roles == nil && role.keylessHolds)
	held := N{explain.Flag(holds), 0, explain.Flag(s.Roles == nil)}
	if !holds { // spec/SOURCES.md channelsRemoveOwner #10, channelsRemoveModerator #10
		return w.refuse(coded("error-user-not-"+role.Name, role.notHolder, method(role.remove)), chkRoleHeld, w.roleSlots(s, role), held)
	}
	w.note(chkRoleHeld, explain.Pass, w.roleSlots(s, role), held)
	if role.lastOwner && w.isLastOwner(s, lastOwnerRemoveRole) { // spec/SOURCES.md channelsRemoveOwner #11
		return coded("error-remove-last-owner", "This is the last owner. Please set a new owner before removing this one.", method(role.remove)) // isLastOwner recorded it
	}
	if s.Roles != nil {
		s.Roles = slices.DeleteFunc(s.Roles, func(r string) bool { return r == role.Name })
	}
	w.touchSub(s)
	w.note(chkRoleWrite, explain.Note, w.roleSlots(s, role), N{0})
	return nil
}

// isLastOwner is the last-owner check on the subscription s before action (chkLastOwner's
// actions), recorded: s holds owner and no other subscription to its room does.
func (w *World) isLastOwner(s *Subscription, action int64) bool {
	if !slices.Contains(s.Roles, Owner.Name) {
		w.note(chkLastOwner, explain.Pass, S{s.U.Username, s.Rid}, N{0, 0, action})
		return false
	}
	n := w.roleHolders(s.Rid, Owner.Name)
	w.note(chkLastOwner, verdictOf(n != 1), S{s.U.Username, s.Rid}, N{1, int64(n), action})
	return n == 1
}

// roleTarget runs the checks both role methods share and returns the target's subscription:
// the room, getUserFromParams, the permission, the subscription (notInRoom answers its
// absence). Callers hold the world lock.
func (w *World) roleTarget(uid string, k Kind, sel RoomSelector, target UserSelector, role RoomRole, m string, notInRoom func(string) *Error) (*Subscription, error) {
	r, err := w.findRoom(uid, k, sel, true) // spec/SOURCES.md channelsAddOwner #1-#3, groupsAddOwner #1-#4
	if err != nil {
		return nil, err
	}
	u, err := w.userFromParams(target) // spec/SOURCES.md channelsAddOwner #4, #5
	if err != nil {
		return nil, err
	}
	if !w.can(uid, role.Permission, r.ID) { // spec/SOURCES.md channelsAddOwner #7
		return nil, errNotAllowed(m) // can recorded the refusal
	}
	// The method's error-invalid-user for a user without a username cannot happen: every mock
	// user has one.
	s := w.sub(r.ID, u.ID)
	if s == nil { // spec/SOURCES.md channelsAddOwner #9, channelsRemoveOwner #9
		return nil, w.refuse(notInRoom(m), chkRoomMember, S{u.Username, r.ID}, N{subNone})
	}
	w.note(chkRoomMember, explain.Pass, S{u.Username, r.ID}, N{subState(s)})
	return s, nil
}

// touchSub marks a subscription changed now (BaseRaw's updates set _updatedAt).
func (w *World) touchSub(s *Subscription) {
	s.UpdatedAt = dateOf(w.clock.Now())
	w.subs.touch(s.ID)
}

// roleHolders is Roles.countUsersInRole(role, rid): the room's subscriptions holding role,
// banned or not.
func (w *World) roleHolders(rid, role string) int {
	n := 0
	for _, s := range w.roomSubsOf(rid) {
		if slices.Contains(s.Roles, role) {
			n++
		}
	}
	return n
}

// RoomRoleHolder is one entry of channels.roles and groups.roles: a subscription holding a
// room role, projected on {_id, rid, u, roles}.
type RoomRoleHolder struct {
	ID    string   `json:"_id"`
	Rid   string   `json:"rid"`
	U     UserRef  `json:"u"`
	Roles []string `json:"roles"`
}

// RoomRoles is channels.roles / groups.roles: the room (the family's lookup, archived rooms
// refused), then executeGetRoomRoles: a caller without access to the room gets
// error-invalid-user "Invalid user" {method: getRoomRoles}. Then getRoomRoles: the
// subscriptions holding owner, moderator or leader (the Subscriptions-scoped roles), sorted by
// u.username.
func (w *World) RoomRoles(uid string, k Kind, sel RoomSelector) ([]RoomRoleHolder, error) {
	w.lock()
	defer w.unlock()
	r, err := w.findRoom(uid, k, sel, true)
	if err != nil {
		return nil, err
	}
	if !w.canAccess(r, uid) { // spec/SOURCES.md channelsRoles #5
		return nil, coded("error-invalid-user", "Invalid user", method("getRoomRoles")) // canAccess recorded it
	}
	out := []RoomRoleHolder{}
	for _, s := range w.roomSubsOf(r.ID) {
		if slices.ContainsFunc(s.Roles, func(role string) bool { return slices.Contains(roomRoles, role) }) {
			out = append(out, RoomRoleHolder{ID: s.ID, Rid: s.Rid, U: s.U, Roles: slices.Clone(s.Roles)})
		}
	}
	slices.SortStableFunc(out, func(a, b RoomRoleHolder) int { return cmp.Compare(a.U.Username, b.U.Username) })
	w.note(chkRoomRoles, explain.Note, S{r.ID}, N{int64(len(out))})
	return out, nil
}

// userFromParams is getUserFromParams: the first of userId, username and user that is not
// blank once trimmed, looked up by _id (the value as sent) or by username ignoring case;
// error-user-param-not-provided when none is given, error-invalid-user when nobody matches.
func (w *World) userFromParams(sel UserSelector) (*User, error) {
	if blank(sel.ID) && blank(sel.Username) && blank(sel.User) {
		return nil, w.refuse(coded("error-user-param-not-provided", `The required "userId" or "username" param was not provided`, nil),
			chkTargetUser, S{}, N{})
	}
	if u := w.userByParams(sel); u != nil {
		return u, nil
	}
	return nil, errInvalidUserParam() // userByParams recorded it
}
