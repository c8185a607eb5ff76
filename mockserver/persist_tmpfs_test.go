//go:build linux

package mockserver_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/rcinvite/rcinvite/mockserver"
)

// mountTmpfs mounts a tmpfs of the given size on a fresh directory and unmounts it when the
// test ends; it skips the test, saying why, where mounting is not allowed (not root, or no
// CAP_SYS_ADMIN in a container).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a %s tmpfs here (%v); the disk-full behaviour is still covered by the write-fault tests", size, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// TestStateFileOnAFullTmpfs runs the disk-full case on a real file system: a 2 MiB tmpfs,
// mostly taken by another file, fills up under sandbox creations. The first refused creation
// answers 500 error-state-not-saved and leaves no sandbox behind; reads keep answering; once
// the other file is removed, creations succeed again; and after a restart the file holds
// exactly the sandboxes that were acknowledged.
func TestStateFileOnAFullTmpfs(t *testing.T) {
	dir := mountTmpfs(t, "2m")
	filler := filepath.Join(dir, "filler")
	if err := os.WriteFile(filler, make([]byte, 1<<20+512<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "state.db")
	m := startMock(t, mockserver.WithStateFile(path))
	var acked []string
	for full := false; !full; {
		if len(acked) > 2000 {
			t.Fatal("2000 sandboxes fit in 512 KiB: the state file does not grow as it should")
		}
		a := m.send("POST", "/_mock/sandboxes", `{}`)
		switch {
		case a.status == 201:
			acked = append(acked, a.str("id"))
		case a.status == 500 && a.str("errorType") == "error-state-not-saved":
			full = true
		case a.status == 429: // the cap of sandboxes before the disk filled: delete one and go on
			t.Fatalf("reached the sandbox cap before the 2 MiB tmpfs was full")
		default:
			t.Fatalf("POST /_mock/sandboxes on a filling disk: %d %s", a.status, a.raw)
		}
	}
	t.Logf("%d sandboxes fitted before the disk was full", len(acked))
	var list struct {
		Sandboxes []struct{ ID string } `json:"sandboxes"`
	}
	if err := json.Unmarshal(m.send("GET", "/_mock/sandboxes", "").raw, &list); err != nil || len(list.Sandboxes) != len(acked) {
		t.Fatalf("%d sandboxes listed after the disk filled, want the %d acknowledged (%v)", len(list.Sandboxes), len(acked), err)
	}
	if a := m.send("POST", "/api/v1/validateInviteToken", `{"token":"PrjXok"}`); a.status != 200 {
		t.Errorf("validateInviteToken on the full disk: %d %s", a.status, a.raw)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	a := m.send("POST", "/_mock/sandboxes", `{}`)
	if a.status != 201 {
		t.Fatalf("POST /_mock/sandboxes once space came back: %d %s", a.status, a.raw)
	}
	acked = append(acked, a.str("id"))
	if err := m.srv.Close(); err != nil {
		t.Fatal(err)
	}
	again := openPersisted(t, path)
	defer again.close()
	again.do("GET", "/_mock/sandboxes", "", nil, 200, &list)
	if len(list.Sandboxes) != len(acked) {
		t.Errorf("after a restart the file holds %d sandboxes, want the %d acknowledged", len(list.Sandboxes), len(acked))
	}
}
