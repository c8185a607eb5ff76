package main

import (
	"strings"
	"testing"
)

func TestExplanationsSideBySide(t *testing.T) {
	b := &bench{goBench: "BenchmarkExplanations/validateInviteToken-2 \t 50000\t 20000 ns/op\t 4.0 %overhead\t 3.0 %overhead-mean\t 10400 explained-ns/op\t 10000 unexplained-ns/op\n" +
		"BenchmarkExplanations/validateInviteToken-2 \t 50000\t 20000 ns/op\t 2.0 %overhead\t 1.0 %overhead-mean\t 10200 explained-ns/op\t 10000 unexplained-ns/op\n" +
		"BenchmarkExplanations/validateInviteToken-2 \t 50000\t 20000 ns/op\t 9.0 %overhead\t 8.0 %overhead-mean\t 10900 explained-ns/op\t 10000 unexplained-ns/op\n"}
	var w strings.Builder
	b.writeExplanations(&w)
	out := w.String()
	for _, want := range []string{"## Explanations: with and without", "| validateInviteToken | 10400 ns | 96154 | 10000 ns | 100000 | +4.0% (+2.0% … +9.0%, 3 runs) | +3.0% |"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "useInviteToken") {
		t.Errorf("a call that was not measured is reported:\n%s", out)
	}
	if c, ok := b.explainCost("validateInviteToken"); !ok || c.overhead > maxExplainCost || c.runs != 3 {
		t.Errorf("explainCost = %+v, %v", c, ok)
	}
	var none strings.Builder
	(&bench{}).writeExplanations(&none)
	if none.Len() != 0 {
		t.Errorf("without the benchmark the section is written: %s", none.String())
	}
}
