package world

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/rcinvite/rcinvite/fixtures"
)

func userOf(t *testing.T, st State, id string) User {
	t.Helper()
	for _, u := range st.Users {
		if u.ID == id {
			return u
		}
	}
	t.Fatalf("no user %q in the state", id)
	return User{}
}

func TestPasswordsAreStoredAsBcryptOfTheirDigest(t *testing.T) {
	w := newWorld(t, "")
	st := w.Export()
	alice, bob := userOf(t, st, "alice"), userOf(t, st, "bob")
	if cost, err := bcrypt.Cost([]byte(alice.Password)); err != nil || cost != DefaultBcryptCost {
		t.Fatalf("alice's password %q: cost %d (%v), want a bcrypt hash of cost %d", alice.Password, cost, err, DefaultBcryptCost)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(alice.Password), []byte(passwordDigest("rocket.chat"))); err != nil {
		t.Errorf("alice's hash is not bcrypt of the SHA-256 hex digest of her password: %v", err)
	}
	if alice.Password == bob.Password {
		t.Error("alice and bob share a password and show the same hash: the hashes are not salted per user")
	}
}

// TestDigestTakenFromTheExportCannotLogIn pins the replay attack: the export held unsalted
// SHA-256 digests, and login {"password":{"digest":<it>,"algorithm":"sha-256"}} logged in.
func TestDigestTakenFromTheExportCannotLogIn(t *testing.T) {
	w := newWorld(t, "")
	stored := userOf(t, w.Export(), "alice").Password
	var e *Error
	if _, err := w.Login(Credentials{User: "alice", Digest: stored}); !errors.As(err, &e) || e.Code != "403" {
		t.Errorf("login with the exported hash as digest: %v, want 403 Incorrect password", err)
	}
	if _, err := w.Login(Credentials{User: "alice", Password: stored}); !errors.As(err, &e) || e.Code != "403" {
		t.Errorf("login with the exported hash as password: %v, want 403 Incorrect password", err)
	}
	if _, err := w.Login(Credentials{User: "alice", Digest: passwordDigest("rocket.chat")}); err != nil {
		t.Errorf("login with the digest a client computes: %v", err)
	}
}

func TestFixtureHashesAreSharedByWorldsOfOnePasswords(t *testing.T) {
	p, err := NewPasswords(DefaultBcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Options{Passwords: p})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(Options{Passwords: p})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Reset(); err != nil {
		t.Fatal(err)
	}
	if ha, hb := userOf(t, a.Export(), "alice").Password, userOf(t, b.Export(), "alice").Password; ha != hb {
		t.Errorf("two worlds of one Passwords hashed alice's fixture password twice: %q, %q", ha, hb)
	}
	if len(p.fixtures) != 4 {
		t.Errorf("%d fixture hashes remembered, want one per default fixture user (4)", len(p.fixtures))
	}
}

func TestNewPasswordsRefusesACostOutOfRange(t *testing.T) {
	for _, cost := range []int{0, 3, MaxBcryptCost + 1} {
		if _, err := NewPasswords(cost); err == nil {
			t.Errorf("cost %d accepted", cost)
		}
	}
	p, err := NewPasswords(5)
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(Options{Passwords: p})
	if err != nil {
		t.Fatal(err)
	}
	if cost, _ := bcrypt.Cost([]byte(userOf(t, w.Export(), "bob").Password)); cost != 5 {
		t.Errorf("cost %d, want 5", cost)
	}
}

// TestImportHashesLegacyDigests: a state exported before passwords were bcrypt hashes holds
// bare digests; importing it keeps the users' passwords working and stores them hashed.
func TestImportHashesLegacyDigests(t *testing.T) {
	w := newWorld(t, "")
	st := w.Export()
	for i := range st.Users {
		if st.Users[i].Password != "" {
			st.Users[i].Password = passwordDigest("rocket.chat")
		}
	}
	if err := w.Import(st); err != nil {
		t.Fatal(err)
	}
	if stored := userOf(t, w.Export(), "bob").Password; !strings.HasPrefix(stored, "$2a$") {
		t.Errorf("bob's imported password is stored as %q, want a bcrypt hash", stored)
	}
	if _, err := w.Login(Credentials{User: "bob", Password: "rocket.chat"}); err != nil {
		t.Errorf("bob cannot log in after importing a legacy state: %v", err)
	}
}

