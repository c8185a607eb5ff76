package conformance_test

import (
	"net/http"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcinvite/rcinvite/conformance/rcclient"
)

// im.create and its alias dm.create: spec/SOURCES.md imCreate, dmCreate.
var _ = Describe("direct messages", func() {
	It("im.create opens a DM whose _id is the two users' sorted _ids", func(ctx SpecContext) {
		alice, bob := newUser(ctx), newUser(ctx)

		dm, err := alice.CreateDirectMessage(ctx, bob.Username)

		Expect(err).NotTo(HaveOccurred())
		ids := []string{alice.ID, bob.ID}
		slices.Sort(ids)
		Expect(dm.Rid).To(Equal(ids[0] + ids[1]))
		Expect(dm.ID).To(Equal(dm.Rid))
		Expect(dm.T).To(Equal("d"))
		Expect(dm.Usernames).To(ConsistOf(alice.Username, bob.Username))
		sub, err := bob.Subscription(ctx, dm.Rid)
		Expect(err).NotTo(HaveOccurred())
		Expect(sub).NotTo(BeNil())
		Expect(sub.Roles).To(BeNil(), "no room roles in a DM")
	})

	It("dm.create is the same route: the other user opening it gets the same room", func(ctx SpecContext) {
		alice, bob := newUser(ctx), newUser(ctx)
		first, err := alice.CreateDirectMessage(ctx, bob.Username)
		Expect(err).NotTo(HaveOccurred())

		r, err := call(ctx, bob.Client, "/api/v1/dm.create", map[string]string{"username": alice.Username})

		Expect(err).NotTo(HaveOccurred())
		var again struct{ Room rcclient.DirectRoom }
		Expect(jsonUnmarshal(r.Body, &again)).To(Succeed())
		Expect(again.Room.Rid).To(Equal(first.Rid))
	})

	It("a DM of three has its own _id", func(ctx SpecContext) {
		alice, bob, carol := newUser(ctx), newUser(ctx), newUser(ctx)

		dm, err := alice.CreateDirectMessage(ctx, bob.Username, carol.Username)

		Expect(err).NotTo(HaveOccurred())
		Expect(dm.Usernames).To(ConsistOf(alice.Username, bob.Username, carol.Username))
		Expect(dm.Rid).NotTo(ContainSubstring(alice.ID))
	})

	It("invites cannot be created for a direct message", func(ctx SpecContext) {
		dm, err := admin.CreateDirectMessage(ctx, newUser(ctx).Username)
		Expect(err).NotTo(HaveOccurred())

		_, err = admin.FindOrCreateInvite(ctx, dm.Rid, 7, 10)

		Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"Cannot create invite links for this room type [error-room-type-not-allowed]","errorType":"error-room-type-not-allowed","details":{"method":"findOrCreateInvite"}}`))
	})

	It("a DM with more than eight members is refused", func(ctx SpecContext) {
		others := []string{"a", "b", "c", "d", "e", "f", "g", "h"}

		_, err := newUser(ctx).CreateDirectMessage(ctx, others...)

		// [inferred] DirectMesssage_maxUsers' default is 8, the creator counted.
		Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"You cannot add more than 8 users, including yourself to a direct message [error-direct-message-max-user-exceeded]","errorType":"error-direct-message-max-user-exceeded","details":{"method":"createDirectRoom"}}`))
	})

	DescribeTable("a body off isDmCreateProps is refused with invalid-params",
		func(ctx SpecContext, body map[string]any) {
			_, err := call(ctx, newUser(ctx).Client, "/api/v1/im.create", body)

			Expect(err).To(BeRocketChatError(http.StatusBadRequest, "invalid-params"))
			e, _ := asRCError(err)
			Expect(e.Message).To(HaveSuffix(" [invalid-params]"), "a legacy route with validateParams")
		},
		Entry("nobody named", map[string]any{}),
		Entry("both username and usernames", map[string]any{"username": "a", "usernames": "b"}),
		Entry("an extra field", map[string]any{"username": "a", "topic": "x"}),
	)
})
