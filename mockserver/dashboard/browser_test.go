package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rcinvite/rcinvite/internal/headless"
	"github.com/rcinvite/rcinvite/mockserver"
	"github.com/rcinvite/rcinvite/mockserver/mocktest"
)

// The dashboard driven in Debian's chromium (headless) through chromedp. Every wait is on
// visible state; the deadlines only keep a broken page from hanging the run.

// browserTimeout bounds one test's browser session, waitTimeout one wait for the page.
const (
	browserTimeout = 3 * time.Minute
	waitTimeout    = 30 * time.Second
)

// browser is a headless chromium tab (package headless) with what its pages did.
type browser struct {
	ctx  context.Context
	page *headless.Page
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	ctx, page := headless.Start(t, browserTimeout, 1280, 1200)
	if err := chromedp.Do(ctx); err != nil { // starts chromium
		t.Fatalf("start chromium: %v", err)
	}
	return &browser{ctx: ctx, page: page}
}

func (b *browser) run(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitTimeout) // the browser is running: this bounds these actions only
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// text waits until the element sel holds text containing want (polling the page), and
// returns the text.
func (b *browser) text(t *testing.T, sel, want string) string {
	t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e && e.textContent.includes(%q) ? e.textContent : false })()`, sel, want)
	got, err := chromedp.Run(b.ctx, chromedp.Poll[string](js, chromedp.WithPollingInterval(25*time.Millisecond),
		chromedp.WithPollingTimeout(waitTimeout)))
	if err != nil {
		now, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || "(absent)"`, sel)))
		t.Fatalf("%s never held %q (it holds %q): %v", sel, want, now, err)
	}
	return got
}

// screenshot writes the whole page to the test's output directory (go test -artifacts).
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)) // quality 100: a PNG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(t.ArtifactDir(), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// checkClean fails t for any console error or exception, and any request off origin.
// checkClean fails t for every problem the page reported (but those containing one of
// expected) and every URL it fetched off origin.
func (b *browser) checkClean(t *testing.T, origin string, expected ...string) {
	t.Helper()
	for _, p := range b.page.Problems() {
		if !slices.ContainsFunc(expected, func(e string) bool { return strings.Contains(p, e) }) {
			t.Errorf("the page reported %s", p)
		}
	}
	for _, u := range b.page.Requested() {
		if !strings.HasPrefix(u, origin+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page fetched %s, off its origin %s", u, origin)
		}
	}
}

func (b *browser) fetched(path string) int {
	n := 0
	for _, u := range b.page.Requested() {
		if strings.Contains(u, path) {
			n++
		}
	}
	return n
}

