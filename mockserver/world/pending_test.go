package world

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rcinvite/rcinvite/fixtures"
)

// worldOn returns a world on the shared fixture set fx, its clock frozen at start.
func worldOn(t *testing.T, fx *fixtures.Set) *World {
	t.Helper()
	return frozenWorld(t, Options{Fixtures: fx})
}

// operations are every exported method of *World, each with what it does to the data. A
// method missing here fails TestEveryOperationLeavesTheSharedFixturesAlone: say what the new
// one does, and exercise it in that test when it changes data.
var operations = map[string]string{
	"Authenticate": "reads", "BannedUsers": "reads", "Clock": "no data", "Export": "reads",
	"Info": "no data", "ListInvites": "reads", "Me": "reads", "Record": "no data",
	"RoomInfo": "reads", "RoomMembers": "reads", "SendInvitationEmail": "reads",
	"Subscription": "reads", "SubscriptionsGetOne": "reads", "Sync": "no data", "ValidateInviteToken": "reads", "Version": "no data",
	"RoomOf": "reads", "RoomRoles": "reads", "RoomsSince": "reads", "SubscriptionsSince": "reads",
	"UserInfo": "reads", "ServerInfo": "reads", "CheckRateLimit": "reads", "Settings": "no data",
	"SetSettings": "no data", "Counts": "reads", "Overview": "reads", "Explain": "no data",
	"Epoch": "no data", "Snapshot": "reads", "SyncSince": "no data", "Stored": "reads",

	"Ban": "writes", "CreateRoom": "writes", "CreateUser": "writes", "DeleteRoom": "writes",
	"DeleteUser": "writes", "FindOrCreateInvite": "writes", "Import": "writes",
	"InviteToRoom": "writes", "JoinChannel": "writes", "Login": "writes", "Logout": "writes",
	"RemoveInvite": "writes", "Reset": "writes", "SetVersion": "writes", "Unban": "writes",
	"UseInviteToken": "writes", "AddRoomRole": "writes", "RemoveRoomRole": "writes", "Kick": "writes",
	"Leave": "writes", "CreateDirectMessage": "writes", "ImportSnapshot": "writes", "Rollback": "writes",
}

// TestEveryOperationLeavesTheSharedFixturesAlone runs every operation that writes, with
// success, in one of three worlds on one fixture set: the set is unchanged afterwards and the
// other worlds still hold exactly the fixtures, whether they were built before or after.
func TestEveryOperationLeavesTheSharedFixturesAlone(t *testing.T) {
	var missing []string
	for i := range reflect.TypeFor[*World]().NumMethod() {
		if name := reflect.TypeFor[*World]().Method(i).Name; operations[name] == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("World methods %v are not in operations: add them, and exercise those that write below", missing)
	}

	shared, pristine := fixtures.Default().Clone(), fixtures.Default().Clone()
	built := worldOn(t, shared) // its data are built before the writes start
	want := built.Export()
	w := worldOn(t, shared)
	late := worldOn(t, shared) // its data are built only after them

	ok := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	done := map[string]bool{}
	run := func(name string, err error) { t.Helper(); ok(name, err); done[name] = true }

	_, err := w.Login(Credentials{User: "bob", Password: "rocket.chat"})
	run("Login", err)
	run("Logout", w.Logout("bob", "bob-token"))
	_, err = w.CreateUser(admin, NewUser{Email: "dave@example.com", Name: "Dave", Password: "pw", Username: "dave"})
	run("CreateUser", err)
	_, err = w.CreateRoom(admin, Group, NewRoom{Name: "ops", Members: []string{"bob"}})
	run("CreateRoom", err)
	_, err = w.InviteToRoom(admin, Group, RoomSelector{Name: "project-x"}, UserSelector{Username: "dave"})
	run("InviteToRoom", err)
	_, err = w.CreateRoom(admin, Channel, NewRoom{Name: "town"})
	ok("CreateRoom channel", err)
	_, err = w.JoinChannel("bob", RoomSelector{Name: "town"})
	run("JoinChannel", err)
	run("AddRoomRole", w.AddRoomRole(admin, Channel, RoomSelector{Name: "town"}, UserSelector{Username: "bob"}, Moderator))
	run("RemoveRoomRole", w.RemoveRoomRole(admin, Channel, RoomSelector{Name: "town"}, UserSelector{Username: "bob"}, Moderator))
	_, err = w.Kick(admin, Channel, RoomSelector{Name: "town"}, UserSelector{Username: "bob"})
	run("Kick", err)
	_, err = w.Leave("bob", Channel, RoomSelector{Name: "general"})
	run("Leave", err)
	_, err = w.CreateDirectMessage(admin, []string{"bob"}, false)
	run("CreateDirectMessage", err)
	run("Ban", w.Ban(admin, "ProjectX", UserSelector{Username: "alice"}))
	run("Unban", w.Unban(admin, "ProjectX", UserSelector{Username: "carol"}))
	inv, err := w.FindOrCreateInvite(admin, "ProjectX", 15, 5)
	run("FindOrCreateInvite", err)
	_, err = w.UseInviteToken("bob", inv.ID)
	run("UseInviteToken", err)
	_, err = w.UseInviteToken("bob", "Forevr")
	ok("UseInviteToken Forevr", err)
	run("RemoveInvite", w.RemoveInvite(admin, "PrjXok"))
	run("DeleteRoom", w.DeleteRoom(admin, Group, RoomSelector{Name: "ops"}))
	run("DeleteUser", w.DeleteUser(admin, UserSelector{Username: "dave"}))
	run("SetVersion", w.SetVersion("8.3.0"))
	changed := w.Export()
	run("Reset", w.Reset())
	_, err = w.Login(Credentials{User: "carol", Password: "rocket.chat"}) // writes into the rebuilt data
	ok("Login after Reset", err)
	run("Import", w.Import(changed))
	run("ImportSnapshot", w.ImportSnapshot(w.Snapshot()))
	run("Rollback", w.Rollback(func() (State, Recorder, error) { return changed, nil, nil }))
	_, err = w.UseInviteToken("alice", "Forevr") // writes into imported data
	ok("UseInviteToken after Import", err)

	for name, what := range operations {
		if what == "writes" && !done[name] {
			t.Errorf("%s writes but is not exercised here", name)
		}
	}
	if !reflect.DeepEqual(shared, pristine) {
		t.Errorf("the writes changed the shared fixture set:\n%+v\nwant\n%+v", shared, pristine)
	}
	for name, other := range map[string]*World{"built before": built, "built after": late} {
		if got := other.Export(); !reflect.DeepEqual(got, want) {
			t.Errorf("the world %s the writes does not hold the fixtures:\n%+v\nwant\n%+v", name, got, want)
		}
	}
	if reflect.DeepEqual(changed, want) {
		t.Errorf("the writes changed nothing: the test exercises nothing")
	}
}

