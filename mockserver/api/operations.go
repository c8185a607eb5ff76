package api

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/rcinvite/rcinvite/mockserver/world"
)

// operation runs one REST operation against the world and returns what API.v1.success gets.
type operation func(w *world.World, c *call) (any, error)

// operations maps the contract's operationIds to their handlers. channels.* and groups.* share
// their handlers, parametrised by the room kind.
var operations = map[string]operation{
	"login":               login,
	"logout":              logout,
	"me":                  me,
	"info":                info,
	"useInviteToken":      useInviteToken,
	"validateInviteToken": validateInviteToken,
	"findOrCreateInvite":  findOrCreateInvite,
	"listInvites":         listInvites,
	"removeInvite":        removeInvite,
	"sendInvitationEmail": sendInvitationEmail,
	"roomsBanUser":        banUser,
	"roomsUnbanUser":      unbanUser,
	"roomsBannedUsers":    bannedUsers,
	"roomsInfo":           roomInfo,
	"subscriptionsGetOne": subscriptionGetOne,
	"usersCreate":         usersCreate,
	"usersDelete":         usersDelete,
	"channelsCreate":      createRoom(world.Channel, "channel"),
	"groupsCreate":        createRoom(world.Group, "group"),
	"channelsDelete":      deleteRoom(world.Channel),
	"groupsDelete":        deleteRoom(world.Group),
	"channelsInvite":      inviteToRoom(world.Channel, "channel"),
	"groupsInvite":        inviteToRoom(world.Group, "group"),
	"channelsMembers":     roomMembers(world.Channel),
	"groupsMembers":       roomMembers(world.Group),
	"channelsJoin":        joinChannel,

	// Room roles, membership, direct messages and user info (members.go).
	"channelsAddOwner":        roomRole(world.Channel, world.Owner, true),
	"channelsRemoveOwner":     roomRole(world.Channel, world.Owner, false),
	"channelsAddModerator":    roomRole(world.Channel, world.Moderator, true),
	"channelsRemoveModerator": roomRole(world.Channel, world.Moderator, false),
	"channelsAddLeader":       roomRole(world.Channel, world.Leader, true),
	"channelsRemoveLeader":    roomRole(world.Channel, world.Leader, false),
	"groupsAddOwner":          roomRole(world.Group, world.Owner, true),
	"groupsRemoveOwner":       roomRole(world.Group, world.Owner, false),
	"groupsAddModerator":      roomRole(world.Group, world.Moderator, true),
	"groupsRemoveModerator":   roomRole(world.Group, world.Moderator, false),
	"groupsAddLeader":         roomRole(world.Group, world.Leader, true),
	"groupsRemoveLeader":      roomRole(world.Group, world.Leader, false),
	"channelsRoles":           roomRoles(world.Channel),
	"groupsRoles":             roomRoles(world.Group),
	"channelsKick":            kick(world.Channel),
	"groupsKick":              kick(world.Group),
	"channelsLeave":           leave(world.Channel),
	"groupsLeave":             leave(world.Group),
	"roomsLeave":              leave(world.AnyRoom),
	"channelsInfo":            roomOf(world.Channel, "channel"),
	"groupsInfo":              roomOf(world.Group, "group"),
	"imCreate":                createDirectMessage,
	"dmCreate":                createDirectMessage,
	"usersInfo":               usersInfo,
	"subscriptionsGet":        subscriptionsGet,
	"roomsGet":                roomsGet,
}

// tokenBody is useInviteToken's and validateInviteToken's body.
type tokenBody struct {
	Token string `json:"token"`
}

func useInviteToken(w *world.World, c *call) (any, error) {
	return w.UseInviteToken(c.userID, c.decodeToken())
}

// validity is validateInviteToken's answer (a struct: cheaper to render than a map).
type validity struct {
	Valid bool `json:"valid"`
}

func validateInviteToken(w *world.World, c *call) (any, error) {
	return validity{w.ValidateInviteToken(c.decodeToken())}, nil
}

func findOrCreateInvite(w *world.World, c *call) (any, error) {
	// days and maxUses are JavaScript numbers: any integer passes the schema (1e300 too), and
	// the rule refuses what is not in its lists, in its own order.
	var b struct {
		Rid     string  `json:"rid"`
		Days    float64 `json:"days"`
		MaxUses float64 `json:"maxUses"`
	}
	c.decode(&b)
	return w.FindOrCreateInvite(c.userID, b.Rid, smallInt(b.Days), smallInt(b.MaxUses))
}

// smallInt is n as an int when it is a whole number of at most a million, else -1: a value
// no rule accepts (findOrCreateInvite's lists hold 0 to 100).
func smallInt(n float64) int {
	if n != math.Trunc(n) || n < -1e6 || n > 1e6 {
		return -1
	}
	return int(n)
}

func listInvites(w *world.World, c *call) (any, error) {
	invites, err := w.ListInvites(c.userID)
	if err != nil {
		return nil, err
	}
	return invitesList{invites}, nil
}

func removeInvite(w *world.World, c *call) (any, error) {
	return bare{true}, w.RemoveInvite(c.userID, c.route.PathParams["_id"])
}

