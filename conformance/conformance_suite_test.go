package conformance_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcinvite/rcinvite/conformance/rcclient"
	"github.com/rcinvite/rcinvite/conformance/target"
)

func TestConformance(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Rocket.Chat conformance")
}

var (
	started *target.Started  // process 1 only: what to tear down
	tgt     *target.Target   // this process's view of the target
	server  rcclient.Version // the server's version, from GET /api/info
	anon    *rcclient.Client // no credentials
	admin   *actor           // the target's admin, logged in
	adminID string
	runID   string // distinguishes this run's names from earlier runs' on a persistent server
)

var _ = SynchronizedBeforeSuite(func(ctx SpecContext) []byte {
	cfg := target.FromEnv(os.Getenv)
	cfg.Logf = func(format string, args ...any) { GinkgoWriter.Printf(format+"\n", args...) }
	s, err := target.Start(ctx, cfg)
	started = s
	Expect(err).NotTo(HaveOccurred(), "start the %s target", cfg.Kind)
	if s.Unavailable != "" && requireTarget() {
		Fail(fmt.Sprintf("target %s is unavailable and RCINVITE_REQUIRE_TARGET is set: %s", s.Kind, s.Unavailable))
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
	t, err := target.Attach(ctx, h.Descriptor)
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
	AddReportEntry("target", fmt.Sprintf("%s at %s, Rocket.Chat %s, capabilities %v", tgt.Kind, tgt.BaseURL(), server, tgt.Capabilities))
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

func requireTarget() bool {
	ok, _ := strconv.ParseBool(os.Getenv("RCINVITE_REQUIRE_TARGET"))
	return ok
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
