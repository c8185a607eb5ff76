package world

import (
	"regexp"
	"slices"
)

// validDays and validMaxUses are the settings findOrCreateInvite accepts (0 = never / unlimited).
var (
	validDays    = []int{0, 1, 7, 15, 30}
	validMaxUses = []int{0, 1, 5, 10, 25, 50, 100}
)

// UseInvite is useInviteToken's answer.
type UseInvite struct {
	Room InviteRoom `json:"room"`
}

// UseInviteToken joins the caller to the invite's room (§1.5), checking in this order: empty
// token, unknown token, room gone, expired, used up, room type, ban (8.4.0 and later only).
// Only then does it write: the user's inviteToken, uses+1 when the caller had no subscription,
// and the join (a new subscription, usersCount+1). Members do not use up a slot.
func (w *World) UseInviteToken(uid, token string) (*UseInvite, error) {
	w.mu.Lock()
	defer w.unlock()
	if token == "" {
		return nil, errInvalidToken("useInviteToken")
	}
	inv, room, err := w.validateInviteToken(token)
	if err != nil {
		return nil, err
	}
	if !memberActionAllowed(room) {
		return nil, coded("error-room-type-not-allowed", "Can't join room of this type via invite", field("useInviteToken", "token"))
	}
	u := w.users.get(uid)
	if u == nil {
		return nil, coded("error-invalid-user", "The user is invalid", field("useInviteToken", "userId"))
	}
	sub := w.sub(room.ID, uid)
	if sub != nil && sub.Banned() && w.checksBansOnInvite() {
		return nil, errUserIsBanned("useInviteToken")
	}
	now := dateOf(w.clock.Now())
	u.InviteToken, u.UpdatedAt = token, now
	w.users.touch(u.ID)
	switch {
	case sub == nil:
		w.useInvite(inv, now)
		w.join(room, u, nil, now)
	case sub.Banned():
		// Before 8.4.0 the invite joins a banned user: addUserToRoom lifted the ban
		// (the "invite unbans" behaviour PR #39840 removed). [inferred]
		sub.Status, sub.UpdatedAt = "", now
		room.UsersCount++
		w.subs.touch(sub.ID)
		w.rooms.touch(room.ID)
	}
	return &UseInvite{Room: InviteRoom{Rid: room.ID, Prid: room.Prid, FName: room.FName, Name: room.Name, T: room.T}}, nil
}

// ValidateInviteToken reports whether the token names a usable invite (§1.6): it exists, its
// room exists, and it is neither expired nor used up. Bans and membership are not looked at.
func (w *World) ValidateInviteToken(token string) bool {
	w.mu.Lock()
	defer w.unlock()
	_, _, err := w.validateInviteToken(token)
	return err == nil
}

// validateInviteToken is Rocket.Chat's validateInviteToken. Callers hold w.mu.
func (w *World) validateInviteToken(token string) (*Invite, *Room, error) {
	inv := w.invites.get(token)
	if token == "" || inv == nil {
		return nil, nil, errInvalidToken("validateInviteToken")
	}
	room := w.rooms.get(inv.Rid)
	if room == nil {
		return nil, nil, coded("error-invalid-room", "The invite token is invalid.", field("validateInviteToken", "rid"))
	}
	if inv.Expires != nil && !inv.Expires.Time().After(w.clock.Now()) {
		return nil, nil, errInviteExpired("expires")
	}
	if inv.MaxUses > 0 && inv.Uses >= inv.MaxUses {
		return nil, nil, errInviteExpired("maxUses")
	}
	return inv, room, nil
}

