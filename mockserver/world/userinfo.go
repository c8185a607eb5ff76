package world

import (
	"cmp"
	"slices"

	"github.com/rcinvite/rcinvite/mockserver/explain"
)

// UserQuery is users.info's query: the user by userId, else username, else importId (the first
// that is not empty), and whether to list the user's rooms (includeUserRooms=true).
type UserQuery struct {
	UserID           string
	Username         string
	ImportID         string
	IncludeUserRooms bool
}

// FullUser is users.info's user: getFullUserDataByIdOrUsernameOrImportId's projection of the
// fields the mock keeps. Every caller sees the default fields; the user themselves and holders
// of view-full-other-user-info also see emails, roles and createdAt (canViewAllInfo); only the
// user themselves sees services (the password flattened to true).
type FullUser struct {
	ID             string      `json:"_id"`
	Name           string      `json:"name,omitempty"`
	Username       string      `json:"username"`
	Status         string      `json:"status"`
	Type           string      `json:"type"`
	Active         bool        `json:"active"`
	Emails         []Email     `json:"emails,omitempty"`
	Roles          []string    `json:"roles,omitempty"`
	CreatedAt      *Date       `json:"createdAt,omitempty"`
	Services       *Services   `json:"services,omitempty"`
	CanViewAllInfo bool        `json:"canViewAllInfo"`
	Rooms          *[]UserRoom `json:"rooms,omitempty"` // with includeUserRooms=true, for oneself or view-other-user-channels
}

// Services is the part of a user's `services` users.info shows to the user: whether a password
// is set. Login tokens, hashed or not, are not shown. [inferred: the server sends services
// whole, with the password hash flattened to true and the resume tokens' hashes]
type Services struct {
	Password bool `json:"password,omitempty"`
}

// UserRoom is one of users.info's rooms: the user's subscription projected on
// {_id, rid, name, t, roles, unread}.
type UserRoom struct {
	ID     string   `json:"_id"`
	Rid    string   `json:"rid"`
	Name   string   `json:"name"`
	T      string   `json:"t"`
	Roles  []string `json:"roles,omitzero"`
	Unread int      `json:"unread"`
}

// UserInfo is users.info. In order: a non-empty userId, username or importId ("Invalid search
// query." otherwise, a plain failure); whether the caller looks themselves up (by _id, by their
// exact username) and so may see everything, else view-full-other-user-info; an importId
// lookup only for callers who may see everything (the mock keeps no import ids: it finds
// nobody); the user by _id or username (Users.findOneByIdOrUsername, exact, whichever key was
// used); "User not found." (plain) otherwise. With includeUserRooms the user's subscriptions
// sorted by type then name, for oneself or view-other-user-channels.
func (w *World) UserInfo(uid string, q UserQuery) (*FullUser, error) {
	w.lock()
	defer w.unlock()
	var value, by string
	switch {
	case q.UserID != "":
		value, by = q.UserID, "id"
	case q.Username != "":
		value, by = q.Username, "username"
	case q.ImportID != "":
		value, by = q.ImportID, "importId"
	default: // spec/SOURCES.md usersInfo #2
		return nil, w.refuse(plain("Invalid search query."), chkUserQuery, S{}, N{})
	}
	caller := w.users.get(uid)
	if caller == nil {
		return nil, w.refuse(plain("User not found."), chkAuthUser, S{uid}, N{})
	}
	myself := (by == "id" && value == uid) || (by == "username" && value == caller.Username) // spec/SOURCES.md usersInfo #3
	all := myself || w.can(uid, "view-full-other-user-info", "")
	var u *User
	if by != "importId" {
		u = w.findOneByIDOrUsername(value)
	}
	if u == nil { // spec/SOURCES.md usersInfo #4, #5
		return nil, w.refuse(plain("User not found."), chkTargetUser, S{by, value}, N{})
	}
	w.note(chkTargetUser, explain.Pass, S{by, value, u.Username}, N{})
	out := &FullUser{ID: u.ID, Name: u.Name, Username: u.Username, Status: u.status(), Type: u.Type, Active: u.Active, CanViewAllInfo: all}
	if all {
		created := u.CreatedAt
		out.Emails, out.Roles, out.CreatedAt = slices.Clone(u.Emails), slices.Clone(u.Roles), &created
	}
	if myself {
		out.Services = &Services{Password: u.Password != ""}
	}
	view := N{explain.Flag(myself), explain.Flag(all), roomsNotAsked}
	// spec/SOURCES.md usersInfo #7
	switch {
	case q.IncludeUserRooms && (u.ID == uid || w.can(uid, "view-other-user-channels", "")):
		rooms := []UserRoom{}
		for _, s := range w.userSubsOf(u.ID) {
			rooms = append(rooms, UserRoom{ID: s.ID, Rid: s.Rid, Name: s.Name, T: s.T, Roles: slices.Clone(s.Roles), Unread: s.Unread})
		}
		slices.SortStableFunc(rooms, func(a, b UserRoom) int { return cmp.Or(cmp.Compare(a.T, b.T), cmp.Compare(a.Name, b.Name)) })
		out.Rooms = &rooms
		view[2], view[3] = roomsListed, int64(len(rooms))
	case q.IncludeUserRooms:
		view[2] = roomsRefused
	}
	w.note(chkUserView, explain.Note, S{caller.Username, u.Username}, view)
	return out, nil
}

// findOneByIDOrUsername is Users.findOneByIdOrUsername: the first user (insertion order)
// whose _id or username is exactly value.
func (w *World) findOneByIDOrUsername(value string) *User {
	for u := range w.users.values() {
		if u.ID == value || u.Username == value {
			return u
		}
	}
	return nil
}
