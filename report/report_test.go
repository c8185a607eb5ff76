package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// suiteDir stands for the conformance folder: spec paths are shown relative to its parent.
const suiteDir = "/src/rcinvite/conformance"

var runStart = time.Date(2026, 12, 1, 19, 40, 12, 0, time.UTC)

// spec builds the report of one It.
func spec(file string, line int, state types.SpecState, message string, containers ...string) types.SpecReport {
	loc := types.CodeLocation{FileName: suiteDir + "/" + file, LineNumber: line}
	text := containers[len(containers)-1]
	return types.SpecReport{
		LeafNodeType:            types.NodeTypeIt,
		ContainerHierarchyTexts: containers[:len(containers)-1],
		LeafNodeText:            text,
		LeafNodeLocation:        loc,
		State:                   state,
		Failure:                 types.Failure{Message: message, Location: types.CodeLocation{FileName: loc.FileName, LineNumber: line + 4}},
		RunTime:                 2 * time.Millisecond,
		NumAttempts:             1,
		SpecEvents:              types.SpecEvents{{SpecEventType: types.SpecEventNodeStart, Message: text}},
	}
}

func withEntry(s types.SpecReport, name string, value any) types.SpecReport {
	s.ReportEntries = append(s.ReportEntries, types.ReportEntry{Name: name, Value: types.WrapEntryValue(value)})
	return s
}

// ginkgoRun is a small run as Ginkgo reports it, in the order the specs ran (not written).
func ginkgoRun(version string, banned types.SpecState, bannedExpects string) types.Report {
	setup := types.SpecReport{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStatePassed}
	setup = withEntry(setup, TargetEntry, Target{Kind: "mock", URL: "http://127.0.0.1:3000", Version: version, Capabilities: []string{"clock"}})
	banSpec := spec("use_invite_token_test.go", 302, banned, "", "useInviteToken", "bans", "a banned user cannot use a valid invite")
	if banned == types.SpecStateFailed {
		banSpec.Failure.Message = "Expected a Rocket.Chat error answer HTTP 400 errorType \"error-user-is-banned\", but the call succeeded:\n    POST /api/v1/useInviteToken {\"token\":\"AbC123\"}\n    answered HTTP 200 {\"success\":true}"
	}
	if bannedExpects != "" {
		banSpec = withEntry(banSpec, ExpectsEntry, bannedExpects)
	}
	return types.Report{
		SuitePath:        suiteDir,
		SuiteDescription: "Rocket.Chat conformance",
		StartTime:        runStart,
		EndTime:          runStart.Add(3 * time.Second),
		SpecReports: types.SpecReports{
			spec("use_invite_token_test.go", 20, types.SpecStatePassed, "", "useInviteToken", "joining", "a new user joins a private group through a valid invite"),
			banSpec,
			setup,
			spec("bans_test.go", 18, types.SpecStateSkipped, "needs capability clock or database: target url has neither", "bans", "an expired invite"),
			spec("bans_test.go", 40, types.SpecStateSkipped, "needs capability clock or database: target url has neither", "bans", "another expired invite"),
			spec("setup_test.go", 87, types.SpecStatePending, "", "setup endpoints", "an email is sent"),
			unselected(spec("setup_test.go", 90, types.SpecStateSkipped, "", "setup endpoints", "a spec left out by the focus")),
		},
	}
}

// unselected makes s a spec the focus left out: Ginkgo never attempted it.
func unselected(s types.SpecReport) types.SpecReport {
	s.NumAttempts = 0
	return s
}

