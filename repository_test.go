package rcinvite_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v4"
)

// tracked lists the files git tracks, or skips where this is no git checkout.
func tracked(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("git", "ls-files").Output()
	if err != nil {
		t.Skipf("needs a git checkout to list the repository's files: %v", err)
	}
	return strings.Fields(string(out))
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var variable = regexp.MustCompile(`\b(?:RCINVITE|RCMOCK)_[A-Z][A-Z_]*[A-Z]\b`)

// TestEveryVariableIsInTheReadmeTable: every RCINVITE_* and RCMOCK_* name in the code, the
// Makefile, the workflows and .ci/run has a row in the README's "Environment variables", and
// every row names one that exists.
func TestEveryVariableIsInTheReadmeTable(t *testing.T) {
	used := map[string][]string{}
	for _, f := range tracked(t) {
		if strings.HasSuffix(f, ".go") || f == "Makefile" || f == ".ci/run" || strings.HasPrefix(f, ".github/") {
			for _, v := range variable.FindAllString(read(t, f), -1) {
				used[v] = append(used[v], f)
			}
		}
	}
	table := section(t, readme(t), "## Environment variables")
	documented := map[string]bool{}
	for _, line := range strings.Split(table, "\n") {
		if cells := strings.Split(line, "|"); len(cells) > 2 {
			for _, v := range variable.FindAllString(cells[1], -1) {
				documented[v] = true
			}
		}
	}
	for v, files := range used {
		if !documented[v] {
			t.Errorf("%s (read in %s) has no row in the README's environment variables", v, strings.Join(slices.Compact(files), ", "))
		}
	}
	for v := range documented {
		if used[v] == nil {
			t.Errorf("the README documents %s, which nothing reads", v)
		}
	}
}

// TestNoTextPointsOutsideTheRepository: no tracked file cites a document that is not in the
// repository (the team's reference and its section numbers, machine paths). Rocket.Chat's own
// files, cited by their path in its repository, are public and fine.
func TestNoTextPointsOutsideTheRepository(t *testing.T) {
	outside := regexp.MustCompile(strings.Join([]string{
		`rocketchat-8\.4-` + `semantics`,  // the team's reference
		"\u00a7[0-9]",                     // its section numbers
		`/work/` + `(?:shared|main|wt)\b`, // where it and the checkouts live
		`\bshared/[A-Z-]+\.md\b`,
	}, "|"))
	for _, f := range tracked(t) {
		if strings.HasPrefix(f, "mockserver/internal/loadbench/testdata/") {
			continue
		}
		text := read(t, f)
		for i, line := range strings.Split(text, "\n") {
			if m := outside.FindString(line); m != "" {
				t.Errorf("%s:%d points outside the repository (%q): cite a file in the repository or Rocket.Chat's source instead", f, i+1, m)
			}
		}
	}
}

// makeTargets reads the Makefile's .PHONY targets and the targets that have a rule.
func makeTargets(t *testing.T) (phony []string, rules map[string]bool) {
	t.Helper()
	mk := read(t, "Makefile")
	rules = map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^([a-z][a-z-]*):`).FindAllStringSubmatch(mk, -1) {
		rules[m[1]] = true
	}
	m := regexp.MustCompile(`(?m)^\.PHONY:(.*)$`).FindStringSubmatch(mk)
	if m == nil {
		t.Fatal("the Makefile has no .PHONY line")
	}
	return strings.Fields(m[1]), rules
}

// TestEveryMakeTargetIsRealAndListed: each .PHONY target has a rule with a recipe (make unit
// and make conformance-container were listed with none), and the README's table of make
// targets lists exactly these.
func TestEveryMakeTargetIsRealAndListed(t *testing.T) {
	phony, rules := makeTargets(t)
	for _, target := range phony {
		if !rules[target] {
			t.Errorf(".PHONY lists %s, which has no rule", target)
		}
	}
	mk := read(t, "Makefile")
	for _, target := range phony {
		recipe := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(target) + `:[^\n]*\n\t`)
		if !recipe.MatchString(mk) {
			t.Errorf("make %s has no recipe (its rule is not followed by a command)", target)
		}
	}
	var listed []string
	for _, m := range regexp.MustCompile("(?m)^\\| `make ([a-z-]+)`").FindAllStringSubmatch(readme(t), -1) {
		listed = append(listed, m[1])
	}
	slices.Sort(phony)
	slices.Sort(listed)
	if !slices.Equal(phony, listed) {
		t.Errorf("the README's make table lists %v, the Makefile has %v", listed, phony)
	}
}

// TestMakeConformanceHonoursItsVariables: make conformance TARGET=container IMAGE=x ran the
// default image (the suite reads RCINVITE_IMAGE, which IMAGE did not set).
func TestMakeConformanceHonoursItsVariables(t *testing.T) {
	out, err := exec.Command("make", "-n", "conformance", "TARGET=container", "IMAGE=example/rcmock:x", "EMULATE=8.3.0", "REPORTS=reports/x", "CONFORMANCE_TIMEOUT=7m").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n conformance: %v\n%s", err, out)
	}
	abs, err := filepath.Abs("reports/x")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"RCINVITE_TARGET=container", "RCINVITE_IMAGE=example/rcmock:x", "RCINVITE_EMULATE=8.3.0", "RCINVITE_REPORT_DIR=" + abs, "-timeout 7m"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("make conformance does not pass %s:\n%s", want, out)
		}
	}
}

// TestWorkflowJobsOutliveTheirTestTimeouts: a job killed by timeout-minutes shows no Go report
// (the 30-minute job ran a 30-minute go test), so every job that runs make targets with go
// test timeouts has a timeout-minutes longer than those timeouts together.
func TestWorkflowJobsOutliveTheirTestTimeouts(t *testing.T) {
	mk := read(t, "Makefile")
	defaults := map[string]time.Duration{}
	for _, name := range []string{"TEST_TIMEOUT", "CONFORMANCE_TIMEOUT"} {
		m := regexp.MustCompile(`(?m)^` + name + `\s*\?=\s*(\S+)`).FindStringSubmatch(mk)
		if m == nil {
			t.Fatalf("the Makefile does not set %s", name)
		}
		d, err := time.ParseDuration(m[1])
		if err != nil {
			t.Fatal(err)
		}
		defaults[name] = d
	}
	// How many go test runs with each timeout a make target makes.
	uses := func(target string) map[string]int {
		rule := regexp.MustCompile(`(?ms)^` + regexp.QuoteMeta(target) + `:.*?\n(\t.*?)(?:\n\n|\z)`).FindStringSubmatch(mk)
		n := map[string]int{}
		if rule != nil {
			for name := range defaults {
				n[name] = strings.Count(rule[1], "-timeout $("+name+")")
			}
		}
		return n
	}
	workflows, err := filepath.Glob(".github/workflows/*.yml")
	if err != nil || len(workflows) == 0 {
		t.Fatalf("no workflows: %v", err)
	}
	makeCall := regexp.MustCompile(`\bmake ([a-z-]+)([^\n&|;]*)`)
	for _, wf := range workflows {
		var doc struct {
			Jobs map[string]struct {
				TimeoutMinutes int `yaml:"timeout-minutes"`
				Steps          []struct {
					Run string `yaml:"run"`
				} `yaml:"steps"`
			} `yaml:"jobs"`
		}
		if err := yaml.Unmarshal([]byte(read(t, wf)), &doc); err != nil {
			t.Fatalf("%s: %v", wf, err)
		}
		for name, job := range doc.Jobs {
			var total time.Duration
			for _, step := range job.Steps {
				for _, call := range makeCall.FindAllStringSubmatch(step.Run, -1) {
					for v, n := range uses(call[1]) {
						d := defaults[v]
						if m := regexp.MustCompile(v + `=(\S+)`).FindStringSubmatch(call[2]); m != nil {
							if d, err = time.ParseDuration(m[1]); err != nil {
								t.Fatalf("%s job %s: %v", wf, name, err)
							}
						}
						total += time.Duration(n) * d
					}
				}
			}
			if total == 0 {
				continue
			}
			if limit := time.Duration(job.TimeoutMinutes) * time.Minute; job.TimeoutMinutes == 0 || limit <= total {
				t.Errorf("%s job %s: timeout-minutes %d, its go test timeouts come to %s: the job must outlive them", wf, name, job.TimeoutMinutes, total)
			}
		}
	}
}

// TestGoModNamesTheToolchain: without a toolchain line, setup-go picks the oldest go1.26.
func TestGoModNamesTheToolchain(t *testing.T) {
	m := regexp.MustCompile(`(?m)^toolchain go(1\.26\.(\d+))$`).FindStringSubmatch(read(t, "go.mod"))
	if m == nil {
		t.Fatal("go.mod names no go1.26 toolchain")
	}
	if patch, _ := strconv.Atoi(m[2]); patch < 8 {
		t.Errorf("go.mod's toolchain go%s is older than the go1.26.8 the project is tested with", m[1])
	}
}
