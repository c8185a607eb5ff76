package explain

import (
	"strings"
	"testing"
	"time"
)

var chkDemo = &Check{Name: "demo", S: [4]string{"who"}, N: [4]string{"count", "at"}, Times: 1 << 1,
	Text: func(s *Step) string { return s.S[0] + " did it" }}

func TestNilTraceRecordsNothing(t *testing.T) {
	var tr *Trace
	tr.Record(&Step{Check: chkDemo})
	tr.SetUser("bob")
	if err := tr.Refuse(&Step{Check: chkDemo}, errDemo); err != errDemo {
		t.Errorf("Refuse on a nil trace = %v, want the error it was given", err)
	}
	if tr.Len() != 0 || tr.Explain() != nil || tr.Caller() != "" || tr.Size() != 0 {
		t.Errorf("a nil trace holds something: %d steps", tr.Len())
	}
}

type demoError struct{}

func (demoError) Error() string { return "demo" }

var errDemo = demoError{}

func TestExplainWordsStepsInOrder(t *testing.T) {
	tr := New()
	tr.Record(&Step{Check: chkDemo, S: [4]string{"alice"}, N: [4]int64{3, time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC).UnixMilli()}})
	_ = tr.Refuse(&Step{Check: chkDemo, Verdict: Pass, S: [4]string{"bob"}}, errDemo)
	tr.Operation, tr.User, tr.Status, tr.Answer = "demoOp", "bob", 400, "error-demo"
	e := tr.Explain()
	if e.Operation != "demoOp" || e.User != "bob" || e.Outcome != "400 error-demo" {
		t.Errorf("explanation header %+v", e)
	}
	if len(e.Steps) != 2 || e.Steps[0].Verdict != "pass" || e.Steps[1].Verdict != "fail" {
		t.Fatalf("steps %+v: want pass then fail (Refuse marks its step failed)", e.Steps)
	}
	if got, want := e.Summary, "alice did it → bob did it → 400 error-demo"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if f := e.Steps[0].Facts; f["who"] != "alice" || f["count"] != int64(3) || f["at"] != "2026-12-08T10:00:00Z" {
		t.Errorf("facts %v", f)
	}
	if f := e.Steps[1].Facts; f["at"] != nil {
		t.Errorf("a zero time slot is %v, want null", f["at"])
	}
}

func TestTraceGrowsPastItsInlineBytes(t *testing.T) {
	tr := New()
	small := tr.Size()
	long := strings.Repeat("é", 100)
	for i := range 20 {
		tr.Record(&Step{Check: chkDemo, Verdict: Note, S: [4]string{long, "", "x"}, N: [4]int64{int64(i), -1 << 40, 0, 1}})
	}
	steps := tr.Steps()
	if len(steps) != 20 || tr.Size() <= small {
		t.Fatalf("20 steps: len %d, size %d (was %d)", len(steps), tr.Size(), small)
	}
	for i, s := range steps {
		want := Step{Check: chkDemo, Verdict: Note, S: [4]string{long, "", "x"}, N: [4]int64{int64(i), -1 << 40, 0, 1}}
		if s != want {
			t.Fatalf("step %d decodes as %+v, want %+v", i, s, want)
		}
	}
}

func TestOutcome(t *testing.T) {
	for _, c := range []struct {
		status int
		answer string
		want   string
	}{{0, "", "no answer"}, {200, "", "200 success"}, {404, "", "404"}, {400, "Not allowed", "400 Not allowed"}} {
		tr := &Trace{Status: c.status, Answer: c.answer}
		if got := tr.Outcome(); got != c.want {
			t.Errorf("Outcome(%d, %q) = %q, want %q", c.status, c.answer, got, c.want)
		}
	}
}

func TestWordsForTime(t *testing.T) {
	day := 24 * time.Hour
	for _, c := range []struct {
		d    time.Duration
		want string
	}{{6*day + 23*time.Hour + 59*time.Minute, "6 d 23 h"}, {5 * day, "5 d"}, {5*day + 3*time.Minute, "5 d"},
		{90 * time.Minute, "1 h 30 min"}, {61 * time.Second, "1 min 1 s"}, {250 * time.Millisecond, "250 ms"}} {
		if got := Span(c.d); got != c.want {
			t.Errorf("Span(%s) = %q, want %q", c.d, got, c.want)
		}
	}
	if got := Until(0, int64(25*time.Hour/time.Millisecond)); got != "in 1 d 1 h" {
		t.Errorf("Until ahead = %q", got)
	}
	if got := Until(int64(2*time.Hour/time.Millisecond), 0); got != "2 h ago" {
		t.Errorf("Until past = %q", got)
	}
	if Until(5, 5) != "now" || Time(0) != "never" {
		t.Errorf("Until(5,5) = %q, Time(0) = %q", Until(5, 5), Time(0))
	}
	at := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	if got := Time(at.UnixMilli()); got != "2026-12-08T10:00Z" {
		t.Errorf("Time on the minute = %q", got)
	}
	if got := Time(at.Add(1500 * time.Millisecond).UnixMilli()); !strings.HasSuffix(got, ":01.500Z") {
		t.Errorf("Time with milliseconds = %q", got)
	}
	if Flag(true) != 1 || Flag(false) != 0 {
		t.Error("Flag")
	}
}

// TestACopiedTraceKeepsItsSteps: the journal may keep a copy of a trace, inline or grown.
func TestACopiedTraceKeepsItsSteps(t *testing.T) {
	var tr Trace
	tr.Record(&Step{Check: chkDemo, S: [4]string{"alice"}})
	small := tr
	tr.Record(&Step{Check: chkDemo, S: [4]string{"bob"}})
	if got := small.Steps(); len(got) != 1 || got[0].S[0] != "alice" {
		t.Errorf("a copy taken after one step holds %+v", got)
	}
	for range 10 {
		tr.Record(&Step{Check: chkDemo, S: [4]string{strings.Repeat("x", 40)}})
	}
	grown := tr
	if len(grown.Steps()) != 12 || grown.Steps()[1].S[0] != "bob" {
		t.Errorf("a copy of a grown trace holds %d steps", len(grown.Steps()))
	}
}

// BenchmarkRecord prices one step of invite.valid's shape (two ids, four numbers).
func BenchmarkRecord(b *testing.B) {
	var tr Trace
	st := Step{Check: chkDemo, S: [4]string{"PrjXok", "ProjectX"}, N: [4]int64{3, 10, 1796724000000, 1796119200000}}
	b.ReportAllocs()
	for b.Loop() {
		tr.n = 0
		tr.Record(&st)
	}
}
