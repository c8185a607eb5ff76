package conformance_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcinvite/rcinvite/conformance/rcclient"
	"github.com/rcinvite/rcinvite/conformance/target"
	"github.com/rcinvite/rcinvite/report"
)

func TestConformance(t *testing.T) {
	RegisterFailHandler(failWithExchange)
	RunSpecs(t, "Rocket.Chat conformance")
	// Process 1 has the whole run's report (every process's specs): it ends the run with the
	// summary. go test shows it where it shows the suite's output: always in local directory
	// mode (make conformance), with -v, or when the run fails.
	if finished != nil {
		if err := report.FromGinkgo(*finished).WriteSummary(os.Stdout, reportDir); err != nil {
			t.Errorf("write the summary: %v", err)
		}
	}
}

var (
	started *target.Started  // process 1 only: what to tear down
	tgt     *target.Target   // this process's view of the target
	server  rcclient.Version // the server's version, from GET /api/info
	anon    *rcclient.Client // no credentials; every other client of the process derives from it
	admin   *actor           // the target's admin, logged in
	adminID string
	runID   string // distinguishes this run's names from earlier runs' on a persistent server

	finished  *Report            // process 1: the whole run, for the closing summary
	reportDir string             // where the run's reports were written, for the closing summary
	specStart *rcclient.Exchange // the last exchange before the running spec began
)

