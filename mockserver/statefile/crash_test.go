package statefile_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rcinvite/rcinvite/mockserver/world"
)

// rcmock is a running rcmock binary.
type rcmock struct {
	cmd  *exec.Cmd
	base string
	done chan struct{} // closed once its log is drained (the process has exited)
}

// buildRcmock builds the rcmock binary into a temporary directory.
func buildRcmock(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "rcmock")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/rcinvite/rcinvite/mockserver/cmd/rcmock").CombinedOutput()
	if err != nil {
		t.Fatalf("go build rcmock: %v\n%s", err, out)
	}
	return bin
}

// startRcmock starts bin in dir on a free loopback port and waits for its listening line.
func startRcmock(t *testing.T, bin, dir string, args ...string) *rcmock {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PORT=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m := &rcmock{cmd: cmd, done: make(chan struct{})}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-m.done
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stderr)
	var log bytes.Buffer
	for m.base == "" && sc.Scan() {
		log.Write(append(sc.Bytes(), '\n'))
		var rec struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "listening" {
			m.base = "http://" + rec.Addr
		}
	}
	go func() { // one log line per request: keep the pipe flowing
		defer close(m.done)
		_, _ = io.Copy(io.Discard, stderr)
	}()
	if m.base == "" {
		<-m.done
		t.Fatalf("rcmock did not start: %v\n%s", sc.Err(), log.String())
	}
	return m
}

// kill ends the process with SIGKILL and waits for it.
func (m *rcmock) kill(t *testing.T) {
	t.Helper()
	if err := m.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-m.done
	_ = m.cmd.Wait()
}

