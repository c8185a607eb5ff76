package conformance_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcinvite/rcinvite/mockserver"
	"github.com/rcinvite/rcinvite/report"
)

// What a QA engineer sees of a whole run: the suite runs again in a child process (this test
// binary, with a focus) against targets that are missing or wrong on purpose.
var _ = Describe("a run of the suite", Label(selfCheck), func() {
	It("fails with one clear line when the target it was asked for cannot run", func(ctx SpecContext) {
		out, err := runSuite(ctx, []string{"RCINVITE_TARGET=container", "RCINVITE_IMAGE=rcinvite/absent:never"}, "the server's version is readable without logging in")

		Expect(exitCode(err)).To(Equal(1), "the run must fail:\n%s", out)
		Expect(out).To(MatchRegexp(`(?m)^\s*\[FAILED\] target container cannot run here: (image rcinvite/absent:never is not present locally \(targets never pull\): build it with make image IMAGE=rcinvite/absent:never|no (usable )?Docker engine[^\n]*start one[^\n]*) \(or set RCINVITE_ALLOW_UNAVAILABLE=true to skip every spec instead\)$`))
		Expect(closingLine(out)).To(MatchRegexp(`^0 passed, 1 failed, \d+ skipped$`))
	}, SpecTimeout(3*time.Minute))

	It("skips every spec with the reason when RCINVITE_ALLOW_UNAVAILABLE=true", func(ctx SpecContext) {
		out, err := runSuite(ctx, []string{"RCINVITE_TARGET=container", "RCINVITE_IMAGE=rcinvite/absent:never", "RCINVITE_ALLOW_UNAVAILABLE=true"}, "the server's version is readable without logging in")

		Expect(err).NotTo(HaveOccurred(), "the opted-in skip must pass:\n%s", out)
		Expect(out).To(MatchRegexp(`(?m)^Skipped \(\d+\), by reason:\n\s+1  target container unavailable: `))
		Expect(closingLine(out)).To(MatchRegexp(`^0 passed, 0 failed, \d+ skipped$`))
	}, SpecTimeout(3*time.Minute))

	It("shows the request and the answer when a server does not refuse what it should", func(ctx SpecContext) {
		// An "8.4.0" server that has lost the ban check: the mock emulating 8.3.0 behind a
		// /api/info that says 8.4, without its control API (so the url target has no clock).
		lost, err := mockserver.New(mockserver.WithEmulate("8.3.0"))
		Expect(err).NotTo(HaveOccurred())
		wrong := httptest.NewServer(claimVersion84(lost))
		DeferCleanup(wrong.Close)
		reports := GinkgoT().TempDir()

		out, err := runSuite(ctx, []string{"RCINVITE_TARGET=url", "RCINVITE_URL=" + wrong.URL, "RCINVITE_REPORT_DIR=" + reports},
			"a banned user cannot use a valid invite", "the server's version is readable without logging in", "a banned user holding an expired token gets the token error")

		Expect(exitCode(err)).To(Equal(1), "the run must fail:\n%s", out)
		exchange := `Expected a Rocket.Chat error answer HTTP 400 with body {"success":false,"error":"User is banned from this room [error-user-is-banned]","errorType":"error-user-is-banned","details":{"method":"useInviteToken"}}, but the call succeeded:
      POST /api/v1/useInviteToken {"token":"`
		Expect(out).To(ContainSubstring(exchange))
		Expect(out).To(MatchRegexp(`\n\s+answered HTTP 200 \{"room":\{"rid":"[^"]+","fname":"[^"]+","name":"[^"]+","t":"p"\},"success":true\}`))
		Expect(out).To(MatchRegexp(`\nFailed \(1\):\n  useInviteToken › bans › a banned user cannot use a valid invite\n    conformance/use_invite_token_test.go:\d+\n    Expected a Rocket.Chat error answer HTTP 400 [^\n]+, but the call succeeded:\n        POST /api/v1/useInviteToken \{"token":"[^"]+"\}\n        answered HTTP 200 `))
		Expect(out).To(ContainSubstring("\nSkipped (1), by reason:\n     1  needs capability clock or database: target url has neither\n"))
		Expect(closingLine(out)).To(Equal("1 passed, 1 failed, 1 skipped"))

		junit, err := os.ReadFile(filepath.Join(reports, report.JUnitFile))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(junit)).To(ContainSubstring(`but the call succeeded:&#xA;    POST /api/v1/useInviteToken {&#34;token&#34;:&#34;`))
		Expect(string(junit)).NotTo(ContainSubstring("&gt; Enter"), "junit test cases carry no timeline")
		for _, name := range []string{report.HTMLFile, report.MarkdownFile, report.JSONFile} {
			Expect(filepath.Join(reports, name)).To(BeARegularFile())
		}
	}, SpecTimeout(3*time.Minute))
})

// runSuite runs this test binary again with env (on top of this environment without its
// RCINVITE_* variables) and the specs whose text matches one of focus, and returns what it
// printed.
func runSuite(ctx context.Context, env []string, focus ...string) (string, error) {
	args := []string{"-test.run=^TestConformance$", "-ginkgo.no-color"}
	for _, f := range focus {
		args = append(args, "-ginkgo.focus="+regexp.QuoteMeta(f))
	}
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RCINVITE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func exitCode(err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// closingLine is the summary's last line, "N passed, N failed, N skipped": the line before
// go test's own PASS/FAIL.
func closingLine(out string) string {
	m := regexp.MustCompile(`(?m)^\d+ passed, \d+ failed, \d+ skipped$`).FindAllString(out, -1)
	if len(m) == 0 {
		return ""
	}
	return m[len(m)-1]
}

// claimVersion84 serves the Rocket.Chat API of h, with /api/info claiming 8.4, and nothing else.
func claimVersion84(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case !strings.HasPrefix(r.URL.Path, "/api/"):
			http.NotFound(w, r)
		case r.URL.Path == "/api/info":
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(rec.Code)
			_, _ = w.Write([]byte(strings.ReplaceAll(rec.Body.String(), `"8.3`, `"8.4`)))
		default:
			h.ServeHTTP(w, r)
		}
	})
}
