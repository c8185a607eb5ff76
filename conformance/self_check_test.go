package conformance_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcinvite/rcinvite/conformance/rcclient"
	"github.com/rcinvite/rcinvite/conformance/target"
	"github.com/rcinvite/rcinvite/spec"
)

// The suite's own machinery, checked without a target: the client, versions, capabilities and
// the container targets' refusal to run where they cannot. These run on every target, even an
// unavailable one.
var _ = Describe("the conformance machinery", Label(selfCheck), func() {
	Describe("the client", func() {
		It("reports an answer off the contract with its operation, field and rule", func(ctx SpecContext) {
			fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"room":{"rid":"ProjectX"},"success":true}`)) // no room.t
			}))
			DeferCleanup(fake.Close)
			var seen []*rcclient.ContractViolation
			c, err := rcclient.New(fake.URL+"/sandboxes/sb1", rcclient.OnViolation(func(v *rcclient.ContractViolation) { seen = append(seen, v) }))
			Expect(err).NotTo(HaveOccurred())

			_, err = c.WithCredentials("bob", "bob-token").UseInviteToken(ctx, "PrjXok")

			var v *rcclient.ContractViolation
			Expect(errors.As(err, &v)).To(BeTrue(), "got %v", err)
			Expect(seen).To(ConsistOf(v))
			Expect(v.Response.Operation).To(Equal("useInviteToken"))
			var ve *spec.ValidationError
			Expect(errors.As(err, &ve)).To(BeTrue())
			Expect(ve.Problems).To(ContainElement(And(HaveField("Field", "room.t"), HaveField("Rule", "required"))))
			Expect(err.Error()).To(And(ContainSubstring("useInviteToken"), ContainSubstring("room.t"), ContainSubstring("required")))
		})

		It("sends paths after the sandbox prefix and reads the error envelope", func(ctx SpecContext) {
			var gotPath, gotUser, gotToken string
			fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotPath, gotUser, gotToken = r.URL.Path, r.Header.Get("X-User-Id"), r.Header.Get("X-Auth-Token")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"success":false,"error":"User is banned from this room [error-user-is-banned]","errorType":"error-user-is-banned","details":{"method":"useInviteToken"}}`))
			}))
			DeferCleanup(fake.Close)
			c, err := rcclient.New(fake.URL + "/sandboxes/sb1")
			Expect(err).NotTo(HaveOccurred())

			_, err = c.WithCredentials("carol", "carol-token").UseInviteToken(ctx, "PrjXok")

			Expect(gotPath).To(Equal("/sandboxes/sb1/api/v1/useInviteToken"))
			Expect(gotUser).To(Equal("carol"))
			Expect(gotToken).To(Equal("carol-token"))
			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"User is banned from this room [error-user-is-banned]","errorType":"error-user-is-banned","details":{"method":"useInviteToken"}}`))
			Expect(rcclient.IsType(err, "error-user-is-banned")).To(BeTrue())
		})

		It("refuses a base URL without scheme and host", func() {
			_, err := rcclient.New("localhost:3000")
			Expect(err).To(HaveOccurred())
		})
	})

	DescribeTable("versions compare by major, minor and patch",
		func(v, other string, atLeast bool) {
			a, err := rcclient.ParseVersion(v)
			Expect(err).NotTo(HaveOccurred())
			b, err := rcclient.ParseVersion(other)
			Expect(err).NotTo(HaveOccurred())
			Expect(a.AtLeast(b)).To(Equal(atLeast))
		},
		Entry("8.4 (as /api/info says it) is 8.4.0", "8.4", "8.4.0", true),
		Entry("8.3.0 is before 8.4.0", "8.3.0", "8.4.0", false),
		Entry("8.4.1 is after 8.4.0", "8.4.1", "8.4.0", true),
		Entry("9.0.0 is after 8.4.0", "9.0.0", "8.4.0", true),
		Entry("a release candidate counts as its version", "8.4.0-rc.2", "8.4.0", true),
	)

	DescribeTable("versions that are not major.minor[.patch] are refused",
		func(v string) {
			_, err := rcclient.ParseVersion(v)
			Expect(err).To(HaveOccurred())
		},
		Entry(nil, ""), Entry(nil, "8"), Entry(nil, "8.x"), Entry(nil, "8.4.0.1"), Entry(nil, "-1.0"),
	)

	Describe("capabilities", func() {
		It("a missing capability names what is needed and what the target lacks", func() {
			d := target.Descriptor{Kind: target.URL}
			Expect(d.NeedAny(target.Clock, target.Database)).To(MatchError("needs capability clock or database: target url has neither"))
			Expect(d.NeedAny(target.Fixtures)).To(MatchError("needs capability fixtures: target url does not have it"))
			d.Capabilities = []target.Capability{target.Database}
			Expect(d.NeedAny(target.Clock, target.Database)).To(Succeed())
		})

		It("the environment chooses the in-process mock by default", func() {
			c := target.FromEnv(func(string) string { return "" })
			Expect(c.Kind).To(Equal(target.Mock))
			Expect(c.AdminUser).To(Equal("rocketchat.internal.admin.test"))
			Expect(c.Image).To(Equal("rcinvite/rcmock:dev"))
			Expect(c.RCImage).To(Equal("rocketchat/rocket.chat:8.4.0"))
		})

		It("each run names its sandboxes afresh unless the environment names them", func() {
			a, b := target.FromEnv(func(string) string { return "" }), target.FromEnv(func(string) string { return "" })
			Expect(a.SandboxPrefix).To(MatchRegexp(`^conformance-[a-z2-7]{8}$`))
			Expect(a.SandboxPrefix).NotTo(Equal(b.SandboxPrefix))
			named := target.FromEnv(func(k string) string { return map[string]string{"RCINVITE_SANDBOX_PREFIX": "ci-42"}[k] })
			Expect(named.SandboxPrefix).To(Equal("ci-42"))
		})

		It("an unknown target kind is an error", func(ctx SpecContext) {
			_, err := target.Start(ctx, target.Config{Kind: "staging"})
			Expect(err).To(MatchError(ContainSubstring(`RCINVITE_TARGET="staging"`)))
		})
	})

	Describe("container targets where they cannot run", func() {
		It("a missing rcmock image makes the target unavailable with a reason, without pulling", func(ctx SpecContext) {
			s, err := target.Start(ctx, target.Config{Kind: target.Container, Image: "rcinvite/absent:never"})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func(ctx context.Context) error { return s.Stop(ctx) })
			Expect(s.Unavailable).To(Or(ContainSubstring("rcinvite/absent:never is not present locally"), ContainSubstring("Docker engine")))
		}, SpecTimeout(30*time.Second))

		It("missing Rocket.Chat images make the target unavailable with a reason, without pulling", func(ctx SpecContext) {
			s, err := target.Start(ctx, target.Config{Kind: target.RocketChat, MongoImage: "rcinvite/absent-mongo:never", RCImage: "rcinvite/absent-rc:never"})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func(ctx context.Context) error { return s.Stop(ctx) })
			Expect(s.Unavailable).To(Or(ContainSubstring("is not present locally"), ContainSubstring("Docker engine")))
		}, SpecTimeout(30*time.Second))
	})
})
