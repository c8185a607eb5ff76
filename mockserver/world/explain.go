package world

import (
	"fmt"
	"strings"

	"github.com/rcinvite/rcinvite/mockserver/explain"
)

// The steps the rules record as they decide (see package explain). A rule records a check in
// one line: w.note(chkX, explain.Pass, S{…}, N{…}) when it passes or only informs, and
// `return …, w.refuse(errX(), chkX, S{…}, N{…})` when it refuses, so the step and the error the
// envelope is rendered from are the same decision. The wording lives here, next to each other;
// it is built only when somebody reads an explanation.

// S and N are a step's string and number slots.
type (
	S = [4]string
	N = [4]int64
)

// note records a step of check c with verdict v.
func (w *World) note(c *explain.Check, v explain.Verdict, s S, n N) {
	w.why.Record(&explain.Step{Check: c, Verdict: v, S: s, N: n})
}

// refuse records the step of check c that refused, and returns err, the answer it decided.
func (w *World) refuse(err *Error, c *explain.Check, s S, n N) error {
	return w.why.Refuse(&explain.Step{Check: c, S: s, N: n}, err)
}

// nowMs is the world's clock in Unix milliseconds, for time slots.
func (w *World) nowMs() int64 { return w.clock.Now().UnixMilli() }

// dateMs is a stored date in Unix milliseconds (0 for nil: never).
func dateMs(d *Date) int64 {
	if d == nil {
		return 0
	}
	return d.Time().UnixMilli()
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// roomWords names a room type as Rocket.Chat's UI does.
func roomWords(t string) string {
	switch t {
	case "c":
		return "public channel"
	case "p":
		return "private group"
	case "d":
		return "direct message"
	case "l":
		return "omnichannel room"
	}
	return "room of type " + t
}

// Authentication (the pipeline's step 2, through Authenticate).

var chkAuthHeaders = &explain.Check{Name: "auth.headers", N: [4]string{"hasUserId", "hasAuthToken"}, Bools: 0b11,
	Text: func(s *explain.Step) string {
		switch {
		case s.N[0] == 0 && s.N[1] == 0:
			return "neither X-User-Id nor X-Auth-Token header sent"
		case s.N[0] == 0:
			return "X-User-Id header missing (X-Auth-Token sent)"
		default:
			return "X-Auth-Token header missing (X-User-Id sent)"
		}
	}}

var chkAuthUser = &explain.Check{Name: "auth.user", S: [4]string{"userId"},
	Text: func(s *explain.Step) string { return fmt.Sprintf("X-User-Id %q: no user has this _id", s.S[0]) }}

// chkAuthToken's S[2] is the user holding the sent token instead, S[3] the user who logged it
// out; N[1] when.
var chkAuthToken = &explain.Check{Name: "auth.token", S: [4]string{"userId", "username", "tokenOf", "loggedOutBy"},
	N: [4]string{"loginTokens", "loggedOutAt"}, Times: 1 << 1,
	Text: func(s *explain.Step) string {
		if s.Verdict == explain.Pass && s.N[0] == 1 {
			return fmt.Sprintf("%s authenticated: X-Auth-Token is their login token", s.S[1])
		}
		if s.Verdict == explain.Pass {
			return fmt.Sprintf("%s authenticated: X-Auth-Token is one of their %d login tokens", s.S[1], s.N[0])
		}
		head := fmt.Sprintf("X-Auth-Token is none of %s's %s", s.S[1], plural(s.N[0], "login token", "login tokens"))
		switch {
		case s.S[2] != "":
			return head + ": it is a login token of " + s.S[2]
		case s.N[1] != 0:
			return head + ": it was logged out at " + explain.Time(s.N[1])
		default:
			return head + ": it was never issued in this world (or the world was reset since)"
		}
	}}

// Login, logout, me, info.

var chkLoginUser = &explain.Check{Name: "login.user", S: [4]string{"by", "value", "username"},
	Text: func(s *explain.Step) string {
		switch {
		case s.S[0] == "":
			return "no user, username or email given"
		case s.Verdict == explain.Pass:
			return fmt.Sprintf("user %s found by %s %q", s.S[2], s.S[0], s.S[1])
		default:
			return fmt.Sprintf("no user has %s %q: Unauthorized", s.S[0], s.S[1])
		}
	}}

var chkLoginPassword = &explain.Check{Name: "login.password", S: [4]string{"username"}, N: [4]string{"digest", "hasPassword"}, Bools: 0b11,
	Text: func(s *explain.Step) string {
		how := "the password"
		if s.N[0] == 1 {
			how = "the password digest (sha-256)"
		}
		switch {
		case s.Verdict == explain.Pass:
			return how + " matches " + s.S[0] + "'s"
		case s.N[1] == 0:
			return s.S[0] + " has no password: Incorrect password"
		default:
			return how + " does not match " + s.S[0] + "'s: Incorrect password"
		}
	}}

var chkLoginActive = &explain.Check{Name: "login.active", S: [4]string{"username"},
	Text: func(s *explain.Step) string { return s.S[0] + " is deactivated (active: false)" }}

var chkLoginIssued = &explain.Check{Name: "login.token", S: [4]string{"username"}, N: [4]string{"loginTokens"},
	Text: func(s *explain.Step) string {
		return fmt.Sprintf("issued a new login token: %s now holds %d", s.S[0], s.N[0])
	}}

// chkTokenExpired is a login session past Accounts_LoginExpiration on the world's clock: N[0]
// when it was issued, N[1] when it expired.
var chkTokenExpired = &explain.Check{Name: "auth.expired", S: [4]string{"username"}, N: [4]string{"issuedAt", "expiredAt"}, Times: 0b11,
	Text: func(s *explain.Step) string {
		return fmt.Sprintf("%s's login token was issued at %s and expired at %s (Accounts_LoginExpiration, 90 days, on the world's clock)",
			s.S[0], explain.Time(s.N[0]), explain.Time(s.N[1]))
	}}

var chkLoginResume = &explain.Check{Name: "login.resume", S: [4]string{"username"},
	Text: func(s *explain.Step) string {
		if s.Verdict == explain.Pass {
			return "the resume token is one of " + s.S[0] + "'s login tokens: the same token is answered"
		}
		return "the resume token matches no login token in this world (logged out, or never issued)"
	}}

var chkLogout = &explain.Check{Name: "logout", S: [4]string{"username"}, N: [4]string{"removed", "loginTokens"}, Bools: 0b01,
	Text: func(s *explain.Step) string {
		if s.N[0] == 0 {
			return fmt.Sprintf("the request's login token was already gone: nothing removed (%s holds %d)", s.S[0], s.N[1])
		}
		return fmt.Sprintf("removed the request's login token: %s holds %d more", s.S[0], s.N[1])
	}}

var chkMe = &explain.Check{Name: "me", S: [4]string{"username"},
	Text: func(s *explain.Step) string { return "answered " + s.S[0] + "'s own user document" }}

var chkInfo = &explain.Check{Name: "info.version", S: [4]string{"emulated", "reported"},
	Text: func(s *explain.Step) string {
		if s.S[0] == s.S[1] {
			return fmt.Sprintf("the world emulates Rocket.Chat %s: /api/info reports it whole to a caller with view-statistics", s.S[0])
		}
		return fmt.Sprintf("the world emulates Rocket.Chat %s: /api/info reports %s (major.minor)", s.S[0], s.S[1])
	}}

// Permissions and room access.

// chkPermission's S[3] is the role that granted the permission, or the roles held when refused.
var chkPermission = &explain.Check{Name: "permission", S: [4]string{"permission", "scope", "username", "roles"},
	Text: func(s *explain.Step) string {
		where := ""
		if s.S[1] != "" {
			where = " in " + s.S[1]
		}
		if s.Verdict == explain.Pass {
			return fmt.Sprintf("%s has %s%s (role %s)", s.S[2], s.S[0], where, s.S[3])
		}
		held := s.S[3]
		if held == "" {
			held = "none"
		}
		granted := strings.Join(permissions[s.S[0]], ", ")
		if granted == "" {
			granted = "no role by default"
		}
		return fmt.Sprintf("%s lacks %s%s: holds roles %s; it is granted to %s", s.S[2], s.S[0], where, held, granted)
	}}

// can is hasPermission(uid, perm, scope), recorded: the user's global roles, plus its roles on
// the subscription to room scope when scope is not empty.
func (w *World) can(uid, perm, scope string) bool {
	u := w.users.get(uid)
	if u == nil {
		return false
	}
	role, ok := grantingRole(u.Roles, perm)
	var s *Subscription
	if !ok && scope != "" {
		if s = w.sub(scope, uid); s != nil {
			role, ok = grantingRole(s.Roles, perm)
		}
	}
	if ok {
		w.note(chkPermission, explain.Pass, S{perm, scope, u.Username, role}, N{})
		return true
	}
	if w.why != nil { // the roles are joined only for someone who reads them
		held := append([]string(nil), u.Roles...)
		if s != nil {
			held = append(held, s.Roles...)
		}
		w.note(chkPermission, explain.Fail, S{perm, scope, u.Username, strings.Join(held, ", ")}, N{})
	}
	return false
}

var chkRoomAccess = &explain.Check{Name: "room.access", S: [4]string{"username", "room", "as"},
	Text: func(s *explain.Step) string {
		switch s.S[2] {
		case "member":
			return s.S[0] + " can access " + s.S[1] + " as a member"
		case "public":
			return s.S[0] + " can access " + s.S[1] + ", a public channel (view-c-room)"
		case "banned":
			return s.S[0] + " cannot access " + s.S[1] + ": banned (subscription status BANNED)"
		default:
			return s.S[0] + " cannot access " + s.S[1] + ": not a member of this private room"
		}
	}}

// canAccess is canAccessRoom, recorded: a public room is open to users with view-c-room, any
// room to its members; banned users are neither (their BANNED subscription does not count).
func (w *World) canAccess(r *Room, uid string) bool {
	s := w.sub(r.ID, uid)
	as := "none"
	switch {
	case s != nil && s.Banned():
		as = "banned"
	case s != nil:
		as = "member"
	case r.T == "c" && w.can(uid, "view-c-room", ""):
		as = "public"
	}
	ok := as == "member" || as == "public"
	if w.why != nil {
		w.note(chkRoomAccess, verdictOf(ok), S{w.username(uid), r.ID, as}, N{})
	}
	return ok
}

// username is uid's username, or uid when there is no such user.
func (w *World) username(uid string) string {
	if u := w.users.get(uid); u != nil {
		return u.Username
	}
	return uid
}

// Room lookups (findRoom, roomBySelector).

var chkRoomParam = &explain.Check{Name: "room.param",
	Text: func(*explain.Step) string { return "neither roomId nor roomName given" }}

var chkRoomFound = &explain.Check{Name: "room.found", S: [4]string{"by", "value", "room", "type"},
	Text: func(s *explain.Step) string {
		if s.Verdict == explain.Pass {
			return fmt.Sprintf("room %s found by %s (%s)", s.S[2], s.S[0], roomWords(s.S[3]))
		}
		return fmt.Sprintf("no room has %s %q", s.S[0], s.S[1])
	}}

var chkRoomKind = &explain.Check{Name: "room.kind", S: [4]string{"room", "type", "wants"},
	Text: func(s *explain.Step) string {
		family := "channels.*"
		if s.S[2] == "p" {
			family = "groups.*"
		}
		return fmt.Sprintf("room %s is a %s, and %s finds only %ss: not found", s.S[0], roomWords(s.S[1]), family, roomWords(s.S[2]))
	}}

var chkRoomArchived = &explain.Check{Name: "room.archived", S: [4]string{"room"},
	Text: func(s *explain.Step) string { return "room " + s.S[0] + " is archived" }}

// roomBySelector finds the room sel names, recorded.
func (w *World) roomBySelector(sel RoomSelector) *Room {
	r := w.roomByIDOrName(sel)
	if w.why != nil {
		by, value := "_id", sel.ID
		if !sel.hasID() {
			by, value = "name", sel.Name
		}
		st := S{by, value}
		if r != nil {
			st[2], st[3] = r.ID, r.T
		}
		w.note(chkRoomFound, verdictOf(r != nil), st, N{})
	}
	return r
}

// Invites.

var chkInviteToken = &explain.Check{Name: "invite.token", S: [4]string{"token"},
	Text: func(s *explain.Step) string {
		if s.S[0] == "" {
			return "no token given"
		}
		return fmt.Sprintf("no invite has _id %q (tokens are exact and case-sensitive)", s.S[0])
	}}

var chkInviteRoom = &explain.Check{Name: "invite.room", S: [4]string{"invite", "room"},
	Text: func(s *explain.Step) string {
		return fmt.Sprintf("invite %s is for room %s, which no longer exists", s.S[0], s.S[1])
	}}

// chkInviteValid is validateInviteToken's expiry and uses checks, on the world's clock.
var chkInviteValid = &explain.Check{Name: "invite.valid", S: [4]string{"invite", "room"},
	N: [4]string{"uses", "maxUses", "expires", "now"}, Times: 1<<2 | 1<<3,
	Text: func(s *explain.Step) string {
		uses := fmt.Sprintf("%d of %d uses", s.N[0], s.N[1])
		if s.N[1] == 0 {
			uses = fmt.Sprintf("%s, unlimited", plural(s.N[0], "use", "uses"))
		}
		expires := "never expires"
		if s.N[2] != 0 {
			expires = fmt.Sprintf("expires %s (%s on the world's clock)", explain.Time(s.N[2]), explain.Until(s.N[3], s.N[2]))
		}
		switch {
		case s.Verdict == explain.Pass:
			return fmt.Sprintf("invite %s (room %s): %s, %s", s.S[0], s.S[1], uses, expires)
		case s.N[2] != 0 && s.N[2] <= s.N[3]:
			return fmt.Sprintf("invite %s expired at %s (%s on the world's clock, now %s)", s.S[0],
				explain.Time(s.N[2]), explain.Until(s.N[3], s.N[2]), explain.Time(s.N[3]))
		default:
			return fmt.Sprintf("invite %s is used up: %s (error-invite-expired, field maxUses)", s.S[0], uses)
		}
	}}

// chkRoomType is allowMemberAction: S[2] is the action when it is not an invite or a ban
// ("leaving", "removing members").
var chkRoomType = &explain.Check{Name: "room.type", S: [4]string{"room", "type", "action"},
	Text: func(s *explain.Step) string {
		switch {
		case s.S[2] != "" && s.Verdict == explain.Pass:
			return fmt.Sprintf("room %s is a %s, which allows %s", s.S[0], roomWords(s.S[1]), s.S[2])
		case s.S[2] != "":
			return fmt.Sprintf("room %s is a %s, which does not allow %s (allowMemberAction)", s.S[0], roomWords(s.S[1]), s.S[2])
		case s.Verdict == explain.Pass:
			return fmt.Sprintf("room %s is a %s: member actions allowed", s.S[0], roomWords(s.S[1]))
		}
		return fmt.Sprintf("room %s is a %s: invites and bans are refused there (allowMemberAction)", s.S[0], roomWords(s.S[1]))
	}}

var chkInviteUser = &explain.Check{Name: "invite.user", S: [4]string{"userId"},
	Text: func(s *explain.Step) string { return fmt.Sprintf("the caller %q does not exist", s.S[0]) }}

// Subscription states in a step's number slot, and their words.
const (
	subNone   = 0
	subMember = 1
	subBanned = 2
)

var subStates = []string{"none", "member", "banned"}

func subState(s *Subscription) int64 {
	switch {
	case s == nil:
		return subNone
	case s.Banned():
		return subBanned
	}
	return subMember
}

// banWords says who banned and when.
func banWords(by string, at int64) string {
	switch {
	case by != "" && at != 0:
		return "banned by " + by + " at " + explain.Time(at)
	case at != 0:
		return "banned at " + explain.Time(at) + " by someone the world did not record (fixtures or an imported state)"
	}
	return "banned by someone, at a time, the world did not record"
}

// chkInviteBan is useInviteToken's ban check (8.4.0, PR #40087). N[2] is 1 when the emulated
// version checks bans.
var chkInviteBan = &explain.Check{Name: "subscription.ban", S: [4]string{"username", "room", "emulated", "bannedBy"},
	N: [4]string{"subscription", "bannedAt", "checksBans"}, Times: 1 << 1, Bools: 1 << 2, Enums: [4][]string{subStates},
	Text: func(s *explain.Step) string {
		switch {
		case s.N[0] == subNone:
			return fmt.Sprintf("%s has no subscription to %s: not banned", s.S[0], s.S[1])
		case s.N[0] == subMember:
			return fmt.Sprintf("%s is a member of %s already: not banned", s.S[0], s.S[1])
		case s.N[2] == 1:
			return fmt.Sprintf("%s has a subscription to %s with status BANNED, %s; this check exists since 8.4.0: under 8.3.0 emulation %s would join",
				s.S[0], s.S[1], banWords(s.S[3], s.N[1]), s.S[0])
		default:
			return fmt.Sprintf("%s has a subscription to %s with status BANNED, %s; but the world emulates %s, whose useInviteToken has no ban check (it came with 8.4.0, PR #40087): the invite lifts the ban",
				s.S[0], s.S[1], banWords(s.S[3], s.N[1]), s.S[2])
		}
	}}

// chkInviteUse is what useInviteToken wrote. N[2] is the caller's subscription before.
var chkInviteUse = &explain.Check{Name: "invite.use", S: [4]string{"username", "room", "invite"},
	N: [4]string{"usesBefore", "usesAfter", "subscriptionBefore"}, Enums: [4][]string{2: subStates},
	Text: func(s *explain.Step) string {
		switch s.N[2] {
		case subNone:
			return fmt.Sprintf("%s joins %s; invite %s's uses %d → %d", s.S[0], s.S[1], s.S[2], s.N[0], s.N[1])
		case subBanned:
			return fmt.Sprintf("%s's ban is lifted and they are a member of %s again; invite %s's uses stay %d", s.S[0], s.S[1], s.S[2], s.N[0])
		}
		return fmt.Sprintf("%s is a member already: only their inviteToken is saved; invite %s's uses stay %d (members do not use up a slot)", s.S[0], s.S[2], s.N[0])
	}}

var chkInviteAnswer = &explain.Check{Name: "invite.answer", N: [4]string{"valid"}, Bools: 1,
	Text: func(s *explain.Step) string {
		if s.N[0] == 1 {
			return "valid: true"
		}
		return "valid: false (validateInviteToken answers every failed check with 200, not an error)"
	}}

var chkInviteRid = &explain.Check{Name: "invite.rid",
	Text: func(*explain.Step) string { return "rid missing or empty" }}

var chkInviteMember = &explain.Check{Name: "invite.member", S: [4]string{"username", "room"}, N: [4]string{"subscribed", "roomExists"}, Bools: 0b11,
	Text: func(s *explain.Step) string {
		switch {
		case s.Verdict == explain.Pass:
			return fmt.Sprintf("%s is subscribed to %s", s.S[0], s.S[1])
		case s.N[1] == 0:
			return fmt.Sprintf("room %s does not exist", s.S[1])
		}
		return fmt.Sprintf("%s has no subscription to %s", s.S[0], s.S[1])
	}}

var chkInviteDays = &explain.Check{Name: "invite.days", N: [4]string{"days"},
	Text: func(s *explain.Step) string {
		return fmt.Sprintf("days %d is not one of 0, 1, 7, 15, 30", s.N[0])
	}}

var chkInviteMaxUses = &explain.Check{Name: "invite.maxUses", N: [4]string{"maxUses"},
	Text: func(s *explain.Step) string {
		return fmt.Sprintf("maxUses %d is not one of 0, 1, 5, 10, 25, 50, 100", s.N[0])
	}}

var chkInviteReuse = &explain.Check{Name: "invite.reuse", S: [4]string{"invite", "room"},
	N: [4]string{"reused", "days", "maxUses", "expires"}, Times: 1 << 3, Bools: 1,
	Text: func(s *explain.Step) string {
		if s.N[0] == 1 {
			return fmt.Sprintf("reused invite %s: the caller's, for %s with days %d and maxUses %d, neither expired nor used up",
				s.S[0], s.S[1], s.N[1], s.N[2])
		}
		return fmt.Sprintf("no usable invite of the caller's for %s with days %d and maxUses %d: created %s (expires %s)",
			s.S[1], s.N[1], s.N[2], s.S[0], explain.Time(s.N[3]))
	}}

var chkInviteList = &explain.Check{Name: "invite.list", N: [4]string{"invites"},
	Text: func(s *explain.Step) string { return "listed " + plural(s.N[0], "invite", "invites") }}

var chkInviteRemove = &explain.Check{Name: "invite.remove", S: [4]string{"invite"},
	Text: func(s *explain.Step) string {
		if s.Verdict == explain.Fail {
			return fmt.Sprintf("no invite has _id %q", s.S[0])
		}
		return "invite " + s.S[0] + " deleted"
	}}

var chkInviteEmails = &explain.Check{Name: "invite.emails", N: [4]string{"valid", "given"},
	Text: func(s *explain.Step) string {
		if s.N[0] == 0 {
			return fmt.Sprintf("none of the %s is valid (Mailer.checkAddressFormat)", plural(s.N[1], "address", "addresses"))
		}
		return fmt.Sprintf("%d of %s valid; the mock sends no mail", s.N[0], plural(s.N[1], "address", "addresses"))
	}}

// Users named in a body (getUserFromParams).

var chkTargetUser = &explain.Check{Name: "user.target", S: [4]string{"by", "value", "username"},
	Text: func(s *explain.Step) string {
		switch {
		case s.S[0] == "":
			return "neither userId nor username given"
		case s.Verdict == explain.Pass:
			return fmt.Sprintf("user %s found by %s", s.S[2], s.S[0])
		case s.S[0] == "importId":
			return fmt.Sprintf("no user has importId %q: the mock keeps no import ids (and Rocket.Chat looks them up only for callers who may see everything)", s.S[1])
		}
		return fmt.Sprintf("no user has %s %q", s.S[0], s.S[1])
	}}

var chkInviteUsers = &explain.Check{Name: "invite.users",
	Text: func(*explain.Step) string { return "none of the users named exists: nobody to invite" }}

// userByParams is getUserFromParams' lookup, recorded: the first of userId, username and user
// that is not blank, by id or by username (ignoring case).
func (w *World) userByParams(sel UserSelector) *User {
	u := w.userByIDOrUsername(sel)
	if w.why != nil {
		by, value, name := "", "", ""
		switch {
		case !blank(sel.ID):
			by, value = "_id", sel.ID
		case !blank(sel.Username):
			by, value = "username", sel.Username
		case !blank(sel.User):
			by, value = "user", sel.User
		}
		if u != nil {
			name = u.Username
		}
		w.note(chkTargetUser, verdictOf(u != nil), S{by, value, name}, N{})
	}
	return u
}

// Bans.

var chkBanRoom = &explain.Check{Name: "ban.room", S: [4]string{"room", "type"}, N: [4]string{"exists"}, Bools: 1,
	Text: func(s *explain.Step) string {
		if s.N[0] == 0 {
			return fmt.Sprintf("room %q does not exist", s.S[0])
		}
		return fmt.Sprintf("room %s is a %s: bans are refused there (allowMemberAction)", s.S[0], roomWords(s.S[1]))
	}}

var chkBanCaller = &explain.Check{Name: "ban.caller", S: [4]string{"userId"},
	Text: func(s *explain.Step) string { return fmt.Sprintf("the caller %q does not exist", s.S[0]) }}

// chkBanTarget is the target's subscription as rooms.banUser and rooms.unbanUser see it. N[1]
// is 1 for unbanUser; N[2] is 1 when the target is the room's last owner.
var chkBanTarget = &explain.Check{Name: "ban.subscription", S: [4]string{"username", "room", "bannedBy"},
	N: [4]string{"subscription", "unban", "lastOwner", "bannedAt"}, Times: 1 << 3, Bools: 0b110, Enums: [4][]string{subStates},
	Text: func(s *explain.Step) string {
		who, room := s.S[0], s.S[1]
		switch {
		case s.N[0] == subNone && s.N[1] == 1:
			return fmt.Sprintf("%s has no subscription to %s: not banned", who, room)
		case s.N[0] == subNone:
			return fmt.Sprintf("%s has no subscription to %s: not in this room", who, room)
		case s.N[0] == subMember && s.N[1] == 1:
			return fmt.Sprintf("%s is a member of %s, not banned", who, room)
		case s.N[0] == subBanned && s.N[1] == 0:
			return fmt.Sprintf("%s is already banned from %s, %s", who, room, banWords(s.S[2], s.N[3]))
		case s.N[2] == 1:
			return fmt.Sprintf("%s is the last owner of %s", who, room)
		case s.N[1] == 1:
			return fmt.Sprintf("%s is banned from %s, %s", who, room, banWords(s.S[2], s.N[3]))
		}
		return fmt.Sprintf("%s is a member of %s", who, room)
	}}

var chkBanned = &explain.Check{Name: "ban.write", S: [4]string{"username", "room", "stripped"},
	N: [4]string{"usersCountBefore", "usersCountAfter", "unban"}, Bools: 1 << 2,
	Text: func(s *explain.Step) string {
		if s.N[2] == 1 {
			return fmt.Sprintf("%s unbanned from %s: the subscription is deleted, so they are no member until they join or are invited again", s.S[0], s.S[1])
		}
		stripped := s.S[2]
		if stripped == "" {
			stripped = "none"
		}
		return fmt.Sprintf("%s banned from %s: subscription kept with status BANNED, usersCount %d → %d, room roles stripped: %s",
			s.S[0], s.S[1], s.N[0], s.N[1], stripped)
	}}

var chkMembersPage = &explain.Check{Name: "members.page", S: [4]string{"room", "list"}, N: [4]string{"total", "count", "offset"},
	Text: func(s *explain.Step) string {
		return fmt.Sprintf("%s of %s: %d in all, %d answered from offset %d", s.S[1], s.S[0], s.N[0], s.N[1], s.N[2])
	}}

// Rooms.

// chkRoomName's N[0]: 1 missing, 2 off the name pattern, 3 taken (S[1] is the room holding it).
var chkRoomName = &explain.Check{Name: "room.name", S: [4]string{"name", "takenBy"}, N: [4]string{"problem"},
	Enums: [4][]string{{"none", "missing", "pattern", "taken"}},
	Text: func(s *explain.Step) string {
		switch s.N[0] {
		case 1:
			return "no name given"
		case 2:
			return fmt.Sprintf("name %q does not match UTF8_Channel_Names_Validation ^[0-9a-zA-Z-_.]+$", s.S[0])
		}
		return fmt.Sprintf("name %q is taken by room %s (names compare ignoring case)", s.S[0], s.S[1])
	}}

var chkRoomCreated = &explain.Check{Name: "room.create", S: [4]string{"room", "name", "type"}, N: [4]string{"members"},
	Text: func(s *explain.Step) string {
		return fmt.Sprintf("created %s %s (_id %s) with %s", roomWords(s.S[2]), s.S[1], s.S[0], plural(s.N[0], "member", "members"))
	}}

var chkRoomDeleted = &explain.Check{Name: "room.delete", S: [4]string{"room"}, N: [4]string{"subscriptions"},
	Text: func(s *explain.Step) string {
		return fmt.Sprintf("room %s deleted with its %s; its invites stay (using them answers error-invalid-room)",
			s.S[0], plural(s.N[0], "subscription", "subscriptions"))
	}}

// chkRoomJoin is a user joining a room through channels.invite/groups.invite (N[1] 0) or
// channels.join (N[1] 1).
var chkRoomJoin = &explain.Check{Name: "room.join", S: [4]string{"username", "room"}, N: [4]string{"subscription", "channelsJoin"},
	Bools: 1 << 1, Enums: [4][]string{subStates},
	Text: func(s *explain.Step) string {
		switch s.N[0] {
		case subNone:
			return fmt.Sprintf("%s joins %s", s.S[0], s.S[1])
		case subBanned:
			return fmt.Sprintf("%s is banned from %s: an explicit rooms.unbanUser must come first (PR #39840)", s.S[0], s.S[1])
		}
		return fmt.Sprintf("%s is a member of %s already: nothing changes", s.S[0], s.S[1])
	}}

var chkSubscription = &explain.Check{Name: "subscription.get", S: [4]string{"username", "room", "status"}, N: [4]string{"found"}, Bools: 1,
	Text: func(s *explain.Step) string {
		switch {
		case s.N[0] == 0:
			return fmt.Sprintf("%s has no subscription to %q: subscription null", s.S[0], s.S[1])
		case s.S[2] != "":
			return fmt.Sprintf("%s's subscription to %s, status %s", s.S[0], s.S[1], s.S[2])
		}
		return fmt.Sprintf("%s's subscription to %s", s.S[0], s.S[1])
	}}

// Users.

// User data problems (validateUserData's checks, in order), chkUserData's N[0].
const (
	userRoles = iota + 1
	userName
	userUsername
	userPattern
	userPassword
	userTaken
	userEmailTaken
	userEmail
	userBlocked
)

var chkUserData = &explain.Check{Name: "user.data", S: [4]string{"value"}, N: [4]string{"problem"},
	Enums: [4][]string{{"none", "roles", "name", "username", "username pattern", "password", "username taken", "email taken", "email", "username blocked"}},
	Text: func(s *explain.Step) string {
		switch s.N[0] {
		case userRoles:
			return fmt.Sprintf("role %q is none of a fresh server's roles", s.S[0])
		case userName:
			return "name missing or blank"
		case userUsername:
			return "username missing or blank"
		case userPattern:
			return fmt.Sprintf("username %q does not match UTF8_User_Names_Validation ^[0-9a-zA-Z-_.]+$", s.S[0])
		case userPassword:
			return "no password and no setRandomPassword"
		case userTaken:
			return fmt.Sprintf("username %q is taken (compared ignoring case)", s.S[0])
		case userEmailTaken:
			return fmt.Sprintf("email %q is taken", s.S[0])
		case userEmail:
			return fmt.Sprintf("email %q is not an address (Mailer.checkAddressFormat)", s.S[0])
		case userBlocked:
			return fmt.Sprintf("username %q is blocked (all, here and the system's blocked names: checkUsernameAvailability)", s.S[0])
		}
		return "every validateUserData check passed"
	}}

var chkUserCreated = &explain.Check{Name: "user.create", S: [4]string{"username", "userId"}, N: [4]string{"defaultRooms"},
	Text: func(s *explain.Step) string {
		return fmt.Sprintf("created user %s (_id %s), joined to %s", s.S[0], s.S[1], plural(s.N[0], "default room", "default rooms"))
	}}

var chkUserDeleted = &explain.Check{Name: "user.delete", S: [4]string{"username"}, N: [4]string{"subscriptions"},
	Text: func(s *explain.Step) string {
		return fmt.Sprintf("user %s deleted with their %s and login tokens", s.S[0], plural(s.N[0], "subscription", "subscriptions"))
	}}

// Room roles, membership, direct messages, user info and sync.

// roleWords is a room role with its article: "an owner", "a moderator", "a leader".
func roleWords(role string) string {
	if role == Owner.Name {
		return "an owner"
	}
	return "a " + role
}

// roomRoleNamed is the room role whose _id is name (Owner when none is).
func roomRoleNamed(name string) RoomRole {
	for _, r := range []RoomRole{Moderator, Leader} {
		if r.Name == name {
			return r
		}
	}
	return Owner
}

// nameList joins names for a step's slot, at most ten and then how many more; "" when nobody
// records.
func (w *World) nameList(names []string) string {
	const most = 10
	switch {
	case w.why == nil:
		return ""
	case len(names) > most:
		return strings.Join(names[:most], ", ") + fmt.Sprintf(" and %d more", len(names)-most)
	}
	return strings.Join(names, ", ")
}

// rolesWords are a subscription's roles as a step shows them.
func rolesWords(roles string) string {
	if roles == "" {
		return "none"
	}
	return roles
}

// chkRoomMember is a user's subscription to a room as the room-role methods, removeUserFromRoom
// and leaveRoomMethod look it up (findOneByRoomIdAndUserId: a BANNED one counts). N[1] is 1
// when the caller may kick from any room of the type, so that a missing one is no refusal.
var chkRoomMember = &explain.Check{Name: "room.member", S: [4]string{"username", "room"}, N: [4]string{"subscription", "kickAny"},
	Bools: 1 << 1, Enums: [4][]string{subStates},
	Text: func(s *explain.Step) string {
		switch {
		case s.N[0] == subNone && s.N[1] == 1:
			return fmt.Sprintf("%s has no subscription to %s, and the caller may remove users from any such room (kick-user-from-any-*-room): nothing to remove, the kick succeeds", s.S[0], s.S[1])
		case s.N[0] == subNone:
			return fmt.Sprintf("%s has no subscription to %s: not in this room", s.S[0], s.S[1])
		case s.N[0] == subBanned:
			return fmt.Sprintf("%s has a subscription to %s with status BANNED, which counts here (findOneByRoomIdAndUserId does not look at status)", s.S[0], s.S[1])
		}
		return fmt.Sprintf("%s is a member of %s", s.S[0], s.S[1])
	}}

// chkRoleHeld is the room-role methods' check of the target's roles: N[0] 1 when the role
// counts as held, N[1] 1 for the granting method, N[2] 1 when the subscription has no roles key.
var chkRoleHeld = &explain.Check{Name: "role.held", S: [4]string{"username", "room", "role", "roles"},
	N: [4]string{"holds", "add", "keyless"}, Bools: 0b111,
	Text: func(s *explain.Step) string {
		who, room, role, roles := s.S[0], s.S[1], roleWords(s.S[2]), rolesWords(s.S[3])
		switch {
		case s.N[1] == 1 && s.N[0] == 1:
			return fmt.Sprintf("%s is already %s of %s (roles: %s)", who, role, room, roles)
		case s.N[1] == 1:
			return fmt.Sprintf("%s is not %s of %s yet (roles: %s)", who, role, room, roles)
		case s.N[2] == 1 && s.N[0] == 1:
			return fmt.Sprintf("%s's subscription to %s has no roles key, and %s tests only roles that exist (`subscription.roles && …`): it counts as %s",
				who, room, roomRoleNamed(s.S[2]).remove, role)
		case s.N[2] == 1:
			return fmt.Sprintf("%s's subscription to %s has no roles key: not %s (removeRoomOwner wants roles to be an array holding owner)", who, room, role)
		case s.N[0] == 1:
			return fmt.Sprintf("%s is %s of %s (roles: %s)", who, role, room, roles)
		}
		return fmt.Sprintf("%s is not %s of %s (roles: %s)", who, role, room, roles)
	}}

var chkRoleWrite = &explain.Check{Name: "role.write", S: [4]string{"username", "room", "role", "roles"}, N: [4]string{"add"}, Bools: 1,
	Text: func(s *explain.Step) string {
		if s.N[0] == 1 {
			return fmt.Sprintf("%s is now %s of %s (roles: %s)", s.S[0], roleWords(s.S[2]), s.S[1], rolesWords(s.S[3]))
		}
		return fmt.Sprintf("%s is no longer %s of %s (roles: %s)", s.S[0], roleWords(s.S[2]), s.S[1], rolesWords(s.S[3]))
	}}

// The actions that meet the last-owner check, chkLastOwner's N[2].
const (
	lastOwnerRemoveRole = iota
	lastOwnerKick
	lastOwnerLeave
)

// chkLastOwner is the last-owner check of removeRoomOwner, removeUserFromRoom and leaveRoom
// (Roles.countUsersInRole('owner', rid), banned owners counted): N[0] 1 when the user is an
// owner, N[1] how many owners the room has (counted only for an owner).
var chkLastOwner = &explain.Check{Name: "room.lastOwner", S: [4]string{"username", "room"}, N: [4]string{"owner", "owners", "action"},
	Bools: 1, Enums: [4][]string{2: {"remove owner", "kick", "leave"}},
	Text: func(s *explain.Step) string {
		who, room := s.S[0], s.S[1]
		switch {
		case s.N[0] == 0:
			return fmt.Sprintf("%s is no owner of %s: the last-owner check does not apply", who, room)
		case s.N[1] != 1:
			return fmt.Sprintf("%s is one of the %d owners of %s: not the last", who, s.N[1], room)
		case s.N[2] == lastOwnerKick:
			return fmt.Sprintf("%s is the last owner of %s: they cannot be removed before the room has another owner", who, room)
		case s.N[2] == lastOwnerLeave:
			return fmt.Sprintf("%s is the last owner of %s: they must set a new owner before leaving", who, room)
		}
		return fmt.Sprintf("%s is the last owner of %s: set a new owner before removing this one", who, room)
	}}

// chkRoomLeft is a subscription deleted by a kick (S[2] the kicker) or a leave.
var chkRoomLeft = &explain.Check{Name: "room.leave", S: [4]string{"username", "room", "removedBy"},
	N: [4]string{"usersCountBefore", "usersCountAfter", "wasBanned"}, Bools: 1 << 2,
	Text: func(s *explain.Step) string {
		head := fmt.Sprintf("%s left %s", s.S[0], s.S[1])
		if s.S[2] != "" {
			head = fmt.Sprintf("%s removed %s from %s", s.S[2], s.S[0], s.S[1])
		}
		if s.N[2] == 1 {
			return fmt.Sprintf("%s: their BANNED subscription is deleted, and the ban with it; usersCount stays %d (the ban counted them out)", head, s.N[1])
		}
		return fmt.Sprintf("%s: the subscription is deleted (into the trash), usersCount %d → %d", head, s.N[0], s.N[1])
	}}

var chkRoomRoles = &explain.Check{Name: "room.roles", S: [4]string{"room"}, N: [4]string{"holders"},
	Text: func(s *explain.Step) string {
		return fmt.Sprintf("listed the %s of %s holding owner, moderator or leader, by username",
			plural(s.N[0], "subscription", "subscriptions"), s.S[0])
	}}

// chkRoomRead is channels.info and groups.info answering a room; N[0] is 1 when the lookup
// checked the caller's access (groups).
var chkRoomRead = &explain.Check{Name: "room.info", S: [4]string{"room", "type"}, N: [4]string{"accessChecked"}, Bools: 1,
	Text: func(s *explain.Step) string {
		if s.N[0] == 1 {
			return fmt.Sprintf("answered %s %s, which the caller can access (archived or not)", roomWords(s.S[1]), s.S[0])
		}
		return fmt.Sprintf("answered %s %s: channels.info checks no access (any logged-in user reads a channel, a banned one too; archived or not)", roomWords(s.S[1]), s.S[0])
	}}

// chkDirectMembers is createDirectMessage's member list against DirectMesssage_maxUsers (N[1]).
var chkDirectMembers = &explain.Check{Name: "dm.members", S: [4]string{"usernames"}, N: [4]string{"members", "maxUsers", "excludeSelf"},
	Bools: 1 << 2,
	Text: func(s *explain.Step) string {
		self := "the caller included"
		if s.N[2] == 1 {
			self = "the caller left out (excludeSelf)"
		}
		if s.Verdict == explain.Fail {
			return fmt.Sprintf("%d members asked for (%s), more than DirectMesssage_maxUsers, %d, %s; unknown usernames count too",
				s.N[0], s.S[0], s.N[1], self)
		}
		return fmt.Sprintf("the direct message's members: %s (%d of at most %d, %s)", s.S[0], s.N[0], s.N[1], self)
	}}

// chkDirectRoom is the direct message createDirectRoom found or created, and the subscriptions
// it added; S[2] are the usernames no user has.
var chkDirectRoom = &explain.Check{Name: "dm.room", S: [4]string{"room", "usernames", "unknown"},
	N: [4]string{"created", "newSubscriptions"}, Bools: 1,
	Text: func(s *explain.Step) string {
		how := "found the existing"
		if s.N[0] == 1 {
			how = "created the"
		}
		text := fmt.Sprintf("%s direct message %s of %s; %s", how, s.S[0], s.S[1], plural(s.N[1], "new subscription", "new subscriptions"))
		if s.S[2] != "" {
			text += "; no user has " + s.S[2] + ": left out"
		}
		return text
	}}

var chkUserQuery = &explain.Check{Name: "user.query",
	Text: func(*explain.Step) string {
		return "none of userId, username and importId is a non-empty string: Invalid search query. (the handler looks users up by nothing else)"
	}}

// The rooms part of users.info, chkUserView's N[2].
const (
	roomsNotAsked = iota
	roomsListed
	roomsRefused
)

// chkUserView is what users.info shows: N[0] 1 when the caller looks themselves up, N[1] 1
// when they may see everything (canViewAllInfo), N[3] the rooms listed.
var chkUserView = &explain.Check{Name: "user.view", S: [4]string{"caller", "user"}, N: [4]string{"myself", "canViewAllInfo", "rooms", "roomCount"},
	Bools: 0b11, Enums: [4][]string{2: {"not asked", "listed", "refused"}},
	Text: func(s *explain.Step) string {
		var text string
		switch {
		case s.N[0] == 1:
			text = fmt.Sprintf("%s looks themselves up: every field, services included", s.S[0])
		case s.N[1] == 1:
			text = fmt.Sprintf("%s holds view-full-other-user-info: %s's emails, roles and createdAt are shown too", s.S[0], s.S[1])
		default:
			text = fmt.Sprintf("%s sees %s's default fields only (emails, roles and createdAt need view-full-other-user-info)", s.S[0], s.S[1])
		}
		switch s.N[2] {
		case roomsListed:
			text += fmt.Sprintf("; includeUserRooms: %s listed", plural(s.N[3], "room", "rooms"))
		case roomsRefused:
			text += "; includeUserRooms ignored: the caller is neither the user nor holds view-other-user-channels"
		}
		return text
	}}

var chkSyncSince = &explain.Check{Name: "sync.since", S: [4]string{"param", "value"},
	Text: func(s *explain.Step) string {
		return fmt.Sprintf("%s %q is no date JavaScript's Date.parse reads (the mock reads ISO 8601 and RFC 1123/2822 forms)", s.S[0], s.S[1])
	}}

// chkSync is subscriptions.get's and rooms.get's answer; N[2] is updatedSince (0 without).
var chkSync = &explain.Check{Name: "sync.answer", S: [4]string{"list", "username"}, N: [4]string{"updated", "removed", "since"}, Times: 1 << 2,
	Text: func(s *explain.Step) string {
		what := s.S[0] + " of " + s.S[1]
		if s.S[0] == "rooms" {
			what = "rooms " + s.S[1] + " has a subscription to"
		}
		if s.N[2] == 0 {
			return fmt.Sprintf("%s: all %d, as no updatedSince was sent; remove is empty", what, s.N[0])
		}
		return fmt.Sprintf("%s changed after %s: %d; deleted after it (from the trash): %d", what, explain.Time(s.N[2]), s.N[0], s.N[1])
	}}

var chkSubscriptionRoomID = &explain.Check{Name: "subscription.roomId",
	Text: func(*explain.Step) string { return "roomId is empty: subscriptions.getOne wants a room id" }}

// Login body shapes, chkLoginShape's N[0].
const (
	loginNoPassword = iota + 1
	loginUnknownKey
)

// chkLoginShape is a login body no login handler takes (loginCompatibility hands it on as it is).
var chkLoginShape = &explain.Check{Name: "login.shape", S: [4]string{"key"}, N: [4]string{"problem"},
	Enums: [4][]string{{"none", "no password", "unknown key"}},
	Text: func(s *explain.Step) string {
		if s.N[0] == loginUnknownKey {
			return fmt.Sprintf("key %q is none of user, username, email, password and code: the password handler's check() refuses the body (Match failed)", s.S[0])
		}
		return "no password (nor a resume token): loginCompatibility hands the body to Meteor as it is, and no login handler takes it"
	}}

// Checks lists every check the world records, for tests and documentation.
func Checks() []*explain.Check {
	return []*explain.Check{chkAuthHeaders, chkAuthUser, chkAuthToken, chkTokenExpired, chkLoginUser, chkLoginPassword, chkLoginActive,
		chkLoginIssued, chkLoginResume, chkLogout, chkMe, chkInfo, chkPermission, chkRoomAccess, chkRoomParam, chkRoomFound,
		chkRoomKind, chkRoomArchived, chkInviteToken, chkInviteRoom, chkInviteValid, chkRoomType, chkInviteUser, chkInviteBan,
		chkInviteUse, chkInviteAnswer, chkInviteRid, chkInviteMember, chkInviteDays, chkInviteMaxUses, chkInviteReuse,
		chkInviteList, chkInviteRemove, chkInviteEmails, chkTargetUser, chkBanRoom, chkBanCaller, chkBanTarget, chkBanned,
		chkInviteUsers, chkMembersPage, chkRoomName, chkRoomCreated, chkRoomDeleted, chkRoomJoin, chkSubscription, chkUserData,
		chkUserCreated, chkUserDeleted, chkRoomMember, chkRoleHeld, chkRoleWrite, chkLastOwner, chkRoomLeft, chkRoomRoles,
		chkRoomRead, chkDirectMembers, chkDirectRoom, chkUserQuery, chkUserView, chkSyncSince, chkSync, chkSubscriptionRoomID,
		chkLoginShape}
}

// notes are what the world remembers only to explain its answers: who banned a subscription
// and when (Rocket.Chat keeps it in the user-banned system message, which the mock does not
// store), and the login tokens logged out lately. They are not part of the State: an import
// or a reset forgets them, and so does a restart with a state file.
type notes struct {
	bans      map[string]banNote    // subscription _id → its ban
	loggedOut map[string]logoutNote // hashed login token → its logout; at most maxLogoutNotes
	order     []string              // loggedOut's keys, oldest first
}

type banNote struct {
	by string // the banning user's username
	at int64  // Unix milliseconds on the world's clock
}

type logoutNote struct {
	username string
	at       int64
}

// maxLogoutNotes bounds the logged-out tokens remembered per world.
const maxLogoutNotes = 64

func (n *notes) banned(subID, by string, at int64) {
	if n.bans == nil {
		n.bans = map[string]banNote{}
	}
	n.bans[subID] = banNote{by: by, at: at}
}

// ban returns who banned subscription s and when; the time falls back on the subscription's
// _updatedAt, which the ban set.
func (n *notes) ban(s *Subscription) banNote {
	if b, ok := n.bans[s.ID]; ok {
		return b
	}
	return banNote{at: s.UpdatedAt.Time().UnixMilli()}
}

func (n *notes) loggedOutToken(hashed, username string, at int64) {
	if n.loggedOut == nil {
		n.loggedOut = map[string]logoutNote{}
	}
	if _, ok := n.loggedOut[hashed]; !ok {
		n.order = append(n.order, hashed)
	}
	n.loggedOut[hashed] = logoutNote{username: username, at: at}
	if len(n.order) > maxLogoutNotes {
		delete(n.loggedOut, n.order[0])
		n.order = append(n.order[:0], n.order[1:]...)
	}
}

// verdictOf is Pass when ok, else Fail.
func verdictOf(ok bool) explain.Verdict {
	if ok {
		return explain.Pass
	}
	return explain.Fail
}

// banStep is chkInviteBan's step for u's subscription sub to room.
func (w *World) banStep(u *User, room *Room, sub *Subscription) explain.Step {
	st := explain.Step{Check: chkInviteBan, S: S{u.Username, room.ID, w.version}, N: N{subState(sub)}}
	if sub != nil && sub.Banned() { // the rest only matters for a ban
		b := w.notes.ban(sub)
		st.S[3], st.N[1], st.N[2] = b.by, b.at, explain.Flag(w.checksBansOnInvite())
	}
	return st
}