func sendInvitationEmail(w *world.World, c *call) (any, error) {
	var b struct {
		Emails []string `json:"emails"`
	}
	c.decode(&b)
	_, err := w.SendInvitationEmail(c.userID, b.Emails)
	return struct{}{}, err
}

// banBody is rooms.banUser's and rooms.unbanUser's body.
type banBody struct {
	RoomID   string `json:"roomId"`
	UserID   string `json:"userId"`
	Username string `json:"username"`
}

func banUser(w *world.World, c *call) (any, error) {
	var b banBody
	c.decode(&b)
	return struct{}{}, w.Ban(c.userID, b.RoomID, world.UserSelector{ID: b.UserID, Username: b.Username})
}

func unbanUser(w *world.World, c *call) (any, error) {
	var b banBody
	c.decode(&b)
	return struct{}{}, w.Unban(c.userID, b.RoomID, world.UserSelector{ID: b.UserID, Username: b.Username})
}

func bannedUsers(w *world.World, c *call) (any, error) {
	m, err := w.BannedUsers(c.userID, c.query("roomId"), c.page())
	if err != nil {
		return nil, err
	}
	return map[string]any{"bannedUsers": m.Members, "count": m.Count, "offset": m.Offset, "total": m.Total}, nil
}

// query returns a query parameter as the route's handler reads it: a string as it is, a number
// (coerced by the route's query schema) in JavaScript's notation, anything else (an array or
// object qs built, null) as "".
func (c *call) query(name string) string {
	if c.queryValues == nil {
		c.queryValues = map[string]json.RawMessage{}
		_ = json.Unmarshal(c.queryParams, &c.queryValues) // the validator wrote a JSON object
	}
	raw := c.queryValues[name]
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		_ = json.Unmarshal(raw, &s)
		return s
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(raw)
	}
	return ""
}

// page reads count and offset as getPaginationItems does: parseInt of their text; a count sent
// as 0 (or that parses to nothing) is "unlimited", an absent or null one the default.
func (c *call) page() world.Page {
	p := world.Page{Count: jsParseInt(c.query("count")), Offset: jsParseInt(c.query("offset"))}
	if c.has("count") && !c.isNull("count") && p.Count == 0 {
		p.Unlimited = true
	}
	return p
}

// isNull reports whether the query parameter is JSON null (a nullable schema coerced "" to null).
func (c *call) isNull(name string) bool {
	c.query(name)
	return string(c.queryValues[name]) == "null"
}

// jsParseInt is JavaScript's parseInt(s, 10) for the pagination parameters: leading white space
// and an optional sign, then as many decimal digits as there are ("1e1" is 1, "7.9" is 7);
// no digits (NaN) counts as 0, as `parseInt(…) || 0` would.
func jsParseInt(s string) int {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	n := 0
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if n > (1<<31)/10 {
			break
		}
		n = n*10 + int(s[i]-'0')
	}
	if neg {
		return -n
	}
	return n
}

// has reports whether the query carries the parameter (`'roomId' in this.queryParams`).
func (c *call) has(name string) bool {
	c.query(name) // decodes the query once
	_, ok := c.queryValues[name]
	return ok
}

func (c *call) roomInQuery() world.RoomSelector {
	return world.RoomSelector{ID: c.query("roomId"), Name: c.query("roomName"), HasID: c.has("roomId"), HasName: c.has("roomName")}
}

func roomInfo(w *world.World, c *call) (any, error) {
	r, err := w.RoomInfo(c.userID, c.roomInQuery())
	return map[string]any{"room": r}, err
}

func subscriptionGetOne(w *world.World, c *call) (any, error) {
	s, err := w.SubscriptionsGetOne(c.userID, c.query("roomId"))
	return map[string]any{"subscription": s}, err
}

// sent is a body string whose presence matters ('roomId' in this.bodyParams): null and "" are
// sent, an absent key is not.
type sent struct {
	Set   bool
	Value string
}

// UnmarshalJSON records that the key was there; null is the empty string.
func (s *sent) UnmarshalJSON(data []byte) error {
	s.Set = true
	if string(data) == "null" {
		return nil
	}
	return json.Unmarshal(data, &s.Value)
}

// roomRefBody is {roomId|roomName, userId|username|user, userIds|usernames}.
type roomRefBody struct {
	RoomID    sent     `json:"roomId"`
	RoomName  sent     `json:"roomName"`
	UserID    string   `json:"userId"`
	Username  string   `json:"username"`
	User      string   `json:"user"`
	UserIDs   []string `json:"userIds"`
	Usernames []string `json:"usernames"`
}

func (b roomRefBody) room() world.RoomSelector {
	return world.RoomSelector{ID: b.RoomID.Value, Name: b.RoomName.Value, HasID: b.RoomID.Set, HasName: b.RoomName.Set}
}

