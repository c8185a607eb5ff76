package conformance_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcinvite/rcinvite/conformance/rcclient"
	"github.com/rcinvite/rcinvite/conformance/target"
)

// Rocket.Chat 8.4.0 apps/meteor/app/invites/server/functions/findOrCreateInvite.ts, and the
// default roles of create-invite-links (apps/meteor/server/lib/authorization/constant/permissions.ts).
var _ = Describe("findOrCreateInvite", func() {
	Describe("creating", func() {
		It("an admin in the room creates an invite with the requested settings", func(ctx SpecContext) {
			room := newGroup(ctx, admin.Client)
			before := time.Now()

			inv, err := admin.FindOrCreateInvite(ctx, room.ID, 7, 10)

			Expect(err).NotTo(HaveOccurred())
			Expect(inv.ID).NotTo(BeEmpty())
			Expect(inv).To(haveSettings(inv.ID, room.ID, adminID, 7, 10))
			Expect(inv.Uses).To(Equal(0))
			if !tgt.Has(target.Clock) { // a mock clock may have been moved; a real one has not
				Expect(inv.CreatedAt).To(BeTemporally("~", before, time.Minute))
			}
			Expect(inv.Expires).NotTo(BeNil())
			// createdAt plus 7 calendar days in the server's local time (±1 h around DST).
			Expect(*inv.Expires).To(BeTemporally("~", inv.CreatedAt.AddDate(0, 0, 7), time.Hour))
		})

		It("an invite with days 0 has no expiry date", func(ctx SpecContext) {
			room := newGroup(ctx, admin.Client)

			inv, err := admin.FindOrCreateInvite(ctx, room.ID, 0, 0)

			Expect(err).NotTo(HaveOccurred())
			Expect(inv.Expires).To(BeNil())
		})

		It("the answer is the stored invite: listInvites shows the same one", func(ctx SpecContext) {
			room := newGroup(ctx, admin.Client)
			inv, err := admin.FindOrCreateInvite(ctx, room.ID, 15, 25)
			Expect(err).NotTo(HaveOccurred())

			stored := invite(ctx, inv.ID)

			Expect(stored).To(haveSettings(inv.ID, room.ID, adminID, 15, 25))
			Expect(stored.CreatedAt).To(BeTemporally("==", inv.CreatedAt))
		})
	})

	Describe("reuse", func() {
		It("the same creator asking again with the same settings gets the same invite", func(ctx SpecContext) {
			room := newGroup(ctx, admin.Client)
			first, err := admin.FindOrCreateInvite(ctx, room.ID, 7, 10)
			Expect(err).NotTo(HaveOccurred())

			again, err := admin.FindOrCreateInvite(ctx, room.ID, 7, 10)

			Expect(err).NotTo(HaveOccurred())
			Expect(again.ID).To(Equal(first.ID))
		})

		It("a reused invite keeps its uses", func(ctx SpecContext) {
			room := newGroup(ctx, admin.Client)
			first, err := admin.FindOrCreateInvite(ctx, room.ID, 7, 10)
			Expect(err).NotTo(HaveOccurred())
			_, err = newUser(ctx).UseInviteToken(ctx, first.ID)
			Expect(err).NotTo(HaveOccurred())

			again, err := admin.FindOrCreateInvite(ctx, room.ID, 7, 10)

			Expect(err).NotTo(HaveOccurred())
			Expect(again.ID).To(Equal(first.ID))
			Expect(again.Uses).To(Equal(1))
		})

		DescribeTable("other settings give a new invite",
			func(ctx SpecContext, days, maxUses int) {
				room := newGroup(ctx, admin.Client)
				first, err := admin.FindOrCreateInvite(ctx, room.ID, 7, 10)
				Expect(err).NotTo(HaveOccurred())

				other, err := admin.FindOrCreateInvite(ctx, room.ID, days, maxUses)

				Expect(err).NotTo(HaveOccurred())
				Expect(other.ID).NotTo(Equal(first.ID))
				Expect(other).To(haveSettings(other.ID, room.ID, adminID, days, maxUses))
			},
			Entry("other days", 1, 10),
			Entry("other maxUses", 7, 5),
			Entry("both other", 0, 0),
		)

		It("another room gives a new invite", func(ctx SpecContext) {
			one, two := newGroup(ctx, admin.Client), newGroup(ctx, admin.Client)
			first, err := admin.FindOrCreateInvite(ctx, one.ID, 7, 10)
			Expect(err).NotTo(HaveOccurred())

			other, err := admin.FindOrCreateInvite(ctx, two.ID, 7, 10)

			Expect(err).NotTo(HaveOccurred())
			Expect(other.ID).NotTo(Equal(first.ID))
			Expect(other.Rid).To(Equal(two.ID))
		})

		It("another creator gets their own invite, not the first creator's", func(ctx SpecContext) {
			owner := newUser(ctx)
			room := newGroup(ctx, owner.Client)
			Expect(owner.InviteToGroup(ctx, room.ID, adminID)).To(Succeed())
			mine, err := owner.FindOrCreateInvite(ctx, room.ID, 7, 10)
			Expect(err).NotTo(HaveOccurred())

			theirs, err := admin.FindOrCreateInvite(ctx, room.ID, 7, 10)

			Expect(err).NotTo(HaveOccurred())
			Expect(theirs.ID).NotTo(Equal(mine.ID))
			Expect(theirs.UserID).To(Equal(adminID))
			Expect(mine.UserID).To(Equal(owner.ID))
		})

		It("an expired invite is not reused", func(ctx SpecContext) {
			need(target.Clock, target.Database)
			room := newGroup(ctx, admin.Client)
			first, err := admin.FindOrCreateInvite(ctx, room.ID, 1, 0)
			Expect(err).NotTo(HaveOccurred())
			expire(ctx, first.ID)

			again, err := admin.FindOrCreateInvite(ctx, room.ID, 1, 0)

			Expect(err).NotTo(HaveOccurred())
			Expect(again.ID).NotTo(Equal(first.ID))
			Expect(again.Expires).NotTo(BeNil())
			Expect(again.Uses).To(Equal(0))
		})

		It("a used-up invite is not reused", func(ctx SpecContext) {
			room := newGroup(ctx, admin.Client)
			first, err := admin.FindOrCreateInvite(ctx, room.ID, 0, 1)
			Expect(err).NotTo(HaveOccurred())
			_, err = newUser(ctx).UseInviteToken(ctx, first.ID)
			Expect(err).NotTo(HaveOccurred())

			again, err := admin.FindOrCreateInvite(ctx, room.ID, 0, 1)

			Expect(err).NotTo(HaveOccurred())
			Expect(again.ID).NotTo(Equal(first.ID))
			Expect(again.Uses).To(Equal(0))
		})
	})

	Describe("allowed values", func() {
		DescribeTable("days in {0, 1, 7, 15, 30} are accepted",
			func(ctx SpecContext, days int) {
				room := newGroup(ctx, admin.Client)
				inv, err := admin.FindOrCreateInvite(ctx, room.ID, days, 0)
				Expect(err).NotTo(HaveOccurred())
				Expect(inv.Days).To(Equal(days))
			},
			Entry(nil, 0), Entry(nil, 1), Entry(nil, 7), Entry(nil, 15), Entry(nil, 30),
		)

		DescribeTable("other days are refused with invalid-number-of-days",
			func(ctx SpecContext, days int) {
				room := newGroup(ctx, admin.Client)
				_, err := admin.FindOrCreateInvite(ctx, room.ID, days, 0)
				Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"Invite should expire in 1, 7, 15 or 30 days, or send 0 to never expire. [invalid-number-of-days]","errorType":"invalid-number-of-days"}`))
			},
			Entry(nil, 2), Entry(nil, 14), Entry(nil, 31), Entry(nil, -1),
		)

		DescribeTable("maxUses in {0, 1, 5, 10, 25, 50, 100} are accepted",
			func(ctx SpecContext, maxUses int) {
				room := newGroup(ctx, admin.Client)
				inv, err := admin.FindOrCreateInvite(ctx, room.ID, 0, maxUses)
				Expect(err).NotTo(HaveOccurred())
				Expect(inv.MaxUses).To(Equal(maxUses))
			},
			Entry(nil, 0), Entry(nil, 1), Entry(nil, 5), Entry(nil, 10), Entry(nil, 25), Entry(nil, 50), Entry(nil, 100),
		)

		DescribeTable("other maxUses are refused with invalid-number-of-uses",
			func(ctx SpecContext, maxUses int) {
				room := newGroup(ctx, admin.Client)
				_, err := admin.FindOrCreateInvite(ctx, room.ID, 0, maxUses)
				Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"Invite should be valid for 1, 5, 10, 25, 50, 100 or infinite (0) uses. [invalid-number-of-uses]","errorType":"invalid-number-of-uses"}`))
			},
			Entry(nil, 2), Entry(nil, 20), Entry(nil, 101), Entry(nil, -1),
		)

		It("days are checked before maxUses", func(ctx SpecContext) {
			room := newGroup(ctx, admin.Client)
			_, err := admin.FindOrCreateInvite(ctx, room.ID, 2, 2)
			Expect(err).To(BeRocketChatError(http.StatusBadRequest, "invalid-number-of-days"))
		})

		It("numeric strings are coerced to integers", func(ctx SpecContext) {
			room := newGroup(ctx, admin.Client)
			r, err := call(ctx, admin.Client, "/api/v1/findOrCreateInvite", map[string]any{"rid": room.ID, "days": "7", "maxUses": "10"})
			Expect(err).NotTo(HaveOccurred())
			Expect(r.Status).To(Equal(http.StatusOK))
		})

		DescribeTable("a body off the schema is refused with invalid-params",
			func(ctx SpecContext, body map[string]any) {
				_, err := call(ctx, admin.Client, "/api/v1/findOrCreateInvite", body)
				Expect(err).To(BeRocketChatError(http.StatusBadRequest, "invalid-params"))
			},
			Entry("missing maxUses", map[string]any{"rid": "GENERAL", "days": 7}),
			Entry("missing rid", map[string]any{"days": 7, "maxUses": 10}),
			Entry("an extra field", map[string]any{"rid": "GENERAL", "days": 7, "maxUses": 10, "uses": 0}),
			Entry("a fractional days", map[string]any{"rid": "GENERAL", "days": 1.5, "maxUses": 10}),
			Entry("a non-numeric days", map[string]any{"rid": "GENERAL", "days": "seven", "maxUses": 10}),
		)
	})

	Describe("permissions and rooms", func() {
		It("a plain member cannot create an invite: not_authorized", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newGroup(ctx, admin.Client, bob)

			_, err := bob.FindOrCreateInvite(ctx, room.ID, 7, 10)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"[not_authorized]","errorType":"not_authorized"}`))
		})

		It("a plain user gets not_authorized even for an unknown room, before the room checks", func(ctx SpecContext) {
			_, err := newUser(ctx).FindOrCreateInvite(ctx, "no-such-room", 7, 10)

			Expect(err).To(BeRocketChatError(http.StatusBadRequest, "not_authorized"))
		})

		It("a plain user gets not_authorized before bad days are looked at", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newGroup(ctx, admin.Client, bob)

			_, err := bob.FindOrCreateInvite(ctx, room.ID, 2, 2)

			Expect(err).To(BeRocketChatError(http.StatusBadRequest, "not_authorized"))
		})

		It("the user who created a room owns it and can create invites", func(ctx SpecContext) {
			owner := newUser(ctx)
			room := newGroup(ctx, owner.Client)

			inv, err := owner.FindOrCreateInvite(ctx, room.ID, 7, 10)

			Expect(err).NotTo(HaveOccurred())
			Expect(inv.UserID).To(Equal(owner.ID))
		})

		It("the owner of a public channel can create invites", func(ctx SpecContext) {
			owner := newUser(ctx)
			room := newChannel(ctx, owner.Client)

			inv, err := owner.FindOrCreateInvite(ctx, room.ID, 1, 1)

			Expect(err).NotTo(HaveOccurred())
			Expect(inv.Rid).To(Equal(room.ID))
		})

		It("a room moderator can create invites", func(ctx SpecContext) {
			alice := newUser(ctx)
			room := newGroup(ctx, admin.Client, alice)
			Expect(admin.AddRoomRole(ctx, room, rcclient.Moderator, alice.ID)).To(Succeed())

			inv, err := alice.FindOrCreateInvite(ctx, room.ID, 30, 100)

			Expect(err).NotTo(HaveOccurred())
			Expect(inv.UserID).To(Equal(alice.ID))
		})

		It("an admin who is not in the room gets error-invalid-room", func(ctx SpecContext) {
			owner := newUser(ctx)
			room := newGroup(ctx, owner.Client)

			_, err := admin.FindOrCreateInvite(ctx, room.ID, 7, 10)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"The rid field is invalid [error-invalid-room]","errorType":"error-invalid-room","details":{"method":"findOrCreateInvite","field":"rid"}}`))
		})

		It("an admin naming an unknown room gets error-invalid-room", func(ctx SpecContext) {
			_, err := admin.FindOrCreateInvite(ctx, "invalid", 7, 10)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"The rid field is invalid [error-invalid-room]","errorType":"error-invalid-room","details":{"method":"findOrCreateInvite","field":"rid"}}`))
		})

		It("the room is checked before bad days", func(ctx SpecContext) {
			_, err := admin.FindOrCreateInvite(ctx, "invalid", 2, 2)

			Expect(err).To(BeRocketChatError(http.StatusBadRequest, "error-invalid-room"))
		})

		It("an empty rid gets error-the-field-is-required", func(ctx SpecContext) {
			_, err := admin.FindOrCreateInvite(ctx, "", 7, 10)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"The field rid is required [error-the-field-is-required]","errorType":"error-the-field-is-required","details":{"method":"findOrCreateInvite","field":"rid"}}`))
		})

		It("invites cannot be created for a direct message", func(ctx SpecContext) {
			dm, err := admin.CreateDirectMessage(ctx, newUser(ctx).Username)
			Expect(err).NotTo(HaveOccurred())

			_, err = admin.FindOrCreateInvite(ctx, dm.Rid, 7, 10)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"Cannot create invite links for this room type [error-room-type-not-allowed]","errorType":"error-room-type-not-allowed","details":{"method":"findOrCreateInvite"}}`))
		})
	})
})

// haveSettings matches an invite's identity and settings.
func haveSettings(id, rid, userID string, days, maxUses int) OmegaMatcher {
	return And(
		HaveField("ID", id), HaveField("Rid", rid), HaveField("UserID", userID),
		HaveField("Days", days), HaveField("MaxUses", maxUses),
	)
}