func TestDashboard(t *testing.T) {
	b := newBrowser(t)
	m := mocktest.Start(t)
	b.run(t, "load the page", chromedp.Navigate(m.URL+"/_mock/ui"), chromedp.WaitVisible(chromedp.CSS(`#worlds tbody tr[data-world=""]`)))
	b.text(t, "#status", "live: following the default world")
	b.text(t, `#invites tr[data-invite="PrjXok"] .state`, "valid")
	b.screenshot(t, "dashboard")

	t.Run("every control is labelled", func(t *testing.T) {
		unlabelled := eval[[]string](t, b, `[...document.querySelectorAll('input, select')]
			.filter((e) => e.type !== 'hidden' && e.labels.length === 0).map((e) => e.id || e.outerHTML)`)
		if len(unlabelled) > 0 {
			t.Errorf("controls without a label: %v", unlabelled)
		}
	})

	t.Run("a request from another client appears in the journal without reload", func(t *testing.T) {
		eval[bool](t, b, `window.notReloaded = true`)
		listed := b.fetched("/_mock/requests")
		sent := time.Now()
		res, err := m.Session("carol", "carol-token").PostJSON("/api/v1/useInviteToken", map[string]string{"token": "PrjXok"})
		if err != nil || res.StatusCode != http.StatusBadRequest {
			t.Fatalf("carol's request: %v %v", res, err)
		}
		b.text(t, `#journal li[data-path="/api/v1/useInviteToken"] summary`, "error-user-is-banned")
		t.Logf("the request appeared in the journal view %s after it was answered", time.Since(sent).Round(time.Millisecond))
		b.text(t, `#worlds tbody tr[data-world=""] td.requests`, "1") // the worlds view follows too
		if !eval[bool](t, b, `window.notReloaded === true`) {
			t.Error("the page was reloaded")
		}
		if n := b.fetched("/_mock/requests"); n != listed {
			t.Errorf("the page listed the journal again (%d → %d times): the entry did not come from the event stream", listed, n)
		}
	})

	t.Run("expanding carol's refused invite shows the ban step", func(t *testing.T) {
		entry := `#journal li[data-path="/api/v1/useInviteToken"]`
		// With the keyboard: focus the entry's summary and press Enter.
		b.run(t, "expand the entry", chromedp.Focus(chromedp.CSS(entry+" summary")), chromedp.KeyEvent(kb.Enter),
			chromedp.WaitVisible(chromedp.CSS(entry+` li[data-check="subscription.ban"]`)))
		step := b.text(t, entry+` li[data-check="subscription.ban"]`, "status BANNED")
		if !strings.Contains(step, "[fail]") || !strings.Contains(step, "since 8.4.0") {
			t.Errorf("ban step %q", step)
		}
		b.text(t, entry+" .answer", "Answer: 400 error-user-is-banned")
		b.screenshot(t, "dashboard-explained")
	})

	t.Run("advance 169 h turns PrjXok expired", func(t *testing.T) {
		b.run(t, "press Advance 169 h", chromedp.Focus(chromedp.CSS("#advance-169h")), chromedp.KeyEvent(kb.Enter))
		b.text(t, `#invites tr[data-invite="PrjXok"] .state`, "expired")
		b.text(t, `#invites tr[data-invite="PrjXok"]`, "1 h ago")
		b.text(t, `#worlds tbody tr[data-world=""]`, "offset 169h0m0s")
		b.screenshot(t, "dashboard-expired")
	})

	t.Run("creating a sandbox from the page lists it", func(t *testing.T) {
		b.run(t, "create a sandbox", chromedp.SetValue(chromedp.CSS("#sb-emulate"), "8.3.0"), chromedp.Click(chromedp.CSS(`#create-sandbox button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#worlds tbody tr[data-world^="sb-"]`)))
		attr, err := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS(`#worlds tbody tr[data-world^="sb-"]`), "data-world"))
		if err != nil {
			t.Fatal(err)
		}
		id := attr.Value
		b.text(t, fmt.Sprintf(`#worlds tbody tr[data-world=%q]`, id), "8.3.0")
		b.text(t, "#message", "created sandbox "+id)
		var listed struct {
			Sandboxes []struct{ ID string } `json:"sandboxes"`
		}
		res, err := http.Get(m.URL + "/_mock/sandboxes")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if err := json.NewDecoder(res.Body).Decode(&listed); err != nil || len(listed.Sandboxes) != 1 || listed.Sandboxes[0].ID != id {
			t.Errorf("the mock's sandboxes %+v (%v), want only %s", listed.Sandboxes, err, id)
		}
	})

	b.checkClean(t, m.URL)
}

// TestDashboardWithAControlToken: the page loads without the token, asks for it, and then
// sends it as a header with every call; the token never appears in a URL.
func TestDashboardWithAControlToken(t *testing.T) {
	const token = "s3cret-dashboard-token"
	b := newBrowser(t)
	srv, err := mockserver.New(mockserver.WithControlToken(token))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer func() {
		srv.EndStreams()
		ts.Close()
	}()
	b.run(t, "load the page", chromedp.Navigate(ts.URL+"/_mock/ui"), chromedp.WaitVisible(chromedp.CSS("#token")))
	b.text(t, "#status", "needs its token")
	b.run(t, "enter the token", chromedp.SendKeys(chromedp.CSS("#token"), token), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`#worlds tbody tr[data-world=""]`)))
	b.text(t, "#status", "live: following the default world")
	b.run(t, "check the form is gone", chromedp.WaitNotVisible(chromedp.CSS("#token-form")))
	for _, u := range b.page.Requested() {
		if strings.Contains(u, token) {
			t.Errorf("the token is in a URL: %s", u)
		}
	}
	// The calls made before the token was given are refused; chromium logs their 401s.
	b.checkClean(t, ts.URL, "the server responded with a status of 401 (Unauthorized)")
}