var _ = SynchronizedBeforeSuite(func(ctx SpecContext) []byte {
	cfg := target.FromEnv(os.Getenv)
	cfg.Logf = func(format string, args ...any) { GinkgoWriter.Printf(format+"\n", args...) }
	s, err := target.Start(ctx, cfg)
	started = s
	Expect(err).NotTo(HaveOccurred(), "start the %s target", cfg.Kind)
	if s.Unavailable != "" {
		recordTarget(s.Descriptor, "")
		if !cfg.AllowUnavailable {
			// No silent green: a run that was asked to test a server and cannot reach it fails.
			Fail(fmt.Sprintf("target %s cannot run here: %s (or set RCINVITE_ALLOW_UNAVAILABLE=true to skip every spec instead)", s.Kind, s.Unavailable))
		}
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	data, err := json.Marshal(handover{Descriptor: s.Descriptor, RunID: hex.EncodeToString(b)})
	Expect(err).NotTo(HaveOccurred())
	return data
}, func(ctx SpecContext, data []byte) {
	var h handover
	Expect(json.Unmarshal(data, &h)).To(Succeed())
	runID = h.RunID
	t, err := target.Attach(ctx, h.Descriptor, GinkgoParallelProcess())
	tgt = t
	Expect(err).NotTo(HaveOccurred(), "attach to the %s target", h.Kind)
	if tgt.Unavailable != "" {
		return
	}
	anon, err = rcclient.New(tgt.BaseURL(), rcclient.OnViolation(failOnViolation))
	Expect(err).NotTo(HaveOccurred())
	c, err := anon.Login(ctx, tgt.AdminUser, tgt.AdminPassword)
	Expect(err).NotTo(HaveOccurred(), "log in as the admin %s", tgt.AdminUser)
	admin = &actor{Client: c, User: rcclient.User{ID: c.UserID(), Username: tgt.AdminUser}}
	adminID = admin.ID
	info, err := admin.Info(ctx)
	Expect(err).NotTo(HaveOccurred())
	server, err = rcclient.ParseVersion(info.FullVersion())
	Expect(err).NotTo(HaveOccurred())
	if GinkgoParallelProcess() == 1 {
		recordTarget(h.Descriptor, server.String())
	}
}, NodeTimeout(10*time.Minute))

var _ = SynchronizedAfterSuite(func(ctx SpecContext) {
	if tgt != nil {
		Expect(tgt.Close(ctx)).To(Succeed())
	}
}, func(ctx SpecContext) {
	if started != nil {
		Expect(started.Stop(ctx)).To(Succeed())
	}
}, NodeTimeout(2*time.Minute))

// The run's reports: RCINVITE_REPORT_DIR (make conformance sets it to reports/) gets
// report.json, junit.xml, summary.md and index.html.
var _ = ReportAfterSuite("rcinvite reports", func(r Report) {
	finished = &r
	if dir := os.Getenv("RCINVITE_REPORT_DIR"); dir != "" {
		_, err := report.WriteRun(dir, r)
		Expect(err).NotTo(HaveOccurred())
		reportDir = dir
	}
})

// recordTarget adds the target to the report, where the report package reads it.
func recordTarget(d target.Descriptor, version string) {
	caps := make([]string, len(d.Capabilities))
	for i, c := range d.Capabilities {
		caps[i] = string(c)
	}
	cfg := target.FromEnv(os.Getenv)
	t := report.Target{Kind: string(d.Kind), URL: d.URL, Version: version, Emulate: d.Emulate, Capabilities: caps, Unavailable: d.Unavailable}
	switch d.Kind {
	case target.Container:
		t.Image = cfg.Image
	case target.RocketChat:
		t.Image = cfg.RCImage
	}
	AddReportEntry(report.TargetEntry, t, ReportEntryVisibilityNever)
}

// expects records what a version-aware spec expects of this server's version, so that the
// report matrix shows where behaviour changes between versions.
func expects(what string) {
	AddReportEntry(report.ExpectsEntry, what, ReportEntryVisibilityFailureOrVerbose)
}

// failWithExchange is the suite's fail handler: Ginkgo's Fail, with the spec's last request
// and its answer added (withExchange), so that every failure about an answer shows what the
// server said.
func failWithExchange(message string, skip ...int) {
	offset := 1
	if len(skip) > 0 {
		offset += skip[0]
	}
	Fail(withExchange(message, lastExchange(), specStart), offset)
}

// withExchange adds last to a failure message unless the spec sent nothing (last is still
// the exchange it began with) or the message shows it already (the answer matchers do).
func withExchange(message string, last, start *rcclient.Exchange) string {
	if last == nil || last == start {
		return message
	}
	shown := last.String()
	if strings.Contains(message, indent(shown)) || strings.Contains(message, shown) {
		return message
	}
	return message + "\n\nThe spec's last request and its answer:\n" + indent(shown)
}

// selfCheck labels the specs of the suite's own machinery, which need no target.
const selfCheck = "self-check"

// Every other spec needs a reachable target: an unavailable one skips with its reason.
var _ = BeforeEach(func() {
	if slices.Contains(CurrentSpecReport().Labels(), selfCheck) {
		return
	}
	if tgt == nil {
		Fail("the target was not attached; see the BeforeSuite failure")
	}
	if tgt.Unavailable != "" {
		Skip(fmt.Sprintf("target %s unavailable: %s", tgt.Kind, tgt.Unavailable))
	}
	specStart = lastExchange()
})

// A spec that moved the clock leaves it at real time for the next one.
var _ = AfterEach(func(ctx SpecContext) {
	if tgt != nil && tgt.Unavailable == "" {
		Expect(tgt.RestoreClock(ctx)).To(Succeed())
	}
})

// handover is what process 1 gives every suite process.
type handover struct {
	target.Descriptor
	RunID string `json:"runID"`
}

// failOnViolation fails the running spec with the violation: operation, field and rule.
func failOnViolation(v *rcclient.ContractViolation) {
	Fail(v.Error(), 3)
}

// need skips the spec unless the target has one of caps.
func need(caps ...target.Capability) {
	if err := tgt.NeedAny(caps...); err != nil {
		Skip(err.Error())
	}
}

// serverIsAtLeast reports whether the server's version is v or later.
func serverIsAtLeast(v string) bool {
	want, err := rcclient.ParseVersion(v)
	if err != nil {
		panic(err)
	}
	return server.AtLeast(want)
}

// requireSince skips the spec on servers older than v, whose behaviour the reference does not
// document for this spec.
func requireSince(v, what string) {
	if !serverIsAtLeast(v) {
		Skip(fmt.Sprintf("%s needs Rocket.Chat %s or later; the server is %s", what, v, server))
	}
}

// expire makes an invite expired (clock or database).
func expire(ctx context.Context, inviteID string) {
	GinkgoHelper()
	need(target.Clock, target.Database)
	Expect(tgt.ExpireInvite(ctx, inviteID)).To(Succeed())
}
