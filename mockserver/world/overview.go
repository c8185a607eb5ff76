package world

import (
	"crypto/rand"
	"sync"
	"time"

	"github.com/rcinvite/rcinvite/fixtures"
)

// Overview is a world at a glance, as the dashboard shows it: its users, rooms (members and
// bans) and invites, with what the rules make of each on the world's clock. Lists keep the
// stored order and at most the limit Overview was given; the totals count everything.
type Overview struct {
	Now          time.Time    `json:"now"`
	Version      string       `json:"version"`
	Users        []UserView   `json:"users"`
	UsersTotal   int          `json:"usersTotal"`
	Rooms        []RoomView   `json:"rooms"`
	RoomsTotal   int          `json:"roomsTotal"`
	Invites      []InviteView `json:"invites"`
	InvitesTotal int          `json:"invitesTotal"`
}

// UserView is a user as the dashboard shows it: no password, only how many login tokens.
type UserView struct {
	ID          string   `json:"_id"`
	Username    string   `json:"username"`
	Name        string   `json:"name,omitempty"`
	Roles       []string `json:"roles"`
	Active      bool     `json:"active"`
	LoginTokens int      `json:"loginTokens"`
}

// RoomView is a room with its members and bans.
type RoomView struct {
	ID           string       `json:"_id"`
	T            string       `json:"t"`
	Name         string       `json:"name,omitempty"`
	FName        string       `json:"fname,omitempty"`
	Archived     bool         `json:"archived,omitempty"`
	UsersCount   int          `json:"usersCount"`
	Members      []MemberView `json:"members"`
	MembersTotal int          `json:"membersTotal"`
	Bans         []BanView    `json:"bans"`
}

// MemberView is a member of a room with its room roles (owner, moderator, leader).
type MemberView struct {
	UserID   string   `json:"userId"`
	Username string   `json:"username"`
	Roles    []string `json:"roles,omitempty"`
}

// BanView is a banned subscription: who is banned, by whom and when, as far as the world knows.
type BanView struct {
	UserID   string `json:"userId"`
	Username string `json:"username"`
	BannedBy string `json:"bannedBy,omitempty"` // "" when not known (fixtures, an imported state)
	BannedAt *Date  `json:"bannedAt,omitempty"`
}

// InviteView is an invite with its state by validateInviteToken's rules (InviteValid,
// InviteExpired, InviteUsedUp, InviteRoomGone) and the time to its expiry on the world's
// clock (negative once past; absent when it never expires).
type InviteView struct {
	ID          string `json:"_id"`
	Rid         string `json:"rid"`
	RoomName    string `json:"roomName,omitempty"`
	Creator     string `json:"creator"`
	Days        int    `json:"days"`
	MaxUses     int    `json:"maxUses"`
	Uses        int    `json:"uses"`
	CreatedAt   Date   `json:"createdAt"`
	Expires     *Date  `json:"expires"`
	State       string `json:"state"`
	ExpiresInMs *int64 `json:"expiresInMs,omitempty"`
}

// Counts are the sizes of a world's collections.
type Counts struct {
	Users         int `json:"users"`
	Rooms         int `json:"rooms"`
	Subscriptions int `json:"subscriptions"`
	Invites       int `json:"invites"`
}

// Counts returns the sizes of the world's collections. A pending world answers its fixture
// set's, without building its data: listing thousands of unused sandboxes stays cheap.
func (w *World) Counts() Counts {
	w.lockSettings()
	defer w.unlock()
	if w.pending {
		return fixtureCounts(w.fixtures, w.passwords)
	}
	return w.store.counts()
}

func (st *store) counts() Counts {
	return Counts{Users: st.users.len(), Rooms: st.rooms.len(), Subscriptions: st.subs.len(), Invites: st.invites.len()}
}

// fixtureCountsOf remembers, per fixture set (which worlds only read), the counts of a world
// built from it.
var fixtureCountsOf sync.Map // *fixtures.Set -> Counts

func fixtureCounts(fx *fixtures.Set, passwords *Passwords) Counts {
	if c, ok := fixtureCountsOf.Load(fx); ok {
		return c.(Counts)
	}
	built := &World{shared: &shared{fixtures: fx, clock: NewClock(), random: rand.Reader, siteURL: DefaultSiteURL, version: DefaultVersion,
		passwords: passwords}}
	built.load(fx, dateOf(built.clock.Now()))
	c := built.store.counts()
	fixtureCountsOf.Store(fx, c)
	return c
}

// Overview returns the world at a glance, at most limit entries per list (and per room's
// members), limit > 0.
func (w *World) Overview(limit int) Overview {
	w.lock()
	defer w.unlock()
	now := w.clock.Now()
	o := Overview{Now: now, Version: w.version, UsersTotal: w.users.len(), RoomsTotal: w.rooms.len(), InvitesTotal: w.invites.len(),
		Users: []UserView{}, Rooms: []RoomView{}, Invites: []InviteView{}}
	for u := range w.users.values() {
		if len(o.Users) == limit {
			break
		}
		o.Users = append(o.Users, UserView{ID: u.ID, Username: u.Username, Name: u.Name, Roles: append([]string{}, u.Roles...),
			Active: u.Active, LoginTokens: len(u.LoginTokens)})
	}
	for r := range w.rooms.values() {
		if len(o.Rooms) == limit {
			break
		}
		o.Rooms = append(o.Rooms, w.roomView(r, limit))
	}
	for inv := range w.invites.values() {
		if len(o.Invites) == limit {
			break
		}
		o.Invites = append(o.Invites, w.inviteView(inv, now))
	}
	return o
}

func (w *World) roomView(r *Room, limit int) RoomView {
	v := RoomView{ID: r.ID, T: r.T, Name: r.Name, FName: r.FName, Archived: r.Archived, UsersCount: r.UsersCount,
		Members: []MemberView{}, Bans: []BanView{}}
	for _, s := range w.roomSubsOf(r.ID) {
		if s.Banned() {
			b := w.notes.ban(s)
			ban := BanView{UserID: s.U.ID, Username: s.U.Username, BannedBy: b.by}
			if b.at != 0 {
				at := Date(time.UnixMilli(b.at).UTC())
				ban.BannedAt = &at
			}
			v.Bans = append(v.Bans, ban)
			continue
		}
		v.MembersTotal++
		if len(v.Members) < limit {
			v.Members = append(v.Members, MemberView{UserID: s.U.ID, Username: s.U.Username, Roles: append([]string(nil), s.Roles...)})
		}
	}
	return v
}

func (w *World) inviteView(inv *Invite, now time.Time) InviteView {
	room, state := w.inviteState(inv, now)
	v := InviteView{ID: inv.ID, Rid: inv.Rid, Creator: w.username(inv.UserID), Days: inv.Days, MaxUses: inv.MaxUses,
		Uses: inv.Uses, CreatedAt: inv.CreatedAt, State: state}
	if room != nil {
		v.RoomName = room.Name
	}
	if inv.Expires != nil {
		e := *inv.Expires
		v.Expires = &e
		in := e.Time().Sub(now).Milliseconds()
		v.ExpiresInMs = &in
	}
	return v
}
