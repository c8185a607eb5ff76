package world

import (
	"fmt"
	"testing"

	"github.com/rcinvite/rcinvite/fixtures"
	"github.com/rcinvite/rcinvite/mockserver/explain"
)

// benchWorld returns the default world with extra invites (none of them reusable by the
// admin's ProjectX/7/10 request) and extra login tokens of alice, whose last token is returned.
func benchWorld(b *testing.B, invites, logins int) (*World, string) {
	b.Helper()
	w, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	s := w.Export()
	now := dateOf(w.Clock().Now())
	for i := range invites {
		s.Invites = append(s.Invites, Invite{ID: fmt.Sprintf("bench%07d", i), Rid: "GENERAL", UserID: "bob",
			Days: 0, MaxUses: 0, CreatedAt: now, UpdatedAt: now})
	}
	token := "alice-token"
	for i := range s.Users {
		if s.Users[i].ID != "alice" {
			continue
		}
		for j := range logins {
			token = fmt.Sprintf("bench-login-%d", j)
			s.Users[i].LoginTokens = append(s.Users[i].LoginTokens, LoginToken{HashedToken: hashLoginToken(token), When: now})
		}
	}
	if err := w.Import(s); err != nil {
		b.Fatal(err)
	}
	return w, token
}

// BenchmarkFindOrCreateInvite reuses the admin's fixture invite PrjXok among n other invites.
func BenchmarkFindOrCreateInvite(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("invites=%d", n), func(b *testing.B) {
			w, _ := benchWorld(b, n, 0)
			b.ReportAllocs()
			for b.Loop() {
				inv, err := w.FindOrCreateInvite(admin, "ProjectX", 7, 10)
				if err != nil || inv.ID != "PrjXok" {
					b.Fatalf("FindOrCreateInvite = %v, %v; want PrjXok", inv, err)
				}
			}
		})
	}
}

// BenchmarkAuthenticate checks alice's most recent token when she holds n login tokens.
func BenchmarkAuthenticate(b *testing.B) {
	for _, n := range []int{1, 1000} {
		b.Run(fmt.Sprintf("logins=%d", n), func(b *testing.B) {
			w, token := benchWorld(b, 0, n)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := w.Authenticate("alice", token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkResume logs in with alice's most recent token when she holds n login tokens.
func BenchmarkResume(b *testing.B) {
	for _, n := range []int{1, 1000} {
		b.Run(fmt.Sprintf("logins=%d", n), func(b *testing.B) {
			w, token := benchWorld(b, 0, n)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := w.Login(Credentials{Resume: token}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRoomMembers lists ProjectX's members while n subscriptions to other rooms exist.
func BenchmarkRoomMembers(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("subscriptions=%d", n), func(b *testing.B) {
			w, _ := benchWorld(b, 0, 0)
			s := w.Export()
			now := dateOf(w.Clock().Now())
			for i := range n {
				rid := fmt.Sprintf("bench-room-%d", i)
				s.Rooms = append(s.Rooms, Room{ID: rid, T: "c", Name: rid, UsersCount: 1, Ts: now, UpdatedAt: now})
				s.Subscriptions = append(s.Subscriptions, Subscription{ID: rid + "-bob", Rid: rid, U: UserRef{ID: "bob", Username: "bob"},
					Name: rid, T: "c", Ts: now, Ls: now, UpdatedAt: now})
			}
			if err := w.Import(s); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				m, err := w.RoomMembers(admin, Group, RoomSelector{ID: "ProjectX"}, Page{})
				if err != nil || m.Total != 2 {
					b.Fatalf("RoomMembers = %+v, %v; want 2 members", m, err)
				}
			}
		})
	}
}

// BenchmarkNew makes a world on a shared fixture set and, in "first-use", runs its first
// operation, which builds its data: what opening a sandbox and its first request cost in the
// world itself (without HTTP and the control API).
func BenchmarkNew(b *testing.B) {
	shared := fixtures.Default()
	b.Run("pending", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := New(Options{Fixtures: shared}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("first-use", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w, err := New(Options{Fixtures: shared})
			if err != nil {
				b.Fatal(err)
			}
			if !w.ValidateInviteToken("PrjXok") {
				b.Fatal("PrjXok is not valid")
			}
		}
	})
}

// BenchmarkTrace prices recording the steps of useInviteToken (alice, a member, Forevr),
// validateInviteToken (PrjXok), a room role given and taken back (the admin makes alice a
// leader of ProjectX and unmakes her) and im.create of an existing direct message (bob and
// alice) in the world alone: untraced, and traced into an empty trace per call as the mock
// does.
func BenchmarkTrace(b *testing.B) {
	w, _ := benchWorld(b, 0, 0)
	calls := []struct {
		name string
		run  func(w *World)
	}{
		{"useInviteToken", func(w *World) {
			if _, err := w.UseInviteToken("alice", "Forevr"); err != nil {
				b.Fatal(err)
			}
		}},
		{"validateInviteToken", func(w *World) {
			if !w.ValidateInviteToken("PrjXok") {
				b.Fatal("PrjXok is not valid")
			}
		}},
		{"addRemoveLeader", func(w *World) {
			sel, alice := RoomSelector{ID: "ProjectX"}, UserSelector{Username: "alice"}
			if err := w.AddRoomRole(admin, Group, sel, alice, Leader); err != nil {
				b.Fatal(err)
			}
			if err := w.RemoveRoomRole(admin, Group, sel, alice, Leader); err != nil {
				b.Fatal(err)
			}
		}},
		{"imCreate", func(w *World) {
			if _, err := w.CreateDirectMessage("bob", []string{"alice"}, false); err != nil {
				b.Fatal(err)
			}
		}},
	}
	for _, c := range calls {
		b.Run(c.name+"/untraced", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.run(w)
			}
		})
		b.Run(c.name+"/traced", func(b *testing.B) {
			// As mockserver/api does: the trace lives in a request's memory, the handle in its call.
			var tr explain.Trace
			b.ReportAllocs()
			for b.Loop() {
				tr = explain.Trace{}
				h := *w.Explain(&tr)
				c.run(&h)
			}
		})
	}
}
