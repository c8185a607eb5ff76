package world

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/rcinvite/rcinvite/mockserver/explain"
)

// Kind is the REST family a room operation is called through: channels.* (public rooms),
// groups.* (private groups) or rooms.* (any room). They share their rules but not their room
// lookups and names.
type Kind struct {
	T    string // room type: "c" or "p"; "" for rooms.*, which takes any
	Noun string // word of the not-found message: "channel" or "group"
}

// Kinds of rooms reachable through channels.*, groups.* and rooms.*.
var (
	Channel = Kind{T: "c", Noun: "channel"}
	Group   = Kind{T: "p", Noun: "group"}
	AnyRoom = Kind{Noun: "channel"}
)

// RoomSelector names a room by roomId or roomName (roomId wins when both are given).
// HasID and HasName say that the key was sent, even empty (JavaScript's `'roomId' in params`):
// Rocket.Chat looks a room up by a present roomId even when it is "". Without them a non-empty
// value counts as present.
type RoomSelector struct {
	ID      string
	Name    string
	HasID   bool
	HasName bool
}

// hasID and hasName say that the key was sent ('roomId' in params).
func (s RoomSelector) hasID() bool   { return s.HasID || s.ID != "" }
func (s RoomSelector) hasName() bool { return s.HasName || s.Name != "" }

// given is the lookups' first check: neither key, or both keys and both empty, is "not
// provided" (spec/SOURCES.md roomsInfo #1).
func (s RoomSelector) given() bool {
	if !s.hasID() && !s.hasName() {
		return false
	}
	return !(s.hasID() && s.ID == "" && s.hasName() && s.Name == "")
}

// UserSelector names a user by userId, username or user (getUserFromParams' keys, in that
// order of precedence). IDs and Usernames are the lists getUserListFromParams also takes
// (channels.invite, groups.invite).
type UserSelector struct {
	ID        string
	Username  string
	User      string // the `user` key: a username, like Username
	IDs       []string
	Usernames []string
}

// Page selects a slice of a list as getPaginationItems does (helpers/getPaginationItems.ts):
// Count 0 means API_Default_Count, 50; at most API_Upper_Count_Limit, 100; Unlimited is a count
// of 0 sent by the client, which API_Allow_Infinite_Count (on by default [inferred]) turns
// into no limit. spec/SOURCES.md "Pagination"
type Page struct {
	Offset    int
	Count     int
	Unlimited bool
}

// Members is a page of room members (or banned users).
type Members struct {
	Members []Member
	Count   int
	Offset  int
	Total   int
}

func (p Page) apply(list []Member) Members {
	count := p.Count
	switch {
	case p.Unlimited:
		count = len(list)
	case count < 0:
		count = -count // MongoDB takes a negative limit as its absolute value [inferred]
	case count == 0:
		count = 50
	}
	if !p.Unlimited {
		count = min(count, 100)
	}
	offset := min(max(p.Offset, 0), len(list))
	end := min(offset+count, len(list))
	page := append([]Member{}, list[offset:end]...)
	return Members{Members: page, Count: len(page), Offset: max(p.Offset, 0), Total: len(list)}
}

// roomNamePattern is UTF8_Channel_Names_Validation's default.
var roomNamePattern = regexp.MustCompile(`^[0-9a-zA-Z-_.]+$`)

// userByIDOrUsername is getUserFromParams' lookup: the first of userId, username and user
// that is not blank once trimmed, by _id (the value as sent) or by username ignoring case.
func (w *World) userByIDOrUsername(sel UserSelector) *User {
	switch {
	case !blank(sel.ID):
		return w.users.get(sel.ID)
	case !blank(sel.Username):
		return w.userByUsername(sel.Username)
	case !blank(sel.User):
		return w.userByUsername(sel.User)
	}
	return nil
}

// roomByIDOrName is Rooms.findOneById(roomId) when roomId was sent, else
// Rooms.findOneByName(roomName) when roomName was, else nothing (roomBySelector records it).
func (w *World) roomByIDOrName(sel RoomSelector) *Room {
	switch {
	case sel.hasID():
		return w.rooms.get(sel.ID)
	case sel.hasName(): // roomId wins when both are sent
		for r := range w.rooms.values() {
			if r.Name != "" && r.Name == sel.Name { // {name: ""} matches no room without a name
				return r
			}
		}
	}
	return nil
}

