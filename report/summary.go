package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// WriteSummary writes the summary a run ends with on the terminal: the target, every failure
// as its sentence with file:line and the first line of its message, the skipped specs grouped
// by reason, where the reports are (dir, when not empty: the folder WriteRun wrote), and the
// closing line "N passed, N failed, N skipped".
func (r Run) WriteSummary(w io.Writer, dir string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\nrcinvite conformance: %s, %s\n", r.Target.Describe(), r.Start.Format(dateFormat))
	if failures := r.Failures(); len(failures) > 0 {
		fmt.Fprintf(&b, "\nFailed (%d):\n", len(failures))
		for _, f := range failures {
			fmt.Fprintf(&b, "  %s\n    %s\n", f.Sentence(), firstNonEmpty(f.FailedAt, f.Location))
			for _, line := range summaryLines(f.Reason) {
				fmt.Fprintf(&b, "    %s\n", line)
			}
		}
	}
	if reasons := r.SkipReasons(); len(reasons) > 0 {
		fmt.Fprintf(&b, "\nSkipped (%d), by reason:\n", r.Counts().Skipped)
		for _, s := range reasons {
			fmt.Fprintf(&b, "  %4d  %s\n", s.Specs, firstLine(s.Reason))
		}
	}
	if r.Unselected > 0 {
		fmt.Fprintf(&b, "\n%s not selected by the focus or label filter (not counted below).\n", specCount(r.Unselected))
	}
	if dir != "" {
		fmt.Fprintf(&b, "\nReports: %s (and %s, %s, %s there)\n", filepath.Join(dir, HTMLFile), MarkdownFile, JUnitFile, JSONFile)
	}
	fmt.Fprintf(&b, "\n%s\n", r.Counts())
	_, err := io.WriteString(w, b.String())
	return err
}

// summaryLines is the start of a failure message for the terminal: its first lines (enough
// for the expectation and the exchange a matcher shows), each cut to a terminal's width or two.
func summaryLines(message string) []string {
	const most, width = 6, 240
	lines := strings.Split(strings.TrimSpace(message), "\n")
	if len(lines) > most {
		lines = append(lines[:most:most], fmt.Sprintf("… (%d more lines in the reports)", len(lines)-most))
	}
	for i, l := range lines {
		l = strings.TrimRight(l, " \t")
		if r := []rune(l); len(r) > width {
			l = string(r[:width]) + "…"
		}
		lines[i] = l
	}
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	return lines
}

// dateFormat is how reports show a run's date (always UTC).
const dateFormat = "2006-01-02 15:04:05 UTC"

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(line)
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// WriteSummary writes the matrix in a few lines for the terminal: each run with its counts,
// then every spec whose behaviour changes between versions and every failure, with each run's
// outcome, and the closing line "N specs in N runs: N change between versions, N failed".
func (m Matrix) WriteSummary(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "rcinvite conformance matrix, %d runs:\n", len(m.Runs))
	width := 0
	for _, r := range m.Runs {
		width = max(width, len(r.Label()))
	}
	for _, r := range m.Runs {
		fmt.Fprintf(&b, "  %-*s  %s  (%s)\n", width, r.Label(), r.Counts(), r.Target.Describe())
	}
	section := func(title string, rows []Row) {
		fmt.Fprintf(&b, "\n%s (%d):\n", title, len(rows))
		for _, row := range rows {
			fmt.Fprintf(&b, "  %s › %s\n", row.Group, row.Sentence)
			for i, c := range row.Cells {
				fmt.Fprintf(&b, "    %-*s  %s\n", width, m.Runs[i].Label(), cellWords(c))
			}
		}
	}
	changes, failed := m.VersionChanges(), m.FailedRows()
	section("Behaviour that changes between versions", changes)
	section("Failures", failed)
	fmt.Fprintf(&b, "\n%d specs in %d runs: %d change between versions, %d failed, %d differ between targets of the same version\n",
		len(m.Rows), len(m.Runs), len(changes), len(failed), len(m.TargetDifferences()))
	_, err := io.WriteString(w, b.String())
	return err
}

// cellWords is a matrix cell for the terminal: "passed; expects: …", "skipped: reason".
func cellWords(c Cell) string {
	if c.Absent {
		return "not in this run"
	}
	s := string(c.State)
	if n := note(c.Reason, c.Expects); n != "" {
		s += "; " + n
	}
	return s
}

// specCount is "1 spec" or "N specs".
func specCount(n int) string {
	if n == 1 {
		return "1 spec"
	}
	return fmt.Sprintf("%d specs", n)
}
