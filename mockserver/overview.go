package mockserver

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rcinvite/rcinvite/mockserver/world"
)

// The control operations the dashboard reads worlds through: GET /_mock/worlds (every world
// at a glance) and GET /_mock/world (one world's users, rooms and invites).

// worldInfo is one entry of GET /_mock/worlds.
type worldInfo struct {
	ID        string       `json:"id"` // "" for the default world
	BasePath  string       `json:"basePath"`
	Emulate   string       `json:"emulate"`
	Latency   string       `json:"latency"`
	Clock     worldClock   `json:"clock"`
	Counts    world.Counts `json:"counts"`
	Requests  int64        `json:"requests"` // journaled since the journal was last cleared
	CreatedAt string       `json:"createdAt"`
}

// worldClock is a world's clock as GET /_mock/clock shows it.
type worldClock struct {
	Now    string `json:"now"`
	Frozen bool   `json:"frozen"`
	Offset string `json:"offset"`
}

func infoOf(sb *sandbox) worldInfo {
	st := sb.world.Clock().State()
	base := ""
	if sb.id != "" {
		base = sandboxPrefix + sb.id
	}
	sb.journal.budget.mu.Lock()
	requests := sb.journal.total
	sb.journal.budget.mu.Unlock()
	return worldInfo{
		ID: sb.id, BasePath: base, Emulate: sb.world.Version(), Latency: time.Duration(sb.latency.Load()).String(),
		Clock:  worldClock{Now: st.Now.UTC().Format(time.RFC3339Nano), Frozen: st.Frozen, Offset: st.Offset.String()},
		Counts: sb.world.Counts(), Requests: requests, CreatedAt: sb.createdAt.Format(time.RFC3339Nano),
	}
}

// sandboxesByAge returns the sandboxes, oldest first (ties by id).
func (s *Server) sandboxesByAge() []*sandbox {
	s.mu.RLock()
	all := make([]*sandbox, 0, len(s.sandboxes))
	for _, sb := range s.sandboxes {
		all = append(all, sb)
	}
	s.mu.RUnlock()
	slices.SortFunc(all, func(a, b *sandbox) int {
		if c := a.createdAt.Compare(b.createdAt); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	return all
}

func (s *Server) listWorlds(*controlCall) answer {
	list := []worldInfo{infoOf(s.main)}
	for _, sb := range s.sandboxesByAge() {
		list = append(list, infoOf(sb))
	}
	return ok(struct {
		Worlds  []worldInfo `json:"worlds"`
		Success bool        `json:"success"`
	}{list, true})
}

// defaultOverviewLimit is how many users, rooms, invites and members per room GET /_mock/world
// lists unless its limit says otherwise.
const defaultOverviewLimit = 200

func (s *Server) getWorld(c *controlCall) answer {
	limit := defaultOverviewLimit
	if v := c.r.URL.Query().Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v) // validated as an integer from 1 to 10000 by the contract
	}
	return ok(struct {
		world.Overview
		ID      string `json:"id"`
		Latency string `json:"latency"`
		Success bool   `json:"success"`
	}{c.sb.world.Overview(limit), c.sb.id, time.Duration(c.sb.latency.Load()).String(), true})
}
