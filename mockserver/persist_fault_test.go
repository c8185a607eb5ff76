package mockserver_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/rcinvite/rcinvite/mockserver"
	"github.com/rcinvite/rcinvite/spec"
)

// lockedBuffer is a log destination safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fullDisk is a mock on a state file whose commits fail while full is set.
type fullDisk struct {
	*mock
	path string
	full *atomic.Bool
	logs *lockedBuffer
}

func startOnFullDisk(t *testing.T) fullDisk {
	t.Helper()
	d := fullDisk{path: filepath.Join(t.TempDir(), "state.db"), full: &atomic.Bool{}, logs: &lockedBuffer{}}
	d.mock = startMock(t, mockserver.WithStateFile(d.path),
		mockserver.WithLogger(slog.New(slog.NewTextHandler(d.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))),
		mockserver.WithStateFault(func() error {
			if d.full.Load() {
				return fmt.Errorf("write %s: %w", d.path, syscall.ENOSPC)
			}
			return nil
		}))
	t.Cleanup(func() { _ = d.srv.Close() })
	return d
}

// notSaved checks a 500 error-state-not-saved answer, on the contract of its plane.
func notSaved(t *testing.T, what string, a answer, method, path string) {
	t.Helper()
	if a.status != http.StatusInternalServerError || a.str("errorType") != "error-state-not-saved" || !strings.Contains(a.str("error"), "disk full") {
		t.Fatalf("%s on a full disk: %d %s, want 500 error-state-not-saved naming the disk full", what, a.status, a.raw)
	}
	if !strings.HasPrefix(path, "/_mock/") {
		req, _ := http.NewRequest(method, path, nil)
		if err := spec.Default().ValidateResponse(req, a.status, http.Header{"Content-Type": {"application/json"}}, a.raw); err != nil {
			t.Errorf("%s: the 500 is off spec/openapi.yaml: %v", what, err)
		}
	}
}

// TestFullDiskUndoesChangesKeepsReadsAndRecovers pins the disk-full failure (a 2 MiB tmpfs):
// after the first failed write every request answered 500, validateInviteToken included; the
// failed sandbox stayed in memory but not on disk; nothing was logged until exit; --strict
// answered error-contract-violation (the control contract lacked error-state-not-saved).
func TestFullDiskUndoesChangesKeepsReadsAndRecovers(t *testing.T) {
	d := startOnFullDisk(t)
	d.full.Store(true)

	a := d.send("POST", "/api/v1/useInviteToken", `{"token":"PrjXok"}`, "X-User-Id", "bob", "X-Auth-Token", "bob-token")
	notSaved(t, "useInviteToken", a, "POST", "/api/v1/useInviteToken")
	if n := strings.Count(d.logs.String(), "level=ERROR"); n != 1 || !strings.Contains(d.logs.String(), d.path) {
		t.Errorf("after the first failed write the log holds %d error lines, want 1 naming the file at once:\n%s", n, d.logs)
	}
	if a := d.send("POST", "/api/v1/validateInviteToken", `{"token":"PrjXok"}`); a.status != 200 || a.body["valid"] != true {
		t.Errorf("validateInviteToken on a full disk: %d %s, want it to answer as usual", a.status, a.raw)
	}
	if a := d.send("GET", "/api/v1/me", "", "X-User-Id", "bob", "X-Auth-Token", "bob-token"); a.status != 200 {
		t.Errorf("me on a full disk: %d %s", a.status, a.raw)
	}
	if uses := inviteUses(t, d.mock, "", "PrjXok"); uses != 0 {
		t.Errorf("PrjXok has %d uses in memory after the failed write, want the file's 0", uses)
	}
	a = d.send("POST", "/_mock/sandboxes", `{}`)
	notSaved(t, "POST /_mock/sandboxes", a, "POST", "/_mock/sandboxes")
	if a := d.send("GET", "/_mock/sandboxes", ""); !strings.Contains(string(a.raw), `"sandboxes":[]`) {
		t.Errorf("the sandbox whose creation failed is still listed: %s", a.raw)
	}
	notSaved(t, "PUT /_mock/settings", d.send("PUT", "/_mock/settings", `{"latency":"5ms"}`), "PUT", "/_mock/settings")
	if a := d.send("GET", "/_mock/settings", ""); a.str("latency") != "0s" {
		t.Errorf("the latency whose change failed is %s, want 0s", a.str("latency"))
	}
	notSaved(t, "POST /_mock/reset", d.send("POST", "/_mock/reset", ""), "POST", "/_mock/reset")

	d.full.Store(false)
	if a := d.send("POST", "/api/v1/useInviteToken", `{"token":"PrjXok"}`, "X-User-Id", "bob", "X-Auth-Token", "bob-token"); a.status != 200 {
		t.Fatalf("useInviteToken once the disk has room: %d %s", a.status, a.raw)
	}
	sb := d.newSandbox("")
	memory := d.send("GET", "/_mock/state", "").raw
	if err := d.srv.Close(); err != nil {
		t.Fatal(err)
	}
	again := openPersisted(t, d.path)
	defer again.close()
	if got := again.state(""); !sameJSON(t, got, string(memory)) {
		t.Errorf("after a restart the default world is\n%s\nwant what memory held\n%s", got, memory)
	}
	var list struct {
		Sandboxes []struct{ ID string } `json:"sandboxes"`
	}
	again.do("GET", "/_mock/sandboxes", "", nil, http.StatusOK, &list)
	if len(list.Sandboxes) != 1 || list.Sandboxes[0].ID != sb {
		t.Errorf("after a restart the sandboxes are %+v, want only %s", list.Sandboxes, sb)
	}
}

