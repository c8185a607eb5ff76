package world

import "slices"

// permissions are Rocket.Chat's default role grants for the permissions the mock checks
// (apps/meteor/server/lib/authorization/constant/permissions.ts). owner, moderator and leader
// are room-scoped roles held on subscriptions; the others are global roles held on users.
var permissions = map[string][]string{
	"create-invite-links":     {"admin", "owner", "moderator"},
	"ban-user":                {"admin", "owner", "moderator"},
	"bulk-register-user":      {"admin"},
	"create-user":             {"admin"},
	"delete-user":             {"admin"},
	"create-c":                {"admin", "user", "bot", "app"},
	"create-p":                {"admin", "user", "bot", "app"},
	"delete-c":                {"admin", "owner"},
	"delete-p":                {"admin", "owner"},
	"add-user-to-joined-room": {"admin", "owner", "moderator"},
	"add-user-to-any-c-room":  {"admin"},
	"add-user-to-any-p-room":  {},
	"view-c-room":             {"admin", "user", "bot", "app", "anonymous"},
	"api-bypass-rate-limit":   {"admin", "bot", "app"},
	"view-statistics":         {"admin"},
	"assign-admin-role":       {"admin"},

	// Room roles, membership, direct messages and user info.
	"set-owner":                 {"admin", "owner"},
	"set-moderator":             {"admin", "owner"},
	"set-leader":                {"admin", "owner"},
	"remove-user":               {"admin", "owner", "moderator"},
	"kick-user-from-any-c-room": {"admin"},
	"kick-user-from-any-p-room": {},
	"leave-c":                   {"admin", "user", "bot", "anonymous", "app"},
	"leave-p":                   {"admin", "user", "bot", "anonymous", "app"},
	"create-d":                  {"admin", "user", "bot", "app"},
	"view-d-room":               {"admin", "user", "bot", "app", "guest"},
	"view-full-other-user-info": {"admin"},
	"view-other-user-channels":  {"admin"},
	"view-room-administration":  {"admin"},
}

// grantingRole is the first of roles that perm is granted to.
func grantingRole(roles []string, perm string) (string, bool) {
	for _, r := range roles {
		if slices.Contains(permissions[perm], r) {
			return r, true
		}
	}
	return "", false
}

// memberAction is allowMemberAction for the actions the mock knows (INVITE, BAN): refused in
// direct rooms. [inferred: federated and omnichannel rooms are not modelled]
func memberActionAllowed(r *Room) bool { return r.T != "d" }
