package world

import (
	"crypto/subtle"
	"strings"

	"github.com/rcinvite/rcinvite/mockserver/explain"
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
// Random.secret alphabet); only its hash is stored. An unknown user is "Unauthorized" (the login route of ApiClass.ts);
// a wrong password is Meteor's 403 "Incorrect password" [inferred: ambiguous-error setting].
func (w *World) Login(c Credentials) (*Session, error) {
	w.lock()
	defer w.unlock()
	switch {
	case c.Resume != "":
		return w.resume(c.Resume)
	case c.NoPassword: // spec/SOURCES.md login #2
		return nil, w.refuse(errLogin("400", "Unrecognized options for login request"), chkLoginShape, S{}, N{loginNoPassword})
	case c.UnknownKey != "": // spec/SOURCES.md login #3
		return nil, w.refuse(errLogin("400", "Match failed"), chkLoginShape, S{c.UnknownKey}, N{loginUnknownKey})
	}
	u, by := w.findLoginUser(c), loginBy(c)
	if u == nil {
		return nil, w.refuse(errLogin("Unauthorized", "Unauthorized"), chkLoginUser, by, N{})
	}
	by[2] = u.Username
	w.note(chkLoginUser, explain.Pass, by, N{})
	digest := c.Digest
	if digest == "" {
		digest = passwordDigest(c.Password)
	}
	if u.Password == "" || subtle.ConstantTimeCompare([]byte(strings.ToLower(digest)), []byte(u.Password)) != 1 {
		return nil, w.refuse(errLogin("403", "Incorrect password"), chkLoginPassword, S{u.Username},
			N{explain.Flag(c.Digest != ""), explain.Flag(u.Password != "")})
	}
	w.note(chkLoginPassword, explain.Pass, S{u.Username}, N{explain.Flag(c.Digest != "")})
	if !u.Active {
		return nil, w.refuse(errLogin("error-user-is-not-activated", "User is not activated"), chkLoginActive, S{u.Username}, N{})
	}
	token := w.randomString(43, secretAlphabet)
	w.addLoginToken(u, LoginToken{HashedToken: hashLoginToken(token), When: dateOf(w.clock.Now())})
	w.note(chkLoginIssued, explain.Note, S{u.Username}, N{int64(len(u.LoginTokens))})
	w.why.SetUser(u.ID)
	return &Session{UserID: u.ID, AuthToken: token, Me: w.me(u)}, nil
}

// resume is Meteor's resume login. An unknown token answers Meteor's 403 "You've been logged
// out by the server. Please log in again." [inferred]
func (w *World) resume(token string) (*Session, error) {
	if u := w.tokenOwner(hashLoginToken(token)); u != nil {
		w.note(chkLoginResume, explain.Pass, S{u.Username}, N{})
		w.why.SetUser(u.ID)
		return &Session{UserID: u.ID, AuthToken: token, Me: w.me(u)}, nil
	}
	return nil, w.refuse(errLogin("403", "You've been logged out by the server. Please log in again."), chkLoginResume, S{}, N{})
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
