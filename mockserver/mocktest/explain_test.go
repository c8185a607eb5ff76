package mocktest_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/rcinvite/rcinvite/mockserver/mocktest"
)

// fakeT is a testing.TB that records what mocktest does with it: its cleanups (run by
// finish, last in first out), whether it failed, and what it logged.
type fakeT struct {
	testing.TB // not set: mocktest must call only the methods below
	failed     bool
	cleanups   []func()
	logs       []string
}

func (f *fakeT) Helper()           {}
func (f *fakeT) Name() string      { return "TestFake" }
func (f *fakeT) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeT) Failed() bool      { return f.failed }
func (f *fakeT) Log(args ...any)   { f.logs = append(f.logs, fmt.Sprint(args...)) }
func (f *fakeT) Logf(format string, args ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}
func (f *fakeT) Errorf(format string, args ...any) {
	f.failed = true
	f.Logf(format, args...)
}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	panic("fakeT.Fatalf: " + fmt.Sprintf(format, args...))
}

func (f *fakeT) finish() {
	for _, fn := range slices.Backward(f.cleanups) {
		fn()
	}
}

func (f *fakeT) output() string { return strings.Join(f.logs, "\n") }

// carolTriesTheInvite is a test whose assertion fails: carol is banned from project-x.
func carolTriesTheInvite(t testing.TB, m *mocktest.World) {
	res, err := m.Session("carol", "carol-token").PostJSON("/api/v1/useInviteToken", map[string]string{"token": "PrjXok"})
	if err != nil {
		t.Fatalf("use invite: %v", err)
	}
	if res.StatusCode != http.StatusOK {
		t.Errorf("carol got %d, want 200", res.StatusCode)
	}
}

func TestAFailedTestPrintsTheExplanations(t *testing.T) {
	ft := &fakeT{}
	m := mocktest.Start(ft)
	carolTriesTheInvite(ft, m.World)
	ft.finish()
	out := ft.output()
	for _, want := range []string{
		"mocktest: why the mock answered as it did (default world, 1 request):",
		"#1 POST /api/v1/useInviteToken → 400 error-user-is-banned (as carol)",
		"[pass] invite PrjXok (room ProjectX): 0 of 10 uses",
		"[fail] carol has a subscription to ProjectX with status BANNED",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the failed test's output lacks %q:\n%s", want, out)
		}
	}
	if i, j := strings.Index(out, "carol got 400"), strings.Index(out, "mocktest: why"); i < 0 || j < i {
		t.Errorf("the explanations do not come after the test's own output:\n%s", out)
	}
}

func TestAPassingTestPrintsNothing(t *testing.T) {
	ft := &fakeT{}
	m := mocktest.Start(ft)
	bob := m.Session("bob", "bob-token")
	if _, err := bob.PostJSON("/api/v1/useInviteToken", map[string]string{"token": "PrjXok"}); err != nil {
		t.Fatal(err)
	}
	ft.finish()
	if len(ft.logs) != 0 {
		t.Errorf("a passing test logged:\n%s", ft.output())
	}
}

func TestAFailedTestPrintsItsSandboxes(t *testing.T) {
	ft := &fakeT{}
	m := mocktest.Start(ft)
	sb := m.NewSandbox(ft, mocktest.SandboxOptions{Emulate: "8.3.0"})
	carolTriesTheInvite(ft, sb.World) // 8.3.0: carol joins, so this one passes…
	ft.failed = true                  // …and the test fails for another reason
	ft.finish()
	out := ft.output()
	if !strings.Contains(out, "(sandbox "+sb.ID+", 1 request)") || !strings.Contains(out, "emulates 8.3.0") ||
		!strings.Contains(out, "the default world answered no requests") {
		t.Errorf("output lacks the sandbox's explanation or the default world's note:\n%s", out)
	}
}

// TestExplainOnFailureOfASharedMock: only the requests after the call are printed.
func TestExplainOnFailureOfASharedMock(t *testing.T) {
	m, err := mocktest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Session("bob", "bob-token").Get("/api/v1/me"); err != nil {
		t.Fatal(err)
	}
	ft := &fakeT{}
	m.ExplainOnFailure(ft)
	carolTriesTheInvite(ft, m.World)
	ft.finish()
	out := ft.output()
	if !strings.Contains(out, "#2 POST /api/v1/useInviteToken") || strings.Contains(out, "/api/v1/me") {
		t.Errorf("want only the request after ExplainOnFailure:\n%s", out)
	}
}
