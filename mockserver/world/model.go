package world

import (
	"encoding/json"
	"slices"
	"time"
)

// Date is a time that marshals like a JavaScript Date: ISO 8601 in UTC with milliseconds
// ("2026-04-09T12:00:00.000Z"), the way Rocket.Chat's REST answers carry dates.
type Date time.Time

// jsDate is the layout of JavaScript's Date.prototype.toJSON.
const jsDate = "2006-01-02T15:04:05.000Z"

// MarshalText writes the date as a JavaScript Date's toJSON would; encoding/json quotes it.
// A text marshaler, not a JSON one: encoding/json re-validates and compacts what MarshalJSON
// returns, which was a third of the cost of encoding a document.
func (d Date) MarshalText() ([]byte, error) {
	return time.Time(d).UTC().AppendFormat(make([]byte, 0, len(jsDate)), jsDate), nil
}

// UnmarshalJSON reads any RFC 3339 date.
func (d *Date) UnmarshalJSON(b []byte) error {
	var t time.Time
	if err := json.Unmarshal(b, &t); err != nil {
		return err
	}
	*d = Date(t.UTC())
	return nil
}

// Time returns d as a time.Time.
func (d Date) Time() time.Time { return time.Time(d) }

// dateOf truncates t to milliseconds, as MongoDB stores dates.
func dateOf(t time.Time) Date { return Date(t.UTC().Truncate(time.Millisecond)) }

// UserRef is the {_id, username} pair Rocket.Chat embeds in rooms and subscriptions.
type UserRef struct {
	ID       string `json:"_id"`
	Username string `json:"username"`
}

// Email is one of a user's email addresses.
type Email struct {
	Address  string `json:"address"`
	Verified bool   `json:"verified"`
}

// LoginToken is a stored login token: only its hash (base64 of SHA-256), as Meteor stores it.
// A fixture user's fixed token is a personal access token, as Rocket.Chat stores one
// (Type "personalAccessToken"): it never expires and does not count as a session.
type LoginToken struct {
	HashedToken string `json:"hashedToken"`
	When        Date   `json:"when"`
	Type        string `json:"type,omitempty"`
}

// personalAccessToken is the Type of Rocket.Chat's personal access tokens: the
// personalAccessTokens:generateToken method stores them among the login tokens with createdAt
// instead of when (core-typings IPersonalAccessToken), so Meteor's expiry, which compares
// when, never removes them [confirmed].
const personalAccessToken = "personalAccessToken"

// session reports whether t is a login session: it expires and counts towards MaxLoginTokens.
func (t LoginToken) session() bool { return t.Type != personalAccessToken }

// User is a stored user document (the `users` collection).
type User struct {
	ID       string   `json:"_id"`
	Username string   `json:"username"`
	Name     string   `json:"name,omitempty"`
	Emails   []Email  `json:"emails,omitempty"`
	Roles    []string `json:"roles"`
	Active   bool     `json:"active"`
	Type     string   `json:"type"`
	// Password is bcrypt of the hex SHA-256 digest of the password (the digest is what clients
	// send as {digest, algorithm:"sha-256"}), as Rocket.Chat keeps services.password.bcrypt.
	Password    string       `json:"password,omitempty"`
	LoginTokens []LoginToken `json:"loginTokens,omitempty"`
	InviteToken string       `json:"inviteToken,omitempty"`
	CreatedAt   Date         `json:"createdAt"`
	UpdatedAt   Date         `json:"_updatedAt"`
}

// UserInfo is the public view of a user (login's `me`, users.create's `user`).
type UserInfo struct {
	ID        string   `json:"_id"`
	Username  string   `json:"username"`
	Name      string   `json:"name,omitempty"`
	Emails    []Email  `json:"emails,omitempty"`
	Status    string   `json:"status"`
	Active    bool     `json:"active"`
	Roles     []string `json:"roles"`
	Type      string   `json:"type"`
	CreatedAt Date     `json:"createdAt"`
	UpdatedAt Date     `json:"_updatedAt"`
}

// Member is one entry of channels.members/groups.members and rooms.bannedUsers.
type Member struct {
	ID       string `json:"_id"`
	Username string `json:"username"`
	Name     string `json:"name,omitempty"`
	Status   string `json:"status,omitempty"`
}