// TestAPendingWorldIsTheWorldItWouldHaveBeen: a world used for the first time an hour after it
// was made, its clock moved meanwhile, holds the fixtures dated when it was made, like a world
// built at once; a reset dates them at the reset.
func TestAPendingWorldIsTheWorldItWouldHaveBeen(t *testing.T) {
	eager := worldOn(t, nil)
	eagerState := eager.Export()
	lazy := worldOn(t, nil)
	lazy.Clock().Advance(time.Hour)
	if got := lazy.Export(); !reflect.DeepEqual(got, eagerState) {
		t.Errorf("used an hour later:\n%+v\nwant the world as made\n%+v", got, eagerState)
	}
	if err := lazy.Reset(); err != nil {
		t.Fatal(err)
	}
	lazy.Clock().Advance(time.Hour)
	i := slices.IndexFunc(fixtures.Default().Invites, func(f fixtures.Invite) bool { return f.Token == "Expird" })
	created := invite(t, lazy, "Expird").CreatedAt.Time()
	if want := start.Add(time.Hour).Add(-fixtures.Default().Invites[i].Age); !created.Equal(want) {
		t.Errorf("after a reset at start+1h, Expird was created at %s, want %s (its age before the reset)", created, want)
	}
}

// dataless are the functions allowed to take w.mutex directly, and the operations allowed
// to take it without building a pending world's data (they touch none).
var (
	mutexUsers   = []string{"lock", "lockSettings", "unlock", "Rollback"} // Rollback replaces the data unrecorded
	settingsOnly = []string{"Version", "SetVersion", "Info", "Sync", "Reset", "Counts", "Epoch",
		"Record", "Stored", "Import"} // Stored reads the data through Export; Import builds them through ImportSnapshot
)

// TestEveryOperationLocksThroughLock reads the package's source: only lock, lockSettings and
// unlock touch w.mutex, and only operations that read or write no data use lockSettings, so
// no operation can reach a pending world's (empty) data without building them first.
func TestEveryOperationLocksThroughLock(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, isFunc := d.(*ast.FuncDecl)
			if !isFunc || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				sel, isSel := n.(*ast.SelectorExpr)
				if !isSel {
					return true
				}
				switch inner, _ := sel.X.(*ast.SelectorExpr); {
				case inner != nil && inner.Sel.Name == "mutex" && !slices.Contains(mutexUsers, fn.Name.Name):
					t.Errorf("%s: %s uses w.mutex.%s directly: lock through w.lock() (or w.lockSettings() when it touches no data)",
						fset.Position(sel.Pos()), fn.Name.Name, sel.Sel.Name)
				case sel.Sel.Name == "lockSettings" && !slices.Contains(settingsOnly, fn.Name.Name) && fn.Name.Name != "lockSettings":
					t.Errorf("%s: %s locks with lockSettings, which does not build a pending world's data: use w.lock()",
						fset.Position(sel.Pos()), fn.Name.Name)
				}
				return true
			})
		}
	}
}
