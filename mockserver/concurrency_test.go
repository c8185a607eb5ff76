package mockserver_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rcinvite/rcinvite/fixtures"
	"github.com/rcinvite/rcinvite/mockserver"
	"github.com/rcinvite/rcinvite/mockserver/world"
)

// The race fixtures: the default world plus n users (u0000, u0001, ...) and two public rooms
// owned by the admin: race-join, with no members and the invites RaceK5 and RaceK25 (maxUses 5
// and 25, never expiring), and race-ban, whose members are the first banUsers/2 race users,
// with the unlimited invite RaceAny.
const (
	raceUsers = 1000
	banUsers  = 20
	joinRoom  = "race-join"
	banRoom   = "race-ban"
)

// roundsFlag sets how many times each concurrency test repeats its race; 0 picks counts that
// keep the package's tests short, since every request runs the whole handler stack with
// contract validation (about 10 times slower under -race). The full campaign, 100 rounds of
// each, is `go test -race -run Concurrent ./mockserver/ -args -rounds=100`.
var roundsFlag = flag.Int("rounds", 0, "rounds of each concurrency test (0: fewer under -short and -race)")

// raceRounds returns how many rounds a concurrency test runs; heavy ones race 1000 requests a round.
func raceRounds(heavy bool) int {
	pick := func(heavyRounds, lightRounds int) int {
		if heavy {
			return heavyRounds
		}
		return lightRounds
	}
	switch {
	case *roundsFlag > 0:
		return *roundsFlag
	case testing.Short():
		return pick(2, 10)
	case raceDetector:
		return pick(6, 50)
	default:
		return pick(20, 100)
	}
}

func raceUserID(i int) string { return fmt.Sprintf("u%04d", i) }

func raceFixtures(n int) *fixtures.Set {
	set := fixtures.Default().Clone()
	var members []string
	for i := range n {
		id := raceUserID(i)
		// No password: racers use their fixed tokens, and 1000 bcrypt hashes under the race
		// detector take 20 s.
		set.Users = append(set.Users, fixtures.User{ID: id, Username: id, Name: "Racer " + id,
			Roles: []string{"user"}, AuthTokens: []string{id + "-token"}})
		if i < banUsers/2 {
			members = append(members, id)
		}
	}
	set.Rooms = append(set.Rooms,
		fixtures.Room{ID: joinRoom, T: "c", Name: joinRoom, Owner: adminID},
		fixtures.Room{ID: banRoom, T: "c", Name: banRoom, Owner: adminID, Members: members})
	set.Invites = append(set.Invites,
		fixtures.Invite{Token: "RaceK5", Room: joinRoom, Creator: adminID, MaxUses: 5},
		fixtures.Invite{Token: "RaceK25", Room: joinRoom, Creator: adminID, MaxUses: 25},
		fixtures.Invite{Token: "RaceAny", Room: banRoom, Creator: adminID})
	return set
}

func newRaceServer(t *testing.T, users int) *mockserver.Server {
	t.Helper()
	srv, err := mockserver.New(mockserver.WithStrict(true), mockserver.WithFixtures(raceFixtures(users)))
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// exchange is one request and the answer the server gave it.
type exchange struct {
	req    *http.Request
	status int
	body   []byte
}

// newExchange prepares a loopback request with a JSON body (none when body is empty) and,
// when userID is set, the Rocket.Chat auth headers.
func newExchange(method, target, body, userID, authToken string) *exchange {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.RemoteAddr = "127.0.0.1:40000"
	r.Host = "127.0.0.1:3000" // a loopback name: /_mock/ refuses other hosts
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if userID != "" {
		r.Header.Set("X-User-Id", userID)
		r.Header.Set("X-Auth-Token", authToken)
	}
	return &exchange{req: r}
}

func (e *exchange) run(h http.Handler) *exchange {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, e.req)
	e.status, e.body = rec.Code, rec.Body.Bytes()
	return e
}

// errorType is the answer's errorType, or "" when it has none.
func (e *exchange) errorType() string {
	var v struct {
		ErrorType string `json:"errorType"`
	}
	_ = json.Unmarshal(e.body, &v)
	return v.ErrorType
}

func (e *exchange) String() string {
	return fmt.Sprintf("%s %s → %d %s", e.req.Method, e.req.URL, e.status, e.body)
}