// findRoom is the family's room lookup (lookup.go): findChannelByIdOrName for channels.*,
// findPrivateGroupByIdOrName for groups.*, findRoomByIdOrName for rooms.*.
func (w *World) findRoom(uid string, k Kind, sel RoomSelector, checkArchived bool) (*Room, error) {
	switch k {
	case Channel:
		return w.channelByIdOrName(sel, checkArchived)
	case Group:
		return w.privateGroupByIdOrName(uid, sel, checkArchived)
	}
	return w.roomByIdOrName(sel, checkArchived)
}

// join subscribes u to r (addUserToRoom) and counts the new member.
func (w *World) join(r *Room, u *User, roles []string, now Date) {
	id := w.newID(17, func(id string) bool { return w.subs.get(id) != nil })
	w.putSub(w.newSubscription(r, u, id, roles, now))
	r.UsersCount++
	r.UpdatedAt = now
	w.rooms.touch(r.ID)
}

func (r *Room) clone() *Room {
	c := *r
	c.Usernames, c.Uids = slices.Clone(r.Usernames), slices.Clone(r.Uids)
	if r.U != nil {
		u := *r.U
		c.U = &u
	}
	return &c
}

// NewRoom is the body of channels.create / groups.create.
type NewRoom struct {
	Name        string
	Members     []string // usernames; unknown ones are skipped [inferred]
	ReadOnly    bool
	ExcludeSelf bool
}

// CreateRoom creates a channel or group owned by the caller (create-c / create-p).
func (w *World) CreateRoom(uid string, k Kind, n NewRoom) (*Room, error) {
	w.lock()
	defer w.unlock()
	// channels.create (createChannelValidator) and groups.create word these differently.
	switch {
	case !w.can(uid, "create-"+k.T, "") && k.T == "p": // spec/SOURCES.md groupsCreate #2
		return nil, ErrUnauthorized() // can recorded the refusal
	case !w.can(uid, "create-"+k.T, ""): // spec/SOURCES.md channelsCreate #1
		return nil, ErrForbidden("unauthorized") // can recorded the refusal
	case n.Name == "" && k.T == "p": // spec/SOURCES.md groupsCreate #3
		return nil, w.refuse(plain(`Body param "name" is required`), chkRoomName, S{}, N{1})
	case n.Name == "":
		return nil, w.refuse(plain(`Param "name" is required`), chkRoomName, S{}, N{1})
	}
	details := map[string]any{"function": "RocketChat.createRoom", "channel_name": n.Name}
	if !roomNamePattern.MatchString(n.Name) {
		return nil, w.refuse(coded("error-invalid-room-name", n.Name+" is not a valid room name", details), chkRoomName, S{n.Name}, N{2})
	}
	if r := w.roomNamed(n.Name); r != nil { // case-insensitive, by the name index
		return nil, w.refuse(coded("error-duplicate-channel-name", fmt.Sprintf("A channel with name '%s' exists", n.Name), details),
			chkRoomName, S{n.Name, r.ID}, N{3})
	}
	owner := w.users.get(uid)
	now := dateOf(w.clock.Now())
	r := &Room{ID: w.newID(17, func(id string) bool { return w.rooms.get(id) != nil }), T: k.T, Name: n.Name,
		FName: n.Name, U: &UserRef{ID: owner.ID, Username: owner.Username}, RO: n.ReadOnly, SysMes: true, Ts: now, UpdatedAt: now}
	w.putRoom(r)
	if !n.ExcludeSelf {
		w.join(r, owner, []string{"owner"}, now)
	}
	for _, name := range n.Members {
		if u := w.userByUsername(name); u != nil && w.sub(r.ID, u.ID) == nil {
			w.join(r, u, nil, now)
		}
	}
	w.note(chkRoomCreated, explain.Note, S{r.ID, r.Name, r.T}, N{int64(r.UsersCount)})
	return r.clone(), nil
}

