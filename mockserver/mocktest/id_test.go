package mocktest

import (
	"regexp"
	"strings"
	"testing"
)

// sandboxIDForm is NewSandboxID of spec/mock-control.yaml.
var sandboxIDForm = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func TestSandboxIDForAnyTestName(t *testing.T) {
	for _, name := range []string{
		"TestJoin",
		"TestJoin/a banned user cannot join/#01",
		"TestCafé/ünïcode",
		"/leading slash",
		"",
		strings.Repeat("TestVeryLong", 20),
	} {
		a, b := sandboxIDFor(name), sandboxIDFor(name)
		if !sandboxIDForm.MatchString(a) {
			t.Errorf("sandboxIDFor(%q) = %q, off the id form", name, a)
		}
		if a == b {
			t.Errorf("sandboxIDFor(%q) gave %q twice", name, a)
		}
	}
	if got := sandboxIDFor("TestJoin/a b"); !strings.HasPrefix(got, "TestJoin-a-b-") {
		t.Errorf("sandboxIDFor keeps the name readable: %q", got)
	}
}
