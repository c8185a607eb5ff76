package world

import (
	"strings"
	"time"

	"github.com/rcinvite/rcinvite/mockserver/explain"
)

// LoginExpiration is Accounts_LoginExpiration's default, 90 days: a login token this old by
// the world's clock no longer logs in (Meteor's _tokenExpiration(when) = when +
// loginExpirationInDays; accounts-base's resume handler answers an expired token 403 "Your
// session has expired. Please log in again." [confirmed: accounts_server.js]). Rocket.Chat's
// REST authentication finds the user by the token's hash alone and relies on Meteor's
// _expireTokens job, which removes expired tokens every 10 minutes; the mock refuses them at
// once (a deliberate difference: no 10-minute window) and removes them then.
const LoginExpiration = 90 * 24 * time.Hour

// MaxLoginTokens bounds the login sessions a user holds (personal access tokens aside): a
// login beyond it drops the user's oldest session first. A deliberate difference: Rocket.Chat keeps every token until it
// expires, so 200k logins used to cost the mock 400 MiB; a client that keeps more than 100
// sessions of one user alive at once sees its oldest session logged out. [inferred]
const MaxLoginTokens = 100

// expired reports whether login token t has expired at now.
func (t LoginToken) expired(now time.Time) bool {
	return t.session() && !now.Before(t.When.Time().Add(LoginExpiration))
}

// Credentials are the fields of POST /api/v1/login: a user (username, or email when it
// contains "@"), or username, or email; and a password, either plain or as a hex SHA-256
// Digest ({digest, algorithm:"sha-256"}).
type Credentials struct {
	User     string
	Username string
	Email    string
	Password string
	Digest   string
	Resume   string // an existing login token: logs in as its user, answering the same token
	// NoPassword says the body had no password (absent or null) and no resume token:
	// loginCompatibility hands such a body on as it is, and no login handler takes it.
	NoPassword bool
	// UnknownKey is a body key none of user, username, email, password and code: the password
	// handler's check() refuses the body. [inferred]
	UnknownKey string
}

// Session is login's `data`: the user id, a fresh auth token and the user.
type Session struct {
	UserID    string `json:"userId"`
	AuthToken string `json:"authToken"`
	Me        Me     `json:"me"`
}

// errLogin is a failed login: 401 in the legacy shape {status:"error", error, message}.
func errLogin(code, reason string) *Error {
	return &Error{Code: code, Reason: reason, Legacy: true, Status: 401}
}

// Login checks credentials and issues a new login token (43 characters of Meteor's
// Random.secret alphabet); only its hash is stored, and the user's expired tokens and those
// beyond MaxLoginTokens go. An unknown user is "Unauthorized" (the login route of ApiClass.ts);
// a wrong password is Meteor's 403 "Incorrect password" [inferred: ambiguous-error setting].
//
// bcrypt runs without the world's lock, so that logins do not hold up the world's other
// requests; an unknown user costs a bcrypt check too, so timing does not tell which users exist.
func (w *World) Login(c Credentials) (*Session, error) {
	switch {
	case c.Resume != "":
		w.lock()
		defer w.unlock()
		return w.resume(c.Resume)
	case c.NoPassword: // spec/SOURCES.md login #2
		return nil, w.refuse(errLogin("400", "Unrecognized options for login request"), chkLoginShape, S{}, N{loginNoPassword})
	case c.UnknownKey != "": // spec/SOURCES.md login #3
		return nil, w.refuse(errLogin("400", "Match failed"), chkLoginShape, S{c.UnknownKey}, N{loginUnknownKey})
	}
	w.lock()
	var uid, stored string
	if u := w.findLoginUser(c); u != nil {
		uid, stored = u.ID, u.Password
	}
	w.unlock()
	digest := c.Digest
	if digest == "" {
		digest = passwordDigest(c.Password)
	}
	ok := matches(stored, digest)
	w.lock()
	defer w.unlock()
	u, by := w.users.get(uid), loginBy(c)
	if uid == "" || u == nil {
		return nil, w.refuse(errLogin("Unauthorized", "Unauthorized"), chkLoginUser, by, N{})
	}
	by[2] = u.Username
	w.note(chkLoginUser, explain.Pass, by, N{})
	if !ok || u.Password != stored { // a password changed meanwhile is checked again by the next login
		return nil, w.refuse(errLogin("403", "Incorrect password"), chkLoginPassword, S{u.Username},
			N{explain.Flag(c.Digest != ""), explain.Flag(u.Password != "")})
	}
	w.note(chkLoginPassword, explain.Pass, S{u.Username}, N{explain.Flag(c.Digest != "")})
	if !u.Active {
		return nil, w.refuse(errLogin("error-user-is-not-activated", "User is not activated"), chkLoginActive, S{u.Username}, N{})
	}
	token, hashed := w.newLoginToken()
	w.addLoginToken(u, LoginToken{HashedToken: hashed, When: dateOf(w.clock.Now())}, w.clock.Now())
	w.note(chkLoginIssued, explain.Note, S{u.Username}, N{int64(len(u.LoginTokens))})
	w.why.SetUser(u.ID)
	return &Session{UserID: u.ID, AuthToken: token, Me: w.me(u)}, nil
}

// newLoginToken draws a login token (43 characters of Meteor's Random.secret alphabet) that
// no user holds, and its hash. A random one never repeats; one from a seeded source can (a
// world restored from a state file draws what the last run drew), and a token held twice
// would log in as whoever holds it first.
func (w *World) newLoginToken() (token, hashed string) {
	for {
		token = w.randomString(43, secretAlphabet)
		if hashed = hashLoginToken(token); len(w.tokenUsers[hashed]) == 0 {
			return token, hashed
		}
	}
}

