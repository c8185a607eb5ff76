package world

import (
	"strings"
	"time"
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
}

// Session is login's `data`: the user id, a fresh auth token and the user.
type Session struct {
	UserID    string   `json:"userId"`
	AuthToken string   `json:"authToken"`
	Me        UserInfo `json:"me"`
}

// errLogin is a failed login: 401 in the legacy shape {status:"error", error, message}.
func errLogin(code, reason string) *Error {
	return &Error{Code: code, Reason: reason, Legacy: true, Status: 401}
}

// Login checks credentials and issues a new login token (43 characters of Meteor's
// Random.secret alphabet); only its hash is stored, and the user's expired tokens and those
// beyond MaxLoginTokens go. An unknown user is "Unauthorized" (§3.6); a wrong password is
// Meteor's 403 "Incorrect password" [inferred: ambiguous-error setting].
//
// bcrypt runs without the world's lock, so that logins do not hold up the world's other
// requests; an unknown user costs a bcrypt check too, so timing does not tell which users exist.
func (w *World) Login(c Credentials) (*Session, error) {
	if c.Resume != "" {
		w.mu.Lock()
		defer w.unlock()
		return w.resume(c.Resume)
	}
	w.mu.Lock()
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
	w.mu.Lock()
	defer w.unlock()
	u := w.users.get(uid)
	switch {
	case uid == "" || u == nil:
		return nil, errLogin("Unauthorized", "Unauthorized")
	case !ok || u.Password != stored: // a password changed meanwhile is checked again by the next login
		return nil, errLogin("403", "Incorrect password")
	case !u.Active:
		return nil, errLogin("error-user-is-not-activated", "User is not activated")
	}
	token := w.randomString(43, secretAlphabet)
	w.addLoginToken(u, LoginToken{HashedToken: hashLoginToken(token), When: dateOf(w.clock.Now())}, w.clock.Now())
	return &Session{UserID: u.ID, AuthToken: token, Me: u.info()}, nil
}

// resume is Meteor's resume login. An unknown token answers Meteor's 403 "You've been logged
// out by the server. Please log in again." [inferred]; an expired one 403 "Your session has
// expired. Please log in again." (accounts-base's resume handler) [confirmed].
func (w *World) resume(token string) (*Session, error) {
	hashed := hashLoginToken(token)
	u := w.tokenOwner(hashed)
	if u == nil {
		return nil, errLogin("403", "You've been logged out by the server. Please log in again.")
	}
	if t := u.loginToken(hashed); t != nil && t.expired(w.clock.Now()) {
		return nil, errLogin("403", "Your session has expired. Please log in again.")
	}
	return &Session{UserID: u.ID, AuthToken: token, Me: u.info()}, nil
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
func (w *World) userByUsername(name string) *User {
	for u := range w.users.values() {
		if strings.EqualFold(u.Username, name) {
			return u
		}
	}
	return nil
}

func (w *World) userByEmail(email string) *User {
	for u := range w.users.values() {
		for _, e := range u.Emails {
			if strings.EqualFold(e.Address, email) {
				return u
			}
		}
	}
	return nil
}

// Authenticate checks the X-User-Id/X-Auth-Token pair and returns the user id, or
// ErrNotLoggedIn. An expired token (LoginExpiration) is removed and refused.
func (w *World) Authenticate(userID, token string) (string, error) {
	if userID == "" || token == "" {
		return "", ErrNotLoggedIn()
	}
	w.mu.Lock()
	defer w.unlock()
	hashed := hashLoginToken(token)
	u := w.users.get(userID)
	if u == nil || !w.hasToken(u.ID, hashed) {
		return "", ErrNotLoggedIn()
	}
	if t := u.loginToken(hashed); t != nil && t.expired(w.clock.Now()) {
		w.removeLoginToken(u, hashed)
		return "", ErrNotLoggedIn()
	}
	return u.ID, nil
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
	w.mu.Lock()
	defer w.unlock()
	u := w.users.get(userID)
	if u == nil {
		return ErrNotLoggedIn()
	}
	w.removeLoginToken(u, hashLoginToken(token))
	return nil
}

// Me returns the caller's public user document.
func (w *World) Me(userID string) (*UserInfo, error) {
	w.mu.Lock()
	defer w.unlock()
	u := w.users.get(userID)
	if u == nil {
		return nil, ErrNotLoggedIn()
	}
	info := u.info()
	return &info, nil
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
