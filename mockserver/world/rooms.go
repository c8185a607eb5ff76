package world

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/rcinvite/rcinvite/mockserver/explain"
)

// Kind is the REST family a room operation is called through: channels.* (public rooms) or
// groups.* (private groups). The two share every rule but their lookups and names.
type Kind struct {
	T    string // room type: "c" or "p"
	Noun string // word of the not-found message: "channel" or "group"
}

// Kinds of rooms reachable through channels.* and groups.*.
var (
	Channel = Kind{T: "c", Noun: "channel"}
	Group   = Kind{T: "p", Noun: "group"}
)

// RoomSelector names a room by roomId or roomName (roomId wins when both are given).
type RoomSelector struct {
	ID   string
	Name string
}

// UserSelector names a user by userId or username (userId wins when both are given).
type UserSelector struct {
	ID       string
	Username string
}

// Page selects a slice of a list: Count 0 means the default of 50; at most 100. [inferred:
// API_Default_Count / API_Upper_Count_Limit defaults]
type Page struct {
	Offset int
	Count  int
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
	if count <= 0 {
		count = 50
	}
	count = min(count, 100)
	offset := min(max(p.Offset, 0), len(list))
	end := min(offset+count, len(list))
	page := append([]Member{}, list[offset:end]...)
	return Members{Members: page, Count: len(page), Offset: max(p.Offset, 0), Total: len(list)}
}

// roomNamePattern is UTF8_Channel_Names_Validation's default.
var roomNamePattern = regexp.MustCompile(`^[0-9a-zA-Z-_.]+$`)

// userByIDOrUsername is getUserFromParams' lookup: by id, else by username (ignoring case).
func (w *World) userByIDOrUsername(sel UserSelector) *User {
	if sel.ID != "" {
		return w.users.get(sel.ID)
	}
	if sel.Username != "" {
		return w.userByUsername(sel.Username)
	}
	return nil
}

// roomByIDOrName finds a room by _id, else by name.
func (w *World) roomByIDOrName(sel RoomSelector) *Room {
	if sel.ID != "" {
		return w.rooms.get(sel.ID)
	}
	for r := range w.rooms.values() {
		if sel.Name != "" && r.Name == sel.Name {
			return r
		}
	}
	return nil
}

// findRoom is findChannelByIdOrName / findPrivateGroupByIdOrName: the room must be of the
// kind's type; a group must also be accessible to the caller; archived rooms are refused when
// checkArchived is set.
func (w *World) findRoom(uid string, k Kind, sel RoomSelector, checkArchived bool) (*Room, error) {
	if sel.ID == "" && sel.Name == "" {
		return nil, w.refuse(coded("error-room-param-not-provided", `The parameter "roomId" or "roomName" is required`, nil), chkRoomParam, S{}, N{})
	}
	r := w.roomBySelector(sel)
	switch {
	case r == nil:
		return nil, errRoomNotFound(k.Noun) // roomBySelector recorded it
	case r.T != k.T:
		return nil, w.refuse(errRoomNotFound(k.Noun), chkRoomKind, S{r.ID, r.T, k.T}, N{})
	case k.T == "p" && !w.canAccess(r, uid):
		return nil, errRoomNotFound(k.Noun) // canAccess recorded it
	}
	if checkArchived && r.Archived {
		what := "channel"
		if k.T == "p" {
			what = "private group"
		}
		return nil, w.refuse(coded("error-room-archived", fmt.Sprintf("The %s, %s, is archived", what, r.Name), nil), chkRoomArchived, S{r.ID}, N{})
	}
	return r, nil
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
	w.mu.Lock()
	defer w.unlock()
	if !w.can(uid, "create-"+k.T, "") {
		return nil, ErrForbidden("unauthorized") // can recorded the refusal
	}
	if n.Name == "" {
		return nil, w.refuse(plain(`Param "name" is required`), chkRoomName, S{}, N{1})
	}
	details := map[string]any{"function": "RocketChat.createRoom", "channel_name": n.Name}
	if !roomNamePattern.MatchString(n.Name) {
		return nil, w.refuse(coded("error-invalid-room-name", n.Name+" is not a valid room name", details), chkRoomName, S{n.Name}, N{2})
	}
	for r := range w.rooms.values() {
		if strings.EqualFold(r.Name, n.Name) {
			return nil, w.refuse(coded("error-duplicate-channel-name", fmt.Sprintf("A channel with name '%s' exists", n.Name), details),
				chkRoomName, S{n.Name, r.ID}, N{3})
		}
	}
	owner := w.users.get(uid)
	now := dateOf(w.clock.Now())
	r := &Room{ID: w.newID(17, func(id string) bool { return w.rooms.get(id) != nil }), T: k.T, Name: n.Name,
		FName: n.Name, U: &UserRef{ID: owner.ID, Username: owner.Username}, RO: n.ReadOnly, SysMes: true, Ts: now, UpdatedAt: now}
	w.rooms.put(r.ID, r)
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
	w.mu.Lock()
	defer w.unlock()
	r, err := w.findRoom(uid, k, sel, false)
	if err != nil {
		return err
	}
	if !w.can(uid, "delete-"+r.T, r.ID) {
		return errNotAllowed("eraseRoom") // can recorded the refusal
	}
	subs := w.roomSubsOf(r.ID)
	for _, s := range subs {
		w.delSub(s)
	}
	w.rooms.del(r.ID)
	w.note(chkRoomDeleted, explain.Note, S{r.ID}, N{int64(len(subs))})
	return nil
}

