package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

// fourRuns are the mock and a real server, each on 8.3.0 and 8.4.0, as the rocketchat
// workflow runs them: the ban check expects another answer on 8.4.0, and one spec that needs
// the clock is skipped on the real servers.
func fourRuns() []Run {
	var runs []Run
	for _, kind := range []string{"mock", "rocketchat"} {
		for _, v := range []string{"8.3.0", "8.4.0"} {
			g := ginkgoRun(v, types.SpecStatePassed, map[string]string{"8.3.0": "the invite succeeds", "8.4.0": "refused with error-user-is-banned"}[v])
			g.SpecReports[2].ReportEntries[0].Value = types.WrapEntryValue(Target{Kind: kind, Version: v})
			if kind == "mock" {
				g.SpecReports[3].State, g.SpecReports[3].Failure.Message = types.SpecStatePassed, ""
			}
			runs = append(runs, FromGinkgo(g))
		}
	}
	return runs
}

func TestMatrixFlagsTheAnswerThatChangesBetweenVersions(t *testing.T) {
	m := NewMatrix(fourRuns())

	changes := m.VersionChanges()
	if len(changes) != 1 || changes[0].Sentence != "bans › a banned user cannot use a valid invite" || !changes[0].AnswerChange {
		t.Fatalf("version changes %+v, want only the ban check, as an answer change", changes)
	}
	diffs := m.TargetDifferences()
	if len(diffs) != 1 || diffs[0].Sentence != "an expired invite" || diffs[0].VersionChange {
		t.Errorf("target differences %+v, want the clock spec skipped on the real servers only (not a version change)", diffs)
	}
	if len(m.FailedRows()) != 0 {
		t.Errorf("failed rows %+v", m.FailedRows())
	}
	if got := []string{m.Runs[0].Label(), m.Runs[3].Label()}; got[0] != "mock 8.3.0" || got[1] != "rocketchat 8.4.0" {
		t.Errorf("labels %v", got)
	}
}

func TestMatrixFlagsASpecThatRunsOnOneVersionOfTheSameKindOfTarget(t *testing.T) {
	old := ginkgoRun("8.3.0", types.SpecStateSkipped, "")
	old.SpecReports[1].Failure.Message = "the useInviteToken ban check needs Rocket.Chat 8.4.0 or later; the server is 8.3.0"
	m := NewMatrix([]Run{FromGinkgo(old), FromGinkgo(ginkgoRun("8.4.0", types.SpecStatePassed, ""))})

	changes := m.VersionChanges()
	if len(changes) != 1 || changes[0].AnswerChange || !changes[0].VersionChange {
		t.Errorf("version changes %+v, want the ban spec as a version change that is not an answer change", changes)
	}
}

func TestMatrixDoesNotCallADifferenceBetweenKindsOfTargetAVersionChange(t *testing.T) {
	mock83 := ginkgoRun("8.3.0", types.SpecStatePassed, "")
	mock83.SpecReports[3].State = types.SpecStatePassed
	rc84 := ginkgoRun("8.4.0", types.SpecStatePassed, "")
	rc84.SpecReports[2].ReportEntries[0].Value = types.WrapEntryValue(Target{Kind: "rocketchat", Version: "8.4.0"})

	m := NewMatrix([]Run{FromGinkgo(mock83), FromGinkgo(rc84)})

	if rows := m.VersionChanges(); len(rows) != 0 {
		t.Errorf("version changes %+v: a clock spec skipped on a real server is not a change of version", rows)
	}
}

func TestMatrixKeepsSpecsThatOnlySomeRunsHave(t *testing.T) {
	newer := ginkgoRun("8.4.0", types.SpecStatePassed, "")
	newer.SpecReports = append(newer.SpecReports, spec("bans_test.go", 99, types.SpecStatePassed, "", "bans", "a spec added later"))
	m := NewMatrix([]Run{FromGinkgo(ginkgoRun("8.4.0", types.SpecStatePassed, "")), FromGinkgo(newer)})

	var row *Row
	for i := range m.Rows {
		if m.Rows[i].Sentence == "a spec added later" {
			row = &m.Rows[i]
		}
	}
	if row == nil || !row.Cells[0].Absent || row.Cells[1].Absent || row.Differs() {
		t.Fatalf("row %+v, want absent in the first run, present in the second, not flagged", row)
	}
	if groups := m.Groups(); groups[0].Name != "bans" || len(groups[0].Rows) != 3 {
		t.Errorf("the later spec is not grouped with its behaviour: %+v", groups[0])
	}
}

func TestMatrixSummaryShowsEachRunsOutcomeOfTheChangedSpecs(t *testing.T) {
	var b bytes.Buffer
	if err := NewMatrix(fourRuns()).WriteSummary(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"useInviteToken › bans › a banned user cannot use a valid invite\n    mock 8.3.0        passed; expects: the invite succeeds\n    mock 8.4.0        passed; expects: refused with error-user-is-banned\n",
		"\n5 specs in 4 runs: 1 change between versions, 0 failed, 1 differ between targets of the same version\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("matrix summary lacks %q:\n%s", want, b.String())
		}
	}
}

func TestMarkdownKeepsTableCellsOnOneLineAndFencesMessages(t *testing.T) {
	if got := cell("a | b\nc <d>"); got != `a \| b c &lt;d&gt;` {
		t.Errorf("cell = %q", got)
	}
	if got := fence("x\n```\ny"); !strings.HasPrefix(got, "````text\n") || !strings.HasSuffix(got, "\n````") {
		t.Errorf("fence = %q: its fence must be longer than any in the text", got)
	}
	var b bytes.Buffer
	if err := NewMatrix(fourRuns()).WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| useInviteToken | **bans › a banned user cannot use a valid invite** | ✅ expects: the invite succeeds | ✅ expects: refused with error-user-is-banned |") {
		t.Errorf("matrix.md lacks the ban check as a bold answer change:\n%s", b.String())
	}
}
