package api

import (
	"encoding/json"
	"strconv"

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
}

// tokenBody is useInviteToken's and validateInviteToken's body.
type tokenBody struct {
	Token string `json:"token"`
}

func useInviteToken(w *world.World, c *call) (any, error) {
	var b tokenBody
	c.decode(&b)
	return w.UseInviteToken(c.userID, b.Token)
}

// validity is validateInviteToken's answer (a struct: cheaper to render than a map).
type validity struct {
	Valid bool `json:"valid"`
}

func validateInviteToken(w *world.World, c *call) (any, error) {
	var b tokenBody
	c.decode(&b)
	return validity{w.ValidateInviteToken(b.Token)}, nil
}

func findOrCreateInvite(w *world.World, c *call) (any, error) {
	var b struct {
		Rid     string `json:"rid"`
		Days    int    `json:"days"`
		MaxUses int    `json:"maxUses"`
	}
	c.decode(&b)
	return w.FindOrCreateInvite(c.userID, b.Rid, b.Days, b.MaxUses)
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

// query returns a query parameter.
func (c *call) query(name string) string { return c.r.URL.Query().Get(name) }

// page reads count and offset (validated integers).
func (c *call) page() world.Page {
	count, _ := strconv.Atoi(c.query("count"))
	offset, _ := strconv.Atoi(c.query("offset"))
	return world.Page{Count: count, Offset: offset}
}

func (c *call) roomInQuery() world.RoomSelector {
	return world.RoomSelector{ID: c.query("roomId"), Name: c.query("roomName")}
}

func roomInfo(w *world.World, c *call) (any, error) {
	r, err := w.RoomInfo(c.userID, c.roomInQuery())
	return map[string]any{"room": r}, err
}

func subscriptionGetOne(w *world.World, c *call) (any, error) {
	return map[string]any{"subscription": w.Subscription(c.userID, c.query("roomId"))}, nil
}

// roomRefBody is {roomId|roomName, userId|username}.
type roomRefBody struct {
	RoomID   string `json:"roomId"`
	RoomName string `json:"roomName"`
	UserID   string `json:"userId"`
	Username string `json:"username"`
}

func (b roomRefBody) room() world.RoomSelector {
	return world.RoomSelector{ID: b.RoomID, Name: b.RoomName}
}

func (b roomRefBody) user() world.UserSelector {
	return world.UserSelector{ID: b.UserID, Username: b.Username}
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

func login(w *world.World, c *call) (any, error) {
	var b struct {
		User     string          `json:"user"`
		Username string          `json:"username"`
		Email    string          `json:"email"`
		Password json.RawMessage `json:"password"`
		Resume   string          `json:"resume"`
	}
	c.decode(&b)
	cred := world.Credentials{User: b.User, Username: b.Username, Email: b.Email, Resume: b.Resume}
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

func info(w *world.World, _ *call) (any, error) {
	return map[string]string{"version": w.Info()}, nil
}
