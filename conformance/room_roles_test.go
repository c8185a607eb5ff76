package conformance_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcinvite/rcinvite/conformance/rcclient"
)

// Room roles (owner, moderator, leader) decide who may create invites and ban: spec/SOURCES.md,
// "Room roles, membership, direct messages and user info".
var _ = Describe("room roles", func() {
	Describe("what a role allows", func() {
		It("an owner makes a member a moderator, who can then create invites", func(ctx SpecContext) {
			owner, bob := newUser(ctx), newUser(ctx)
			room := newGroup(ctx, owner.Client, bob)

			Expect(owner.AddRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())

			inv, err := bob.FindOrCreateInvite(ctx, room.ID, 7, 10)
			Expect(err).NotTo(HaveOccurred())
			Expect(inv.UserID).To(Equal(bob.ID))
		})

		It("a moderator of a public channel can create invites too", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newChannel(ctx, admin.Client, bob)
			Expect(admin.AddRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())

			_, err := bob.FindOrCreateInvite(ctx, room.ID, 1, 1)

			Expect(err).NotTo(HaveOccurred())
		})

		It("a moderator can ban a member", Label("since:8.3.0"), func(ctx SpecContext) {
			requireSince("8.3.0", "room bans (PR #39321)")
			bob, carol := newUser(ctx), newUser(ctx)
			room := newGroup(ctx, admin.Client, bob, carol)
			Expect(admin.AddRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())

			Expect(bob.BanUser(ctx, room.ID, carol.ID)).To(Succeed())

			Expect(bannedIDs(ctx, room.ID)).To(ContainElement(carol.ID))
		})

		It("a demoted moderator can no longer create invites", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newGroup(ctx, admin.Client, bob)
			Expect(admin.AddRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())
			Expect(admin.RemoveRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())

			_, err := bob.FindOrCreateInvite(ctx, room.ID, 7, 10)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"[not_authorized]","errorType":"not_authorized"}`))
		})

		It("a demoted moderator can no longer ban", Label("since:8.3.0"), func(ctx SpecContext) {
			requireSince("8.3.0", "room bans (PR #39321)")
			bob, carol := newUser(ctx), newUser(ctx)
			room := newGroup(ctx, admin.Client, bob, carol)
			Expect(admin.AddRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())
			Expect(admin.RemoveRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())

			err := bob.BanUser(ctx, room.ID, carol.ID)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"Not allowed"}`))
		})

		It("an invite made by a moderator still works after the moderator is demoted", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newGroup(ctx, admin.Client, bob)
			Expect(admin.AddRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())
			inv, err := bob.FindOrCreateInvite(ctx, room.ID, 7, 10)
			Expect(err).NotTo(HaveOccurred())
			Expect(admin.RemoveRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())
			dave := newUser(ctx)

			// useInviteToken looks at the invite, not at its creator's rights.
			_, err = dave.UseInviteToken(ctx, inv.ID)

			Expect(err).NotTo(HaveOccurred())
			Expect(memberIDs(ctx, admin.Client, room)).To(ContainElement(dave.ID))
			Expect(usesOf(ctx, inv.ID)).To(Equal(1))
		})

		It("a second owner can create invites and remove the first owner", func(ctx SpecContext) {
			owner, bob := newUser(ctx), newUser(ctx)
			room := newGroup(ctx, owner.Client, bob)
			Expect(owner.AddRoomRole(ctx, room, rcclient.Owner, bob.ID)).To(Succeed())

			Expect(bob.RemoveRoomRole(ctx, room, rcclient.Owner, owner.ID)).To(Succeed())

			_, err := bob.FindOrCreateInvite(ctx, room.ID, 7, 10)
			Expect(err).NotTo(HaveOccurred())
			_, err = owner.FindOrCreateInvite(ctx, room.ID, 7, 10)
			Expect(err).To(BeRocketChatError(http.StatusBadRequest, "not_authorized"))
		})

		It("a leader may not create invites", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newGroup(ctx, admin.Client, bob)
			Expect(admin.AddRoomRole(ctx, room, rcclient.Leader, bob.ID)).To(Succeed())

			_, err := bob.FindOrCreateInvite(ctx, room.ID, 7, 10)

			Expect(err).To(BeRocketChatError(http.StatusBadRequest, "not_authorized"))
		})
	})

	DescribeTable("every role route gives and takes its role, on channels and on groups",
		func(ctx SpecContext, public bool, role rcclient.RoomRole, name string) {
			create := newGroup
			if public {
				create = newChannel
			}
			bob := newUser(ctx)
			room := create(ctx, admin.Client, bob)

			Expect(admin.AddRoomRole(ctx, room, role, bob.ID)).To(Succeed())
			sub, err := bob.Subscription(ctx, room.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(sub.Roles).To(ConsistOf(name))
			Expect(admin.RemoveRoomRole(ctx, room, role, bob.ID)).To(Succeed())
			sub, err = bob.Subscription(ctx, room.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(sub.Roles).To(BeEmpty())
		},
		Entry("channels.addOwner / removeOwner", true, rcclient.Owner, "owner"),
		Entry("channels.addModerator / removeModerator", true, rcclient.Moderator, "moderator"),
		Entry("channels.addLeader / removeLeader", true, rcclient.Leader, "leader"),
		Entry("groups.addOwner / removeOwner", false, rcclient.Owner, "owner"),
		Entry("groups.addModerator / removeModerator", false, rcclient.Moderator, "moderator"),
		Entry("groups.addLeader / removeLeader", false, rcclient.Leader, "leader"),
	)

	Describe("who may give roles", func() {
		It("a plain member cannot make others moderators", func(ctx SpecContext) {
			bob, carol := newUser(ctx), newUser(ctx)
			room := newGroup(ctx, admin.Client, bob, carol)

			err := bob.AddRoomRole(ctx, room, rcclient.Moderator, carol.ID)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"Not allowed [error-not-allowed]","errorType":"error-not-allowed","details":{"method":"addRoomModerator"}}`))
		})

		It("a moderator cannot make owners (set-owner is the admins' and owners')", func(ctx SpecContext) {
			bob, carol := newUser(ctx), newUser(ctx)
			room := newGroup(ctx, admin.Client, bob, carol)
			Expect(admin.AddRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())

			err := bob.AddRoomRole(ctx, room, rcclient.Owner, carol.ID)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"Not allowed [error-not-allowed]","errorType":"error-not-allowed","details":{"method":"addRoomOwner"}}`))
		})

		It("a user who is not in a group cannot find it to give roles", func(ctx SpecContext) {
			owner, carol := newUser(ctx), newUser(ctx)
			room := newGroup(ctx, owner.Client, carol)

			err := newUser(ctx).AddRoomRole(ctx, room, rcclient.Moderator, carol.ID)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"The required \"roomId\" or \"roomName\" param provided does not match any group [error-room-not-found]","errorType":"error-room-not-found"}`))
		})
	})

	Describe("the methods' refusals", func() {
		It("a user who is not in the room cannot become a moderator", func(ctx SpecContext) {
			room := newGroup(ctx, admin.Client)

			err := admin.AddRoomRole(ctx, room, rcclient.Moderator, newUser(ctx).ID)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"User is not in this room [error-user-not-in-room]","errorType":"error-user-not-in-room","details":{"method":"addRoomModerator"}}`))
		})

		It("a moderator cannot be made a moderator again", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newChannel(ctx, admin.Client, bob)
			Expect(admin.AddRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())

			err := admin.AddRoomRole(ctx, room, rcclient.Moderator, bob.ID)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"User is already a moderator [error-user-already-moderator]","errorType":"error-user-already-moderator","details":{"method":"addRoomModerator"}}`))
		})

		It("the last owner cannot be removed", func(ctx SpecContext) {
			owner := newUser(ctx)
			room := newGroup(ctx, owner.Client)

			err := owner.RemoveRoomRole(ctx, room, rcclient.Owner, owner.ID)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"This is the last owner. Please set a new owner before removing this one. [error-remove-last-owner]","errorType":"error-remove-last-owner","details":{"method":"removeRoomOwner"}}`))
		})

		It("a member who is no owner cannot lose the owner role", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newGroup(ctx, admin.Client, bob)

			err := admin.RemoveRoomRole(ctx, room, rcclient.Owner, bob.ID)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"User is not an owner [error-user-not-owner]","errorType":"error-user-not-owner","details":{"method":"removeRoomOwner"}}`))
		})

		It("taking the moderator role from a member who never had a role succeeds", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newGroup(ctx, admin.Client, bob)

			// removeRoomModerator tests `subscription.roles && …`: no roles key passes.
			Expect(admin.RemoveRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())
		})

		It("after the last role is taken the roles list stays, empty, and the role cannot be taken again", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newGroup(ctx, admin.Client, bob)
			Expect(admin.AddRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())
			Expect(admin.RemoveRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())

			sub, err := bob.Subscription(ctx, room.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(sub.Roles).NotTo(BeNil(), "a $pull leaves roles: []")
			Expect(sub.Roles).To(BeEmpty())
			err = admin.RemoveRoomRole(ctx, room, rcclient.Moderator, bob.ID)
			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"User is not a moderator [error-user-not-moderator]","errorType":"error-user-not-moderator","details":{"method":"removeRoomModerator"}}`))
		})

		It("a leader role can be given and taken", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newChannel(ctx, admin.Client, bob)
			Expect(admin.AddRoomRole(ctx, room, rcclient.Leader, bob.ID)).To(Succeed())

			err := admin.AddRoomRole(ctx, room, rcclient.Leader, bob.ID)
			Expect(err).To(BeRocketChatError(http.StatusBadRequest, "error-user-already-leader"))
			Expect(admin.RemoveRoomRole(ctx, room, rcclient.Leader, bob.ID)).To(Succeed())
			err = admin.RemoveRoomRole(ctx, room, rcclient.Leader, bob.ID)
			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"User is not a leader [error-user-not-leader]","errorType":"error-user-not-leader","details":{"method":"removeRoomLeader"}}`))
		})

		It("a public channel's role routes do not find private groups", func(ctx SpecContext) {
			room := newGroup(ctx, admin.Client)
			asChannel := rcclient.Room{ID: room.ID, T: "c"}

			err := admin.AddRoomRole(ctx, asChannel, rcclient.Owner, adminID)

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"The required \"roomId\" or \"roomName\" param provided does not match any channel [error-room-not-found]","errorType":"error-room-not-found"}`))
		})

		It("an unknown user is refused by getUserFromParams", func(ctx SpecContext) {
			room := newGroup(ctx, admin.Client)

			err := admin.AddRoomRole(ctx, room, rcclient.Owner, "no-such-user")

			Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"error":"The required \"userId\" or \"username\" param provided does not match any users [error-invalid-user]","errorType":"error-invalid-user"}`))
		})
	})

	Describe("where roles show", func() {
		It("channels.roles lists the owner and the moderators with their roles", func(ctx SpecContext) {
			owner, bob, carol := newUser(ctx), newUser(ctx), newUser(ctx)
			room := newChannel(ctx, owner.Client, bob, carol)
			Expect(owner.AddRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())
			Expect(owner.AddRoomRole(ctx, room, rcclient.Leader, bob.ID)).To(Succeed())

			roles, err := carol.RoomRoles(ctx, room)

			Expect(err).NotTo(HaveOccurred())
			Expect(roles).To(ConsistOf(
				And(HaveField("U.ID", owner.ID), HaveField("Rid", room.ID), HaveField("Roles", ConsistOf("owner"))),
				And(HaveField("U.ID", bob.ID), HaveField("Roles", ConsistOf("moderator", "leader"))),
			))
		})

		It("groups.roles is refused to a user who is not in the group", func(ctx SpecContext) {
			room := newGroup(ctx, admin.Client)

			_, err := newUser(ctx).RoomRoles(ctx, room)

			Expect(err).To(BeRocketChatError(http.StatusBadRequest, "error-room-not-found"))
		})

		It("channels.roles wants exactly one of roomId and roomName", func(ctx SpecContext) {
			r, err := admin.Do(ctx, http.MethodGet, "/api/v1/channels.roles", nil, nil)

			Expect(err).NotTo(HaveOccurred())
			// A legacy route with validateParams: the Ajv messages, then " [invalid-params]".
			Expect(rcclient.ErrorOf(r)).To(BeRocketChatError(http.StatusBadRequest, "invalid-params"))
			Expect(rcclient.ErrorOf(r).Message).To(HaveSuffix(" [invalid-params]"))
		})

		It("a member's roles show on their subscription", func(ctx SpecContext) {
			bob := newUser(ctx)
			room := newGroup(ctx, admin.Client, bob)
			Expect(admin.AddRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())

			sub, err := bob.Subscription(ctx, room.ID)

			Expect(err).NotTo(HaveOccurred())
			Expect(sub.Roles).To(ConsistOf("moderator"))
		})

		It("a ban takes the member's room roles", Label("since:8.3.0"), func(ctx SpecContext) {
			requireSince("8.3.0", "room bans (PR #39321)")
			bob := newUser(ctx)
			room := newGroup(ctx, admin.Client, bob)
			Expect(admin.AddRoomRole(ctx, room, rcclient.Moderator, bob.ID)).To(Succeed())

			ban(ctx, room, bob)

			sub, err := bob.Subscription(ctx, room.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(sub.Roles).NotTo(ContainElement("moderator"))
			roles, err := admin.RoomRoles(ctx, room)
			Expect(err).NotTo(HaveOccurred())
			Expect(roles).NotTo(ContainElement(HaveField("U.ID", bob.ID)))
		})
	})
})
