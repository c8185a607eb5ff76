package world

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
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
	required := func(field string) error {
		return coded("error-the-field-is-required", "The field "+field+" is required", map[string]any{"method": m, "field": field})
	}
	w.mu.Lock()
	defer w.unlock()
	if !w.can(uid, "create-user", "") {
		return nil, errPermissionsRequired()
	}
	switch {
	case slices.ContainsFunc(n.Roles, func(r string) bool { return !slices.Contains(defaultRoles, r) }):
		return nil, coded("error-action-not-allowed", "The field Roles consist invalid role id", map[string]any{"method": m, "action": "Assign_role"})
	case blank(n.Name):
		return nil, required("Name")
	case blank(n.Username):
		return nil, required("Username")
	case !usernamePattern.MatchString(n.Username):
		return nil, coded("error-input-is-not-a-valid-field", htmlEscape.Replace(n.Username)+" is not a valid username",
			map[string]any{"method": m, "input": n.Username, "field": "Username"})
	case n.Password == "" && !n.SetRandomPassword:
		return nil, required("Password")
	case w.userByUsername(n.Username) != nil:
		return nil, coded("error-field-unavailable", htmlEscape.Replace(n.Username)+" is already in use :(", map[string]any{"method": m, "field": n.Username})
	case n.Email != "" && w.userByEmail(n.Email) != nil:
		return nil, coded("error-field-unavailable", htmlEscape.Replace(n.Email)+" is already in use :(", map[string]any{"method": m, "field": n.Email})
	case !mailAddress.MatchString(n.Email):
		return nil, coded("error-invalid-email", "Invalid email "+n.Email, map[string]any{"method": m, "email": n.Email})
	}
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
	if n.JoinDefaultChannels == nil || *n.JoinDefaultChannels {
		for r := range w.rooms.values() {
			if r.Default {
				w.join(r, u, nil, now)
			}
		}
	}
	info := u.info()
	return &info, nil
}

// DeleteUser is users.delete (delete-user, i.e. admins): the user, its login tokens and its
// subscriptions go; rooms lose it from usersCount. [inferred: last-owner handling left out]
func (w *World) DeleteUser(uid string, target UserSelector) error {
	w.mu.Lock()
	defer w.unlock()
	if !w.can(uid, "delete-user", "") {
		return errPermissionsRequired()
	}
	u := w.userByParams(target)
	if u == nil {
		return errInvalidUserParam()
	}
	for _, s := range w.userSubsOf(u.ID) {
		if r := w.rooms.get(s.Rid); r != nil && !s.Banned() {
			r.UsersCount--
			w.rooms.touch(r.ID)
		}
		w.delSub(s)
	}
	w.delUser(u)
	return nil
}

// Info is /api/info's version: major.minor of the emulated version ("8.4").
func (w *World) Info() string {
	w.mu.Lock()
	defer w.unlock()
	p, _ := parseVersion(w.version)
	return fmt.Sprintf("%d.%d", p[0], p[1])
}
