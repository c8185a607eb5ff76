package conformance_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcinvite/rcinvite/conformance/rcclient"
)

// users.info, subscriptions.get and rooms.get: what a client reads after joining
// (spec/SOURCES.md usersInfo, subscriptionsGet, roomsGet).
var _ = Describe("users.info", func() {
	It("a user sees another user's public fields only", func(ctx SpecContext) {
		bob := newUser(ctx)

		u, err := newUser(ctx).UserInfo(ctx, bob.ID, false)

		Expect(err).NotTo(HaveOccurred())
		Expect(u.ID).To(Equal(bob.ID))
		Expect(u.Username).To(Equal(bob.Username))
		Expect(u.CanViewAllInfo).To(BeFalse())
		Expect(u.Emails).To(BeEmpty())
		Expect(u.Services).To(BeEmpty())
	})

	It("an admin also sees emails and roles", func(ctx SpecContext) {
		bob := newUser(ctx)

		u, err := admin.UserInfo(ctx, bob.ID, false)

		Expect(err).NotTo(HaveOccurred())
		Expect(u.CanViewAllInfo).To(BeTrue())
		Expect(u.Emails).To(ContainElement(HaveField("Address", bob.Username+"@example.com")))
		Expect(u.Roles).To(ContainElement("user"))
		Expect(u.Services).To(BeEmpty(), "services are for the user themselves")
	})

	It("a user reads their own rooms with their roles", func(ctx SpecContext) {
		owner := newUser(ctx)
		room := newGroup(ctx, owner.Client)

		u, err := owner.UserInfo(ctx, owner.ID, true)

		Expect(err).NotTo(HaveOccurred())
		Expect(u.Rooms).To(ContainElement(And(HaveField("Rid", room.ID), HaveField("T", "p"), HaveField("Roles", ConsistOf("owner")))))
	})

	It("another user's rooms are not listed to a plain user", func(ctx SpecContext) {
		owner := newUser(ctx)
		newGroup(ctx, owner.Client)

		u, err := newUser(ctx).UserInfo(ctx, owner.ID, true)

		Expect(err).NotTo(HaveOccurred())
		Expect(u.Rooms).To(BeNil())
	})

	It("an unknown user is a plain failure", func(ctx SpecContext) {
		_, err := newUser(ctx).UserInfo(ctx, "no-such-user", false)

		Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"User not found."}`))
	})

	It("a query naming nobody is refused by validateParams", func(ctx SpecContext) {
		r, err := newUser(ctx).Do(ctx, http.MethodGet, "/api/v1/users.info", nil, nil)

		Expect(err).NotTo(HaveOccurred())
		Expect(rcclient.ErrorOf(r)).To(BeRocketChatError(http.StatusBadRequest, "invalid-params"))
	})
})

var _ = Describe("subscriptions.get and rooms.get", func() {
	It("subscriptions.get lists the caller's subscriptions with their roles", func(ctx SpecContext) {
		owner := newUser(ctx)
		room := newGroup(ctx, owner.Client)

		subs, err := owner.Subscriptions(ctx, "")

		Expect(err).NotTo(HaveOccurred())
		Expect(subs.Update).To(ContainElement(And(HaveField("Rid", room.ID), HaveField("Roles", ConsistOf("owner")))))
		Expect(subs.Remove).To(BeEmpty())
	})

	It("subscriptions.get since a date lists the subscriptions removed since", func(ctx SpecContext) {
		bob := newUser(ctx)
		room := newGroup(ctx, admin.Client, bob)
		sub, err := bob.Subscription(ctx, room.ID)
		Expect(err).NotTo(HaveOccurred())
		// The server's own time of the subscription, a millisecond back: no clock skew.
		since := sub.UpdatedAt.Add(-time.Millisecond).UTC().Format(time.RFC3339Nano)
		Expect(admin.Kick(ctx, room, bob.ID)).To(Succeed())

		subs, err := bob.Subscriptions(ctx, since)

		Expect(err).NotTo(HaveOccurred())
		Expect(subs.Remove).To(ContainElement(HaveField("ID", sub.ID)))
		Expect(subs.Update).NotTo(ContainElement(HaveField("Rid", room.ID)))
	})

	It("a subscription changed since a date comes back with its new roles", func(ctx SpecContext) {
		bob := newUser(ctx)
		room := newGroup(ctx, admin.Client, bob)
		sub, err := bob.Subscription(ctx, room.ID)
		Expect(err).NotTo(HaveOccurred())
		since := sub.UpdatedAt.Add(-time.Millisecond).UTC().Format(time.RFC3339Nano)
		Expect(admin.AddRoomRole(ctx, room, rcclient.Leader, bob.ID)).To(Succeed())

		subs, err := bob.Subscriptions(ctx, since)

		Expect(err).NotTo(HaveOccurred())
		Expect(subs.Update).To(ContainElement(And(HaveField("Rid", room.ID), HaveField("Roles", ConsistOf("leader")))))
	})

	It("subscriptions.get refuses a date it cannot read", func(ctx SpecContext) {
		_, err := newUser(ctx).Subscriptions(ctx, "not a date")

		Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"The \"lastUpdate\" query parameter must be a valid date. [error-roomId-param-invalid]","errorType":"error-roomId-param-invalid"}`))
	})

	It("rooms.get lists the rooms the caller is in", func(ctx SpecContext) {
		bob := newUser(ctx)
		room := newGroup(ctx, admin.Client, bob)

		rooms, err := bob.Rooms(ctx, "")

		Expect(err).NotTo(HaveOccurred())
		Expect(rooms.Update).To(ContainElement(HaveField("ID", room.ID)))
	})

	It("rooms.get since a date lists a room deleted since", func(ctx SpecContext) {
		bob := newUser(ctx)
		room := newGroup(ctx, admin.Client, bob)
		info, err := admin.RoomInfo(ctx, room.ID)
		Expect(err).NotTo(HaveOccurred())
		since := info.UpdatedAt.Add(-time.Millisecond).UTC().Format(time.RFC3339Nano)
		Expect(admin.DeleteGroup(ctx, room.ID)).To(Succeed())

		rooms, err := bob.Rooms(ctx, since)

		Expect(err).NotTo(HaveOccurred())
		Expect(rooms.Remove).To(ContainElement(HaveField("ID", room.ID)))
	})

	It("rooms.get refuses a date it cannot read", func(ctx SpecContext) {
		_, err := newUser(ctx).Rooms(ctx, "not a date")

		Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"The \"updatedSince\" query parameter must be a valid date. [error-updatedSince-param-invalid]","errorType":"error-updatedSince-param-invalid"}`))
	})
})
