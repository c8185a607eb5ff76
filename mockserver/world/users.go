package world

import (
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/rcinvite/rcinvite/mockserver/explain"
)

// NewUser is the body of users.create (the fields the mock acts on).
type NewUser struct {
	Email               string
	Name                string
	Password            string
	Username            string
	Active              *bool    // nil = true
	Roles               []string // nil = ["user"]
	JoinDefaultChannels *bool    // nil = true: join the default rooms (GENERAL)
	Verified            bool
	SetRandomPassword   bool // a password nobody is told: the user can log in only once given one
}

// usernamePattern is UTF8_User_Names_Validation's default.
var usernamePattern = regexp.MustCompile(`^[0-9a-zA-Z-_.]+$`)

// defaultRoles are the role ids a fresh Rocket.Chat defines [inferred: its protected roles];
// users.create refuses any other (the mock has no roles API to add one).
var defaultRoles = []string{"admin", "moderator", "leader", "owner", "user", "bot", "app", "guest",
	"anonymous", "livechat-agent", "livechat-manager", "livechat-monitor"}

// htmlEscape is lodash's escape, which Rocket.Chat applies to the names it puts in error texts.
var htmlEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// blank reports whether s is empty once JavaScript's String.prototype.trim has run.
func blank(s string) bool {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' }) == ""
}

// CreateUser is users.create (create-user, i.e. admins; otherwise 403 as a route with
// permissionsRequired). The checks run in validateUserData's order: unknown roles, name, username, the
// username's pattern, password (unless setRandomPassword), then whether the username and the
// email are taken; the email's format is checked last, when the user is inserted [inferred:
// validateUserData has no format check]. The password is stored as bcrypt of its digest
// (passwords.go), hashed under the world's lock: about 1.3 ms at DefaultBcryptCost.
func (w *World) CreateUser(uid string, n NewUser) (*UserInfo, error) {
	const m = "insertOrUpdateUser"
	required := func(field string) *Error {
		return coded("error-the-field-is-required", "The field "+field+" is required", map[string]any{"method": m, "field": field})
	}
	w.lock()
	defer w.unlock()
	// validateUserData checks the permission itself: 400, not the 403 of permissionsRequired.
	badRole := slices.IndexFunc(n.Roles, func(r string) bool { return !slices.Contains(defaultRoles, r) })
	switch {
	case !w.can(uid, "create-user", ""): // spec/SOURCES.md usersCreate #3
		return nil, coded("error-action-not-allowed", "Adding user is not allowed", map[string]any{"method": m, "action": "Adding_user"}) // can recorded the refusal
	case badRole >= 0:
		return nil, w.refuse(coded("error-action-not-allowed", "The field Roles consist invalid role id", map[string]any{"method": m, "action": "Assign_role"}),
			chkUserData, S{n.Roles[badRole]}, N{userRoles})
	case slices.Contains(n.Roles, "admin") && !w.can(uid, "assign-admin-role", ""): // spec/SOURCES.md usersCreate #5
		return nil, coded("error-action-not-allowed", "Assigning admin is not allowed", map[string]any{"method": m, "action": "Assign_admin"}) // can recorded the refusal
	case blank(n.Name):
		return nil, w.refuse(required("Name"), chkUserData, S{n.Name}, N{userName})
	case blank(n.Username):
		return nil, w.refuse(required("Username"), chkUserData, S{n.Username}, N{userUsername})
	case !usernamePattern.MatchString(n.Username):
		return nil, w.refuse(coded("error-input-is-not-a-valid-field", htmlEscape.Replace(n.Username)+" is not a valid username",
			map[string]any{"method": m, "input": n.Username, "field": "Username"}), chkUserData, S{n.Username}, N{userPattern})
	case n.Password == "" && !n.SetRandomPassword:
		return nil, w.refuse(required("Password"), chkUserData, S{}, N{userPassword})
	case blockedUsername(n.Username): // spec/SOURCES.md usersCreate #10
		return nil, w.refuse(coded("error-blocked-username", htmlEscape.Replace(n.Username)+" is blocked and can't be used!",
			map[string]any{"method": "checkUsernameAvailability", "field": n.Username}), chkUserData, S{n.Username}, N{userBlocked})
	case w.userByUsername(n.Username) != nil:
		return nil, w.refuse(coded("error-field-unavailable", htmlEscape.Replace(n.Username)+" is already in use :(", map[string]any{"method": m, "field": n.Username}),
			chkUserData, S{n.Username}, N{userTaken})
	case n.Email != "" && w.userByEmail(n.Email) != nil:
		return nil, w.refuse(coded("error-field-unavailable", htmlEscape.Replace(n.Email)+" is already in use :(", map[string]any{"method": m, "field": n.Email}),
			chkUserData, S{n.Email}, N{userEmailTaken})
	case !mailAddress.MatchString(n.Email):
		return nil, w.refuse(coded("error-invalid-email", "Invalid email "+n.Email, map[string]any{"method": m, "email": n.Email}),
			chkUserData, S{n.Email}, N{userEmail})
	}
	w.note(chkUserData, explain.Pass, S{}, N{})
	if n.SetRandomPassword {
		n.Password = w.newID(24, func(string) bool { return false })
	}
	now := dateOf(w.clock.Now())
	u := &User{ID: w.newID(17, func(id string) bool { return w.users.get(id) != nil }), Username: n.Username, Name: n.Name,
		Emails: []Email{{Address: n.Email, Verified: n.Verified}}, Roles: slices.Clone(n.Roles), Active: n.Active == nil || *n.Active,
		Type: "user", Password: w.passwords.hash(passwordDigest(n.Password)), CreatedAt: now, UpdatedAt: now}
	if len(u.Roles) == 0 {
		u.Roles = []string{"user"}
	}
	w.putUser(u)
	joined := 0
	if n.JoinDefaultChannels == nil || *n.JoinDefaultChannels {
		for r := range w.rooms.values() {
			if r.Default {
				w.join(r, u, nil, now)
				joined++
			}
		}
	}
	w.note(chkUserCreated, explain.Note, S{u.Username, u.ID}, N{int64(joined)})
	info := u.info()
	return &info, nil
}

