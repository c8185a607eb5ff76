package api

import (
	"strings"
	"unicode"

	"github.com/rcinvite/rcinvite/mockserver/world"
)

// The handlers of the room roles, membership, direct messages and user info
// (spec/SOURCES.md, "Room roles, membership, direct messages and user info").

// roomUserBody is the body of the room-and-user routes. roomId and roomName are read with
// their presence: Rocket.Chat looks a room up by a roomId that was sent, even empty.
type roomUserBody struct {
	RoomID   *string `json:"roomId"`
	RoomName *string `json:"roomName"`
	UserID   string  `json:"userId"`
	Username string  `json:"username"`
	User     string  `json:"user"`
}

func (b roomUserBody) room() world.RoomSelector {
	return selector(b.RoomID, b.RoomName)
}

func (b roomUserBody) user() world.UserSelector {
	return world.UserSelector{ID: b.UserID, Username: b.Username, User: b.User}
}

// selector is a RoomSelector from keys that may be absent.
func selector(id, name *string) world.RoomSelector {
	var s world.RoomSelector
	if id != nil {
		s.ID, s.HasID = *id, true
	}
	if name != nil {
		s.Name, s.HasName = *name, true
	}
	return s
}

// roomInQueryKeys is the query's roomId / roomName with their presence.
func (c *call) roomInQueryKeys() world.RoomSelector {
	q := c.r.URL.Query()
	return world.RoomSelector{ID: q.Get("roomId"), HasID: q.Has("roomId"), Name: q.Get("roomName"), HasName: q.Has("roomName")}
}

// roomRole serves channels.add<Role>/remove<Role> and the groups.* twins.
func roomRole(k world.Kind, role world.RoomRole, add bool) operation {
	return func(w *world.World, c *call) (any, error) {
		var b roomUserBody
		c.decode(&b)
		if add {
			return struct{}{}, w.AddRoomRole(c.userID, k, b.room(), b.user(), role)
		}
		return struct{}{}, w.RemoveRoomRole(c.userID, k, b.room(), b.user(), role)
	}
}

// roomRoles serves channels.roles and groups.roles.
func roomRoles(k world.Kind) operation {
	return func(w *world.World, c *call) (any, error) {
		roles, err := w.RoomRoles(c.userID, k, c.roomInQueryKeys())
		return map[string]any{"roles": roles}, err
	}
}

// kick serves channels.kick (the channel afterwards) and groups.kick (success only).
func kick(k world.Kind) operation {
	return func(w *world.World, c *call) (any, error) {
		var b roomUserBody
		c.decode(&b)
		r, err := w.Kick(c.userID, k, b.room(), b.user())
		return roomAnswer(k, r), err
	}
}

// leave serves channels.leave (the channel afterwards), groups.leave and rooms.leave.
func leave(k world.Kind) operation {
	return func(w *world.World, c *call) (any, error) {
		var b roomUserBody
		c.decode(&b)
		r, err := w.Leave(c.userID, k, b.room())
		return roomAnswer(k, r), err
	}
}

// roomAnswer is {channel: r} for channels.*, and nothing but success for the others.
func roomAnswer(k world.Kind, r *world.Room) any {
	if k == world.Channel {
		return map[string]any{"channel": r}
	}
	return struct{}{}
}

// roomOf serves channels.info and groups.info; key is the answer's room key.
func roomOf(k world.Kind, key string) operation {
	return func(w *world.World, c *call) (any, error) {
		r, err := w.RoomOf(c.userID, k, c.roomInQueryKeys())
		return map[string]any{key: r}, err
	}
}

// createDirectMessage serves im.create and dm.create: username, or usernames split at commas
// and trimmed.
func createDirectMessage(w *world.World, c *call) (any, error) {
	var b struct {
		Username    *string `json:"username"`
		Usernames   string  `json:"usernames"`
		ExcludeSelf bool    `json:"excludeSelf"`
	}
	c.decode(&b)
	var users []string
	if b.Username != nil {
		users = []string{*b.Username}
	} else {
		for _, u := range strings.Split(b.Usernames, ",") {
			users = append(users, strings.TrimFunc(u, jsSpace))
		}
	}
	room, err := w.CreateDirectMessage(c.userID, users, b.ExcludeSelf)
	return map[string]any{"room": room}, err
}

// jsSpace is what JavaScript's String.prototype.trim removes: white space, line terminators
// and the BOM.
func jsSpace(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' }

func usersInfo(w *world.World, c *call) (any, error) {
	u, err := w.UserInfo(c.userID, world.UserQuery{UserID: c.query("userId"), Username: c.query("username"),
		ImportID: c.query("importId"), IncludeUserRooms: c.query("includeUserRooms") == "true"})
	return map[string]any{"user": u}, err
}

func subscriptionsGet(w *world.World, c *call) (any, error) {
	return w.SubscriptionsSince(c.userID, c.query("updatedSince"))
}

func roomsGet(w *world.World, c *call) (any, error) {
	return w.RoomsSince(c.userID, c.query("updatedSince"))
}
