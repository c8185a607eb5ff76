// Package report turns the conformance suite's Ginkgo reports into what a person reads: the
// summary a run prints on the terminal, reports/summary.md and reports/index.html for one run,
// and a matrix of specs × runs that shows which behaviours change between Rocket.Chat versions.
//
// The suite writes one run's files when it ends (RCINVITE_REPORT_DIR, set by make conformance):
//
//	report.WriteRun(dir, ginkgoReport)       // report.json, junit.xml, summary.md, index.html
//	report.FromGinkgo(ginkgoReport).WriteSummary(os.Stdout, dir)
//
// and make report combines the report.json of several runs (cmd/rcreport):
//
//	runs, err := report.Load("reports/mock-8.3.0/report.json", "reports/mock-8.4.0/report.json")
//	m := report.NewMatrix(runs)
//	err = m.WriteHTML(f)                     // matrix.html; WriteMarkdown for $GITHUB_STEP_SUMMARY
//
// A run knows its target from the report entry the suite adds in its setup (TargetEntry), and
// a version-aware spec says what it expects of this server's version in a report entry
// (ExpectsEntry): that is how the matrix tells "the 8.4.0 ban check is missing" from "the spec
// expects something else on 8.3.0".
package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// The report entries the conformance suite adds and this package reads.
const (
	// TargetEntry carries a Target as JSON, added once by the suite's setup.
	TargetEntry = "rcinvite-target"
	// ExpectsEntry carries, as a string, what a version-aware spec expects of the server's version.
	ExpectsEntry = "expects"
)

// Target is what the suite records about the server it ran against.
type Target struct {
	Kind         string   `json:"kind"`                   // mock, url, container or rocketchat
	URL          string   `json:"url,omitempty"`          // the server's base URL
	Version      string   `json:"version,omitempty"`      // the server's version, from GET /api/info
	Image        string   `json:"image,omitempty"`        // the image a container target runs
	Emulate      string   `json:"emulate,omitempty"`      // the version a mock was asked to emulate
	Capabilities []string `json:"capabilities,omitempty"` // clock, sandboxes, fixtures, database
	Unavailable  string   `json:"unavailable,omitempty"`  // why the target could not run here
}

// Describe is the target in a few words: "mock at http://127.0.0.1:3000, Rocket.Chat 8.4.0".
func (t Target) Describe() string {
	if t.Kind == "" {
		return "unknown target (the run recorded none)"
	}
	var b strings.Builder
	b.WriteString(t.Kind)
	switch {
	case t.Image != "":
		fmt.Fprintf(&b, " (%s)", t.Image)
	case t.Emulate != "":
		fmt.Fprintf(&b, " (emulating %s)", t.Emulate)
	}
	if t.URL != "" {
		fmt.Fprintf(&b, " at %s", t.URL)
	}
	if t.Version != "" {
		fmt.Fprintf(&b, ", Rocket.Chat %s", t.Version)
	}
	if t.Unavailable != "" {
		fmt.Fprintf(&b, ", unavailable: %s", t.Unavailable)
	}
	return b.String()
}

// State is a spec's outcome in a person's words.
type State string

// The outcomes. Pending specs count as skipped; aborted, panicked, interrupted and timed-out
// ones as failed (Spec.Detail keeps Ginkgo's word).
const (
	Passed  State = "passed"
	Failed  State = "failed"
	Skipped State = "skipped"
)

// Spec is one spec of a run.
type Spec struct {
	// Group is the behaviour the spec belongs to: its outermost container ("useInviteToken").
	Group string `json:"group"`
	// Context is the containers between the group and the spec ("bans").
	Context []string `json:"context,omitempty"`
	// Text is the spec's sentence ("a banned user cannot use a valid invite").
	Text string `json:"text"`
	// Location is where the spec is written, relative to the repository ("conformance/bans_test.go:18").
	Location string `json:"location"`
	// Labels are the spec's Ginkgo labels ("since:8.4.0").
	Labels []string `json:"labels,omitempty"`
	// State is the outcome: passed, failed or skipped.
	State State `json:"state"`
	// Detail is Ginkgo's own word for the state when it says more ("timedout", "pending").
	Detail string `json:"detail,omitempty"`
	// Reason is why a spec was skipped, or the failure message of a failed one (with the
	// request and the answer, for failures about an answer).
	Reason string `json:"reason,omitempty"`
	// FailedAt is where a failed spec failed ("conformance/bans_test.go:24").
	FailedAt string `json:"failedAt,omitempty"`
	// Expects is what a version-aware spec expected of this server's version.
	Expects string `json:"expects,omitempty"`
	// Duration is how long the spec ran.
	Duration time.Duration `json:"duration"`
}

