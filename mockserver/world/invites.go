package world

import (
	"regexp"
	"slices"
	"time"

	"github.com/rcinvite/rcinvite/mockserver/explain"
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

// UseInviteToken joins the caller to the invite's room (useInviteToken.ts), checking in this order: empty
// token, unknown token, room gone, expired, used up, room type, ban (8.4.0 and later only).
// Only then does it write: the user's inviteToken, uses+1 when the caller had no subscription,
// and the join (a new subscription, usersCount+1). Members do not use up a slot.
func (w *World) UseInviteToken(uid, token string) (*UseInvite, error) {
	w.lock()
	defer w.unlock()
	if token == "" { // spec/SOURCES.md useInviteToken #4
		return nil, w.refuse(errInvalidToken("useInviteToken"), chkInviteToken, S{}, N{})
	}
	inv, room, err := w.validateInviteToken(token)
	if err != nil {
		return nil, err
	}
	if !memberActionAllowed(room) { // spec/SOURCES.md useInviteToken #10
		return nil, w.refuse(coded("error-room-type-not-allowed", "Can't join room of this type via invite", field("useInviteToken", "token")),
			chkRoomType, S{room.ID, room.T}, N{})
	}
	w.note(chkRoomType, explain.Pass, S{room.ID, room.T}, N{})
	u := w.users.get(uid)
	if u == nil {
		return nil, w.refuse(coded("error-invalid-user", "The user is invalid", field("useInviteToken", "userId")), chkInviteUser, S{uid}, N{})
	}
	sub := w.sub(room.ID, uid)
	if sub != nil && sub.Banned() && w.checksBansOnInvite() { // spec/SOURCES.md useInviteToken #12
		st := w.banStep(u, room, sub)
		return nil, w.why.Refuse(&st, errUserIsBanned("useInviteToken"))
	}
	if w.why != nil {
		st := w.banStep(u, room, sub)
		if sub != nil && sub.Banned() {
			st.Verdict = explain.Note // before 8.4.0 the invite lifts the ban
		}
		w.why.Record(&st)
	}
	usesBefore, subBefore := int64(inv.Uses), subState(sub)
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
	w.note(chkInviteUse, explain.Note, S{u.Username, room.ID, inv.ID}, N{usesBefore, int64(inv.Uses), subBefore})
	return &UseInvite{Room: InviteRoom{Rid: room.ID, Prid: room.Prid, FName: room.FName, Name: room.Name, T: room.T}}, nil
}

// ValidateInviteToken reports whether the token names a usable invite (validateInviteToken.ts): it exists, its
// room exists, and it is neither expired nor used up. Bans and membership are not looked at.
func (w *World) ValidateInviteToken(token string) bool {
	w.lock()
	defer w.unlock()
	_, _, err := w.validateInviteToken(token)
	if err != nil { // a valid token's steps say so already
		w.note(chkInviteAnswer, explain.Note, S{}, N{0})
	}
	return err == nil
}

// validateInviteToken is Rocket.Chat's validateInviteToken. Callers hold w.mutex.
func (w *World) validateInviteToken(token string) (*Invite, *Room, error) {
	inv := w.invites.get(token)
	if token == "" || inv == nil { // spec/SOURCES.md useInviteToken #5
		return nil, nil, w.refuse(errInvalidToken("validateInviteToken"), chkInviteToken, S{token}, N{})
	}
	now := w.clock.Now()
	room, state := w.inviteState(inv, now)
	valid := N{int64(inv.Uses), int64(inv.MaxUses), dateMs(inv.Expires), now.UnixMilli()}
	switch state {
	case InviteRoomGone:
		return nil, nil, w.refuse(coded("error-invalid-room", "The invite token is invalid.", field("validateInviteToken", "rid")),
			chkInviteRoom, S{inv.ID, inv.Rid}, N{})
	case InviteExpired: // spec/SOURCES.md useInviteToken #8
		return nil, nil, w.refuse(errInviteExpired("expires"), chkInviteValid, S{inv.ID, inv.Rid}, valid)
	case InviteUsedUp:
		return nil, nil, w.refuse(errInviteExpired("maxUses"), chkInviteValid, S{inv.ID, inv.Rid}, valid)
	}
	w.note(chkInviteValid, explain.Pass, S{inv.ID, inv.Rid}, valid)
	return inv, room, nil
}

// States of a stored invite, as validateInviteToken judges it.
const (
	InviteValid    = "valid"     // usable
	InviteRoomGone = "room-gone" // its room was deleted: error-invalid-room
	InviteExpired  = "expired"   // expires <= now: error-invite-expired (field expires)
	InviteUsedUp   = "used-up"   // uses >= maxUses > 0: error-invite-expired (field maxUses)
)

// inviteState is validateInviteToken's verdict on a stored invite at now, checked in its
// order: room, expiry, uses. The dashboard shows the same verdict.
func (w *World) inviteState(inv *Invite, now time.Time) (*Room, string) {
	room := w.rooms.get(inv.Rid)
	switch {
	case room == nil:
		return nil, InviteRoomGone
	case inv.Expires != nil && !inv.Expires.Time().After(now):
		return room, InviteExpired
	case inv.MaxUses > 0 && inv.Uses >= inv.MaxUses:
		return room, InviteUsedUp
	}
	return room, InviteValid
}

// FindOrCreateInvite returns the caller's usable invite to rid with these settings, or a new
// one (findOrCreateInvite.ts). Checks in order: rid given, create-invite-links scoped to the room (before any
// room check), caller subscribed, room exists, room type, days, maxUses. The answer carries
// url = SiteURL + "/invite/" + _id (the "direct" invite URL type); the stored url stays "".
func (w *World) FindOrCreateInvite(uid, rid string, days, maxUses int) (*Invite, error) {
	const m = "findOrCreateInvite"
	w.lock()
	defer w.unlock()
	if rid == "" {
		return nil, w.refuse(coded("error-the-field-is-required", "The field rid is required", field(m, "rid")), chkInviteRid, S{}, N{})
	}
	if !w.can(uid, "create-invite-links", rid) { // spec/SOURCES.md findOrCreateInvite #4
		return nil, errNotAuthorized() // can recorded the refusal
	}
	room := w.rooms.get(rid)
	member := N{explain.Flag(w.sub(rid, uid) != nil), explain.Flag(room != nil)}
	if member[0] == 0 || room == nil {
		return nil, w.refuse(coded("error-invalid-room", "The rid field is invalid", field(m, "rid")), chkInviteMember, S{w.username(uid), rid}, member)
	}
	w.note(chkInviteMember, explain.Pass, S{w.username(uid), rid}, member)
	if !memberActionAllowed(room) {
		return nil, w.refuse(coded("error-room-type-not-allowed", "Cannot create invite links for this room type", method(m)),
			chkRoomType, S{room.ID, room.T}, N{})
	}
	if !slices.Contains(validDays, days) { // spec/SOURCES.md findOrCreateInvite #9
		return nil, w.refuse(coded("invalid-number-of-days", "Invite should expire in 1, 7, 15 or 30 days, or send 0 to never expire.", nil),
			chkInviteDays, S{}, N{int64(days)})
	}
	if !slices.Contains(validMaxUses, maxUses) {
		return nil, w.refuse(coded("invalid-number-of-uses", "Invite should be valid for 1, 5, 10, 25, 50, 100 or infinite (0) uses.", nil),
			chkInviteMaxUses, S{}, N{int64(maxUses)})
	}
	inv := w.reusableInvite(uid, rid, days, maxUses)
	reused := inv != nil
	if inv == nil {
		now := dateOf(w.clock.Now())
		inv = &Invite{ID: w.newID(6, func(id string) bool { return w.invites.get(id) != nil }), Rid: rid, UserID: uid,
			Days: days, MaxUses: maxUses, CreatedAt: now, Expires: expiry(now, days), UpdatedAt: now}
		w.putInvite(inv)
	}
	w.note(chkInviteReuse, explain.Note, S{inv.ID, rid}, N{explain.Flag(reused), int64(days), int64(maxUses), dateMs(inv.Expires)})
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
	w.lock()
	defer w.unlock()
	if !w.can(uid, "create-invite-links", "") {
		return nil, errNotAuthorized()
	}
	out := &Copies[Invite]{}
	for inv := range w.invites.values() {
		out.Append(inv.copy())
	}
	w.note(chkInviteList, explain.Note, S{}, N{int64(out.Len())})
	return out, nil
}

// RemoveInvite deletes any invite, for callers with the unscoped create-invite-links permission.
func (w *World) RemoveInvite(uid, id string) error {
	w.lock()
	defer w.unlock()
	if !w.can(uid, "create-invite-links", "") {
		return errNotAuthorized()
	}
	inv := w.invites.get(id)
	if inv == nil {
		return w.refuse(coded("invalid-invitation-id", "Invalid Invitation _id", method("removeInvite")), chkInviteRemove, S{id}, N{})
	}
	w.delInvite(inv)
	w.note(chkInviteRemove, explain.Note, S{id}, N{})
	return nil
}

// mailAddress is Mailer.checkAddressFormat's pattern.
var mailAddress = regexp.MustCompile(`(?i)^([\w-]+(?:\.[\w-]+)*)@((?:[\w-]+\.)*\w[\w-]{0,66})\.([a-z]{2,6}(?:\.[a-z]{2})?)$`)

// SendInvitationEmail checks the caller's unscoped bulk-register-user permission and the
// addresses, and returns the valid ones. The mock has no SMTP: with at least one valid address
// it answers as if the mails were sent [inferred]. The route answers failures with
// API.v1.failure({error: e.message}), so errors are plain with Meteor's "reason [code]" text.
func (w *World) SendInvitationEmail(uid string, emails []string) ([]string, error) {
	w.lock()
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
	counts := N{int64(len(valid)), int64(len(emails))}
	if len(valid) == 0 {
		return nil, w.refuse(plain("No valid email addresses [error-email-send-failed]"), chkInviteEmails, S{}, counts)
	}
	w.note(chkInviteEmails, explain.Note, S{}, counts)
	return valid, nil
}