func TestFromGinkgoReadsSpecsInWrittenOrderWithTargetAndExpectation(t *testing.T) {
	r := FromGinkgo(ginkgoRun("8.4.0", types.SpecStateFailed, "refused with error-user-is-banned"))

	if want := (Target{Kind: "mock", URL: "http://127.0.0.1:3000", Version: "8.4.0", Capabilities: []string{"clock"}}); r.Target.Describe() != want.Describe() {
		t.Errorf("target %q, want %q", r.Target.Describe(), want.Describe())
	}
	var got []string
	for _, s := range r.Specs {
		got = append(got, s.Location+" "+string(s.State)+" "+s.Sentence())
	}
	want := []string{
		"conformance/bans_test.go:18 skipped bans › an expired invite",
		"conformance/bans_test.go:40 skipped bans › another expired invite",
		"conformance/setup_test.go:87 skipped setup endpoints › an email is sent",
		"conformance/use_invite_token_test.go:20 passed useInviteToken › joining › a new user joins a private group through a valid invite",
		"conformance/use_invite_token_test.go:302 failed useInviteToken › bans › a banned user cannot use a valid invite",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("specs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	ban := r.Specs[4]
	if ban.Expects != "refused with error-user-is-banned" || ban.FailedAt != "conformance/use_invite_token_test.go:306" || !strings.Contains(ban.Reason, "answered HTTP 200") {
		t.Errorf("failed spec: %+v", ban)
	}
	if r.Specs[2].Reason != "pending" {
		t.Errorf("pending spec's reason %q", r.Specs[2].Reason)
	}
	if c := r.Counts(); c != (Counts{Passed: 1, Failed: 1, Skipped: 3}) || r.Unselected != 1 {
		t.Errorf("counts %v, %d unselected; want the unselected spec counted apart", c, r.Unselected)
	}
}

func TestASetupFailureCountsAsAFailureAndExplainsTheSkippedSpecs(t *testing.T) {
	g := ginkgoRun("", types.SpecStateSkipped, "")
	// As Ginkgo reports a failed BeforeSuite: the suite nodes only, and how many specs would have run.
	setup := g.SpecReports[2]
	setup.State = types.SpecStateFailed
	setup.Failure = types.Failure{Message: "target container cannot run here: no Docker engine answers", Location: types.CodeLocation{FileName: suiteDir + "/conformance_suite_test.go", LineNumber: 51}}
	g.SpecReports = types.SpecReports{setup}
	g.PreRunStats = types.PreRunStats{TotalSpecs: 7, SpecsThatWillRun: 6}

	r := FromGinkgo(g)

	if c := r.Counts(); c != (Counts{Passed: 0, Failed: 1, Skipped: 6}) {
		t.Errorf("counts %v, want the setup failure counted and the specs it kept from running skipped", c)
	}
	if reasons := r.SkipReasons(); len(reasons) != 1 || reasons[0] != (SkipReason{"not run: the suite's setup failed", 6}) {
		t.Errorf("skip reasons %+v", reasons)
	}
	if f := r.Failures(); len(f) != 1 || f[0].Sentence() != "the suite › SynchronizedBeforeSuite" || f[0].FailedAt != "conformance/conformance_suite_test.go:51" {
		t.Errorf("failures %+v", f)
	}
}

func TestSummaryEndsWithTheCountsAndGroupsSkipsByReason(t *testing.T) {
	var b bytes.Buffer
	if err := FromGinkgo(ginkgoRun("8.4.0", types.SpecStateFailed, "")).WriteSummary(&b, "reports"); err != nil {
		t.Fatal(err)
	}
	want := `
rcinvite conformance: mock at http://127.0.0.1:3000, Rocket.Chat 8.4.0, 2026-12-01 19:40:12 UTC

Failed (1):
  useInviteToken › bans › a banned user cannot use a valid invite
    conformance/use_invite_token_test.go:306
    Expected a Rocket.Chat error answer HTTP 400 errorType "error-user-is-banned", but the call succeeded:
        POST /api/v1/useInviteToken {"token":"AbC123"}
        answered HTTP 200 {"success":true}

Skipped (3), by reason:
     2  needs capability clock or database: target url has neither
     1  pending

1 spec not selected by the focus or label filter (not counted below).

Reports: reports/index.html (and summary.md, junit.xml, report.json there)

1 passed, 1 failed, 3 skipped
`
	if b.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestWriteRunWritesReportsWithoutTraceNoiseThatLoadReadsBack(t *testing.T) {
	dir := t.TempDir()
	files, err := WriteRun(dir, ginkgoRun("8.4.0", types.SpecStateFailed, "refused with error-user-is-banned"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 4 {
		t.Fatalf("files %v", files)
	}
	junit := read(t, filepath.Join(dir, JUnitFile))
	if strings.Contains(junit, "&gt; Enter") || strings.Contains(junit, "system-err") {
		t.Errorf("junit.xml carries the timeline:\n%s", junit)
	}
	if !strings.Contains(junit, `answered HTTP 200 {&#34;success&#34;:true}`) || !strings.Contains(junit, `<skipped message="skipped - needs capability clock or database`) {
		t.Errorf("junit.xml lacks the failure's exchange or a skip reason:\n%s", junit)
	}
	jsonReport := read(t, filepath.Join(dir, JSONFile))
	if n := strings.Count(jsonReport, `"SpecEvents"`); n != 1 {
		t.Errorf("report.json keeps %d timelines, want only the failed spec's", n)
	}

	runs, err := Load(filepath.Join(dir, JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	again := FromGinkgo(ginkgoRun("8.4.0", types.SpecStateFailed, "refused with error-user-is-banned"))
	if len(runs) != 1 || runs[0].Target.Describe() != again.Target.Describe() || runs[0].Specs[4].Expects != again.Specs[4].Expects || runs[0].Counts() != again.Counts() {
		t.Errorf("read back %+v", runs)
	}
	for _, name := range []string{MarkdownFile, HTMLFile} {
		if !strings.Contains(read(t, filepath.Join(dir, name)), "a banned user cannot use a valid invite") {
			t.Errorf("%s does not show the failed spec", name)
		}
	}
}

func TestLoadNamesTheFileItCannotRead(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "junit.xml")
	if err := os.WriteFile(bad, []byte("<testsuites/>"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.json")
	if err := os.WriteFile(empty, []byte("[]"), 0o644); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		bad:                                "junit.xml: not a Ginkgo JSON report",
		empty:                              "empty.json: the file holds no suite",
		filepath.Join(dir, "missing.json"): "missing.json: no such file",
	} {
		if _, err := Load(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load(%s) = %v, want an error containing %q", path, err, want)
		}
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