// Sentence is the spec's full name as one line: group, context and text.
func (s Spec) Sentence() string {
	return strings.Join(slices.Concat([]string{s.Group}, s.Context, []string{s.Text}), " › ")
}

// key identifies a spec across runs: the same sentence, whatever the line it moved to.
func (s Spec) key() string { return s.Sentence() }

// Run is one run of the suite against one target.
type Run struct {
	Suite  string    `json:"suite"`  // the suite's description ("Rocket.Chat conformance")
	Target Target    `json:"target"` // the server it ran against
	Start  time.Time `json:"start"`  // when it began (UTC): the run's date
	End    time.Time `json:"end"`    // when it ended (UTC)
	Specs  []Spec    `json:"specs"`  // the specs that ran or were skipped, in the order they are written
	// SetupFailures are failures outside any spec (the suite's setup or teardown), such as a
	// target that was asked for and cannot run.
	SetupFailures []Spec `json:"setupFailures,omitempty"`
	// Unselected counts the specs the focus or label filter left out: they are not in Specs,
	// and not counted as skipped (nothing skipped them: nobody asked for them).
	Unselected int `json:"unselected,omitempty"`
	// NotRun counts the selected specs that never ran because the suite's setup failed; they
	// count as skipped, with that reason.
	NotRun int `json:"notRun,omitempty"`
}

// notRunReason is the skip reason of the specs a failed setup kept from running.
const notRunReason = "not run: the suite's setup failed"

// Counts are the numbers of specs by outcome; Failed includes setup failures.
type Counts struct {
	Passed, Failed, Skipped int
}

// String is the closing line of every summary: "280 passed, 1 failed, 2 skipped".
func (c Counts) String() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", c.Passed, c.Failed, c.Skipped)
}

// Counts counts the run's specs by outcome.
func (r Run) Counts() Counts {
	c := Counts{Failed: len(r.SetupFailures), Skipped: r.NotRun}
	for _, s := range r.Specs {
		switch s.State {
		case Passed:
			c.Passed++
		case Failed:
			c.Failed++
		default:
			c.Skipped++
		}
	}
	return c
}

// Label names the run in a matrix column: "mock 8.4.0", "rocketchat 8.3.0".
func (r Run) Label() string {
	v := r.Target.Version
	if v == "" {
		v = "version unknown"
	}
	return r.Target.Kind + " " + v
}

// Failures are the setup failures, then the failed specs, in the order they are written.
func (r Run) Failures() []Spec {
	out := slices.Clone(r.SetupFailures)
	for _, s := range r.Specs {
		if s.State == Failed {
			out = append(out, s)
		}
	}
	return out
}

// SkipReason is a reason and how many specs were skipped for it.
type SkipReason struct {
	Reason string // the skip message
	Specs  int    // how many specs it skipped
}

// SkipReasons groups the skipped specs by reason, the most common first.
func (r Run) SkipReasons() []SkipReason {
	n := map[string]int{}
	var order []string
	for _, s := range r.Specs {
		if s.State != Skipped {
			continue
		}
		if n[s.Reason] == 0 {
			order = append(order, s.Reason)
		}
		n[s.Reason]++
	}
	out := make([]SkipReason, len(order))
	for i, reason := range order {
		out[i] = SkipReason{reason, n[reason]}
	}
	if r.NotRun > 0 {
		out = append(out, SkipReason{notRunReason, r.NotRun})
	}
	slices.SortStableFunc(out, func(a, b SkipReason) int { return b.Specs - a.Specs })
	return out
}

// Groups are the behaviours of the run in the order their first spec is written, each with
// its specs.
func (r Run) Groups() []Group {
	var out []Group
	at := map[string]int{}
	for _, s := range r.Specs {
		i, ok := at[s.Group]
		if !ok {
			i = len(out)
			at[s.Group] = i
			out = append(out, Group{Name: s.Group})
		}
		out[i].Specs = append(out[i].Specs, s)
	}
	return out
}

// Group is a behaviour and its specs.
type Group struct {
	Name  string // the outermost container ("useInviteToken")
	Specs []Spec // in the order they are written
}

// Counts counts the group's specs by outcome.
func (g Group) Counts() Counts { return Run{Specs: g.Specs}.Counts() }