// InviteToRoom is channels.invite / groups.invite: add-user-to-joined-room for members, or
// add-user-to-any-c-room / add-user-to-any-p-room; a banned target is refused with
// error-user-is-banned (PR #39840); a member stays a member.
func (w *World) InviteToRoom(uid string, k Kind, sel RoomSelector, target UserSelector) (*Room, error) {
	w.mu.Lock()
	defer w.unlock()
	r, err := w.findRoom(uid, k, sel, true)
	if err != nil {
		return nil, err
	}
	u := w.userByParams(target)
	if u == nil {
		// API.v1.failure('invalid-user-invite-list', 'Cannot invite if no users are provided')
		return nil, &Error{Reason: "invalid-user-invite-list", Code: "Cannot invite if no users are provided", Plain: true} // userByParams recorded it
	}
	callerSub := w.sub(r.ID, uid)
	joined := callerSub != nil && !callerSub.Banned()
	if !(joined && w.can(uid, "add-user-to-joined-room", r.ID)) && !w.can(uid, "add-user-to-any-"+r.T+"-room", "") {
		return nil, errNotAllowed("addUsersToRoom") // can recorded the refusal
	}
	s := w.sub(r.ID, u.ID)
	join := explain.Step{Check: chkRoomJoin, Verdict: explain.Note, S: S{u.Username, r.ID}, N: N{subState(s)}}
	switch {
	case s == nil:
		w.join(r, u, nil, dateOf(w.clock.Now()))
	case s.Banned():
		return nil, w.why.Refuse(&join, errUserIsBanned("addUsersToRoom")) // message text [inferred]
	}
	w.why.Record(&join)
	return r.clone(), nil
}

// JoinChannel is channels.join: a banned user cannot access the room and gets
// error-not-allowed {method:"joinRoom"}; a member stays a member.
func (w *World) JoinChannel(uid string, sel RoomSelector) (*Room, error) {
	w.mu.Lock()
	defer w.unlock()
	r, err := w.findRoom(uid, Channel, sel, true)
	if err != nil {
		return nil, err
	}
	if !w.canAccess(r, uid) {
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
	w.mu.Lock()
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

// RoomInfo is rooms.info (findRoomByIdOrName, archived rooms allowed): no room parameter is
// error-roomid-param-not-provided, an unknown room error-room-not-found, and a room the caller
// cannot access API.v1.failure('not-allowed', 'Not Allowed'):
// {"success":false,"error":"not-allowed","errorType":"Not Allowed"}.
func (w *World) RoomInfo(uid string, sel RoomSelector) (*Room, error) {
	w.mu.Lock()
	defer w.unlock()
	if sel.ID == "" && sel.Name == "" {
		return nil, w.refuse(coded("error-roomid-param-not-provided", `The parameter "roomId" or "roomName" is required`, nil), chkRoomParam, S{}, N{})
	}
	r := w.roomBySelector(sel)
	if r == nil {
		return nil, errRoomNotFound("channel") // roomBySelector recorded it
	}
	if !w.canAccess(r, uid) {
		return nil, &Error{Code: "Not Allowed", Reason: "not-allowed", Plain: true} // canAccess recorded it
	}
	return r.clone(), nil
}

// Subscription is subscriptions.getOne: the caller's subscription to rid (a ban included, with
// status BANNED), or nil.
func (w *World) Subscription(uid, rid string) *Subscription {
	w.mu.Lock()
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
