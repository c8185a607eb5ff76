package mocktest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/rcinvite/rcinvite/mockserver"
)

// explainedRequests is how many of a world's last requests a failed test is shown.
const explainedRequests = 50

// ExplainOnFailure makes a failed t print why the world answered as it did, for the requests
// it answers from now on, as Start and NewSandbox arrange for their own worlds. It is for
// tests that share a mock started with New.
func (w *World) ExplainOnFailure(t testing.TB) {
	t.Helper()
	var journal struct {
		Requests []mockserver.JournalEntry `json:"requests"`
	}
	w.control(t, http.MethodGet, "/_mock/requests?limit=1", w.sandbox, nil, &journal)
	var after int64
	if len(journal.Requests) == 1 {
		after = journal.Requests[0].ID
	}
	name := "default world"
	if w.sandbox != "" {
		name = "sandbox " + w.sandbox
	}
	t.Cleanup(func() { w.explainIfFailed(t, name, after) })
}

// explainIfFailed prints, when t has failed, why the world answered its last requests after
// journal id after as it did.
func (w *World) explainIfFailed(t testing.TB, name string, after int64) {
	if !t.Failed() {
		return
	}
	var journal struct {
		Requests []mockserver.JournalEntry `json:"requests"`
		Total    int64                     `json:"total"`
	}
	path := "/_mock/requests?limit=" + strconv.Itoa(explainedRequests) + "&after=" + strconv.FormatInt(after, 10)
	if err := w.call(http.MethodGet, path, w.sandbox, nil, &journal); err != nil {
		t.Logf("mocktest: cannot read the journal of the %s to explain its answers: %v", name, err)
		return
	}
	if len(journal.Requests) == 0 {
		t.Logf("mocktest: the %s answered no requests", name)
		return
	}
	t.Log(Explain(name, journal.Requests, journal.Total-after))
}

// Explain words why a world answered requests as it did, as a failed test prints it: one
// block per request with its outcome and the checks that decided it. total is how many
// requests there were in all (the earlier ones are said to be left out).
func Explain(world string, requests []mockserver.JournalEntry, total int64) string {
	var b strings.Builder
	count := fmt.Sprintf("%d requests", len(requests))
	switch {
	case int64(len(requests)) < total:
		count = fmt.Sprintf("the last %d of %d requests", len(requests), total)
	case len(requests) == 1:
		count = "1 request"
	}
	fmt.Fprintf(&b, "mocktest: why the mock answered as it did (%s, %s):", world, count)
	for _, e := range requests {
		target := e.Path
		if e.Query != "" {
			target += "?" + e.Query
		}
		outcome := strconv.Itoa(e.Status)
		if e.Explain != nil {
			outcome = e.Explain.Outcome
		}
		fmt.Fprintf(&b, "\n  #%d %s %s → %s", e.ID, e.Method, target, outcome)
		if e.User != "" {
			fmt.Fprintf(&b, " (as %s)", e.User)
		}
		if e.Explain == nil {
			b.WriteString("\n    (no explanation recorded)")
			continue
		}
		for _, s := range e.Explain.Steps {
			fmt.Fprintf(&b, "\n    [%s] %s", s.Verdict, s.Text)
		}
	}
	return b.String()
}
