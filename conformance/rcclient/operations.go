package rcclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Info reads GET /api/info (no login needed).
func (c *Client) Info(ctx context.Context) (Info, error) {
	var out Info
	return out, c.call(ctx, http.MethodGet, "/api/info", nil, nil, &out)
}

// Login logs in with a username or an email and a password (POST /api/v1/login {user,
// password}) and returns a copy of c acting as that user.
func (c *Client) Login(ctx context.Context, user, password string) (*Client, error) {
	l, err := c.LoginWith(ctx, map[string]string{"user": user, "password": password})
	if err != nil {
		return nil, err
	}
	return c.WithCredentials(l.UserID, l.AuthToken), nil
}

// LoginWith posts body to /api/v1/login as given ({user,password}, {username,password},
// {email,password}) and returns the login data.
func (c *Client) LoginWith(ctx context.Context, body any) (Login, error) {
	var out struct {
		Status string `json:"status"`
		Data   Login  `json:"data"`
	}
	if err := c.call(ctx, http.MethodPost, "/api/v1/login", nil, body, &out); err != nil {
		return Login{}, err
	}
	if out.Status != "success" || out.Data.UserID == "" || out.Data.AuthToken == "" {
		return out.Data, fmt.Errorf("login: answer without status success, userId and authToken")
	}
	return out.Data, nil
}

// Logout ends the session of the client's token (POST /api/v1/logout).
func (c *Client) Logout(ctx context.Context) error {
	return c.call(ctx, http.MethodPost, "/api/v1/logout", nil, nil, nil)
}

// CreateUser creates a user (POST /api/v1/users.create; needs create-user, i.e. admin).
func (c *Client) CreateUser(ctx context.Context, u NewUser) (User, error) {
	var out struct{ User User }
	return out.User, c.call(ctx, http.MethodPost, "/api/v1/users.create", nil, u, &out)
}

// DeleteUser deletes a user (POST /api/v1/users.delete).
func (c *Client) DeleteUser(ctx context.Context, userID string) error {
	return c.call(ctx, http.MethodPost, "/api/v1/users.delete", nil, map[string]string{"userId": userID}, nil)
}

// CreateChannel creates a public channel with the caller as owner and the given usernames as members.
func (c *Client) CreateChannel(ctx context.Context, name string, members ...string) (Room, error) {
	var out struct{ Channel Room }
	return out.Channel, c.call(ctx, http.MethodPost, "/api/v1/channels.create", nil, roomBody(name, members), &out)
}

// CreateGroup creates a private group with the caller as owner and the given usernames as members.
func (c *Client) CreateGroup(ctx context.Context, name string, members ...string) (Room, error) {
	var out struct{ Group Room }
	return out.Group, c.call(ctx, http.MethodPost, "/api/v1/groups.create", nil, roomBody(name, members), &out)
}

func roomBody(name string, members []string) map[string]any {
	b := map[string]any{"name": name}
	if len(members) > 0 {
		b["members"] = members
	}
	return b
}

// DeleteChannel deletes a public channel (POST /api/v1/channels.delete).
func (c *Client) DeleteChannel(ctx context.Context, roomID string) error {
	return c.call(ctx, http.MethodPost, "/api/v1/channels.delete", nil, map[string]string{"roomId": roomID}, nil)
}

// DeleteGroup deletes a private group (POST /api/v1/groups.delete).
func (c *Client) DeleteGroup(ctx context.Context, roomID string) error {
	return c.call(ctx, http.MethodPost, "/api/v1/groups.delete", nil, map[string]string{"roomId": roomID}, nil)
}

// InviteToChannel adds a user to a public channel (POST /api/v1/channels.invite).
func (c *Client) InviteToChannel(ctx context.Context, roomID, userID string) error {
	return c.call(ctx, http.MethodPost, "/api/v1/channels.invite", nil, map[string]string{"roomId": roomID, "userId": userID}, nil)
}

// InviteToGroup adds a user to a private group (POST /api/v1/groups.invite).
func (c *Client) InviteToGroup(ctx context.Context, roomID, userID string) error {
	return c.call(ctx, http.MethodPost, "/api/v1/groups.invite", nil, map[string]string{"roomId": roomID, "userId": userID}, nil)
}

// JoinChannel joins the caller to a public channel (POST /api/v1/channels.join).
func (c *Client) JoinChannel(ctx context.Context, roomID string) error {
	return c.call(ctx, http.MethodPost, "/api/v1/channels.join", nil, map[string]string{"roomId": roomID}, nil)
}

// ChannelMembers lists a public channel's members (GET /api/v1/channels.members).
func (c *Client) ChannelMembers(ctx context.Context, roomID string) (Members, error) {
	var out Members
	return out, c.call(ctx, http.MethodGet, "/api/v1/channels.members", url.Values{"roomId": {roomID}}, nil, &out)
}

