package report

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

// The files WriteRun writes into its folder.
const (
	JSONFile     = "report.json" // Ginkgo's JSON report, without the timelines of specs that did not fail
	JUnitFile    = "junit.xml"   // JUnit, without timelines: failure messages and skip reasons only
	MarkdownFile = "summary.md"
	HTMLFile     = "index.html"
)

// The files WriteMatrix writes into its folder.
const (
	MatrixHTMLFile     = "matrix.html"
	MatrixMarkdownFile = "matrix.md"
)

// everyState masks every spec state: JUnit test cases carry no timeline at all (Ginkgo's
// "> Enter [It] …" trace); the failure message and location are in <failure>.
const everyState = types.SpecStatePending | types.SpecStateSkipped | types.SpecStatePassed |
	types.SpecStateFailed | types.SpecStateAborted | types.SpecStatePanicked |
	types.SpecStateInterrupted | types.SpecStateTimedout

// WriteRun writes one run's reports into dir (created if needed) and returns their paths:
// report.json (the input of make report), junit.xml, summary.md and index.html.
func WriteRun(dir string, g types.Report) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write reports: %w", err)
	}
	path := func(name string) string { return filepath.Join(dir, name) }
	if err := reporters.GenerateJSONReport(slim(g), path(JSONFile)); err != nil {
		return nil, fmt.Errorf("write reports: %w", err)
	}
	junit := reporters.JunitReportConfig{OmitTimelinesForSpecState: everyState, OmitLeafNodeType: true}
	if err := reporters.GenerateJUnitReportWithConfig(g, path(JUnitFile), junit); err != nil {
		return nil, fmt.Errorf("write reports: %w", err)
	}
	r := FromGinkgo(g)
	if err := writeFile(path(MarkdownFile), r.WriteMarkdown); err != nil {
		return nil, err
	}
	if err := writeFile(path(HTMLFile), r.WriteHTML); err != nil {
		return nil, err
	}
	return []string{path(HTMLFile), path(MarkdownFile), path(JUnitFile), path(JSONFile)}, nil
}

// WriteMatrix writes the matrix into dir (created if needed) as matrix.html and matrix.md, and
// returns their paths.
func WriteMatrix(dir string, m Matrix) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write matrix: %w", err)
	}
	files := []string{filepath.Join(dir, MatrixHTMLFile), filepath.Join(dir, MatrixMarkdownFile)}
	if err := writeFile(files[0], m.WriteHTML); err != nil {
		return nil, err
	}
	if err := writeFile(files[1], m.WriteMarkdown); err != nil {
		return nil, err
	}
	return files, nil
}

// slim drops what a reader of the JSON report never needs from specs that did not fail: the
// timeline of node entries and exits and the captured output (about nine tenths of Ginkgo's
// report). Failed specs keep everything.
func slim(g types.Report) types.Report {
	g.SpecReports = append(types.SpecReports(nil), g.SpecReports...)
	for i := range g.SpecReports {
		s := &g.SpecReports[i]
		if s.State.Is(types.SpecStateFailureStates) {
			continue
		}
		s.SpecEvents, s.CapturedGinkgoWriterOutput, s.CapturedStdOutErr, s.ProgressReports = nil, "", "", nil
	}
	return g
}

// writeFile writes what write produces to path, whole or not at all.
func writeFile(path string, write func(io.Writer) error) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write reports: %w", err)
	}
	return nil
}