func TestImportRefusesAPasswordThatIsNotAHash(t *testing.T) {
	w := newWorld(t, "")
	for _, bad := range []string{"rocket.chat", "$2a$99$x", "$1$abc"} {
		st := w.Export()
		st.Users[0].Password = bad
		var e *Error
		if err := w.Import(st); !errors.As(err, &e) || e.Code != "error-invalid-state" {
			t.Errorf("password %q: %v, want error-invalid-state", bad, err)
		}
	}
}

func TestLoginTokensExpireAfterNinetyDaysOfTheWorldsClock(t *testing.T) {
	w := newWorld(t, "")
	s, err := w.Login(Credentials{User: "alice", Password: "rocket.chat"})
	if err != nil {
		t.Fatal(err)
	}
	w.Clock().Advance(LoginExpiration - time.Millisecond)
	if _, err := w.Authenticate("alice", s.AuthToken); err != nil {
		t.Fatalf("a token one millisecond short of 90 days: %v", err)
	}
	w.Clock().Advance(time.Millisecond)
	var e *Error
	if _, err := w.Login(Credentials{Resume: s.AuthToken}); !errors.As(err, &e) || e.Reason != "Your session has expired. Please log in again." {
		t.Errorf("resume with a 90-day-old token: %v, want Meteor's session-expired 403", err)
	}
	if _, err := w.Authenticate("alice", s.AuthToken); err == nil {
		t.Fatal("a 90-day-old token still authenticates")
	}
	if _, err := w.Authenticate("alice", "alice-token"); err != nil {
		t.Errorf("the fixture token, a personal access token, expired: %v", err)
	}
	for _, tok := range userOf(t, w.Export(), "alice").LoginTokens {
		if tok.HashedToken == hashLoginToken(s.AuthToken) {
			t.Error("the expired token is still stored")
		}
	}
	if _, err := w.Login(Credentials{User: "alice", Password: "rocket.chat"}); err != nil {
		t.Fatalf("log in again: %v", err)
	}
	if n := len(userOf(t, w.Export(), "alice").LoginTokens); n != 2 {
		t.Errorf("after a new login alice holds %d tokens, want 2: her fixture token and the new session", n)
	}
}

// TestLoginTokensPerUserAreBounded pins the unbounded growth: every login added ~2 KiB that
// nothing ever removed (200k logins, 409 MiB).
func TestLoginTokensPerUserAreBounded(t *testing.T) {
	w := newWorld(t, "")
	var sessions []*Session
	for range MaxLoginTokens + 20 {
		s, err := w.Login(Credentials{User: "carol", Password: "rocket.chat"})
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, s)
	}
	if n := len(userOf(t, w.Export(), "carol").LoginTokens); n != MaxLoginTokens+1 {
		t.Fatalf("carol holds %d tokens, want %d sessions and her fixture token", n, MaxLoginTokens)
	}
	if _, err := w.Authenticate("carol", "carol-token"); err != nil {
		t.Errorf("the fixture token went with the oldest sessions: %v", err)
	}
	for i, s := range sessions {
		_, err := w.Authenticate("carol", s.AuthToken)
		if newest := i >= len(sessions)-MaxLoginTokens; newest != (err == nil) {
			t.Errorf("session %d of %d authenticates: %v; want only the newest %d", i, len(sessions), err == nil, MaxLoginTokens)
		}
	}
	state, _ := json.Marshal(w.Export())
	if strings.Contains(string(state), sessions[len(sessions)-1].AuthToken) {
		t.Error("the state holds a token in clear")
	}
}

func TestPrepareHashesEachFixturePasswordOnce(t *testing.T) {
	p, err := NewPasswords(DefaultBcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixtures.Set{}
	for i := range 20 {
		fx.Users = append(fx.Users, fixtures.User{ID: fmt.Sprintf("u%d", i), Username: fmt.Sprintf("u%d", i), Password: "pw"})
	}
	fx.Users = append(fx.Users, fixtures.User{ID: "nopass", Username: "nopass"})
	p.Prepare(fx)
	if len(p.fixtures) != 20 {
		t.Fatalf("%d hashes prepared, want 20 (one per user with a password)", len(p.fixtures))
	}
	before := p.fixtures[fixturePassword{"u3", "pw"}]
	w, err := New(Options{Fixtures: fx, Passwords: p})
	if err != nil {
		t.Fatal(err)
	}
	if got := userOf(t, w.Export(), "u3").Password; got != before {
		t.Error("the world hashed u3's password again instead of using the prepared hash")
	}
}