// FindOrCreateInvite returns the caller's usable invite to rid with these settings, or a new
// one (§1.2). Checks in order: rid given, create-invite-links scoped to the room (before any
// room check), caller subscribed, room exists, room type, days, maxUses. The answer carries
// url = SiteURL + "/invite/" + _id (the "direct" invite URL type); the stored url stays "".
func (w *World) FindOrCreateInvite(uid, rid string, days, maxUses int) (*Invite, error) {
	const m = "findOrCreateInvite"
	w.mu.Lock()
	defer w.unlock()
	if rid == "" {
		return nil, coded("error-the-field-is-required", "The field rid is required", field(m, "rid"))
	}
	if !w.can(uid, "create-invite-links", rid) {
		return nil, errNotAuthorized()
	}
	room := w.rooms.get(rid)
	if w.sub(rid, uid) == nil || room == nil {
		return nil, coded("error-invalid-room", "The rid field is invalid", field(m, "rid"))
	}
	if !memberActionAllowed(room) {
		return nil, coded("error-room-type-not-allowed", "Cannot create invite links for this room type", method(m))
	}
	if !slices.Contains(validDays, days) {
		return nil, coded("invalid-number-of-days", "Invite should expire in 1, 7, 15 or 30 days, or send 0 to never expire.", nil)
	}
	if !slices.Contains(validMaxUses, maxUses) {
		return nil, coded("invalid-number-of-uses", "Invite should be valid for 1, 5, 10, 25, 50, 100 or infinite (0) uses.", nil)
	}
	inv := w.reusableInvite(uid, rid, days, maxUses)
	if inv == nil {
		now := dateOf(w.clock.Now())
		inv = &Invite{ID: w.newID(6, func(id string) bool { return w.invites.get(id) != nil }), Rid: rid, UserID: uid,
			Days: days, MaxUses: maxUses, CreatedAt: now, Expires: expiry(now, days), UpdatedAt: now}
		w.putInvite(inv)
	}
	out := inv.clone()
	out.URL = w.siteURL + "/invite/" + inv.ID
	return out, nil
}

// reusableInvite is Invites.findOneByUserRoomMaxUsesAndExpiration: same creator, room and
// settings, not expired (when days > 0) and not used up (when maxUses > 0): the first such
// invite in insertion order. The reuse index holds only the invites with these settings that
// are not used up; the walk skips expired ones.
func (w *World) reusableInvite(uid, rid string, days, maxUses int) *Invite {
	candidates := w.reusable[inviteKey{uid: uid, rid: rid, days: days, maxUses: maxUses}]
	if candidates == nil {
		return nil
	}
	now := w.clock.Now()
	for inv := range w.live(candidates) {
		if days > 0 && (inv.Expires == nil || !inv.Expires.Time().After(now)) {
			continue
		}
		return inv
	}
	return nil
}

func (inv *Invite) clone() *Invite {
	c := inv.copy()
	return &c
}

// copy returns a copy of inv that shares nothing with it, as a value: a list of many invites
// holds them in one array instead of one allocation each.
func (inv *Invite) copy() Invite {
	c := *inv
	if inv.Expires != nil {
		e := *inv.Expires
		c.Expires = &e
	}
	return c
}

// ListInvites returns every invite of every user as stored (url ""), for callers with the
// unscoped create-invite-links permission (admins); others get not_authorized.
func (w *World) ListInvites(uid string) (*Copies[Invite], error) {
	w.mu.Lock()
	defer w.unlock()
	if !w.can(uid, "create-invite-links", "") {
		return nil, errNotAuthorized()
	}
	out := &Copies[Invite]{}
	for inv := range w.invites.values() {
		out.Append(inv.copy())
	}
	return out, nil
}

// RemoveInvite deletes any invite, for callers with the unscoped create-invite-links permission.
func (w *World) RemoveInvite(uid, id string) error {
	w.mu.Lock()
	defer w.unlock()
	if !w.can(uid, "create-invite-links", "") {
		return errNotAuthorized()
	}
	inv := w.invites.get(id)
	if inv == nil {
		return coded("invalid-invitation-id", "Invalid Invitation _id", method("removeInvite"))
	}
	w.delInvite(inv)
	return nil
}

// mailAddress is Mailer.checkAddressFormat's pattern.
var mailAddress = regexp.MustCompile(`(?i)^([\w-]+(?:\.[\w-]+)*)@((?:[\w-]+\.)*\w[\w-]{0,66})\.([a-z]{2,6}(?:\.[a-z]{2})?)$`)

// SendInvitationEmail checks the caller's unscoped bulk-register-user permission and the
// addresses, and returns the valid ones. The mock has no SMTP: with at least one valid address
// it answers as if the mails were sent [inferred]. The route answers failures with
// API.v1.failure({error: e.message}), so errors are plain with Meteor's "reason [code]" text.
func (w *World) SendInvitationEmail(uid string, emails []string) ([]string, error) {
	w.mu.Lock()
	defer w.unlock()
	if !w.can(uid, "bulk-register-user", "") {
		return nil, plain("Not allowed [error-not-allowed]")
	}
	var valid []string
	for _, e := range emails {
		if mailAddress.MatchString(e) {
			valid = append(valid, e)
		}
	}
	if len(valid) == 0 {
		return nil, plain("No valid email addresses [error-email-send-failed]")
	}
	return valid, nil
}
