package mockserver_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rcinvite/rcinvite/mockserver"
	"github.com/rcinvite/rcinvite/mockserver/statefile"
	"github.com/rcinvite/rcinvite/mockserver/world"
)

// persisted is a server on a state file, driven in-process.
type persisted struct {
	t   *testing.T
	srv *mockserver.Server
}

func openPersisted(t *testing.T, path string) *persisted {
	t.Helper()
	srv, err := mockserver.New(mockserver.WithStateFile(path), mockserver.WithStrict(true))
	if err != nil {
		t.Fatal(err)
	}
	return &persisted{t, srv}
}

func (p *persisted) close() {
	p.t.Helper()
	if err := p.srv.Close(); err != nil {
		p.t.Fatal(err)
	}
}

// do sends a request from loopback and decodes the JSON answer into out (when not nil).
func (p *persisted) do(method, target, body string, header map[string]string, want int, out any) {
	p.t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.RemoteAddr = "127.0.0.1:1"
	req.Host = "127.0.0.1:3000" // a loopback name: /_mock/ refuses other hosts
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	p.srv.ServeHTTP(rec, req)
	if rec.Code != want {
		p.t.Fatalf("%s %s: %d %s, want %d", method, target, rec.Code, rec.Body, want)
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			p.t.Fatal(err)
		}
	}
}

func (p *persisted) state(query string) string {
	var st world.State
	p.do(http.MethodGet, "/_mock/state"+query, "", nil, http.StatusOK, &st)
	b, _ := json.Marshal(st)
	return string(b)
}

var bob = map[string]string{"X-User-Id": "bob", "X-Auth-Token": "bob-token"}

// TestStateFileKeepsEveryWorld changes the default world and a sandbox, their settings and
// the set of sandboxes, then opens the file again: everything is as it was.
func TestStateFileKeepsEveryWorld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	p := openPersisted(t, path)
	p.do(http.MethodPost, "/api/v1/useInviteToken", `{"token":"PrjXok"}`, bob, http.StatusOK, nil)
	p.do(http.MethodPut, "/_mock/settings", `{"latency":"7ms"}`, nil, http.StatusOK, nil)
	var sb struct{ ID string }
	p.do(http.MethodPost, "/_mock/sandboxes", `{"emulate":"8.3.0","latency":"5ms","fixtures":"empty"}`, nil, http.StatusCreated, &sb)
	var gone struct{ ID string }
	p.do(http.MethodPost, "/_mock/sandboxes", `{}`, nil, http.StatusCreated, &gone)
	p.do(http.MethodDelete, "/_mock/sandboxes/"+gone.ID, "", nil, http.StatusOK, nil)
	admin := map[string]string{"X-User-Id": "rocketchat.internal.admin.test", "X-Auth-Token": "admin-token"}
	p.do(http.MethodPost, "/sandboxes/"+sb.ID+"/api/v1/channels.create", `{"name":"kept"}`, admin, http.StatusOK, nil)
	var listBefore any
	p.do(http.MethodGet, "/_mock/sandboxes", "", nil, http.StatusOK, &listBefore)
	mainBefore, sbBefore := p.state(""), p.state("?sandbox="+sb.ID)
	p.close()

	p = openPersisted(t, path)
	defer p.close()
	if got := p.state(""); got != mainBefore {
		t.Errorf("default world after reopening:\n%s\nwant\n%s", got, mainBefore)
	}
	if got := p.state("?sandbox=" + sb.ID); got != sbBefore {
		t.Errorf("sandbox after reopening:\n%s\nwant\n%s", got, sbBefore)
	}
	var listAfter any
	p.do(http.MethodGet, "/_mock/sandboxes", "", nil, http.StatusOK, &listAfter)
	if a, b := jsonOf(listAfter), jsonOf(listBefore); a != b {
		t.Errorf("sandboxes after reopening %s, want %s (the deleted one gone)", a, b)
	}
	var set struct{ Emulate, Latency string }
	p.do(http.MethodGet, "/_mock/settings", "", nil, http.StatusOK, &set)
	if set.Latency != "7ms" {
		t.Errorf("default world latency %s, want 7ms", set.Latency)
	}
	p.do(http.MethodGet, "/_mock/settings?sandbox="+sb.ID, "", nil, http.StatusOK, &set)
	if set.Emulate != "8.3.0" || set.Latency != "5ms" {
		t.Errorf("sandbox settings %+v, want 8.3.0 and 5ms", set)
	}
	// The sandbox still resets to its own fixtures: "empty" keeps the admins only.
	p.do(http.MethodPost, "/_mock/reset?sandbox="+sb.ID, "", nil, http.StatusOK, nil)
	var st world.State
	p.do(http.MethodGet, "/_mock/state?sandbox="+sb.ID, "", nil, http.StatusOK, &st)
	if len(st.Users) != 1 || len(st.Rooms) != 0 {
		t.Errorf("reset of an empty-fixtures sandbox after reopening: %d users, %d rooms", len(st.Users), len(st.Rooms))
	}
}

