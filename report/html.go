package report

import (
	_ "embed"
	"html/template"
	"io"
	"strings"
	"time"
)

//go:embed pages.html
var pagesHTML string

var pages = template.Must(template.New("pages").Funcs(template.FuncMap{
	"join":      strings.Join,
	"firstLine": firstLine,
	"date":      func(t time.Time) string { return t.Format(dateFormat) },
	"rowClass":  rowClass,
	"section":   func(runs []Run, rows []Row, showGroup bool) rowSection { return rowSection{runs, rows, showGroup} },
}).Parse(pagesHTML))

// rowSection is one table of a matrix page: the runs (columns) and some of the rows.
type rowSection struct {
	Runs      []Run
	Rows      []Row
	ShowGroup bool // rows from several behaviours: each names its own
}

// rowClass is a matrix row's CSS classes: what makes it stand out, and whether it differs at all.
func rowClass(r Row) string {
	var c []string
	if r.AnswerChange {
		c = append(c, "answer-change")
	}
	if r.VersionChange {
		c = append(c, "version-change")
	}
	if r.TargetDifference {
		c = append(c, "target-difference")
	}
	if r.Differs() {
		c = append(c, "differs")
	} else {
		c = append(c, "same")
	}
	return strings.Join(c, " ")
}

// WriteHTML writes the run as one self-contained page (index.html): target, version, date,
// counts, failures with the request and the answer, skip reasons, and every spec by behaviour.
func (r Run) WriteHTML(w io.Writer) error {
	return pages.ExecuteTemplate(w, "run", struct {
		Run      Run
		Counts   Counts
		Date     string
		Duration time.Duration
	}{r, r.Counts(), r.Start.Format(dateFormat), r.End.Sub(r.Start).Round(100 * time.Millisecond)})
}

// WriteHTML writes the matrix as one self-contained page (matrix.html): the runs, the specs
// whose behaviour changes between versions first, failures, differences between targets, and
// every spec with a filter for those that differ.
func (m Matrix) WriteHTML(w io.Writer) error {
	return pages.ExecuteTemplate(w, "matrix", struct {
		Matrix            Matrix
		VersionChanges    []Row
		Failed            []Row
		TargetDifferences []Row
	}{m, m.VersionChanges(), m.FailedRows(), m.TargetDifferences()})
}
