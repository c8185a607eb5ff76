package conformance_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcinvite/rcinvite/conformance/target"
)

// Rocket.Chat 8.4.0 apps/meteor/app/api/server/v1/invites.ts: no login; every failure is 200
// {"valid":false} (spec/DEVIATIONS.md, "validateInviteToken").
var _ = Describe("validateInviteToken", func() {
	It("a valid token is reported valid to someone who is not logged in", func(ctx SpecContext) {
		room := newGroup(ctx, admin.Client)
		inv, err := admin.FindOrCreateInvite(ctx, room.ID, 7, 10)
		Expect(err).NotTo(HaveOccurred())

		r, err := call(ctx, anon, "/api/v1/validateInviteToken", map[string]string{"token": inv.ID})

		Expect(err).NotTo(HaveOccurred())
		Expect(r.Status).To(Equal(http.StatusOK))
		Expect(r.Body).To(MatchJSON(`{"valid":true,"success":true}`))
	})

	It("an unknown token is reported invalid with 200", func(ctx SpecContext) {
		r, err := call(ctx, anon, "/api/v1/validateInviteToken", map[string]string{"token": "nOsUcH"})

		Expect(err).NotTo(HaveOccurred())
		Expect(r.Status).To(Equal(http.StatusOK))
		Expect(r.Body).To(MatchJSON(`{"valid":false,"success":true}`))
	})

	It("an empty token is reported invalid", func(ctx SpecContext) {
		Expect(anon.ValidateInviteToken(ctx, "")).To(BeFalse())
	})

	It("an expired token is reported invalid", func(ctx SpecContext) {
		need(target.Clock, target.Database)
		room := newGroup(ctx, admin.Client)
		inv, err := admin.FindOrCreateInvite(ctx, room.ID, 1, 0)
		Expect(err).NotTo(HaveOccurred())
		expire(ctx, inv.ID)

		Expect(anon.ValidateInviteToken(ctx, inv.ID)).To(BeFalse())
	})

	It("a used-up token is reported invalid", func(ctx SpecContext) {
		room := newGroup(ctx, admin.Client)
		inv, err := admin.FindOrCreateInvite(ctx, room.ID, 0, 1)
		Expect(err).NotTo(HaveOccurred())
		_, err = newUser(ctx).UseInviteToken(ctx, inv.ID)
		Expect(err).NotTo(HaveOccurred())

		Expect(anon.ValidateInviteToken(ctx, inv.ID)).To(BeFalse())
	})

	It("a token whose room was deleted is reported invalid", func(ctx SpecContext) {
		room := newGroup(ctx, admin.Client)
		inv, err := admin.FindOrCreateInvite(ctx, room.ID, 7, 10)
		Expect(err).NotTo(HaveOccurred())
		Expect(admin.DeleteGroup(ctx, room.ID)).To(Succeed())

		Expect(anon.ValidateInviteToken(ctx, inv.ID)).To(BeFalse())
	})

	It("validating a token does not use it up", func(ctx SpecContext) {
		room := newGroup(ctx, admin.Client)
		inv, err := admin.FindOrCreateInvite(ctx, room.ID, 0, 1)
		Expect(err).NotTo(HaveOccurred())

		for range 3 {
			Expect(anon.ValidateInviteToken(ctx, inv.ID)).To(BeTrue())
		}
		Expect(usesOf(ctx, inv.ID)).To(Equal(0))
	})

	It("validation does not look at bans: a banned user's token is valid", Label("since:8.3.0"), func(ctx SpecContext) {
		requireSince("8.3.0", "room bans")
		carol := newUser(ctx)
		room := newGroup(ctx, admin.Client, carol)
		ban(ctx, room, carol)
		inv, err := admin.FindOrCreateInvite(ctx, room.ID, 7, 10)
		Expect(err).NotTo(HaveOccurred())

		Expect(carol.ValidateInviteToken(ctx, inv.ID)).To(BeTrue())
	})

	It("a missing token is refused with invalid-params", func(ctx SpecContext) {
		_, err := call(ctx, anon, "/api/v1/validateInviteToken", map[string]any{})

		Expect(err).To(BeRocketChatError(http.StatusBadRequest, "invalid-params"))
	})
})
