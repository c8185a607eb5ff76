package report

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/rcinvite/rcinvite/internal/headless"
)

// regressionRuns are the four runs of the rocketchat workflow where the real 8.4.0 server has
// lost its ban check: the matrix must show the ban spec as an answer that changes between
// versions and as a failure on rocketchat 8.4.0.
func regressionRuns() []Run {
	runs := fourRuns()
	g := ginkgoRun("8.4.0", types.SpecStateFailed, "refused with error-user-is-banned")
	g.SpecReports[2].ReportEntries[0].Value = types.WrapEntryValue(Target{Kind: "rocketchat", Version: "8.4.0", Image: "rocketchat/rocket.chat:8.4.0"})
	runs[3] = FromGinkgo(g)
	return runs
}

// serve serves each page at /<name> on 127.0.0.1 and returns the server's origin.
func serve(t *testing.T, pages map[string][]byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func render(t *testing.T, write func(*bytes.Buffer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestPagesRenderInChromium opens the matrix and a run's page in a real headless chromium:
// no console errors, nothing fetched but the page itself, the ban check shown as the answer
// that changes between versions and failed on rocketchat 8.4.0, the filter hiding the specs
// that do not differ. Screenshots go to the test's artifact directory (go test -artifacts
// keeps them; .ci/run does).
func TestPagesRenderInChromium(t *testing.T) {
	ctx, page := headless.Start(t, 90*time.Second, 1400, 1000)
	runs := regressionRuns()
	m := NewMatrix(runs)
	origin := serve(t, map[string][]byte{
		"matrix.html": render(t, func(b *bytes.Buffer) error { return m.WriteHTML(b) }),
		"index.html":  render(t, func(b *bytes.Buffer) error { return runs[3].WriteHTML(b) }),
	})

	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/matrix.html"), chromedp.WaitVisible(chromedp.CSS("#version-changes"))); err != nil {
		t.Fatal(err)
	}
	changed, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#version-changes + p + table tr.answer-change")].map(tr => tr.innerText.replace(/\s+/g, " ").trim())`))
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 1 || !strings.Contains(changed[0], "a banned user cannot use a valid invite") ||
		!strings.Contains(changed[0], "expects: the invite succeeds") || !strings.Contains(changed[0], "expects: refused with error-user-is-banned") || !strings.Contains(changed[0], "✗ failed") {
		t.Errorf("the version changes show %q, want the ban check with both expectations and its failure", changed)
	}
	highlight, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("tr.answer-change td")).backgroundColor`))
	if err != nil || highlight != "rgb(255, 241, 194)" {
		t.Errorf("the ban check's row has background %q (%v), want the highlight rgb(255, 241, 194)", highlight, err)
	}
	visible := `[...document.querySelectorAll("#every-spec ~ details tr")].filter(tr => tr.offsetParent !== null && tr.querySelector("td")).length`
	before, err := chromedp.Run(ctx, chromedp.Evaluate[int](visible))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#only-differing"))); err != nil {
		t.Fatal(err)
	}
	after, err := chromedp.Run(ctx, chromedp.Evaluate[int](visible))
	if err != nil {
		t.Fatal(err)
	}
	if before != len(m.Rows) || after != len(m.filter(Row.Differs)) {
		t.Errorf("every spec shows %d rows, %d with the filter; want %d and %d", before, after, len(m.Rows), len(m.filter(Row.Differs)))
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#only-differing"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "matrix.png")

	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/index.html"), chromedp.WaitVisible(chromedp.CSS("#failures"))); err != nil {
		t.Fatal(err)
	}
	failure, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#failures + h3 + div + pre")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(failure, "POST /api/v1/useInviteToken") || !strings.Contains(failure, "answered HTTP 200") {
		t.Errorf("the run page's failure shows %q, want the request and the answer", failure)
	}
	screenshot(t, ctx, "index.png")

	if problems := page.Problems(); len(problems) > 0 {
		t.Errorf("the pages reported problems in chromium:\n%s", strings.Join(problems, "\n"))
	}
	if want := []string{origin + "/matrix.html", origin + "/index.html"}; strings.Join(page.Requested(), " ") != strings.Join(want, " ") {
		t.Errorf("chromium requested %q, want only the two pages (self-contained: nothing from another origin)", page.Requested())
	}
}

// screenshot keeps a full-page PNG of what chromium shows, for people to look at.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 makes a PNG; less, a JPEG
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
