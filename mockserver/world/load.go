package world

import (
	"crypto/sha256"
	"encoding/base64"
	"slices"

	"github.com/rcinvite/rcinvite/fixtures"
)

// hashLoginToken is Meteor's Accounts._hashLoginToken: base64(SHA-256(token)).
func hashLoginToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// load replaces the world's data by the fixture set, dated now. Callers hold w.mutex.
func (w *World) load(f *fixtures.Set, now Date) {
	w.clear()
	for _, fu := range f.Users {
		u := &User{ID: fu.ID, Username: fu.Username, Name: fu.Name, Roles: slices.Clone(fu.Roles),
			Active: fu.IsActive(), Type: "user", CreatedAt: now, UpdatedAt: now}
		if len(u.Roles) == 0 {
			u.Roles = []string{"user"}
		}
		if fu.Email != "" {
			u.Emails = []Email{{Address: fu.Email, Verified: true}}
		}
		if fu.Password != "" {
			u.Password = w.passwords.fixture(fu.ID, fu.Password)
		}
		for _, t := range fu.AuthTokens {
			u.LoginTokens = append(u.LoginTokens, LoginToken{HashedToken: hashLoginToken(t), When: now, Type: personalAccessToken})
		}
		w.putUser(u)
	}
	for _, fr := range f.Rooms {
		w.loadRoom(fr, now)
	}
	for _, fi := range f.Invites {
		created := dateOf(now.Time().Add(-fi.Age))
		inv := &Invite{ID: fi.Token, Rid: fi.Room, UserID: fi.Creator, Days: fi.Days, MaxUses: fi.MaxUses,
			Uses: fi.Uses, CreatedAt: created, Expires: expiry(created, fi.Days), UpdatedAt: created}
		w.putInvite(inv)
	}
}

// loadRoom adds a fixture room and the subscriptions of its owner, moderators, members and
// banned users. Fixture subscription ids are "<rid>-<uid>" so resets are deterministic. [inferred]
func (w *World) loadRoom(fr fixtures.Room, now Date) {
	r := &Room{ID: fr.ID, T: fr.T, Name: fr.Name, FName: fr.FName, RO: fr.ReadOnly, Archived: fr.Archived,
		Default: fr.Default, SysMes: true, Prid: fr.Prid, TeamMain: fr.TeamMain, Ts: now, UpdatedAt: now}
	if r.FName == "" && r.T != "d" {
		r.FName = r.Name
	}
	if owner := w.users.get(fr.Owner); owner != nil {
		r.U = &UserRef{ID: owner.ID, Username: owner.Username}
	}
	w.putRoom(r)
	roles := map[string][]string{}
	var order []string
	add := func(uid, role string) {
		if _, ok := roles[uid]; !ok {
			order = append(order, uid)
			roles[uid] = nil
		}
		if role != "" {
			roles[uid] = append(roles[uid], role)
		}
	}
	if fr.Owner != "" {
		add(fr.Owner, "owner")
	}
	for _, uid := range fr.Moderators {
		add(uid, "moderator")
	}
	for _, uid := range fr.Members {
		add(uid, "")
	}
	if r.T == "d" {
		for _, uid := range order {
			r.Usernames = append(r.Usernames, w.users.get(uid).Username)
			r.Uids = append(r.Uids, uid)
		}
	}
	for _, uid := range order {
		w.putSub(w.newSubscription(r, w.users.get(uid), fr.ID+"-"+uid, roles[uid], now))
		r.UsersCount++
	}
	for _, uid := range fr.Banned {
		s := w.newSubscription(r, w.users.get(uid), fr.ID+"-"+uid, nil, now)
		s.Status = statusBanned
		w.putSub(s)
	}
}

// newSubscription builds u's subscription to r. For a direct room the subscription is named
// after the other members (directNames).
func (w *World) newSubscription(r *Room, u *User, id string, roles []string, now Date) *Subscription {
	s := &Subscription{ID: id, Rid: r.ID, U: UserRef{ID: u.ID, Username: u.Username}, Name: r.Name, FName: r.FName,
		T: r.T, Roles: roles, Open: true, Ts: now, Ls: now, UpdatedAt: now}
	if r.T == "d" {
		s.Name, s.FName = w.directNames(r, u.ID)
	}
	return s
}

// expiry is createdAt plus days calendar days (JavaScript setDate in server-local time = UTC),
// or nil when days is 0 (never expires).
func expiry(created Date, days int) *Date {
	if days <= 0 {
		return nil
	}
	e := Date(created.Time().AddDate(0, 0, days))
	return &e
}
