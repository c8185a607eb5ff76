package rcinvite_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// readme is README.md, read once per test.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// section is the text of the README section with this heading, up to the next heading of the
// same or a higher level.
func section(t *testing.T, doc, heading string) string {
	t.Helper()
	i := strings.Index(doc, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README has no section %q", heading)
	}
	level := strings.Index(heading, " ")
	rest := doc[i+len(heading)+2:]
	next := regexp.MustCompile(fmt.Sprintf(`(?m)^#{1,%d} `, level)).FindStringIndex(rest)
	if next != nil {
		rest = rest[:next[0]]
	}
	return rest
}

var fenced = regexp.MustCompile("(?ms)^```(\\w+)\n(.*?)^```\n")

// blocks are the fenced code blocks of text in the given language, in order.
func blocks(text, lang string) []string {
	var out []string
	for _, m := range fenced.FindAllStringSubmatch(text, -1) {
		if m[1] == lang {
			out = append(out, m[2])
		}
	}
	return out
}

// TestReadmeModuleSnippetWorksInAnEmptyModule runs the README's "Use the mock from your own
// Go module" as written: its shell lines in an empty folder (with HOME arranged so that
// $HOME/src/rcinvite is this checkout), its test saved as myclient/invite_test.go.
func TestReadmeModuleSnippetWorksInAnEmptyModule(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds a module of its own")
	}
	text := section(t, readme(t), "### Use the mock from your own Go module")
	sh, code := blocks(text, "sh"), blocks(text, "go")
	if len(sh) != 2 || len(code) != 1 {
		t.Fatalf("the section has %d sh and %d go blocks, want 2 and 1", len(sh), len(code))
	}
	checkout, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(checkout, filepath.Join(home, "src", "rcinvite")); err != nil {
		t.Fatal(err)
	}
	env := goEnv(t, home)
	work := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	run := func(dir, script string) {
		t.Helper()
		cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s\nin %s: %v\n%s", script, dir, err, out)
		}
	}
	run(work, sh[0])
	if err := os.WriteFile(filepath.Join(work, "myclient", "invite_test.go"), []byte(code[0]), 0o644); err != nil {
		t.Fatal(err)
	}
	run(filepath.Join(work, "myclient"), sh[1])
}

// goEnv is this process's environment with HOME moved, and Go's caches and toolchain pinned
// where they are, so that the snippet's go commands use what this machine already has.
func goEnv(t *testing.T, home string) []string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOPATH", "GOMODCACHE", "GOCACHE", "GOPROXY", "GOSUMDB").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	vals := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(vals) != 5 {
		t.Fatalf("go env printed %q", out)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "GOFLAGS=") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+home, "GOPATH="+vals[0], "GOMODCACHE="+vals[1], "GOCACHE="+vals[2],
		"GOPROXY="+vals[3], "GOSUMDB="+vals[4], "GOTOOLCHAIN=local", "GOFLAGS=-buildvcs=false")
}

// TestReadmeModuleSnippetIsMocktestsDocumentedTest: mocktest's package doc shows the same test,
// so that go doc and the README cannot drift apart.
func TestReadmeModuleSnippetIsMocktestsDocumentedTest(t *testing.T) {
	code := blocks(section(t, readme(t), "### Use the mock from your own Go module"), "go")
	if len(code) != 1 {
		t.Fatalf("%d go blocks", len(code))
	}
	fn := code[0][strings.Index(code[0], "func TestInviteLinks"):]
	src, err := os.ReadFile("mockserver/mocktest/mocktest.go")
	if err != nil {
		t.Fatal(err)
	}
	var doc strings.Builder
	for _, line := range strings.Split(string(src), "\n") {
		if line == "package mocktest" {
			break
		}
		line = strings.TrimPrefix(strings.TrimPrefix(line, "//"), "\t")
		doc.WriteString(line + "\n")
	}
	if !strings.Contains(doc.String(), fn) {
		t.Errorf("mocktest's package doc does not show the README's test:\n%s", fn)
	}
}
