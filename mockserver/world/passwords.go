package world

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"github.com/rcinvite/rcinvite/fixtures"
)

// Passwords are stored as Meteor's accounts-password stores them (services.password.bcrypt):
// bcrypt of the hex SHA-256 digest of the password, the digest being what a client sends as
// {digest, algorithm:"sha-256"} (packages/accounts-password/password_server.js, hashPassword
// and getPasswordString; Rocket.Chat 8.4 runs Meteor 3, whose default is bcrypt with
// Accounts._bcryptRounds() = 10 and argon2 off [likely]). A stored hash cannot be sent back as
// a digest to log in, unlike the bare digests the mock stored before.

// DefaultBcryptCost is the bcrypt cost the mock hashes new passwords with unless told
// otherwise: bcrypt's minimum, 4, so that a login costs about 1.3 ms of CPU on a 2-core
// machine instead of the 70 ms of Meteor's default 10. A deliberate difference: the mock
// holds test passwords, and suites log in often.
const DefaultBcryptCost = bcrypt.MinCost

// MaxBcryptCost bounds the cost a server may be given: cost 14 already takes about a second
// per login. [inferred]
const MaxBcryptCost = 14

// Passwords hashes and checks passwords, and remembers the hashes of fixture users'
// passwords, so that every world built from one fixture set (each sandbox, each reset)
// reuses them instead of running bcrypt again. Share one Passwords between the worlds of a
// server (Options.Passwords). It is safe for concurrent use.
type Passwords struct {
	cost int

	mu       sync.Mutex
	fixtures map[fixturePassword]string // → its bcrypt hash
}

// fixturePassword is one fixture user's password: users with the same password still get
// hashes of their own (their own salt), so equal passwords do not show as equal hashes.
type fixturePassword struct{ uid, password string }

// maxFixtureHashes bounds the remembered fixture hashes; beyond it fixture passwords are
// hashed each time. A server's fixture sets are fixed, so this is never reached in practice.
const maxFixtureHashes = 10_000

// NewPasswords returns a Passwords that hashes with bcrypt cost (DefaultBcryptCost up to
// MaxBcryptCost).
func NewPasswords(cost int) (*Passwords, error) {
	if cost < bcrypt.MinCost || cost > MaxBcryptCost {
		return nil, fmt.Errorf("bcrypt cost %d: want %d to %d", cost, bcrypt.MinCost, MaxBcryptCost)
	}
	return &Passwords{cost: cost, fixtures: map[fixturePassword]string{}}, nil
}

// sharedPasswords holds one Passwords per cost for the whole process (PasswordsAt).
var sharedPasswords sync.Map // int → *Passwords

// PasswordsAt returns the process's Passwords for cost, made on first use: servers and worlds
// with the same cost share the fixture users' hashes, so that a process building many servers
// (tests, fuzzing) hashes each fixture password once.
func PasswordsAt(cost int) (*Passwords, error) {
	if p, ok := sharedPasswords.Load(cost); ok {
		return p.(*Passwords), nil
	}
	p, err := NewPasswords(cost)
	if err != nil {
		return nil, err
	}
	actual, _ := sharedPasswords.LoadOrStore(cost, p)
	return actual.(*Passwords), nil
}

// defaultPasswords serves worlds built without Options.Passwords.
func defaultPasswords() *Passwords {
	p, _ := PasswordsAt(DefaultBcryptCost) // the default cost is in range
	return p
}

// Cost returns the bcrypt cost new hashes get.
func (p *Passwords) Cost() int { return p.cost }

// hash returns bcrypt of digest with a fresh salt.
func (p *Passwords) hash(digest string) string {
	h, err := bcrypt.GenerateFromPassword([]byte(digest), p.cost)
	if err != nil { // only for digests over 72 bytes or a bad cost; a hex SHA-256 is 64 and the cost is checked
		panic("world: bcrypt: " + err.Error())
	}
	return string(h)
}

// fixture returns the hash of fixture user uid's password, hashing it the first time only.
func (p *Passwords) fixture(uid, password string) string {
	k := fixturePassword{uid, password}
	p.mu.Lock()
	h, ok := p.fixtures[k]
	p.mu.Unlock()
	if ok {
		return h
	}
	h = p.hash(passwordDigest(password))
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.fixtures[k]; ok {
		return old // another world hashed it meanwhile: keep one hash per fixture user
	}
	if len(p.fixtures) < maxFixtureHashes {
		p.fixtures[k] = h
	}
	return h
}

// Prepare hashes the passwords of fx's users that are not hashed yet, on every core at once:
// a server calls it with its fixtures when it starts, so that its first world does not hash a
// large fixture set one user after the other (about 1.3 ms a user at DefaultBcryptCost).
func (p *Passwords) Prepare(fx *fixtures.Set) {
	work := make(chan fixtures.User)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for u := range work {
				p.fixture(u.ID, u.Password)
			}
		})
	}
	for _, u := range fx.Users {
		if u.Password != "" {
			work <- u
		}
	}
	close(work)
	wg.Wait()
}

// dummyHash is checked against when the user is unknown, so that a login for an unknown user
// takes as long as one with a wrong password and does not tell which usernames exist.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte(passwordDigest("")), DefaultBcryptCost)
	return h
})

// matches reports whether digest is the password whose bcrypt hash is stored. The digest is
// compared as sent, as Meteor compares it (an upper-case hex digest does not match).
func matches(stored, digest string) bool {
	if stored == "" {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(digest))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(stored), []byte(digest)) == nil
}

// passwordDigest is the hex SHA-256 digest Meteor clients send as {digest, algorithm:"sha-256"}.
func passwordDigest(password string) string {
	sum := sha256.Sum256([]byte(password))
	return hex.EncodeToString(sum[:])
}

// isLegacyDigest reports whether a stored password is a bare hex SHA-256 digest, as states
// exported by rcmock before bcrypt hold them.
func isLegacyDigest(stored string) bool {
	if len(stored) != sha256.Size*2 {
		return false
	}
	_, err := hex.DecodeString(stored)
	return err == nil
}

// HasLegacyPasswords reports whether s holds passwords as bare SHA-256 digests (a state from
// before passwords were bcrypt hashes): Import hashes them, and whoever keeps s should write
// the imported world back.
func HasLegacyPasswords(s State) bool {
	for _, u := range s.Users {
		if isLegacyDigest(u.Password) {
			return true
		}
	}
	return false
}

// checkStoredPassword refuses a stored password that is neither empty nor a bcrypt hash.
func checkStoredPassword(stored string) error {
	if stored == "" || isLegacyDigest(stored) {
		return nil
	}
	if !strings.HasPrefix(stored, "$2") {
		return fmt.Errorf("password: not a bcrypt hash")
	}
	if _, err := bcrypt.Cost([]byte(stored)); err != nil {
		return fmt.Errorf("password: not a bcrypt hash: %v", err)
	}
	return nil
}