// TestFullDiskUndoesADeletedSandbox: a sandbox whose deletion could not be saved is still
// there, serving, as the file holds it.
func TestFullDiskUndoesADeletedSandbox(t *testing.T) {
	d := startOnFullDisk(t)
	sb := d.newSandbox("")
	d.full.Store(true)
	notSaved(t, "DELETE /_mock/sandboxes/{id}", d.send("DELETE", "/_mock/sandboxes/"+sb, ""), "DELETE", "/_mock/sandboxes/"+sb)
	if a := d.send("GET", "/sandboxes/"+sb+"/api/info", ""); a.status != 200 {
		t.Errorf("the sandbox whose deletion failed answers %d %s", a.status, a.raw)
	}
	d.full.Store(false)
	if a := d.send("DELETE", "/_mock/sandboxes/"+sb, ""); a.status != 200 {
		t.Fatalf("delete once the disk has room: %d %s", a.status, a.raw)
	}
	if a := d.send("GET", "/sandboxes/"+sb+"/api/info", ""); a.status != 404 {
		t.Errorf("the deleted sandbox answers %d", a.status)
	}
}

// inviteUses reads an invite's uses through listInvites of a world (sandbox "" = default).
func inviteUses(t *testing.T, m *mock, sandbox, id string) int {
	t.Helper()
	base := ""
	if sandbox != "" {
		base = "/sandboxes/" + sandbox
	}
	a := m.send("GET", base+"/api/v1/listInvites", "", "X-User-Id", adminID, "X-Auth-Token", adminToken)
	var list []struct {
		ID   string `json:"_id"`
		Uses int    `json:"uses"`
	}
	if err := json.Unmarshal(a.raw, &list); err != nil {
		t.Fatalf("listInvites: %d %s", a.status, a.raw)
	}
	for _, inv := range list {
		if inv.ID == id {
			return inv.Uses
		}
	}
	t.Fatalf("no invite %s", id)
	return 0
}

// sameJSON reports whether two JSON documents hold the same values.
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		t.Fatalf("not JSON: %s / %s", a, b)
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}
