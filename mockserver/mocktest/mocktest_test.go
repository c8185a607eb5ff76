package mocktest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rcinvite/rcinvite/mockserver"
	"github.com/rcinvite/rcinvite/mockserver/mocktest"
	"go/ast"
	"go/doc"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"os"
)

// redeem posts token for s and returns the status and the joined room's name or the errorType.
func redeem(t *testing.T, s *mocktest.Session, token string) (int, string) {
	t.Helper()
	res, err := s.PostJSON("/api/v1/useInviteToken", map[string]string{"token": token})
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Room      struct{ Name string }
		ErrorType string
	}
	if err := res.Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.ErrorType != "" {
		return res.StatusCode, body.ErrorType
	}
	return res.StatusCode, body.Room.Name
}

func TestLoginAndSession(t *testing.T) {
	m := mocktest.Start(t, mockserver.WithStrict(true))
	bob := m.Login(t, "bob", "rocket.chat")
	if bob.UserID != "bob" || bob.AuthToken == "" || bob.AuthToken == "bob-token" {
		t.Fatalf("login gave %+v, want bob with a fresh token", bob)
	}
	res, err := bob.Get("/api/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	var me struct{ Username string }
	if err := res.Decode(&me); err != nil || me.Username != "bob" {
		t.Errorf("/api/v1/me: %d %s", res.StatusCode, res.Body)
	}

	req, err := http.NewRequest(http.MethodGet, "/api/v1/me", nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := bob.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw.Body.Close()
	if raw.StatusCode != http.StatusOK {
		t.Errorf("Do with a relative URL: %d", raw.StatusCode)
	}

	if status, name := redeem(t, bob, "PrjXok"); status != 200 || name != "project-x" {
		t.Errorf("bob + PrjXok: %d %s", status, name)
	}
	stranger := m.Session("bob", "wrong-token")
	if res, _ := stranger.Get("/api/v1/me"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong token: %d %s", res.StatusCode, res.Body)
	}
	if m.Client() == nil || !strings.HasPrefix(m.URL, "http://127.0.0.1:") {
		t.Errorf("URL %q", m.URL)
	}
}

func TestClockAndReset(t *testing.T) {
	m := mocktest.Start(t)
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	m.Freeze(t, at)
	if now := m.Now(t); !now.Equal(at) {
		t.Errorf("after Freeze: %s, want %s", now, at)
	}
	m.Advance(t, 25*time.Hour)
	if now := m.Now(t); !now.Equal(at.Add(25 * time.Hour)) {
		t.Errorf("after Advance: %s", now)
	}
	m.Resume(t)
	if now := m.Now(t); time.Since(now).Abs() > time.Minute {
		t.Errorf("after Resume: %s, want about now", now)
	}

	bob := m.Session("bob", "bob-token")
	redeem(t, bob, "PrjXok")
	if status, name := redeem(t, m.Session("alice", "alice-token"), "MaxedX"); status != 400 || name != "error-invite-expired" {
		t.Errorf("MaxedX: %d %s", status, name)
	}
	m.Advance(t, time.Hour)
	m.Reset(t)
	if got := m.Requests(t, mocktest.RequestFilter{}); len(got) != 0 {
		t.Errorf("journal after Reset: %d entries", len(got))
	}
	if now := m.Now(t); time.Since(now).Abs() > time.Minute {
		t.Errorf("clock after Reset: %s", now)
	}
}

func TestRequests(t *testing.T) {
	m := mocktest.Start(t)
	bob := m.Session("bob", "bob-token")
	redeem(t, bob, "PrjXok")
	redeem(t, bob, "NoSuch")
	if _, err := bob.Get("/api/info"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		f    mocktest.RequestFilter
		want int
	}{
		{mocktest.RequestFilter{}, 3},
		{mocktest.RequestFilter{Path: "/api/v1/useInviteToken"}, 2},
		{mocktest.RequestFilter{Path: "/api/v1/*"}, 2},
		{mocktest.RequestFilter{Method: "get"}, 1},
		{mocktest.RequestFilter{Status: 400}, 1},
		{mocktest.RequestFilter{Path: "/api/v1/useInviteToken", Limit: 1}, 1},
	} {
		if got := m.Requests(t, c.f); len(got) != c.want {
			t.Errorf("Requests(%+v): %d, want %d", c.f, len(got), c.want)
		}
	}
	last := m.Requests(t, mocktest.RequestFilter{Path: "/api/v1/useInviteToken", Limit: 1})[0]
	if last.Status != 400 || !strings.Contains(string(last.ResponseBody), "error-invalid-token") {
		t.Errorf("last redemption %+v", last)
	}
}

func TestSandboxes(t *testing.T) {
	m := mocktest.Start(t)
	old := m.NewSandbox(t, mocktest.SandboxOptions{Emulate: "8.3.0"})
	cur := m.NewSandbox(t, mocktest.SandboxOptions{})
	if !strings.HasPrefix(old.URL, m.URL+"/sandboxes/TestSandboxes-") || old.ID == cur.ID {
		t.Fatalf("sandbox URLs %s %s", old.URL, cur.URL)
	}
	if status, got := redeem(t, old.Session("carol", "carol-token"), "PrjXok"); status != 200 || got != "project-x" {
		t.Errorf("carol in 8.3.0: %d %s", status, got)
	}
	if status, got := redeem(t, cur.Session("carol", "carol-token"), "PrjXok"); status != 400 || got != "error-user-is-banned" {
		t.Errorf("carol in 8.4.0: %d %s", status, got)
	}

	// Clocks move independently, in parallel.
	t.Run("advance", func(t *testing.T) {
		for _, sb := range []*mocktest.Sandbox{old, cur} {
			t.Run(sb.ID, func(t *testing.T) {
				t.Parallel()
				for range 10 {
					sb.Advance(t, time.Hour)
				}
			})
		}
	})
	cur.Advance(t, 90*time.Hour)
	if d := cur.Now(t).Sub(old.Now(t)); d < 89*time.Hour || d > 91*time.Hour {
		t.Errorf("clocks apart by %s, want 90h", d)
	}
	if d := time.Until(m.Now(t)); d.Abs() > time.Minute {
		t.Errorf("default world's clock moved by %s", d)
	}
	if n := len(old.Requests(t, mocktest.RequestFilter{})); n != 1 {
		t.Errorf("old sandbox journal: %d entries, want 1", n)
	}
	admin := old.Login(t, "rocketchat.internal.admin.test", "rocketchat.internal.admin.test")
	if admin.UserID != "rocketchat.internal.admin.test" {
		t.Errorf("admin login in a sandbox: %+v", admin)
	}
	old.Reset(t)
	if status, _ := redeem(t, old.Session("carol", "carol-token"), "PrjXok"); status != 200 {
		t.Errorf("carol after reset of the 8.3.0 sandbox: %d", status)
	}

	var url string
	t.Run("a sandbox ends with its test", func(t *testing.T) {
		sb := m.NewSandbox(t, mocktest.SandboxOptions{Empty: true, Latency: time.Millisecond})
		url = sb.URL
		if res, _ := sb.Session("bob", "bob-token").Get("/api/v1/me"); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("bob in an empty sandbox: %d", res.StatusCode)
		}
	})
	res, err := m.Client().Get(url + "/api/info")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("sandbox of a finished test answers %d", res.StatusCode)
	}
}