// user is the user the body names; `user` is a username, read after userId and username as
// getUserFromParams and getUserListFromParams read it.
func (b roomRefBody) user() world.UserSelector {
	sel := world.UserSelector{ID: b.UserID, Username: b.Username, IDs: b.UserIDs, Usernames: b.Usernames}
	if strings.TrimSpace(sel.ID) == "" && strings.TrimSpace(sel.Username) == "" && b.User != "" {
		sel.Username = b.User
	}
	return sel
}

// createRoom serves channels.create and groups.create; key is the answer's room key.
func createRoom(k world.Kind, key string) operation {
	return func(w *world.World, c *call) (any, error) {
		var b struct {
			Name        string   `json:"name"`
			Members     []string `json:"members"`
			ReadOnly    bool     `json:"readOnly"`
			ExcludeSelf bool     `json:"excludeSelf"`
		}
		c.decode(&b)
		r, err := w.CreateRoom(c.userID, k, world.NewRoom{Name: b.Name, Members: b.Members, ReadOnly: b.ReadOnly, ExcludeSelf: b.ExcludeSelf})
		return map[string]any{key: r}, err
	}
}

// deleteRoom serves channels.delete and groups.delete.
func deleteRoom(k world.Kind) operation {
	return func(w *world.World, c *call) (any, error) {
		var b roomRefBody
		c.decode(&b)
		return struct{}{}, w.DeleteRoom(c.userID, k, b.room())
	}
}

// inviteToRoom serves channels.invite and groups.invite.
func inviteToRoom(k world.Kind, key string) operation {
	return func(w *world.World, c *call) (any, error) {
		var b roomRefBody
		c.decode(&b)
		r, err := w.InviteToRoom(c.userID, k, b.room(), b.user())
		return map[string]any{key: r}, err
	}
}

// roomMembers serves channels.members and groups.members.
func roomMembers(k world.Kind) operation {
	return func(w *world.World, c *call) (any, error) {
		m, err := w.RoomMembers(c.userID, k, c.roomInQuery(), c.page())
		if err != nil {
			return nil, err
		}
		return map[string]any{"members": m.Members, "count": m.Count, "offset": m.Offset, "total": m.Total}, nil
	}
}

func joinChannel(w *world.World, c *call) (any, error) {
	var b roomRefBody
	c.decode(&b)
	r, err := w.JoinChannel(c.userID, b.room())
	return map[string]any{"channel": r}, err
}

func usersCreate(w *world.World, c *call) (any, error) {
	var b struct {
		Email               string   `json:"email"`
		Name                string   `json:"name"`
		Password            string   `json:"password"`
		Username            string   `json:"username"`
		Active              *bool    `json:"active"`
		Roles               []string `json:"roles"`
		JoinDefaultChannels *bool    `json:"joinDefaultChannels"`
		Verified            bool     `json:"verified"`
		SetRandomPassword   bool     `json:"setRandomPassword"`
	}
	c.decode(&b)
	u, err := w.CreateUser(c.userID, world.NewUser{Email: b.Email, Name: b.Name, Password: b.Password, Username: b.Username,
		Active: b.Active, Roles: b.Roles, JoinDefaultChannels: b.JoinDefaultChannels, Verified: b.Verified, SetRandomPassword: b.SetRandomPassword})
	return map[string]any{"user": u}, err
}

func usersDelete(w *world.World, c *call) (any, error) {
	var b roomRefBody
	c.decode(&b)
	return struct{}{}, w.DeleteUser(c.userID, b.user())
}

// login is ApiClass's login route (_initAuth): no schema; loginCompatibility turns
// {user|username|email, password[, code]} into Meteor's login options, and Meteor's login
// handlers answer the rest (spec/SOURCES.md login).
func login(w *world.World, c *call) (any, error) {
	var b struct {
		User     *string         `json:"user"`
		Username string          `json:"username"`
		Email    string          `json:"email"`
		Password json.RawMessage `json:"password"`
		Resume   string          `json:"resume"`
	}
	var keys map[string]json.RawMessage
	c.decode(&keys)
	c.decode(&b)
	cred := world.Credentials{Username: b.Username, Email: b.Email, Resume: b.Resume,
		NoPassword: len(b.Password) == 0 || string(b.Password) == "null"}
	for k := range keys {
		switch k {
		case "user", "username", "email", "password", "code":
		default:
			if cred.UnknownKey == "" || k < cred.UnknownKey { // the same key every time
				cred.UnknownKey = k
			}
		}
	}
	if b.User != nil {
		cred.User = *b.User
	}
	if err := json.Unmarshal(b.Password, &cred.Password); err != nil {
		var digest struct {
			Digest string `json:"digest"`
		}
		_ = json.Unmarshal(b.Password, &digest)
		cred.Digest = digest.Digest
	}
	s, err := w.Login(cred)
	return map[string]any{"status": "success", "data": s}, err
}

func logout(w *world.World, c *call) (any, error) {
	err := w.Logout(c.userID, c.token)
	return map[string]any{"status": "success", "data": map[string]string{"message": "You've been logged out!"}}, err
}

func me(w *world.World, c *call) (any, error) { return w.Me(c.userID) }

func info(w *world.World, c *call) (any, error) { return w.ServerInfo(c.userID), nil }