// DeleteRoom erases a room and its subscriptions (delete-c / delete-p scoped to the room).
// Its invites stay: using them afterwards answers error-invalid-room.
func (w *World) DeleteRoom(uid string, k Kind, sel RoomSelector) error {
	w.lock()
	defer w.unlock()
	r, err := w.findRoom(uid, k, sel, false)
	if err != nil {
		return err
	}
	if !w.can(uid, "delete-"+r.T, r.ID) {
		return errNotAllowed("eraseRoom") // can recorded the refusal
	}
	now := dateOf(w.clock.Now())
	subs := w.roomSubsOf(r.ID)
	for _, s := range subs {
		w.discardSub(s, now)
	}
	w.discardRoom(r, now)
	w.note(chkRoomDeleted, explain.Note, S{r.ID}, N{int64(len(subs))})
	return nil
}

// InviteToRoom is channels.invite / groups.invite: add-user-to-joined-room for members, or
// add-user-to-any-c-room / add-user-to-any-p-room; a banned target is refused with
// error-user-is-banned (PR #39840); a member stays a member.
func (w *World) InviteToRoom(uid string, k Kind, sel RoomSelector, target UserSelector) (*Room, error) {
	w.lock()
	defer w.unlock()
	r, err := w.findRoom(uid, k, sel, true)
	if err != nil {
		return nil, err
	}
	users, err := w.usersFromList(target)
	if err != nil {
		return nil, err
	}
	if len(users) == 0 { // spec/SOURCES.md channelsInvite #3
		// API.v1.failure('invalid-user-invite-list', 'Cannot invite if no users are provided')
		return nil, w.refuse(&Error{Reason: "invalid-user-invite-list", Code: "Cannot invite if no users are provided", Plain: true},
			chkInviteUsers, S{}, N{}) // usersFromList recorded whom it looked for
	}
	callerSub := w.sub(r.ID, uid)
	joined := callerSub != nil && !callerSub.Banned()
	if !(joined && w.can(uid, "add-user-to-joined-room", r.ID)) && !w.can(uid, "add-user-to-any-"+r.T+"-room", "") {
		return nil, errNotAllowed("addUsersToRoom") // can recorded the refusal
	}
	for _, u := range users { // addUsersToRoom refuses a banned target before adding anyone
		if s := w.sub(r.ID, u.ID); s != nil && s.Banned() {
			return nil, w.refuse(errUserIsBanned("addUsersToRoom"), chkRoomJoin, S{u.Username, r.ID}, N{subBanned}) // message text [inferred]
		}
	}
	for _, u := range users {
		s := w.sub(r.ID, u.ID)
		if s == nil {
			w.join(r, u, nil, dateOf(w.clock.Now()))
		}
		w.note(chkRoomJoin, explain.Note, S{u.Username, r.ID}, N{subState(s)})
	}
	return r.clone(), nil
}

// usersFromList is getUserListFromParams (helpers/getUserFromParams.ts): the list userIds, else
// usernames, plus the sole userId, else username; empty entries dropped, duplicates once; none
// at all is error-users-params-not-provided; by ids when userIds or userId is given, else by
// usernames ignoring case; unknown entries are left out. spec/SOURCES.md channelsInvite #3
func (w *World) usersFromList(sel UserSelector) ([]*User, error) {
	list := sel.IDs
	if list == nil {
		list = sel.Usernames
	}
	sole := sel.ID
	if sole == "" {
		sole = sel.Username
	}
	var names []string
	for _, n := range append(slices.Clone(list), sole) {
		if n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, w.refuse(coded("error-users-params-not-provided", `Please provide "userId" or "username" or "userIds" or "usernames" as param`, nil),
			chkTargetUser, S{}, N{})
	}
	byID := sel.IDs != nil || sel.ID != ""
	var users []*User
	for _, n := range names {
		u := w.userByUsername(n)
		if byID {
			u = w.users.get(n)
		}
		if u != nil && !slices.Contains(users, u) {
			users = append(users, u)
		}
		if w.why != nil {
			by, name := "username", ""
			if byID {
				by = "_id"
			}
			if u != nil {
				name = u.Username
			}
			w.note(chkTargetUser, verdictOf(u != nil), S{by, n, name}, N{})
		}
	}
	return users, nil
}

