package mockserver_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rcinvite/rcinvite/mockserver"
	"github.com/rcinvite/rcinvite/mockserver/world"
)

// grownUsers is how many users the grown world holds besides the fixtures, and loginUsers how
// many of them log in over and over: after the growth each holds its full MaxLoginTokens.
const (
	grownUsers = 2000
	loginUsers = 50
)

// logins is how many logins grow the world in TestLoginsStayFlatWithAStateFile: 5,000 (1,000
// under the race detector), or RCMOCK_LOGINS (the figure is 100,000).
func logins(t *testing.T) int {
	if raceDetector {
		return envCount(t, "RCMOCK_LOGINS", 1000)
	}
	return envCount(t, "RCMOCK_LOGINS", 5000)
}

// loginRate sends n logins to base (a world's /api/v1/ prefix) from 8 clients, each user of
// users in turn (every 10th login is logged out again), and returns the logins per second.
func loginRate(t *testing.T, h http.Handler, base string, users []string, n int) float64 {
	t.Helper()
	const clients = 8
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := c; i < n; i += clients {
				rec := serve(t, h, http.StatusOK, http.MethodPost, base+"login",
					fmt.Sprintf(`{"user":%q,"password":"rocket.chat"}`, users[i%len(users)]))
				if i%10 == 0 {
					var s struct{ Data world.Session }
					if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil {
						t.Error(err)
						return
					}
					serve(t, h, http.StatusOK, http.MethodPost, base+"logout", "", "X-User-Id", s.Data.UserID, "X-Auth-Token", s.Data.AuthToken)
				}
			}
		})
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// TestLoginsStayFlatWithAStateFile: with a state file, a login in a world grown by many
// logins (its users holding every session they may, 2,000 more users stored) is at least 0.8×
// as fast as one of the first logins of a fresh world. A login writes its token alone: when
// it wrote its user with every token, a login cost grew with the tokens held (issue 15: 1,289
// → 160 logins/s after 12k logins). The rates are measured in interleaved rounds, the grown
// default world against a fresh sandbox each round, on one file, and compared by median.
func TestLoginsStayFlatWithAStateFile(t *testing.T) {
	srv, err := mockserver.New(mockserver.WithStateFile(filepath.Join(t.TempDir(), "state.db")), mockserver.WithStrict(true))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var st world.State
	if err := json.Unmarshal(serve(t, srv, http.StatusOK, http.MethodGet, "/_mock/state", "").Body.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	password := st.Users[slices.IndexFunc(st.Users, func(u world.User) bool { return u.ID == "bob" })].Password // rocket.chat
	now := world.Date(time.Now())
	var users []string
	for i := range grownUsers {
		u := world.User{ID: fmt.Sprint("grown-", i), Username: fmt.Sprint("grown-", i), Roles: []string{"user"}, Active: true,
			Type: "user", Password: password, CreatedAt: now, UpdatedAt: now,
			LoginTokens: []world.LoginToken{{HashedToken: fmt.Sprint("grown-token-", i), When: now}}}
		st.Users = append(st.Users, u)
		if i < loginUsers {
			users = append(users, u.Username)
		}
	}
	body, _ := json.Marshal(st)
	serve(t, srv, http.StatusOK, http.MethodPut, "/_mock/state", string(body))

	n := logins(t)
	grown := loginRate(t, srv, "/api/v1/", users, n)
	fixtureUsers := []string{"alice", "bob", "carol"}
	const rounds, batch = 5, 200
	var early, late []float64
	for r := range rounds {
		id := fmt.Sprint("fresh-", r)
		serve(t, srv, http.StatusCreated, http.MethodPut, "/_mock/sandboxes/"+id, "{}")
		early = append(early, loginRate(t, srv, "/sandboxes/"+id+"/api/v1/", fixtureUsers, batch))
		late = append(late, loginRate(t, srv, "/api/v1/", users, batch))
	}
	var state struct {
		Users []struct {
			ID          string `json:"_id"`
			LoginTokens []json.RawMessage
		}
	}
	_ = json.Unmarshal(serve(t, srv, http.StatusOK, http.MethodGet, "/_mock/state", "").Body.Bytes(), &state)
	held := 0
	for _, u := range state.Users {
		if strings.HasPrefix(u.ID, "grown-") {
			held += len(u.LoginTokens)
		}
	}
	slices.Sort(early)
	slices.Sort(late)
	ratio := late[rounds/2] / early[rounds/2]
	t.Logf("%d logins grew the world to %d login tokens (%.0f logins/s meanwhile); then logins/s: fresh world %.0f, grown world %.0f (median of %d rounds of %d): %.2f×",
		n, held, grown, early[rounds/2], late[rounds/2], rounds, batch, ratio)
	if held < loginUsers*min(n/loginUsers*9/10, world.MaxLoginTokens)/2 {
		t.Fatalf("the grown world holds %d login tokens: the growth did not take", held)
	}
	if ratio < 0.8 {
		t.Errorf("a login in the grown world runs at %.2f× the rate of one in a fresh world, want at least 0.8×", ratio)
	}
}
