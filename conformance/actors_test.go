package conformance_test

import (
	"context"
	"fmt"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcinvite/rcinvite/conformance/rcclient"
	"github.com/rcinvite/rcinvite/conformance/target"
)

// userPassword satisfies a password policy, should the server have one.
const userPassword = "Rc-Invite-2026!pass"

var nameSeq atomic.Int64

// uniqueName returns a name no other spec, process or run uses: cf<run>-p<process>-<kind><n>.
func uniqueName(kind string) string {
	return fmt.Sprintf("cf%s-p%d-%s%d", runID, GinkgoParallelProcess(), kind, nameSeq.Add(1))
}

// actor is a user the spec created, logged in.
type actor struct {
	*rcclient.Client
	rcclient.User
}

// newUser creates a user through the admin (users.create) and logs them in.
func newUser(ctx context.Context) *actor {
	GinkgoHelper()
	name := uniqueName("u")
	u, err := admin.CreateUser(ctx, rcclient.NewUser{
		Email: name + "@example.com", Name: "User " + name, Password: userPassword, Username: name,
		Verified: ptr(true),
	})
	Expect(err).NotTo(HaveOccurred(), "users.create %s", name)
	Expect(u.ID).NotTo(BeEmpty())
	cleanUp(func(ctx context.Context) error { return admin.DeleteUser(ctx, u.ID) })
	c, err := anon.Login(ctx, name, userPassword)
	Expect(err).NotTo(HaveOccurred(), "log in as %s", name)
	Expect(c.UserID()).To(Equal(u.ID))
	return &actor{Client: c, User: u}
}

// newGroup creates a private group owned by creator, with members.
func newGroup(ctx context.Context, creator *rcclient.Client, members ...*actor) rcclient.Room {
	GinkgoHelper()
	r, err := creator.CreateGroup(ctx, uniqueName("g"), usernames(members)...)
	Expect(err).NotTo(HaveOccurred(), "groups.create")
	Expect(r.T).To(Equal("p"))
	cleanUp(func(ctx context.Context) error { return admin.DeleteGroup(ctx, r.ID) })
	return r
}

// newChannel creates a public channel owned by creator, with members.
func newChannel(ctx context.Context, creator *rcclient.Client, members ...*actor) rcclient.Room {
	GinkgoHelper()
	r, err := creator.CreateChannel(ctx, uniqueName("c"), usernames(members)...)
	Expect(err).NotTo(HaveOccurred(), "channels.create")
	Expect(r.T).To(Equal("c"))
	cleanUp(func(ctx context.Context) error { return admin.DeleteChannel(ctx, r.ID) })
	return r
}

// cleanUp deletes what a spec created on servers that outlive the run; a sandbox is thrown
// away whole. Rocket.Chat error answers are ignored (the spec may have deleted it already);
// contract violations still fail.
func cleanUp(f func(context.Context) error) {
	if tgt.Has(target.Sandboxes) {
		return
	}
	DeferCleanup(func(ctx SpecContext) {
		_ = f(ctx)
	})
}

func usernames(as []*actor) []string {
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = a.Username
	}
	return names
}

// invite is the stored invite with this id, as an admin lists it.
func invite(ctx context.Context, id string) rcclient.Invite {
	GinkgoHelper()
	all, err := admin.ListInvites(ctx)
	Expect(err).NotTo(HaveOccurred())
	for _, inv := range all {
		if inv.ID == id {
			return inv
		}
	}
	Fail(fmt.Sprintf("invite %s is not in listInvites", id))
	return rcclient.Invite{}
}

// usesOf is the stored uses counter of an invite.
func usesOf(ctx context.Context, id string) int {
	GinkgoHelper()
	return invite(ctx, id).Uses
}

// memberIDs lists the ids of a room's members (channels.members or groups.members by type)
// as viewer sees them.
func memberIDs(ctx context.Context, viewer *rcclient.Client, room rcclient.Room) []string {
	GinkgoHelper()
	var m rcclient.Members
	var err error
	if room.T == "c" {
		m, err = viewer.ChannelMembers(ctx, room.ID)
	} else {
		m, err = viewer.GroupMembers(ctx, room.ID)
	}
	Expect(err).NotTo(HaveOccurred())
	ids := make([]string, len(m.Members))
	for i, u := range m.Members {
		ids[i] = u.ID
	}
	return ids
}

// bannedIDs lists the ids of a room's banned users.
func bannedIDs(ctx context.Context, roomID string) []string {
	GinkgoHelper()
	b, err := admin.BannedUsers(ctx, roomID)
	Expect(err).NotTo(HaveOccurred())
	ids := make([]string, len(b.BannedUsers))
	for i, u := range b.BannedUsers {
		ids[i] = u.ID
	}
	return ids
}

// ban bans a member of room through the admin.
func ban(ctx context.Context, room rcclient.Room, who *actor) {
	GinkgoHelper()
	Expect(admin.BanUser(ctx, room.ID, who.ID)).To(Succeed(), "rooms.banUser %s", who.Username)
}

func ptr[T any](v T) *T { return &v }
