package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/rcinvite/rcinvite/mockserver/internal/loadbench"
)

// memSample is rcmock's memory after some number of requests.
type memSample struct {
	requests int64
	mem      loadbench.Memory
}

// memoryFigures are rcmock's resident-memory readings.
type memoryFigures struct {
	flat           []memSample // across memRequests requests in a row
	journalTotal   int64       // GET /_mock/requests total after them
	journalShown   int         // entries the journal still holds (limit 1000 asked)
	idle           loadbench.Memory
	invites        loadbench.Memory // right after PUT /_mock/state with memInvites invites
	invitesSettled loadbench.Memory // 5 s later, idle
	invitesLoaded  int
	statePut       time.Duration
}

// flatChunk is the length of one wrk run of the memory-flatness check.
const flatChunk = 10 * time.Second

// measureFlatness sends memRequests useInviteToken requests in a row (in wrk runs of flatChunk)
// and samples rcmock's memory after each run; then reads the journal's size.
func (b *bench) measureFlatness(ctx context.Context, p *loadbench.Process) error {
	e := endpoints[1]
	var total int64
	for i := 0; total < b.o.memRequests && i < 60; i++ {
		res, err := loadbench.RunWrk(ctx, loadbench.Load{URL: "http://" + p.Addr + e.path, Body: e.body,
			UserID: e.userID, AuthToken: e.authToken, Conns: b.o.conns, Threads: b.o.threads, Duration: flatChunk})
		if err != nil {
			return err
		}
		total += res.Requests
		m, err := loadbench.ReadMemory(p.PID())
		if err != nil {
			return err
		}
		logf("after %d requests: RSS %.1f MiB", total, mib(m.RSS))
		b.memory.flat = append(b.memory.flat, memSample{requests: total, mem: m})
	}
	var journal struct {
		Requests []json.RawMessage `json:"requests"`
		Total    int64             `json:"total"`
	}
	if err := getJSON("http://"+p.Addr+"/_mock/requests?limit=1000", &journal); err != nil {
		return fmt.Errorf("read journal: %w", err)
	}
	b.memory.journalTotal, b.memory.journalShown = journal.Total, len(journal.Requests)
	return nil
}

// measureMemory loads memInvites invites into a fresh rcmock via PUT /_mock/state and reads
// its resident memory right after and once more after 5 s idle.
func (b *bench) measureMemory(ctx context.Context) error {
	p, err := b.startRcmock(ctx)
	if err != nil {
		return err
	}
	defer p.Stop()
	if b.memory.idle, err = loadbench.ReadMemory(p.PID()); err != nil {
		return err
	}
	var state map[string]any
	if err := getJSON("http://"+p.Addr+"/_mock/state", &state); err != nil {
		return fmt.Errorf("get state: %w", err)
	}
	n, err := addInvites(state, b.o.memInvites)
	if err != nil {
		return err
	}
	body, err := json.Marshal(state)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, "http://"+p.Addr+"/_mock/state", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	begin := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("put state: %w", err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b.memory.statePut = time.Since(begin)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("put state (%d bytes): %d %s", len(body), resp.StatusCode, answer)
	}
	b.memory.invitesLoaded = n
	if b.memory.invites, err = loadbench.ReadMemory(p.PID()); err != nil {
		return err
	}
	select {
	case <-time.After(5 * time.Second):
	case <-ctx.Done():
		return ctx.Err()
	}
	b.memory.invitesSettled, err = loadbench.ReadMemory(p.PID())
	logf("%d invites: RSS %.1f MiB, %.1f MiB after 5 s", n, mib(b.memory.invites.RSS), mib(b.memory.invitesSettled.RSS))
	return err
}

// addInvites appends copies of the state's first invite, each with a fresh _id, until the state
// holds n invites; it returns how many the state then holds.
func addInvites(state map[string]any, n int) (int, error) {
	invites, _ := state["invites"].([]any)
	if len(invites) == 0 {
		return 0, fmt.Errorf("state has no invites to copy")
	}
	tmpl, ok := invites[0].(map[string]any)
	if !ok {
		return 0, fmt.Errorf("state invite is %T, not an object", invites[0])
	}
	for i := len(invites); i < n; i++ {
		inv := make(map[string]any, len(tmpl))
		for k, v := range tmpl {
			inv[k] = v
		}
		inv["_id"] = fmt.Sprintf("bench%07d", i)
		invites = append(invites, inv)
	}
	state["invites"] = invites
	return len(invites), nil
}

func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func mib(bytes int64) float64 { return float64(bytes) / (1 << 20) }