// Room is a stored room document (`rocketchat_room`).
type Room struct {
	ID         string   `json:"_id"`
	T          string   `json:"t"`
	Name       string   `json:"name,omitempty"`
	FName      string   `json:"fname,omitempty"`
	U          *UserRef `json:"u,omitempty"`
	Usernames  []string `json:"usernames,omitempty"`
	Uids       []string `json:"uids,omitempty"`
	UsersCount int      `json:"usersCount"`
	Msgs       int      `json:"msgs"`
	RO         bool     `json:"ro"`
	Archived   bool     `json:"archived,omitempty"`
	Default    bool     `json:"default"`
	SysMes     bool     `json:"sysMes"`
	Prid       string   `json:"prid,omitempty"`
	TeamMain   bool     `json:"teamMain,omitempty"`
	Ts         Date     `json:"ts"`
	UpdatedAt  Date     `json:"_updatedAt"`
}

// Subscription is a stored subscription (`rocketchat_subscription`): a user's membership of a
// room. A ban keeps it with Status "BANNED". Roles are its room roles (owner, moderator,
// leader): nil is a subscription without the key (a plain member's), an empty slice the
// `roles: []` a removed role leaves behind, which removeRoomModerator and removeRoomLeader tell
// apart from no key.
type Subscription struct {
	ID            string   `json:"_id"`
	Rid           string   `json:"rid"`
	U             UserRef  `json:"u"`
	Name          string   `json:"name"`
	FName         string   `json:"fname,omitempty"`
	T             string   `json:"t"`
	Roles         []string `json:"roles,omitzero"`
	Status        string   `json:"status,omitempty"`
	Open          bool     `json:"open"`
	Alert         bool     `json:"alert"`
	Unread        int      `json:"unread"`
	UserMentions  int      `json:"userMentions"`
	GroupMentions int      `json:"groupMentions"`
	Ts            Date     `json:"ts"`
	Ls            Date     `json:"ls"`
	UpdatedAt     Date     `json:"_updatedAt"`
}

// clone returns a copy of u that shares no slices with it.
func (u *User) clone() *User {
	c := *u
	c.Emails, c.Roles, c.LoginTokens = slices.Clone(u.Emails), slices.Clone(u.Roles), slices.Clone(u.LoginTokens)
	return &c
}

// clone returns a copy of s that shares no slices with it.
func (s *Subscription) clone() *Subscription {
	c := *s
	c.Roles = slices.Clone(s.Roles)
	return &c
}

// statusBanned is the subscription status a ban sets.
const statusBanned = "BANNED"

// Banned reports whether the subscription is a ban.
func (s *Subscription) Banned() bool { return s.Status == statusBanned }

// Invite is a stored invite (`rocketchat_invites`). Its _id is the token.
type Invite struct {
	ID        string `json:"_id"`
	Rid       string `json:"rid"`
	UserID    string `json:"userId"`
	Days      int    `json:"days"`
	MaxUses   int    `json:"maxUses"`
	Uses      int    `json:"uses"`
	CreatedAt Date   `json:"createdAt"`
	Expires   *Date  `json:"expires"`
	URL       string `json:"url"`
	UpdatedAt Date   `json:"_updatedAt"`
}

// InviteRoom is the room useInviteToken answers with.
type InviteRoom struct {
	Rid   string `json:"rid"`
	Prid  string `json:"prid,omitempty"`
	FName string `json:"fname,omitempty"`
	Name  string `json:"name,omitempty"`
	T     string `json:"t"`
}

// State is a world's whole data, JSON-serialisable; Export and Import round-trip it exactly.
type State struct {
	Version       string         `json:"version"`
	Users         []User         `json:"users"`
	Rooms         []Room         `json:"rooms"`
	Subscriptions []Subscription `json:"subscriptions"`
	Invites       []Invite       `json:"invites"`
	Trash         []Deleted      `json:"trash,omitempty"`
	// Pending, when set, says the state holds no documents: it is the world's fixtures dated at
	// this instant, not built yet (Stored; a state file keeps an unchanged world so). Never
	// in the JSON: Export never sets it, and a request body cannot.
	Pending *time.Time `json:"-"`
}
