package main

import (
	"strings"
	"testing"
	"time"

	"github.com/rcinvite/rcinvite/mockserver"
	"github.com/rcinvite/rcinvite/mockserver/internal/loadbench"
)

func TestParseWireMockConfigs(t *testing.T) {
	got, err := parseWireMockConfigs("10/2, 64/1")
	if err != nil || len(got) != 2 || got[0] != (wireMockConfig{10, 2}) || got[1] != (wireMockConfig{64, 1}) {
		t.Fatalf("parseWireMockConfigs = %v, %v", got, err)
	}
	for _, bad := range []string{"", "10", "10/x", "0/2", "10/2,"} {
		if _, err := parseWireMockConfigs(bad); err == nil {
			t.Errorf("parseWireMockConfigs(%q) accepted", bad)
		}
	}
}

func TestMockoonVersionOf(t *testing.T) {
	if got := mockoonVersionOf("@mockoon/cli/9.9.0 linux-x64 node-v20.20.2\n"); got != "9.9.0 (node-v20.20.2)" {
		t.Errorf("mockoonVersionOf = %q", got)
	}
}

// TestFastestPeerIsTheFastestMeasured: the ratio is against the peer with the most req/s.
func TestFastestPeerIsTheFastestMeasured(t *testing.T) {
	run := func(rps int64) loadbench.Result { return loadbench.Result{Requests: rps, Elapsed: time.Second} }
	b := &bench{loads: map[string]map[string]loadbench.Result{"validateInviteToken": {
		serverRcmock: run(60000), serverPrism: run(2000), serverWireMock: run(15000), serverMockoon: run(1000)}}}
	v, peer, ok := b.fastestPeerRatio("validateInviteToken")
	if !ok || peer != serverWireMock || v != 4 {
		t.Errorf("fastestPeerRatio = %v, %s, %v; want 4, WireMock", v, peer, ok)
	}
	if _, _, ok := b.fastestPeerRatio("useInviteToken"); ok {
		t.Error("fastestPeerRatio of an endpoint without runs is known")
	}
}

// TestScaleRowsFollowTheInputs: requests/s from CPU per request, sandboxes from memory, capped
// by --max-sandboxes, processes bound by both.
func TestScaleRowsFollowTheInputs(t *testing.T) {
	in := scaleInputs{cpuPerRequest: 70 * time.Microsecond, used: 20 << 10, journal: 400 << 10, freshRSS: 24 << 20}
	r := in.row(3, 200)
	if want := 3 * 0.7 / 70e-6; r.rps < want*0.999 || r.rps > want*1.001 {
		t.Errorf("rps = %.0f, want %.0f", r.rps, want)
	}
	if r.typicalSandboxes != 3*mockserver.DefaultMaxSandboxes {
		t.Errorf("typical sandboxes = %d, want the cap %d × 3", r.typicalSandboxes, mockserver.DefaultMaxSandboxes)
	}
	if want := 3 * int(float64(replicaMemory-in.freshRSS)/(gcFactor*in.journal)); r.fullJournalSandboxes != want {
		t.Errorf("full-journal sandboxes = %d, want %d", r.fullJournalSandboxes, want)
	}
	if want := int(r.rps / 200); r.processes != want {
		t.Errorf("processes = %d, want %d (CPU-bound)", r.processes, want)
	}
}

func TestScaleSectionSaysWhenItCannotBeComputed(t *testing.T) {
	b := &bench{serverCPU: map[string]map[string]time.Duration{}}
	var w strings.Builder
	b.writeScale(&w)
	if !strings.Contains(w.String(), "Not computed") {
		t.Errorf("writeScale without inputs:\n%s", w.String())
	}
}

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
