// Package headless starts Debian's chromium for a browser test — headless, kept off the
// network, a fresh profile, ended with the test — and records what its pages did, so that
// the report pages' and the dashboard's tests share one way to drive it (chromedp).
package headless

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Page is what a browser's pages did: the problems they reported (uncaught exceptions,
// console errors and failed assertions, browser log errors such as a Content-Security-Policy
// refusal) and every URL they requested, in order. It is safe for concurrent use.
type Page struct {
	mu        sync.Mutex
	problems  []string
	requested []string
}

// Problems returns the problems reported so far.
func (p *Page) Problems() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.problems...)
}

// Requested returns the URLs requested so far.
func (p *Page) Requested() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requested...)
}

// listen records one event; it runs on chromedp's reading goroutine, so it only records.
func (p *Page) listen(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		p.problems = append(p.problems, "exception: "+(&chromedp.ExceptionError{ExceptionDetails: ev.ExceptionDetails}).Error())
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			p.problems = append(p.problems, "console."+string(ev.Type)+": "+strings.Join(args, " "))
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			p.problems = append(p.problems, fmt.Sprintf("browser log (%s): %s", ev.Entry.Source, ev.Entry.Text))
		}
	case *network.EventRequestWillBeSent:
		p.requested = append(p.requested, ev.Request.URL)
	}
}

// Start starts chromium for t with a window of width × height and returns its tab and the
// record of what its pages do. The whole session ends after timeout at the latest, and with
// the test in any case (chromium has exited when the test's cleanups have run). Where no
// chromium is on PATH the test is skipped, saying why. chromium runs without its sandbox (the
// tests run as root), without a GPU, and without any request of its own (background
// networking, component updates, sync, QUIC): only the pages under test are fetched.
func Start(t testing.TB, timeout time.Duration, width, height int) (context.Context, *Page) {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Skip("no chromium on PATH: the browser tests need Debian's chromium (apt-get install chromium; .ci/run installs it)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.WindowSize(width, height),
	)
	session, cancelSession := context.WithTimeout(context.Background(), timeout)
	alloc, cancelAlloc := chromedp.NewExecAllocator(session, opts...)
	page := &Page{}
	tab, cancelTab := chromedp.NewContext(alloc, chromedp.WithListener(page.listen))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for chromium to exit
		cancelSession()
	})
	return tab, page
}