// resume is Meteor's resume login. An unknown token answers Meteor's 403 "You've been logged
// out by the server. Please log in again." [inferred]; an expired one 403 "Your session has
// expired. Please log in again." (accounts-base's resume handler) [confirmed].
func (w *World) resume(token string) (*Session, error) {
	hashed := hashLoginToken(token)
	u := w.tokenOwner(hashed)
	if u == nil {
		return nil, w.refuse(errLogin("403", "You've been logged out by the server. Please log in again."), chkLoginResume, S{}, N{})
	}
	if t := u.loginToken(hashed); t != nil && t.expired(w.clock.Now()) {
		return nil, w.refuse(errLogin("403", "Your session has expired. Please log in again."), chkTokenExpired, S{u.Username},
			N{dateMs(&t.When), t.When.Time().Add(LoginExpiration).UnixMilli()})
	}
	w.note(chkLoginResume, explain.Pass, S{u.Username}, N{})
	w.why.SetUser(u.ID)
	return &Session{UserID: u.ID, AuthToken: token, Me: w.me(u)}, nil
}

// loginBy names what findLoginUser looks the user up by, and the value, for chkLoginUser.
func loginBy(c Credentials) S {
	switch {
	case c.User != "" && strings.Contains(c.User, "@"):
		return S{"email (user)", c.User}
	case c.User != "":
		return S{"username (user)", c.User}
	case c.Username != "":
		return S{"username", c.Username}
	case c.Email != "":
		return S{"email", c.Email}
	}
	return S{}
}

func (w *World) findLoginUser(c Credentials) *User {
	switch {
	case c.User != "" && strings.Contains(c.User, "@"):
		return w.userByEmail(c.User)
	case c.User != "":
		return w.userByUsername(c.User)
	case c.Username != "":
		return w.userByUsername(c.Username)
	case c.Email != "":
		return w.userByEmail(c.Email)
	}
	return nil
}

// userByUsername finds a user by username, ignoring case as Meteor's accounts do. [inferred]
func (w *World) userByUsername(name string) *User { return w.firstUser(w.byUsername[foldKey(name)]) }

// userByEmail finds the first user with this email address, ignoring case. [inferred]
func (w *World) userByEmail(email string) *User { return w.firstUser(w.byEmail[foldKey(email)]) }

// Authenticate checks the X-User-Id/X-Auth-Token pair and returns the user id, or
// ErrNotLoggedIn. An expired token (LoginExpiration) is removed and refused.
func (w *World) Authenticate(userID, token string) (string, error) {
	if userID == "" || token == "" {
		return "", w.refuse(ErrNotLoggedIn(), chkAuthHeaders, S{}, N{explain.Flag(userID != ""), explain.Flag(token != "")})
	}
	w.lock()
	defer w.unlock()
	u := w.users.get(userID)
	if u == nil {
		return "", w.refuse(ErrNotLoggedIn(), chkAuthUser, S{userID}, N{})
	}
	hashed := hashLoginToken(token)
	if !w.hasToken(u.ID, hashed) {
		slots, nums := w.tokenWhereabouts(u, hashed)
		return "", w.refuse(ErrNotLoggedIn(), chkAuthToken, slots, nums)
	}
	if t := u.loginToken(hashed); t != nil && t.expired(w.clock.Now()) {
		issued, expired := dateMs(&t.When), t.When.Time().Add(LoginExpiration).UnixMilli()
		w.removeLoginToken(u, hashed)
		return "", w.refuse(ErrNotLoggedIn(), chkTokenExpired, S{u.Username}, N{issued, expired})
	}
	w.note(chkAuthToken, explain.Pass, S{u.ID, u.Username}, N{int64(len(u.LoginTokens))})
	w.why.SetUser(u.ID)
	return u.ID, nil
}

// tokenWhereabouts fills chkAuthToken's slots for a token u does not hold: who holds it
// instead, or who logged it out and when. It runs only on a refused request.
func (w *World) tokenWhereabouts(u *User, hashed string) (S, N) {
	s, n := S{u.ID, u.Username}, N{int64(len(u.LoginTokens))}
	if owner := w.tokenOwner(hashed); owner != nil {
		s[2] = owner.Username
	} else if lo, ok := w.notes.loggedOut[hashed]; ok {
		s[3], n[1] = lo.username, lo.at
	}
	return s, n
}

// loginToken returns u's newest login token with this hash, or nil.
func (u *User) loginToken(hashed string) *LoginToken {
	for i := len(u.LoginTokens) - 1; i >= 0; i-- {
		if u.LoginTokens[i].HashedToken == hashed {
			return &u.LoginTokens[i]
		}
	}
	return nil
}

// Logout removes the login token used by the request.
func (w *World) Logout(userID, token string) error {
	w.lock()
	defer w.unlock()
	u := w.users.get(userID)
	if u == nil {
		return w.refuse(ErrNotLoggedIn(), chkAuthUser, S{userID}, N{})
	}
	removed := w.removeLoginToken(u, hashLoginToken(token))
	if removed {
		w.notes.loggedOutToken(hashLoginToken(token), u.Username, w.nowMs())
	}
	w.note(chkLogout, explain.Note, S{u.Username}, N{explain.Flag(removed), int64(len(u.LoginTokens))})
	return nil
}

// info is the public view of u. A user with a login token counts as online. [inferred]
func (u *User) info() UserInfo {
	return UserInfo{ID: u.ID, Username: u.Username, Name: u.Name, Emails: append([]Email(nil), u.Emails...),
		Status: u.status(), Active: u.Active, Roles: append([]string(nil), u.Roles...), Type: u.Type,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

func (u *User) status() string {
	if len(u.LoginTokens) > 0 {
		return "online"
	}
	return "offline"
}
