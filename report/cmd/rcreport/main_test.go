package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/rcinvite/rcinvite/report"
)

// writeRun writes the reports of a one-spec run against a mock of the given version, whose
// ban spec expects what that version does.
func writeRun(t *testing.T, dir, version, expects string) {
	t.Helper()
	setup := types.SpecReport{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStatePassed,
		ReportEntries: []types.ReportEntry{{Name: report.TargetEntry, Value: types.WrapEntryValue(report.Target{Kind: "mock", Version: version})}}}
	ban := types.SpecReport{LeafNodeType: types.NodeTypeIt, ContainerHierarchyTexts: []string{"useInviteToken"}, LeafNodeText: "a banned user cannot use a valid invite",
		State: types.SpecStatePassed, ReportEntries: []types.ReportEntry{{Name: report.ExpectsEntry, Value: types.WrapEntryValue(expects)}}}
	g := types.Report{SuitePath: "/src/rcinvite/conformance", StartTime: time.Unix(0, 0), SpecReports: types.SpecReports{setup, ban}}
	if _, err := report.WriteRun(dir, g); err != nil {
		t.Fatal(err)
	}
}

func TestRcreportWritesTheMatrixOfRunFoldersAndFiles(t *testing.T) {
	dir := t.TempDir()
	writeRun(t, filepath.Join(dir, "mock-8.3.0"), "8.3.0", "the invite succeeds")
	writeRun(t, filepath.Join(dir, "mock-8.4.0"), "8.4.0", "refused with error-user-is-banned")
	out := filepath.Join(dir, "matrix")
	var stdout, stderr bytes.Buffer

	code := run([]string{"-o", out, filepath.Join(dir, "mock-8.3.0"), filepath.Join(dir, "mock-8.4.0", report.JSONFile)}, &stdout, &stderr)

	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "1 specs in 2 runs: 1 change between versions, 0 failed") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	for _, name := range []string{report.MatrixHTMLFile, report.MatrixMarkdownFile} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || !bytes.Contains(b, []byte("a banned user cannot use a valid invite")) {
			t.Errorf("%s: %v, %d bytes without the ban spec", name, err, len(b))
		}
	}
}

func TestRcreportExplainsWrongUsageAndUnreadableReports(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "no runs given"},
		{[]string{"-x"}, 2, "flag provided but not defined: -x"},
		{[]string{"-o", dir, filepath.Join(dir, "nowhere")}, 1, "nowhere: no such file"},
		{[]string{"-o", dir, dir}, 1, "report.json: no such file"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(c.args, &stdout, &stderr); code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("rcreport %q: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr.String(), c.code, c.want)
		}
	}
}
