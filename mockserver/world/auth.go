package world

import (
	"crypto/subtle"
	"strings"
)

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
	UserID    string `json:"userId"`
	AuthToken string `json:"authToken"`
	Me        Me     `json:"me"`
}

// errLogin is a failed login: 401 in the legacy shape {status:"error", error, message}.
func errLogin(code, reason string) *Error {
	return &Error{Code: code, Reason: reason, Legacy: true, Status: 401}
}

// Login checks credentials and issues a new login token (43 characters of Meteor's
// Random.secret alphabet); only its hash is stored. An unknown user is "Unauthorized" (the login route of ApiClass.ts);
// a wrong password is Meteor's 403 "Incorrect password" [inferred: ambiguous-error setting].
func (w *World) Login(c Credentials) (*Session, error) {
	w.lock()
	defer w.unlock()
	if c.Resume != "" {
		return w.resume(c.Resume)
	}
	u := w.findLoginUser(c)
	if u == nil {
		return nil, errLogin("Unauthorized", "Unauthorized")
	}
	digest := c.Digest
	if digest == "" {
		digest = passwordDigest(c.Password)
	}
	if u.Password == "" || subtle.ConstantTimeCompare([]byte(strings.ToLower(digest)), []byte(u.Password)) != 1 {
		return nil, errLogin("403", "Incorrect password")
	}
	if !u.Active {
		return nil, errLogin("error-user-is-not-activated", "User is not activated")
	}
	token := w.randomString(43, secretAlphabet)
	w.addLoginToken(u, LoginToken{HashedToken: hashLoginToken(token), When: dateOf(w.clock.Now())})
	return &Session{UserID: u.ID, AuthToken: token, Me: w.me(u)}, nil
}

// resume is Meteor's resume login. An unknown token answers Meteor's 403 "You've been logged
// out by the server. Please log in again." [inferred]
func (w *World) resume(token string) (*Session, error) {
	if u := w.tokenOwner(hashLoginToken(token)); u != nil {
		return &Session{UserID: u.ID, AuthToken: token, Me: w.me(u)}, nil
	}
	return nil, errLogin("403", "You've been logged out by the server. Please log in again.")
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
// ErrNotLoggedIn.
func (w *World) Authenticate(userID, token string) (string, error) {
	if userID == "" || token == "" {
		return "", ErrNotLoggedIn()
	}
	w.lock()
	defer w.unlock()
	if u := w.users.get(userID); u != nil && w.hasToken(u.ID, hashLoginToken(token)) {
		return u.ID, nil
	}
	return "", ErrNotLoggedIn()
}

// Logout removes the login token used by the request.
func (w *World) Logout(userID, token string) error {
	w.lock()
	defer w.unlock()
	u := w.users.get(userID)
	if u == nil {
		return ErrNotLoggedIn()
	}
	w.removeLoginToken(u, hashLoginToken(token))
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
