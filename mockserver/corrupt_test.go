package mockserver_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rcinvite/rcinvite/mockserver"
)

// pristineStateFile writes a state file worth corrupting: the default world changed, and a
// sandbox of 600 invites, so that the file has branch pages, overflow-free leaves and inline
// buckets.
func pristineStateFile(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pristine.db")
	p := openPersisted(t, path)
	p.do("POST", "/api/v1/useInviteToken", `{"token":"PrjXok"}`, bob, http.StatusOK, nil)
	var sb struct{ ID string }
	p.do("POST", "/_mock/sandboxes", `{"emulate":"8.3.0"}`, nil, http.StatusCreated, &sb)
	var b strings.Builder
	b.WriteString(`{"version":"8.4.0","users":[],"rooms":[{"_id":"R","t":"p","name":"r","usersCount":0,"msgs":0,"ro":false,"default":false,"sysMes":true,"ts":"2026-05-01T10:00:00.000Z","_updatedAt":"2026-05-01T10:00:00.000Z"}],"subscriptions":[],"invites":[`)
	for i := range 600 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"_id":"inv%04d","rid":"R","userId":"u","days":0,"maxUses":0,"uses":%d,"createdAt":"2026-05-01T10:00:00.000Z","expires":null,"url":"","_updatedAt":"2026-05-01T10:00:00.000Z"}`, i, i%7)
	}
	b.WriteString(`]}`)
	p.do("PUT", "/_mock/state?sandbox="+sb.ID, b.String(), nil, http.StatusOK, nil)
	p.close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// corrupt damages a copy of raw as a failing disk or a careless tool would: a run of 16 random
// bytes (1 in 40 such files panicked at start with "slice bounds out of range"), 4 spots of 4
// bytes (one panicked in bbolt's free-list goroutine, beyond any recover), or one flipped bit.
func corrupt(raw []byte, rng *rand.Rand) ([]byte, string) {
	out := append([]byte(nil), raw...)
	switch kind := rng.IntN(3); kind {
	case 0:
		at := rng.IntN(len(out) - 16)
		for i := range 16 {
			out[at+i] = byte(rng.Uint32())
		}
		return out, fmt.Sprintf("16 random bytes at %d", at)
	case 1:
		var spots []string
		for range 4 {
			at := rng.IntN(len(out) - 4)
			for i := range 4 {
				out[at+i] = byte(rng.Uint32())
			}
			spots = append(spots, strconv.Itoa(at))
		}
		return out, "4 random bytes at each of " + strings.Join(spots, ", ")
	default:
		at, bit := rng.IntN(len(out)), rng.IntN(8)
		out[at] ^= 1 << bit
		return out, fmt.Sprintf("bit %d of byte %d flipped", bit, at)
	}
}

// TestCorruptStateFilesNeverPanic pins the crashes on corrupt state files: every corrupted
// file either stops start-up with a clean error naming it (rcmock exits 2 on it) or starts a
// server that answers reads and writes and closes cleanly. A panic anywhere, bbolt's own
// goroutines included, fails the whole test binary.
func TestCorruptStateFilesNeverPanic(t *testing.T) {
	raw := pristineStateFile(t)
	dir := t.TempDir()
	seed := rand.Uint64()
	rng := rand.New(rand.NewPCG(seed, 11))
	started, refused := 0, 0
	for round := range envCount(t, "RCMOCK_CORRUPTION_ROUNDS", 100) { // a few seconds; raise it for a longer hunt
		bad, how := corrupt(raw, rng)
		path := filepath.Join(dir, fmt.Sprintf("round%03d.db", round))
		if err := os.WriteFile(path, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		srv, err := mockserver.New(mockserver.WithStateFile(path))
		if err != nil {
			if !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "goroutine") {
				t.Errorf("round %d (seed %d, %s): the error does not name the file cleanly: %v", round, seed, how, err)
			}
			refused++
			continue
		}
		started++
		for _, c := range []struct{ method, target, body string }{
			{"POST", "/api/v1/validateInviteToken", `{"token":"PrjXok"}`},
			{"POST", "/api/v1/useInviteToken", `{"token":"Forevr"}`},
			{"GET", "/_mock/state", ""},
			{"POST", "/_mock/sandboxes", `{}`},
		} {
			req := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
			req.RemoteAddr, req.Host = "127.0.0.1:1", "127.0.0.1:3000"
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-User-Id", "alice")
			req.Header.Set("X-Auth-Token", "alice-token")
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code >= 500 && !strings.Contains(rec.Body.String(), "error-state-not-saved") {
				t.Errorf("round %d (seed %d, %s): %s %s answered %d %s", round, seed, how, c.method, c.target, rec.Code, rec.Body)
			}
		}
		if err := srv.Close(); err != nil && !strings.Contains(err.Error(), path) {
			t.Errorf("round %d (seed %d, %s): close: %v", round, seed, how, err)
		}
	}
	t.Logf("%d corrupt files refused with an error, %d started (seed %d)", refused, started, seed)
}