// mustServe runs one request and fails the test unless it answers want.
func mustServe(t *testing.T, h http.Handler, want int, method, target, body, userID, authToken string) *exchange {
	t.Helper()
	e := newExchange(method, target, body, userID, authToken).run(h)
	if e.status != want {
		t.Fatalf("%s: want %d", e, want)
	}
	return e
}

// raceAll runs every exchange against h at the same moment: each goroutine waits at a start
// barrier that opens only once all of them are parked there.
func raceAll(h http.Handler, exchanges []*exchange) {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for _, e := range exchanges {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			e.run(h)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
}

func resetWorld(t *testing.T, h http.Handler) {
	t.Helper()
	mustServe(t, h, http.StatusOK, http.MethodPost, "/_mock/reset", "", "", "")
}

func exportState(t *testing.T, h http.Handler) world.State {
	t.Helper()
	var s world.State
	if err := json.Unmarshal(mustServe(t, h, http.StatusOK, http.MethodGet, "/_mock/state", "", "", "").body, &s); err != nil {
		t.Fatalf("decode state: %v", err)
	}
	return s
}

// channelMembers returns the ids channels.members lists for rid (asked by the admin).
func channelMembers(t *testing.T, h http.Handler, rid string) map[string]bool {
	t.Helper()
	e := mustServe(t, h, http.StatusOK, http.MethodGet, "/api/v1/channels.members?roomId="+rid+"&count=100", "", adminID, adminToken)
	var page struct {
		Members []struct {
			ID string `json:"_id"`
		} `json:"members"`
		Total int `json:"total"`
	}
	if err := json.Unmarshal(e.body, &page); err != nil {
		t.Fatalf("decode %s: %v", e, err)
	}
	if page.Total != len(page.Members) {
		t.Fatalf("channels.members of %s: total %d but %d listed (page too small)", rid, page.Total, len(page.Members))
	}
	ids := map[string]bool{}
	for _, m := range page.Members {
		ids[m.ID] = true
	}
	return ids
}

func roomOf(t *testing.T, s world.State, rid string) world.Room {
	t.Helper()
	for _, r := range s.Rooms {
		if r.ID == rid {
			return r
		}
	}
	t.Fatalf("room %s missing from the state", rid)
	return world.Room{}
}

// usesOf returns the uses of invite id as listInvites (asked by the admin) reports them.
func usesOf(t *testing.T, h http.Handler, id string) int {
	t.Helper()
	e := mustServe(t, h, http.StatusOK, http.MethodGet, "/api/v1/listInvites", "", adminID, adminToken)
	var invites []world.Invite
	if err := json.Unmarshal(e.body, &invites); err != nil {
		t.Fatalf("decode %s: %v", e, err)
	}
	for _, inv := range invites {
		if inv.ID == id {
			return inv.Uses
		}
	}
	t.Fatalf("listInvites lacks %s: %s", id, e.body)
	return 0
}

// usersCountOf returns the usersCount rooms.info (asked by the admin) reports for rid.
func usersCountOf(t *testing.T, h http.Handler, rid string) int {
	t.Helper()
	e := mustServe(t, h, http.StatusOK, http.MethodGet, "/api/v1/rooms.info?roomId="+rid, "", adminID, adminToken)
	var info struct {
		Room struct {
			UsersCount *int `json:"usersCount"`
		} `json:"room"`
	}
	if err := json.Unmarshal(e.body, &info); err != nil || info.Room.UsersCount == nil {
		t.Fatalf("%s: no room.usersCount", e)
	}
	return *info.Room.UsersCount
}

func TestConcurrentUsersOfAnInviteWithMaxUsesKExactlyKJoin(t *testing.T) {
	srv := newRaceServer(t, raceUsers)
	for _, k := range []int{5, 25} {
		token := fmt.Sprintf("RaceK%d", k)
		t.Run(fmt.Sprintf("maxUses=%d", k), func(t *testing.T) {
			for round := range raceRounds(true) {
				resetWorld(t, srv)
				exchanges := make([]*exchange, raceUsers)
				for i := range exchanges {
					id := raceUserID(i)
					exchanges[i] = newExchange(http.MethodPost, "/api/v1/useInviteToken", `{"token":"`+token+`"}`, id, id+"-token")
				}
				raceAll(srv, exchanges)
				joined := 0
				for _, e := range exchanges {
					switch {
					case e.status == http.StatusOK:
						joined++
					case e.status != http.StatusBadRequest || e.errorType() != "error-invite-expired":
						t.Fatalf("round %d: %s: want 200 or 400 error-invite-expired", round, e)
					}
				}
				if joined != k {
					t.Fatalf("round %d: %d of %d users joined with %s, want exactly %d", round, joined, raceUsers, token, k)
				}
				if uses := usesOf(t, srv, token); uses != k {
					t.Fatalf("round %d: invite %s has uses %d, want %d", round, token, uses, k)
				}
				if got := usersCountOf(t, srv, joinRoom); got != k+1 {
					t.Fatalf("round %d: %s usersCount %d, want %d (owner and %d joiners)", round, joinRoom, got, k+1, k)
				}
				if got := len(channelMembers(t, srv, joinRoom)); got != k+1 {
					t.Fatalf("round %d: channels.members lists %d, want %d", round, got, k+1)
				}
			}
		})
	}
}

func TestConcurrentFindOrCreateInviteByOneCreatorReturnsOneInvite(t *testing.T) {
	const callers = 50
	srv := newRaceServer(t, banUsers)
	body := `{"rid":"` + joinRoom + `","days":7,"maxUses":50}`
	for round := range raceRounds(false) {
		resetWorld(t, srv)
		exchanges := make([]*exchange, callers)
		for i := range exchanges {
			exchanges[i] = newExchange(http.MethodPost, "/api/v1/findOrCreateInvite", body, adminID, adminToken)
		}
		raceAll(srv, exchanges)
		ids := map[string]bool{}
		for _, e := range exchanges {
			var inv struct {
				ID string `json:"_id"`
			}
			if e.status != http.StatusOK || json.Unmarshal(e.body, &inv) != nil || inv.ID == "" {
				t.Fatalf("round %d: %s: want 200 with an _id", round, e)
			}
			ids[inv.ID] = true
		}
		if len(ids) != 1 {
			t.Fatalf("round %d: %d concurrent findOrCreateInvite calls returned %d invites, want one: %v", round, callers, len(ids), ids)
		}
		n := 0
		for _, inv := range exportState(t, srv).Invites {
			if inv.Rid == joinRoom && inv.Days == 7 && inv.MaxUses == 50 {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("round %d: the world holds %d invites for %s/7 days/50 uses, want 1", round, n, joinRoom)
		}
	}
}

func TestConcurrentBanUnbanAndUseNeverLeaveABannedMember(t *testing.T) {
	const opsPerUser = 2 // of each kind: use, ban, unban
	srv := newRaceServer(t, banUsers)
	for round := range raceRounds(false) {
		resetWorld(t, srv)
		var exchanges []*exchange
		for i := range banUsers {
			id := raceUserID(i)
			target := `{"roomId":"` + banRoom + `","userId":"` + id + `"}`
			for range opsPerUser {
				exchanges = append(exchanges,
					newExchange(http.MethodPost, "/api/v1/useInviteToken", `{"token":"RaceAny"}`, id, id+"-token"),
					newExchange(http.MethodPost, "/api/v1/rooms.banUser", target, adminID, adminToken),
					newExchange(http.MethodPost, "/api/v1/rooms.unbanUser", target, adminID, adminToken))
			}
		}
		raceAll(srv, exchanges)
		for _, e := range exchanges {
			if e.status != http.StatusOK && e.status != http.StatusBadRequest {
				t.Fatalf("round %d: %s: want 200 or 400", round, e)
			}
		}
		checkBanInvariants(t, srv, round)
	}
}

// checkBanInvariants: no user of banRoom is both BANNED and listed by channels.members, and the
// room's usersCount is the number of its subscriptions that are not banned.
func checkBanInvariants(t *testing.T, h http.Handler, round int) {
	t.Helper()
	s := exportState(t, h)
	members := channelMembers(t, h, banRoom)
	active := 0
	for _, sub := range s.Subscriptions {
		if sub.Rid != banRoom {
			continue
		}
		if sub.Status != "BANNED" {
			active++
			continue
		}
		if members[sub.U.ID] {
			t.Fatalf("round %d: %s is BANNED from %s and listed by channels.members", round, sub.U.ID, banRoom)
		}
	}
	if got := roomOf(t, s, banRoom).UsersCount; got != active {
		t.Fatalf("round %d: %s usersCount %d, but %d subscriptions are not banned", round, banRoom, got, active)
	}
	if len(members) != active {
		t.Fatalf("round %d: channels.members lists %d, but %d subscriptions are not banned", round, len(members), active)
	}
}