// FromGinkgo reads one Ginkgo report: its specs (It nodes) and the failures of its suite
// nodes, with paths relative to the repository (the parent of the suite's folder).
func FromGinkgo(g types.Report) Run {
	root := filepath.Dir(g.SuitePath)
	r := Run{Suite: g.SuiteDescription, Start: g.StartTime.UTC(), End: g.EndTime.UTC()}
	setupFailed := false
	specs := slices.Clone(g.SpecReports)
	// Ginkgo lists specs in the order they ran (random with --randomize-all): a reader wants
	// them in the order they are written.
	slices.SortStableFunc(specs, func(a, b types.SpecReport) int {
		if c := strings.Compare(a.LeafNodeLocation.FileName, b.LeafNodeLocation.FileName); c != 0 {
			return c
		}
		return a.LeafNodeLocation.LineNumber - b.LeafNodeLocation.LineNumber
	})
	for _, sr := range specs {
		readEntries(sr, &r.Target)
		if sr.LeafNodeType != types.NodeTypeIt && sr.State.Is(types.SpecStateFailureStates) {
			setupFailed = true
			r.SetupFailures = append(r.SetupFailures, fromSpecReport(sr, root))
		}
	}
	attempted := 0
	for _, sr := range specs {
		switch {
		case sr.LeafNodeType != types.NodeTypeIt:
		case sr.State == types.SpecStateSkipped && sr.NumAttempts == 0:
			// Never attempted: the filter left it out (a failed setup lists no specs at all).
			r.Unselected++
		default:
			attempted++
			r.Specs = append(r.Specs, fromSpecReport(sr, root))
		}
	}
	if setupFailed {
		r.NotRun = max(g.PreRunStats.SpecsThatWillRun-attempted, 0)
		r.Unselected = 0
	}
	return r
}

func fromSpecReport(sr types.SpecReport, root string) Spec {
	s := Spec{
		Text:     sr.LeafNodeText,
		Location: relative(root, sr.LeafNodeLocation),
		Labels:   sr.Labels(),
		Duration: sr.RunTime,
	}
	switch {
	case sr.LeafNodeType != types.NodeTypeIt:
		s.Group, s.Text = "the suite", sr.LeafNodeType.String()
	case len(sr.ContainerHierarchyTexts) > 0:
		s.Group, s.Context = sr.ContainerHierarchyTexts[0], sr.ContainerHierarchyTexts[1:]
	default:
		s.Group = "specs outside any container"
	}
	switch {
	case sr.State.Is(types.SpecStatePassed):
		s.State = Passed
	case sr.State.Is(types.SpecStateSkipped | types.SpecStatePending):
		s.State, s.Reason = Skipped, strings.TrimSpace(sr.Failure.Message)
		if sr.State == types.SpecStatePending {
			s.Detail, s.Reason = "pending", "pending"
		}
	default:
		s.State, s.Reason = Failed, strings.TrimSpace(sr.Failure.Message)
		if sr.State != types.SpecStateFailed {
			s.Detail = sr.State.String()
		}
		if sr.Failure.ForwardedPanic != "" {
			s.Reason = strings.TrimSpace("panic: " + sr.Failure.ForwardedPanic + "\n" + s.Reason)
		}
		s.FailedAt = relative(root, sr.Failure.Location)
	}
	for _, e := range sr.ReportEntries {
		if e.Name == ExpectsEntry {
			s.Expects = entryString(e)
		}
	}
	return s
}

// readEntries copies the suite's target entry, wherever it was added, into t: the value itself
// in the process that added it, its JSON in a report read back from a file.
func readEntries(sr types.SpecReport, t *Target) {
	for _, e := range sr.ReportEntries {
		if e.Name != TargetEntry {
			continue
		}
		if v, ok := e.Value.GetRawValue().(Target); ok {
			*t = v
		} else {
			_ = json.Unmarshal([]byte(e.Value.AsJSON), t)
		}
	}
}

// entryString is a string entry's value, whether it was just added (raw) or read back from JSON.
func entryString(e types.ReportEntry) string {
	if s, ok := e.Value.GetRawValue().(string); ok {
		return s
	}
	var s string
	if json.Unmarshal([]byte(e.Value.AsJSON), &s) == nil {
		return s
	}
	return e.Value.String()
}

func relative(root string, loc types.CodeLocation) string {
	if loc.FileName == "" {
		return ""
	}
	name := loc.FileName
	if rel, err := filepath.Rel(root, name); err == nil && !strings.HasPrefix(rel, "..") {
		name = filepath.ToSlash(rel)
	}
	return fmt.Sprintf("%s:%d", name, loc.LineNumber)
}

// Load reads Ginkgo JSON reports (each file a list of suite reports, as -ginkgo.json-report
// and WriteRun write them) into runs, in the order given.
func Load(paths ...string) ([]Run, error) {
	var runs []Run
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("load report: %w", err)
		}
		var reports []types.Report
		if err := json.Unmarshal(data, &reports); err != nil {
			return nil, fmt.Errorf("load report %s: not a Ginkgo JSON report: %w", p, err)
		}
		if len(reports) == 0 {
			return nil, fmt.Errorf("load report %s: the file holds no suite", p)
		}
		for _, g := range reports {
			runs = append(runs, FromGinkgo(g))
		}
	}
	return runs, nil
}
