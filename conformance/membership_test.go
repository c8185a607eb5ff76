package conformance_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcinvite/rcinvite/conformance/rcclient"
)

// Kicking, leaving and reading rooms, and how they meet invites and bans: spec/SOURCES.md,
// "Room roles, membership, direct messages and user info".
var _ = Describe("membership", func() {
	Describe("kick", func() {
		It("an owner kicks a member of a channel: the answer is the channel, one member fewer", func(ctx SpecContext) {
			owner, bob := newUser(ctx), newUser(ctx)
			room := newChannel(ctx, owner.Client, bob)

			r, err := call(ctx, owner.Client, "/api/v1/channels.kick", map[string]string{"roomId": room.ID, "userId": bob.ID})

			Expect(err).NotTo(HaveOccurred())
			var answer struct{ Channel rcclient.Room }
			Expect(jsonUnmarshal(r.Body, &answer)).To(Succeed())
			Expect(answer.Channel.ID).To(Equal(room.ID))
			Expect(answer.Channel.UsersCount).To(Equal(1))
			Expect(memberIDs(ctx, owner.Client, room)).NotTo(ContainElement(bob.ID))
			sub, err := bob.Subscription(ctx, room.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(sub).To(BeNil())
		})

		It("a moderator can kick a member of a group", func(ctx SpecContext) {
			bob, carol := newUser(ctx), newUser(ctx)
			room := newGroup(ctx, admin.Client, bob, carol)
			Expect(admin.AddRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())

			Expect(bob.Kick(ctx, room, carol.ID)).To(Succeed())

			Expect(memberIDs(ctx, admin.Client, room)).NotTo(ContainElement(carol.ID))
		})

		It("a plain member cannot kick", func(ctx SpecContext) {
			bob, carol := newUser(ctx), newUser(ctx)
			room := newGroup(ctx, admin.Client, bob, carol)

			err := bob.Kick(ctx, room, carol.ID)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"Not allowed [error-not-allowed]","errorType":"error-not-allowed","details":{"method":"removeUserFromRoom"}}`))
			Expect(memberIDs(ctx, admin.Client, room)).To(ContainElement(carol.ID))
		})

		It("the last owner cannot be kicked", func(ctx SpecContext) {
			owner, bob := newUser(ctx), newUser(ctx)
			room := newGroup(ctx, owner.Client, bob)
			Expect(owner.AddRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())

			err := bob.Kick(ctx, room, owner.ID)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"You are the last owner. Please set new owner before leaving the room. [error-you-are-last-owner]","errorType":"error-you-are-last-owner","details":{"method":"removeUserFromRoom"}}`))
		})

		It("kicking someone who is not in the group fails", func(ctx SpecContext) {
			owner := newUser(ctx)
			room := newGroup(ctx, owner.Client)

			err := owner.Kick(ctx, room, newUser(ctx).ID)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"User is not in this room [error-user-not-in-room]","errorType":"error-user-not-in-room","details":{"method":"removeUserFromRoom"}}`))
		})

		It("channels.kick names the user by userId only", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newChannel(ctx, admin.Client, bob)

			_, err := call(ctx, admin.Client, "/api/v1/channels.kick", map[string]string{"roomId": room.ID, "username": bob.Username})

			Expect(err).To(BeRocketChatError(http.StatusBadRequest, "invalid-params"))
			Expect(memberIDs(ctx, admin.Client, room)).To(ContainElement(bob.ID))
		})

		It("a kicked user comes back through an invite, which counts a use", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newGroup(ctx, admin.Client, bob)
			inv, err := admin.FindOrCreateInvite(ctx, room.ID, 7, 10)
			Expect(err).NotTo(HaveOccurred())
			Expect(admin.Kick(ctx, room, bob.ID)).To(Succeed())

			_, err = bob.UseInviteToken(ctx, inv.ID)

			Expect(err).NotTo(HaveOccurred())
			Expect(memberIDs(ctx, admin.Client, room)).To(ContainElement(bob.ID))
			Expect(usesOf(ctx, inv.ID)).To(Equal(1))
		})

		It("a kicked moderator comes back without the role", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newGroup(ctx, admin.Client, bob)
			Expect(admin.AddRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())
			Expect(admin.Kick(ctx, room, bob.ID)).To(Succeed())
			Expect(admin.InviteToGroup(ctx, room.ID, bob.ID)).To(Succeed())

			_, err := bob.FindOrCreateInvite(ctx, room.ID, 7, 10)

			Expect(err).To(BeRocketChatError(http.StatusBadRequest, "not_authorized"))
		})

		It("kicking a banned member deletes the ban", Label("since:8.3.0"), func(ctx SpecContext) {
			requireSince("8.3.0", "room bans (PR #39321)")
			carol := newUser(ctx)
			room := newGroup(ctx, admin.Client, carol)
			ban(ctx, room, carol)

			// [inferred] removeUserFromRoom finds the BANNED subscription (findOneByRoomIdAndUserId
			// does not look at status) and deletes it, the ban with it.
			Expect(admin.Kick(ctx, room, carol.ID)).To(Succeed())

			Expect(bannedIDs(ctx, room.ID)).NotTo(ContainElement(carol.ID))
			sub, err := carol.Subscription(ctx, room.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(sub).To(BeNil())
		})
	})

	Describe("leave", func() {
		It("a member leaves a group and cannot leave it twice", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newGroup(ctx, admin.Client, bob)

			Expect(bob.Leave(ctx, room)).To(Succeed())

			Expect(memberIDs(ctx, admin.Client, room)).NotTo(ContainElement(bob.ID))
			err := bob.LeaveRoom(ctx, room.ID)
			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"You are not in this room [error-user-not-in-room]","errorType":"error-user-not-in-room","details":{"method":"leaveRoom"}}`))
		})

		It("channels.leave answers the channel without the member", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newChannel(ctx, admin.Client, bob)

			r, err := call(ctx, bob.Client, "/api/v1/channels.leave", map[string]string{"roomId": room.ID})

			Expect(err).NotTo(HaveOccurred())
			var answer struct{ Channel rcclient.Room }
			Expect(jsonUnmarshal(r.Body, &answer)).To(Succeed())
			Expect(answer.Channel.ID).To(Equal(room.ID))
			Expect(answer.Channel.UsersCount).To(Equal(1))
		})

		It("rooms.leave leaves a channel too", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newChannel(ctx, admin.Client, bob)

			Expect(bob.LeaveRoom(ctx, room.ID)).To(Succeed())

			Expect(memberIDs(ctx, admin.Client, room)).NotTo(ContainElement(bob.ID))
		})

		It("the last owner cannot leave", func(ctx SpecContext) {
			owner := newUser(ctx)
			room := newGroup(ctx, owner.Client, newUser(ctx))

			err := owner.Leave(ctx, room)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"You are the last owner. Please set new owner before leaving the room. [error-you-are-last-owner]","errorType":"error-you-are-last-owner","details":{"method":"leaveRoom"}}`))
		})

		It("a departed member comes back through an invite, which counts a use", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newGroup(ctx, admin.Client, bob)
			inv, err := admin.FindOrCreateInvite(ctx, room.ID, 0, 5)
			Expect(err).NotTo(HaveOccurred())
			Expect(bob.Leave(ctx, room)).To(Succeed())

			_, err = bob.UseInviteToken(ctx, inv.ID)

			Expect(err).NotTo(HaveOccurred())
			Expect(usesOf(ctx, inv.ID)).To(Equal(1))
		})

		It("an invite of an owner who left keeps working", func(ctx SpecContext) {
			owner, bob := newUser(ctx), newUser(ctx)
			room := newGroup(ctx, owner.Client, bob)
			inv, err := owner.FindOrCreateInvite(ctx, room.ID, 7, 10)
			Expect(err).NotTo(HaveOccurred())
			Expect(owner.AddRoomRole(ctx, room, rcclient.Owner, bob.ID)).To(Succeed())
			Expect(owner.Leave(ctx, room)).To(Succeed())
			dave := newUser(ctx)

			_, err = dave.UseInviteToken(ctx, inv.ID)

			Expect(err).NotTo(HaveOccurred())
			Expect(memberIDs(ctx, bob.Client, room)).To(ContainElement(dave.ID))
		})

		It("a banned member cannot leave a group: it is not found for them", Label("since:8.3.0"), func(ctx SpecContext) {
			requireSince("8.3.0", "room bans (PR #39321)")
			carol := newUser(ctx)
			room := newGroup(ctx, admin.Client, carol)
			ban(ctx, room, carol)

			err := carol.Leave(ctx, room)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"The required \"roomId\" or \"roomName\" param provided does not match any group [error-room-not-found]","errorType":"error-room-not-found"}`))
			Expect(bannedIDs(ctx, room.ID)).To(ContainElement(carol.ID))
		})

		It("a banned member who leaves a channel leaves the ban behind too", Label("since:8.3.0"), func(ctx SpecContext) {
			requireSince("8.3.0", "room bans (PR #39321)")
			carol := newUser(ctx)
			room := newChannel(ctx, admin.Client, carol)
			ban(ctx, room, carol)

			// [inferred] channels.leave finds channels without an access check, and
			// leaveRoomMethod deletes the BANNED subscription it finds.
			Expect(carol.Leave(ctx, room)).To(Succeed())

			Expect(bannedIDs(ctx, room.ID)).NotTo(ContainElement(carol.ID))
		})

		It("a direct message cannot be left", func(ctx SpecContext) {
			bob := newUser(ctx)
			dm, err := admin.CreateDirectMessage(ctx, bob.Username)
			Expect(err).NotTo(HaveOccurred())

			err = bob.LeaveRoom(ctx, dm.Rid)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"Not allowed [error-not-allowed]","errorType":"error-not-allowed","details":{"method":"leaveRoom"}}`))
		})

		It("rooms.leave wants a roomId or a roomName", func(ctx SpecContext) {
			_, err := call(ctx, newUser(ctx).Client, "/api/v1/rooms.leave", map[string]any{})

			// A typed route: invalid-params without the legacy suffix.
			Expect(err).To(BeRocketChatError(http.StatusBadRequest, "invalid-params"))
			e, _ := asRCError(err)
			Expect(e.Message).NotTo(HaveSuffix("[invalid-params]"))
		})
	})

	Describe("info", func() {
		It("any user reads a channel's info", func(ctx SpecContext) {
			room := newChannel(ctx, admin.Client)

			info, err := newUser(ctx).ChannelInfo(ctx, room.ID)

			Expect(err).NotTo(HaveOccurred())
			Expect(info.ID).To(Equal(room.ID))
			Expect(info.T).To(Equal("c"))
		})

		It("a member reads a group's info", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newGroup(ctx, admin.Client, bob)

			info, err := bob.GroupInfo(ctx, room.ID)

			Expect(err).NotTo(HaveOccurred())
			Expect(info.UsersCount).To(Equal(2))
		})

		It("a group's info is not found for a user outside it", func(ctx SpecContext) {
			room := newGroup(ctx, admin.Client)

			_, err := newUser(ctx).GroupInfo(ctx, room.ID)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"The required \"roomId\" or \"roomName\" param provided does not match any group [error-room-not-found]","errorType":"error-room-not-found"}`))
		})

		It("channels.info does not find a group", func(ctx SpecContext) {
			room := newGroup(ctx, admin.Client)

			_, err := admin.ChannelInfo(ctx, room.ID)

			Expect(err).To(BeRocketChatError(http.StatusBadRequest, "error-room-not-found"))
		})
	})
})
