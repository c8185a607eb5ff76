package report

import (
	"slices"
	"strings"
)

// Matrix is specs × runs: one row per spec sentence found in any run, one cell per run.
type Matrix struct {
	Runs []Run // the columns, in the order given
	Rows []Row // the specs, grouped by behaviour
}

// Row is one spec across the runs of a matrix.
type Row struct {
	Group    string // the behaviour ("useInviteToken")
	Sentence string // the sentence without the group ("bans › a banned user cannot use a valid invite")
	Location string // where the spec is written, in the first run that has it
	Cells    []Cell // one per run, in the order of Matrix.Runs
	// VersionChange: the spec expects something else, or ends otherwise on the same kind of
	// target, on two runs with different server versions — behaviour that changed between
	// versions (the 8.4.0 ban check).
	VersionChange bool
	// AnswerChange: the part of VersionChange where the spec itself expects another answer on
	// another version (it records what it expects): a behaviour the server changed, such as
	// the 8.4.0 ban check, rather than a spec that runs on some versions only.
	AnswerChange bool
	// TargetDifference: the spec ends otherwise on two runs of the same server version (the mock
	// and a real server disagree, or a target lacks a capability).
	TargetDifference bool
	// Failed: the spec failed in at least one run.
	Failed bool
}

// Cell is a spec's outcome in one run; Absent when the run does not have the spec.
type Cell struct {
	Absent  bool   // the run has no spec of this sentence
	State   State  // its outcome in the run
	Reason  string // skip reason or failure message
	Expects string // what the spec expected of that run's server version
}

// Differs reports whether the row is worth a reader's eye: a version change, a difference
// between targets, or a failure.
func (r Row) Differs() bool { return r.VersionChange || r.TargetDifference || r.Failed }

// NewMatrix lines up the specs of runs by sentence: rows grouped by behaviour in the order
// the groups and specs first appear.
func NewMatrix(runs []Run) Matrix {
	m := Matrix{Runs: runs}
	at := map[string]int{}
	var groups []string
	for ri, r := range runs {
		for _, s := range r.Specs {
			i, ok := at[s.key()]
			if !ok {
				i = len(m.Rows)
				at[s.key()] = i
				m.Rows = append(m.Rows, Row{Group: s.Group, Sentence: strings.TrimPrefix(s.Sentence(), s.Group+" › "), Location: s.Location, Cells: absentCells(len(runs))})
				if !slices.Contains(groups, s.Group) {
					groups = append(groups, s.Group)
				}
			}
			m.Rows[i].Cells[ri] = Cell{State: s.State, Reason: s.Reason, Expects: s.Expects}
		}
	}
	slices.SortStableFunc(m.Rows, func(a, b Row) int {
		return slices.Index(groups, a.Group) - slices.Index(groups, b.Group)
	})
	for i := range m.Rows {
		m.Rows[i].judge(runs)
	}
	return m
}

func absentCells(n int) []Cell {
	cells := make([]Cell, n)
	for i := range cells {
		cells[i].Absent = true
	}
	return cells
}

// judge sets the row's flags by comparing every pair of runs that both have the spec.
func (r *Row) judge(runs []Run) {
	for i, a := range r.Cells {
		if a.Absent {
			continue
		}
		r.Failed = r.Failed || a.State == Failed
		for j := i + 1; j < len(r.Cells); j++ {
			b := r.Cells[j]
			if b.Absent {
				continue
			}
			vi, vj := runs[i].Target.Version, runs[j].Target.Version
			sameKind := runs[i].Target.Kind == runs[j].Target.Kind
			switch {
			case vi == "" || vj == "":
			case vi != vj && expectsDiffer(a, b):
				r.VersionChange, r.AnswerChange = true, true
			case vi != vj && sameKind && a.State != b.State:
				r.VersionChange = true
			case vi == vj && a.State != b.State:
				r.TargetDifference = true
			}
		}
	}
}

// expectsDiffer reports whether two cells recorded different expectations (a cell that recorded
// none, because it was skipped or is not version-aware, differs from nothing).
func expectsDiffer(a, b Cell) bool {
	return a.Expects != "" && b.Expects != "" && a.Expects != b.Expects
}

// Groups are the matrix's rows by behaviour.
func (m Matrix) Groups() []MatrixGroup {
	var out []MatrixGroup
	for _, row := range m.Rows {
		if n := len(out); n == 0 || out[n-1].Name != row.Group {
			out = append(out, MatrixGroup{Name: row.Group})
		}
		out[len(out)-1].Rows = append(out[len(out)-1].Rows, row)
	}
	return out
}

// MatrixGroup is a behaviour and its rows.
type MatrixGroup struct {
	Name string // the behaviour
	Rows []Row  // its specs
}

// VersionChanges are the rows whose behaviour changes between versions: those whose expected
// answer changes first, then those that run on some versions only.
func (m Matrix) VersionChanges() []Row {
	rows := m.filter(func(r Row) bool { return r.VersionChange })
	slices.SortStableFunc(rows, func(a, b Row) int {
		switch {
		case a.AnswerChange == b.AnswerChange:
			return 0
		case a.AnswerChange:
			return -1
		}
		return 1
	})
	return rows
}

// TargetDifferences are the rows that end otherwise on targets of the same version.
func (m Matrix) TargetDifferences() []Row {
	return m.filter(func(r Row) bool { return r.TargetDifference })
}

// FailedRows are the rows that failed in at least one run.
func (m Matrix) FailedRows() []Row { return m.filter(func(r Row) bool { return r.Failed }) }

func (m Matrix) filter(keep func(Row) bool) []Row {
	var out []Row
	for _, r := range m.Rows {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}