// DeleteUser is users.delete (delete-user, i.e. admins): the user, its login tokens and its
// subscriptions go; rooms lose it from usersCount. [inferred: last-owner handling left out]
func (w *World) DeleteUser(uid string, target UserSelector) error {
	w.lock()
	defer w.unlock()
	if !w.can(uid, "delete-user", "") { // spec/SOURCES.md usersDelete #1
		return ErrUnauthorized() // can recorded the refusal
	}
	u, err := w.userFromParams(target)
	if err != nil {
		return err
	}
	now := dateOf(w.clock.Now())
	subs := w.userSubsOf(u.ID)
	defer w.note(chkUserDeleted, explain.Note, S{u.Username}, N{int64(len(subs))})
	for _, s := range subs {
		if r := w.rooms.get(s.Rid); r != nil && !s.Banned() {
			r.UsersCount--
			w.rooms.touch(r.ID)
		}
		w.discardSub(s, now)
	}
	w.delUser(u)
	return nil
}

// Info is /api/info's version for anonymous callers: major.minor of the emulated version ("8.4").
func (w *World) Info() string { return w.ServerInfo("").Version }

// blockedUsername is checkUsernameAvailability's refusal: "all" and "here" (always), the
// Accounts_BlockedUsernameList (empty on a fresh server) and validateName's
// Accounts_SystemBlockedUsernameList ("administrator,system,user" [inferred default]), all
// compared ignoring case.
func blockedUsername(username string) bool {
	switch strings.ToLower(strings.TrimSpace(username)) {
	case "all", "here", "administrator", "system", "user":
		return true
	}
	return false
}
