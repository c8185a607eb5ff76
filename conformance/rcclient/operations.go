package rcclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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