var client = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// call sends a JSON request and returns the status and body.
func call(method, url string, header map[string]string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

func (m *rcmock) state(t *testing.T) world.State {
	t.Helper()
	status, body, err := call(http.MethodGet, m.base+"/_mock/state", nil, nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET /_mock/state: %d %v %s", status, err, body)
	}
	var st world.State
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func (m *rcmock) putState(t *testing.T, st world.State) {
	t.Helper()
	status, body, err := call(http.MethodPut, m.base+"/_mock/state", nil, st)
	if err != nil || status != http.StatusOK {
		t.Fatalf("PUT /_mock/state: %d %v %s", status, err, body)
	}
}

// loadUser is stream user i, logged in with the token "tok-<i>".
func loadUser(i int, now time.Time) world.User {
	sum := sha256.Sum256(fmt.Appendf(nil, "tok-%d", i))
	d := world.Date(now)
	return world.User{ID: fmt.Sprintf("load-%d", i), Username: fmt.Sprintf("load-%d", i), Roles: []string{"user"},
		Active: true, Type: "user", CreatedAt: d, UpdatedAt: d,
		LoginTokens: []world.LoginToken{{HashedToken: base64.StdEncoding.EncodeToString(sum[:]), When: d}}}
}

// TestKillMidStreamLosesNoAcknowledgedUse streams invite uses by distinct users into rcmock
// --state-file, kills it with SIGKILL after a number of acknowledgements, restarts it on the
// same file and checks that every acknowledged use is there, and nothing else changed.
func TestKillMidStreamLosesNoAcknowledgedUse(t *testing.T) {
	const (
		users   = 400
		workers = 8
		killAt  = 120 // acknowledgements before SIGKILL
		invite  = "Forevr"
		room    = "ProjectX"
	)
	bin := buildRcmock(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "state.db")
	m := startRcmock(t, bin, dir, "--state-file", file)

	st := m.state(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	for i := range users {
		st.Users = append(st.Users, loadUser(i, now))
	}
	m.putState(t, st)
	before := m.state(t)

	var (
		mu     sync.Mutex
		acked  []string
		killed atomic.Bool
		wg     sync.WaitGroup
	)
	next := make(chan int, users)
	for i := range users {
		next <- i
	}
	close(next)
	for range workers {
		wg.Go(func() {
			for i := range next {
				status, body, err := call(http.MethodPost, m.base+"/api/v1/useInviteToken",
					map[string]string{"X-User-Id": fmt.Sprintf("load-%d", i), "X-Auth-Token": fmt.Sprintf("tok-%d", i)},
					map[string]string{"token": invite})
				if err != nil {
					return // the server is gone
				}
				if status != http.StatusOK {
					t.Errorf("use by load-%d: %d %s", i, status, body)
					return
				}
				mu.Lock()
				acked = append(acked, fmt.Sprintf("load-%d", i))
				kill := len(acked) == killAt
				mu.Unlock()
				if kill && killed.CompareAndSwap(false, true) {
					_ = m.cmd.Process.Signal(syscall.SIGKILL)
				}
			}
		})
	}
	wg.Wait()
	if !killed.Load() {
		t.Fatalf("only %d uses acknowledged, never killed", len(acked))
	}
	m.kill(t)
	t.Logf("%d uses acknowledged before and around SIGKILL", len(acked))

	after := startRcmock(t, bin, dir, "--state-file", file).state(t)
	checkAfterCrash(t, before, after, acked, invite, room)
}

// checkAfterCrash checks that every acknowledged user joined room through invite, that the
// invite's uses and the room's usersCount grew by the number of users who joined, and that
// every other document is as before.
func checkAfterCrash(t *testing.T, before, after world.State, acked []string, invite, room string) {
	t.Helper()
	joined := map[string]bool{}
	for _, s := range after.Subscriptions {
		if s.Rid == room && !s.Banned() {
			joined[s.U.ID] = true
		}
	}
	for _, s := range before.Subscriptions {
		if s.Rid == room {
			delete(joined, s.U.ID)
		}
	}
	for _, id := range acked {
		if !joined[id] {
			t.Errorf("acknowledged use by %s lost: not a member of %s after the restart", id, room)
		}
	}
	t.Logf("%d acknowledged, %d joined in the file", len(acked), len(joined))

	inv := func(s world.State) world.Invite {
		i := slices.IndexFunc(s.Invites, func(v world.Invite) bool { return v.ID == invite })
		if i < 0 {
			t.Fatalf("invite %s missing", invite)
		}
		return s.Invites[i]
	}
	if got, want := inv(after).Uses, inv(before).Uses+len(joined); got != want {
		t.Errorf("invite %s uses %d, want %d (%d before + %d joined)", invite, got, want, inv(before).Uses, len(joined))
	}
	if inv(after).Uses < inv(before).Uses+len(acked) {
		t.Errorf("invite %s uses %d < %d acknowledged", invite, inv(after).Uses, len(acked))
	}

	same := func(kind, id string, a, b any) {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Errorf("%s %s changed:\nbefore %s\nafter  %s", kind, id, ja, jb)
		}
	}
	afterUsers := index(after.Users, func(u world.User) string { return u.ID })
	if len(after.Users) != len(before.Users) {
		t.Errorf("%d users after, %d before", len(after.Users), len(before.Users))
	}
	for _, u := range before.Users {
		a := afterUsers[u.ID]
		if joined[u.ID] {
			if a.InviteToken != invite {
				t.Errorf("user %s joined but its inviteToken is %q", u.ID, a.InviteToken)
			}
			a.InviteToken, a.UpdatedAt = u.InviteToken, u.UpdatedAt
		}
		same("user", u.ID, u, a)
	}
	afterRooms := index(after.Rooms, func(r world.Room) string { return r.ID })
	for _, r := range before.Rooms {
		a := afterRooms[r.ID]
		if r.ID == room {
			if a.UsersCount != r.UsersCount+len(joined) {
				t.Errorf("room %s usersCount %d, want %d", room, a.UsersCount, r.UsersCount+len(joined))
			}
			a.UsersCount, a.UpdatedAt = r.UsersCount, r.UpdatedAt
		}
		same("room", r.ID, r, a)
	}
	afterSubs := index(after.Subscriptions, func(s world.Subscription) string { return s.ID })
	for _, s := range before.Subscriptions {
		same("subscription", s.ID, s, afterSubs[s.ID])
	}
	if got, want := len(after.Subscriptions), len(before.Subscriptions)+len(joined); got != want {
		t.Errorf("%d subscriptions after, want %d", got, want)
	}
	afterInvites := index(after.Invites, func(i world.Invite) string { return i.ID })
	for _, i := range before.Invites {
		a := afterInvites[i.ID]
		if i.ID == invite {
			a.Uses, a.UpdatedAt = i.Uses, i.UpdatedAt
		}
		same("invite", i.ID, i, a)
	}
	if len(after.Invites) != len(before.Invites) || after.Version != before.Version {
		t.Errorf("invites %d→%d, version %q→%q", len(before.Invites), len(after.Invites), before.Version, after.Version)
	}
}

func index[T any](list []T, id func(T) string) map[string]T {
	out := make(map[string]T, len(list))
	for _, v := range list {
		out[id(v)] = v
	}
	return out
}

// TestWithoutStateFileNothingIsKept: without --state-file rcmock writes no file and a restart
// starts from the fixtures again.
func TestWithoutStateFileNothingIsKept(t *testing.T) {
	bin := buildRcmock(t)
	dir := t.TempDir()
	m := startRcmock(t, bin, dir)
	status, body, err := call(http.MethodPost, m.base+"/api/v1/useInviteToken",
		map[string]string{"X-User-Id": "bob", "X-Auth-Token": "bob-token"}, map[string]string{"token": "PrjXok"})
	if err != nil || status != http.StatusOK {
		t.Fatalf("bob uses PrjXok: %d %v %s", status, err, body)
	}
	if uses := inviteUses(t, m.state(t), "PrjXok"); uses != 1 {
		t.Fatalf("PrjXok uses %d after one use", uses)
	}
	m.kill(t)
	m = startRcmock(t, bin, dir)
	if uses := inviteUses(t, m.state(t), "PrjXok"); uses != 0 {
		t.Errorf("PrjXok uses %d after a restart without --state-file, want the fixtures' 0", uses)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("rcmock without --state-file wrote %v into its directory", entries)
	}
}

func inviteUses(t *testing.T, st world.State, id string) int {
	t.Helper()
	for _, inv := range st.Invites {
		if inv.ID == id {
			return inv.Uses
		}
	}
	t.Fatalf("invite %s missing", id)
	return 0
}