// TestPackageDocLeadsWithTheRunnableExample: go doc does not show examples, so the package
// doc carries Example's code; this keeps the two the same.
func TestPackageDocLeadsWithTheRunnableExample(t *testing.T) {
	fset := token.NewFileSet()
	pkgDoc, err := parser.ParseFile(fset, "mocktest.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	var d doc.Package
	blocks := (&d).Parser().Parse(pkgDoc.Doc.Text()).Content
	var first *comment.Code
	for _, b := range blocks {
		if c, ok := b.(*comment.Code); ok {
			first = c
			break
		}
	}
	example, err := parser.ParseFile(fset, "example_test.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var body string
	for _, decl := range example.Decls {
		if fn, ok := decl.(*ast.FuncDecl); ok && fn.Name.Name == "Example" {
			start, end := fset.Position(fn.Body.Lbrace).Offset+1, fset.Position(fn.Body.Rbrace).Offset
			body = string(src[start:end])
		}
	}
	var lines []string
	for _, l := range strings.Split(strings.Trim(body, "\n"), "\n") {
		lines = append(lines, strings.TrimPrefix(l, "\t"))
	}
	if want := strings.Join(lines, "\n") + "\n"; first == nil || first.Text != want {
		t.Errorf("the package doc's first code block is not Example's body:\n%v\nwant:\n%s", first, want)
	}
}

func TestSandboxRateLimitAndCORS(t *testing.T) {
	m := mocktest.Start(t)
	sb := m.NewSandbox(t, mocktest.SandboxOptions{RateLimit: &mocktest.RateLimit{Calls: 1, Interval: time.Minute}, CORSOrigin: "http://localhost:5173"})
	bob := sb.Session("bob", "bob-token")
	call := func(origin string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, sb.URL+"/api/v1/me", nil)
		req.Header.Set("X-User-Id", bob.UserID)
		req.Header.Set("X-Auth-Token", bob.AuthToken)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		res, err := m.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		return res
	}
	if res := call("http://localhost:5173"); res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" {
		t.Fatalf("first call %d %v", res.StatusCode, res.Header)
	}
	if res := call(""); res.StatusCode != 429 {
		t.Fatalf("second call %d, want 429", res.StatusCode)
	}
	sb.Advance(t, time.Minute+time.Second)
	if res := call(""); res.StatusCode != 200 {
		t.Fatalf("after the window %d", res.StatusCode)
	}
	sb.RemoveRateLimit(t)
	sb.SetCORS(t, "")
	for range 3 {
		if res := call("http://elsewhere.example"); res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("limiter and CORS off: %d %v", res.StatusCode, res.Header)
		}
	}
	// The default world is untouched.
	if res, err := m.Client().Get(m.URL + "/api/info"); err != nil || res.StatusCode != 200 {
		t.Fatalf("default world: %v", err)
	}
}