// JoinChannel is channels.join: a banned user cannot access the room and gets
// error-not-allowed {method:"joinRoom"}; a member stays a member.
func (w *World) JoinChannel(uid string, sel RoomSelector) (*Room, error) {
	w.lock()
	defer w.unlock()
	r, err := w.findRoom(uid, Channel, sel, true)
	if err != nil {
		return nil, err
	}
	if !w.canAccess(r, uid) { // spec/SOURCES.md channelsJoin #3
		return nil, errNotAllowed("joinRoom") // canAccess recorded it
	}
	s := w.sub(r.ID, uid)
	if s == nil {
		w.join(r, w.users.get(uid), nil, dateOf(w.clock.Now()))
	}
	w.note(chkRoomJoin, explain.Note, S{w.username(uid), r.ID}, N{subState(s), 1})
	return r.clone(), nil
}

// RoomMembers is channels.members / groups.members: the non-banned members sorted by username.
// A channel the caller cannot access answers 403 "unauthorized".
func (w *World) RoomMembers(uid string, k Kind, sel RoomSelector, p Page) (*Members, error) {
	w.lock()
	defer w.unlock()
	r, err := w.findRoom(uid, k, sel, false)
	if err != nil {
		return nil, err
	}
	if !w.canAccess(r, uid) {
		return nil, ErrForbidden("unauthorized") // canAccess recorded it
	}
	var list []Member
	for _, s := range w.roomSubsOf(r.ID) {
		if u := w.users.get(s.U.ID); u != nil && !s.Banned() {
			list = append(list, Member{ID: u.ID, Username: u.Username, Name: u.Name, Status: u.status()})
		}
	}
	slices.SortFunc(list, func(a, b Member) int { return strings.Compare(a.Username, b.Username) })
	m := p.apply(list)
	w.note(chkMembersPage, explain.Note, S{r.ID, "members"}, N{int64(m.Total), int64(m.Count), int64(m.Offset)})
	return &m, nil
}

// RoomInfo is rooms.info (findRoomByIdOrName with checkedArchived: no room parameter is
// error-roomid-param-not-provided, an unknown room error-room-not-found, an archived room
// error-room-archived), then a room the caller cannot access API.v1.failure('not-allowed',
// 'Not Allowed'): {"success":false,"error":"not-allowed","errorType":"Not Allowed"}.
func (w *World) RoomInfo(uid string, sel RoomSelector) (*Room, error) {
	w.lock()
	defer w.unlock()
	r, err := w.roomByIdOrName(sel, true) // spec/SOURCES.md roomsInfo #1-#3
	if err != nil {
		return nil, err
	}
	if !w.canAccess(r, uid) {
		return nil, &Error{Code: "Not Allowed", Reason: "not-allowed", Plain: true} // canAccess recorded it
	}
	return r.clone(), nil
}

// SubscriptionsGetOne is subscriptions.getOne: an empty roomId is the route's plain "The
// 'roomId' param is required"; otherwise Subscription.
func (w *World) SubscriptionsGetOne(uid, roomID string) (*Subscription, error) {
	if roomID == "" { // spec/SOURCES.md subscriptionsGetOne #2
		return nil, w.refuse(plain("The 'roomId' param is required"), chkSubscriptionRoomID, S{}, N{})
	}
	return w.Subscription(uid, roomID), nil
}

// Subscription is the caller's subscription to rid (a ban included, with status BANNED), or
// nil.
func (w *World) Subscription(uid, rid string) *Subscription {
	w.lock()
	defer w.unlock()
	s := w.sub(rid, uid)
	if s == nil {
		w.note(chkSubscription, explain.Note, S{w.username(uid), rid}, N{0})
		return nil
	}
	w.note(chkSubscription, explain.Note, S{w.username(uid), rid, s.Status}, N{1})
	c := *s
	c.Roles = slices.Clone(s.Roles)
	return &c
}
