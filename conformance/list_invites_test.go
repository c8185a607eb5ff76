package conformance_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// Rocket.Chat 8.4.0 apps/meteor/app/api/server/v1/invites.ts: admins only; every invite of every
// user; a bare array (spec/DEVIATIONS.md, "listInvites body").
var _ = Describe("listInvites", func() {
	It("an admin sees every invite, other creators' included", func(ctx SpecContext) {
		owner := newUser(ctx)
		room := newGroup(ctx, owner.Client)
		theirs, err := owner.FindOrCreateInvite(ctx, room.ID, 7, 10)
		Expect(err).NotTo(HaveOccurred())
		mine, err := admin.FindOrCreateInvite(ctx, newGroup(ctx, admin.Client).ID, 1, 1)
		Expect(err).NotTo(HaveOccurred())

		all, err := admin.ListInvites(ctx)

		Expect(err).NotTo(HaveOccurred())
		Expect(all).To(ContainElement(HaveField("ID", theirs.ID)))
		Expect(all).To(ContainElement(HaveField("ID", mine.ID)))
	})

	It("the answer is a bare JSON array", func(ctx SpecContext) {
		_, err := admin.FindOrCreateInvite(ctx, newGroup(ctx, admin.Client).ID, 7, 10)
		Expect(err).NotTo(HaveOccurred())

		r, err := admin.Do(ctx, http.MethodGet, "/api/v1/listInvites", nil, nil)

		Expect(err).NotTo(HaveOccurred())
		Expect(r.Status).To(Equal(http.StatusOK))
		Expect(string(r.Body)).To(HavePrefix("["))
	})

	It("listed invites carry their stored fields, with url empty", func(ctx SpecContext) {
		room := newGroup(ctx, admin.Client)
		created, err := admin.FindOrCreateInvite(ctx, room.ID, 7, 10)
		Expect(err).NotTo(HaveOccurred())

		stored := invite(ctx, created.ID)

		Expect(stored).To(haveSettings(created.ID, room.ID, adminID, 7, 10))
		Expect(stored.URL).To(BeEmpty())
	})

	It("the owner of a room, not being an admin, cannot list invites", func(ctx SpecContext) {
		owner := newUser(ctx)
		room := newGroup(ctx, owner.Client)
		_, err := owner.FindOrCreateInvite(ctx, room.ID, 7, 10)
		Expect(err).NotTo(HaveOccurred())

		_, err = owner.ListInvites(ctx)

		Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"[not_authorized]","errorType":"not_authorized"}`))
	})

	It("a plain user cannot list invites", func(ctx SpecContext) {
		_, err := newUser(ctx).ListInvites(ctx)

		Expect(err).To(BeRocketChatError(http.StatusBadRequest, "not_authorized"))
	})
})

var _ = Describe("removeInvite", func() {
	It("an admin removes an invite: the answer is true and the token stops working", func(ctx SpecContext) {
		room := newGroup(ctx, admin.Client)
		inv, err := admin.FindOrCreateInvite(ctx, room.ID, 7, 10)
		Expect(err).NotTo(HaveOccurred())

		r, err := admin.Do(ctx, http.MethodDelete, "/api/v1/removeInvite/"+inv.ID, nil, nil)

		Expect(err).NotTo(HaveOccurred())
		Expect(r.Status).To(Equal(http.StatusOK))
		Expect(string(r.Body)).To(Equal("true"))
		all, err := admin.ListInvites(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(all).NotTo(ContainElement(HaveField("ID", inv.ID)))
		Expect(anon.ValidateInviteToken(ctx, inv.ID)).To(BeFalse())
	})

	It("an admin can remove another creator's invite", func(ctx SpecContext) {
		owner := newUser(ctx)
		room := newGroup(ctx, owner.Client)
		inv, err := owner.FindOrCreateInvite(ctx, room.ID, 7, 10)
		Expect(err).NotTo(HaveOccurred())

		Expect(admin.RemoveInvite(ctx, inv.ID)).To(Succeed())

		_, err = newUser(ctx).UseInviteToken(ctx, inv.ID)
		Expect(err).To(BeRocketChatError(http.StatusBadRequest, "error-invalid-token"))
	})

	It("removing an unknown invite gets invalid-invitation-id", func(ctx SpecContext) {
		err := admin.RemoveInvite(ctx, "nOsUcH")

		Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"Invalid Invitation _id [invalid-invitation-id]","errorType":"invalid-invitation-id","details":{"method":"removeInvite"}}`))
	})

	It("removing an invite twice gets invalid-invitation-id the second time", func(ctx SpecContext) {
		inv, err := admin.FindOrCreateInvite(ctx, newGroup(ctx, admin.Client).ID, 7, 10)
		Expect(err).NotTo(HaveOccurred())
		Expect(admin.RemoveInvite(ctx, inv.ID)).To(Succeed())

		Expect(admin.RemoveInvite(ctx, inv.ID)).To(BeRocketChatError(http.StatusBadRequest, "invalid-invitation-id"))
	})

	It("the owner of a room, not being an admin, cannot remove even their own invite", func(ctx SpecContext) {
		owner := newUser(ctx)
		room := newGroup(ctx, owner.Client)
		inv, err := owner.FindOrCreateInvite(ctx, room.ID, 7, 10)
		Expect(err).NotTo(HaveOccurred())

		err = owner.RemoveInvite(ctx, inv.ID)

		Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"[not_authorized]","errorType":"not_authorized"}`))
		Expect(invite(ctx, inv.ID).ID).To(Equal(inv.ID))
	})

	It("a removed invite is not reused: asking again creates a new one", func(ctx SpecContext) {
		room := newGroup(ctx, admin.Client)
		inv, err := admin.FindOrCreateInvite(ctx, room.ID, 7, 10)
		Expect(err).NotTo(HaveOccurred())
		Expect(admin.RemoveInvite(ctx, inv.ID)).To(Succeed())

		again, err := admin.FindOrCreateInvite(ctx, room.ID, 7, 10)

		Expect(err).NotTo(HaveOccurred())
		Expect(again.ID).NotTo(Equal(inv.ID))
	})
})