// GroupMembers lists a private group's members (GET /api/v1/groups.members).
func (c *Client) GroupMembers(ctx context.Context, roomID string) (Members, error) {
	var out Members
	return out, c.call(ctx, http.MethodGet, "/api/v1/groups.members", url.Values{"roomId": {roomID}}, nil, &out)
}

// RoomInfo reads a room (GET /api/v1/rooms.info).
func (c *Client) RoomInfo(ctx context.Context, roomID string) (Room, error) {
	var out struct{ Room Room }
	return out.Room, c.call(ctx, http.MethodGet, "/api/v1/rooms.info", url.Values{"roomId": {roomID}}, nil, &out)
}

// Subscription reads the caller's subscription to a room (GET /api/v1/subscriptions.getOne);
// nil when there is none.
func (c *Client) Subscription(ctx context.Context, roomID string) (*Subscription, error) {
	var out struct{ Subscription *Subscription }
	return out.Subscription, c.call(ctx, http.MethodGet, "/api/v1/subscriptions.getOne", url.Values{"roomId": {roomID}}, nil, &out)
}

// FindOrCreateInvite returns a usable invite of the caller for the room with these settings,
// reusing one where Rocket.Chat does (POST /api/v1/findOrCreateInvite).
func (c *Client) FindOrCreateInvite(ctx context.Context, rid string, days, maxUses int) (Invite, error) {
	var out Invite
	body := map[string]any{"rid": rid, "days": days, "maxUses": maxUses}
	return out, c.call(ctx, http.MethodPost, "/api/v1/findOrCreateInvite", nil, body, &out)
}

// ListInvites lists every invite of every user (GET /api/v1/listInvites; a bare JSON array).
func (c *Client) ListInvites(ctx context.Context) ([]Invite, error) {
	var out []Invite
	return out, c.call(ctx, http.MethodGet, "/api/v1/listInvites", nil, nil, &out)
}

// RemoveInvite deletes an invite (DELETE /api/v1/removeInvite/{_id}); the answer is the bare
// JSON value true, anything else is an error.
func (c *Client) RemoveInvite(ctx context.Context, id string) error {
	var ok json.RawMessage
	if err := c.call(ctx, http.MethodDelete, "/api/v1/removeInvite/"+url.PathEscape(id), nil, nil, &ok); err != nil {
		return err
	}
	if string(ok) != "true" {
		return fmt.Errorf("removeInvite: answer %s, want true", ok)
	}
	return nil
}

// UseInviteToken joins the caller to the invite's room (POST /api/v1/useInviteToken).
func (c *Client) UseInviteToken(ctx context.Context, token string) (InviteRoom, error) {
	var out struct{ Room InviteRoom }
	return out.Room, c.call(ctx, http.MethodPost, "/api/v1/useInviteToken", nil, map[string]string{"token": token}, &out)
}

// ValidateInviteToken reports whether a token is usable (POST /api/v1/validateInviteToken;
// no login needed; bans and membership are not looked at).
func (c *Client) ValidateInviteToken(ctx context.Context, token string) (bool, error) {
	var out struct{ Valid bool }
	return out.Valid, c.call(ctx, http.MethodPost, "/api/v1/validateInviteToken", nil, map[string]string{"token": token}, &out)
}

// BanUser bans a user from a room by id (POST /api/v1/rooms.banUser {roomId, userId}).
func (c *Client) BanUser(ctx context.Context, roomID, userID string) error {
	return c.call(ctx, http.MethodPost, "/api/v1/rooms.banUser", nil, map[string]string{"roomId": roomID, "userId": userID}, nil)
}

// BanUsername bans a user from a room by username (POST /api/v1/rooms.banUser {roomId, username}).
func (c *Client) BanUsername(ctx context.Context, roomID, username string) error {
	return c.call(ctx, http.MethodPost, "/api/v1/rooms.banUser", nil, map[string]string{"roomId": roomID, "username": username}, nil)
}

// UnbanUser lifts a ban (POST /api/v1/rooms.unbanUser {roomId, userId}); the user is not a
// member afterwards.
func (c *Client) UnbanUser(ctx context.Context, roomID, userID string) error {
	return c.call(ctx, http.MethodPost, "/api/v1/rooms.unbanUser", nil, map[string]string{"roomId": roomID, "userId": userID}, nil)
}

// BannedUsers lists a room's banned users (GET /api/v1/rooms.bannedUsers).
func (c *Client) BannedUsers(ctx context.Context, roomID string) (BannedUsers, error) {
	var out BannedUsers
	return out, c.call(ctx, http.MethodGet, "/api/v1/rooms.bannedUsers", url.Values{"roomId": {roomID}}, nil, &out)
}

// family is the REST family of a room: channels for a public channel, groups otherwise.
func family(room Room) string {
	if room.T == "c" {
		return "channels"
	}
	return "groups"
}