// TestAnUnusedSandboxComesBackAsItsFixturesAsOfItsCreation: a sandbox no request changed is
// kept as its fixtures dated at its creation (not its documents); after a restart it holds
// the very documents it held before, dates included, and its first change is kept in full.
func TestAnUnusedSandboxComesBackAsItsFixturesAsOfItsCreation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	p := openPersisted(t, path)
	p.do(http.MethodPut, "/_mock/sandboxes/unused", `{}`, nil, http.StatusCreated, nil)
	p.do(http.MethodPut, "/_mock/sandboxes/used", `{}`, nil, http.StatusCreated, nil)
	before := withoutPasswords(t, p.state("?sandbox=unused")) // reads build it; it stays unchanged
	p.close()

	p = openPersisted(t, path)
	if got := withoutPasswords(t, p.state("?sandbox=unused")); got != before {
		t.Errorf("the unused sandbox after a restart:\n%s\nwant\n%s", got, before)
	}
	p.do(http.MethodPost, "/sandboxes/used/api/v1/useInviteToken", `{"token":"PrjXok"}`, bob, http.StatusOK, nil)
	used := p.state("?sandbox=used")
	p.close()
	p = openPersisted(t, path)
	defer p.close()
	if got := p.state("?sandbox=used"); got != used || !strings.Contains(got, `"inviteToken":"PrjXok"`) {
		t.Errorf("the sandbox changed after a restart:\n%s\nwant\n%s", got, used)
	}
}

// withoutPasswords is a state's JSON with its password hashes blanked: a server hashes its
// fixture users' passwords once per process (bcrypt salts them), so an unchanged world built
// again after a restart holds other hashes of the same passwords.
func withoutPasswords(t *testing.T, state string) string {
	t.Helper()
	var st world.State
	if err := json.Unmarshal([]byte(state), &st); err != nil {
		t.Fatal(err)
	}
	for i := range st.Users {
		st.Users[i].Password = ""
	}
	return jsonOf(st)
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestResetAndImportAreKept: control calls that replace a world's data reach the file.
func TestResetAndImportAreKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	p := openPersisted(t, path)
	fresh := p.state("")
	p.do(http.MethodPost, "/api/v1/useInviteToken", `{"token":"PrjXok"}`, bob, http.StatusOK, nil)
	p.do(http.MethodPost, "/_mock/reset", "", nil, http.StatusOK, nil)
	afterReset := p.state("")
	p.close()
	p = openPersisted(t, path)
	if got := p.state(""); got != afterReset || strings.Contains(got, `"inviteToken":"PrjXok"`) {
		t.Errorf("after reset and reopening:\n%s\nwant\n%s", got, afterReset)
	}
	var st world.State
	if err := json.Unmarshal([]byte(fresh), &st); err != nil {
		t.Fatal(err)
	}
	st.Invites = st.Invites[:1]
	st.Version = "8.3.0"
	p.do(http.MethodPut, "/_mock/state", jsonOf(st), nil, http.StatusOK, nil)
	imported := p.state("")
	p.close()
	p = openPersisted(t, path)
	defer p.close()
	if got := p.state(""); got != imported {
		t.Errorf("after PUT /_mock/state and reopening:\n%s\nwant\n%s", got, imported)
	}
}

func TestCorruptStateFileFailsNew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("x", 8192)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := mockserver.New(mockserver.WithStateFile(path))
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not a state file") {
		t.Errorf("New on a corrupt state file = %v, want an error naming the file", err)
	}
	if _, err := mockserver.New(mockserver.WithStateFile("")); err == nil {
		t.Error("WithStateFile(\"\") accepted")
	}
}

func TestCloseWithoutStateFile(t *testing.T) {
	srv, err := mockserver.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("Close of an in-memory server: %v", err)
	}
}

// TestStateFileWithLegacyDigestsIsWrittenBack: a state file from before passwords were bcrypt
// hashes holds bare SHA-256 digests, which log in as they are; on start they are hashed, and
// the world is written back so that the file holds no digest either.
func TestStateFileWithLegacyDigestsIsWrittenBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	w, err := world.New(world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := w.Export()
	sum := sha256.Sum256([]byte("rocket.chat"))
	digest := hex.EncodeToString(sum[:])
	for i := range st.Users {
		if st.Users[i].Password != "" {
			st.Users[i].Password = digest
		}
	}
	store, err := statefile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Create("", statefile.Settings{Fixtures: "default"}, st); err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	p := openPersisted(t, path)
	p.do("POST", "/api/v1/login", `{"user":"bob","password":"rocket.chat"}`, nil, http.StatusOK, nil)
	p.close()
	store, err = statefile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	saved, err := store.Worlds()
	if err != nil {
		t.Fatal(err)
	}
	for _, sw := range saved {
		for _, u := range sw.State.Users {
			if u.Password == digest || (u.Password != "" && !strings.HasPrefix(u.Password, "$2a$")) {
				t.Errorf("world %q user %s is stored with password %q, want a bcrypt hash", sw.ID, u.ID, u.Password)
			}
		}
	}
}