// AddRoomRole gives a member of room the role (POST channels.add<Role> or groups.add<Role> by
// the room's type, {roomId, userId}).
func (c *Client) AddRoomRole(ctx context.Context, room Room, role RoomRole, userID string) error {
	return c.call(ctx, http.MethodPost, "/api/v1/"+family(room)+".add"+string(role), nil, map[string]string{"roomId": room.ID, "userId": userID}, nil)
}

// RemoveRoomRole takes the role from a member of room (POST channels.remove<Role> or
// groups.remove<Role>).
func (c *Client) RemoveRoomRole(ctx context.Context, room Room, role RoomRole, userID string) error {
	return c.call(ctx, http.MethodPost, "/api/v1/"+family(room)+".remove"+string(role), nil, map[string]string{"roomId": room.ID, "userId": userID}, nil)
}

// RoomRoles lists who holds a room role in room (GET channels.roles or groups.roles).
func (c *Client) RoomRoles(ctx context.Context, room Room) ([]RoomRoleHolder, error) {
	var out struct{ Roles []RoomRoleHolder }
	return out.Roles, c.call(ctx, http.MethodGet, "/api/v1/"+family(room)+".roles", url.Values{"roomId": {room.ID}}, nil, &out)
}

// Kick removes a member from room (POST channels.kick or groups.kick {roomId, userId}).
func (c *Client) Kick(ctx context.Context, room Room, userID string) error {
	return c.call(ctx, http.MethodPost, "/api/v1/"+family(room)+".kick", nil, map[string]string{"roomId": room.ID, "userId": userID}, nil)
}

// Leave makes the caller leave room (POST channels.leave or groups.leave {roomId}).
func (c *Client) Leave(ctx context.Context, room Room) error {
	return c.call(ctx, http.MethodPost, "/api/v1/"+family(room)+".leave", nil, map[string]string{"roomId": room.ID}, nil)
}

// LeaveRoom makes the caller leave any room (POST rooms.leave {roomId}).
func (c *Client) LeaveRoom(ctx context.Context, roomID string) error {
	return c.call(ctx, http.MethodPost, "/api/v1/rooms.leave", nil, map[string]string{"roomId": roomID}, nil)
}

// ChannelInfo reads a public channel (GET channels.info).
func (c *Client) ChannelInfo(ctx context.Context, roomID string) (Room, error) {
	var out struct{ Channel Room }
	return out.Channel, c.call(ctx, http.MethodGet, "/api/v1/channels.info", url.Values{"roomId": {roomID}}, nil, &out)
}

// GroupInfo reads a private group the caller can access (GET groups.info).
func (c *Client) GroupInfo(ctx context.Context, roomID string) (Room, error) {
	var out struct{ Group Room }
	return out.Group, c.call(ctx, http.MethodGet, "/api/v1/groups.info", url.Values{"roomId": {roomID}}, nil, &out)
}

// CreateDirectMessage opens a direct message with these users (POST im.create: {username} for
// one, {usernames: "a,b"} for more).
func (c *Client) CreateDirectMessage(ctx context.Context, usernames ...string) (DirectRoom, error) {
	body := map[string]string{"usernames": strings.Join(usernames, ",")}
	if len(usernames) == 1 {
		body = map[string]string{"username": usernames[0]}
	}
	var out struct{ Room DirectRoom }
	return out.Room, c.call(ctx, http.MethodPost, "/api/v1/im.create", nil, body, &out)
}

// UserInfo reads a user by _id (GET users.info?userId=), with their rooms when includeRooms.
func (c *Client) UserInfo(ctx context.Context, userID string, includeRooms bool) (FullUser, error) {
	q := url.Values{"userId": {userID}}
	if includeRooms {
		q.Set("includeUserRooms", "true")
	}
	var out struct{ User FullUser }
	return out.User, c.call(ctx, http.MethodGet, "/api/v1/users.info", q, nil, &out)
}

// Subscriptions lists the caller's subscriptions, or with updatedSince (an ISO date) those
// changed and removed since (GET subscriptions.get).
func (c *Client) Subscriptions(ctx context.Context, updatedSince string) (SubscriptionsSync, error) {
	var out SubscriptionsSync
	return out, c.call(ctx, http.MethodGet, "/api/v1/subscriptions.get", sinceQuery(updatedSince), nil, &out)
}

// Rooms lists the caller's rooms, or with updatedSince those changed since and every room
// removed since (GET rooms.get).
func (c *Client) Rooms(ctx context.Context, updatedSince string) (RoomsSync, error) {
	var out RoomsSync
	return out, c.call(ctx, http.MethodGet, "/api/v1/rooms.get", sinceQuery(updatedSince), nil, &out)
}

func sinceQuery(updatedSince string) url.Values {
	if updatedSince == "" {
		return nil
	}
	return url.Values{"updatedSince": {updatedSince}}
}
