package rcclient

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Info is the answer of GET /api/info.
type Info struct {
	Version string `json:"version"` // "8.4" on a real server (patch removed)
	// Info is sent to administrators only; its Version has the patch number ("8.4.0").
	Info *struct {
		Version string `json:"version"`
	} `json:"info,omitempty"`
}

// FullVersion is the most precise version the answer carries: info.version for an
// administrator, else version.
func (i Info) FullVersion() string {
	if i.Info != nil && i.Info.Version != "" {
		return i.Info.Version
	}
	return i.Version
}

// Version is a Rocket.Chat version, major.minor.patch; a missing patch is 0.
type Version struct{ Major, Minor, Patch int }

// ParseVersion reads "8.4", "8.4.0" or "8.4.0-rc.1" (pre-release suffixes are ignored).
func ParseVersion(s string) (Version, error) {
	core, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(s), "v"), "-")
	parts := strings.Split(core, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("version %q: want major.minor[.patch]", s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return Version{}, fmt.Errorf("version %q: %q is not a number", s, p)
		}
		n[i] = v
	}
	return Version{n[0], n[1], n[2]}, nil
}

// AtLeast reports whether v is o or later.
func (v Version) AtLeast(o Version) bool {
	if v.Major != o.Major {
		return v.Major > o.Major
	}
	if v.Minor != o.Minor {
		return v.Minor > o.Minor
	}
	return v.Patch >= o.Patch
}

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// Login is the data of a successful POST /api/v1/login.
type Login struct {
	UserID    string         `json:"userId"`
	AuthToken string         `json:"authToken"`
	Me        map[string]any `json:"me"`
}

// NewUser is the body of POST /api/v1/users.create.
type NewUser struct {
	Email               string   `json:"email"`
	Name                string   `json:"name"`
	Password            string   `json:"password"`
	Username            string   `json:"username"`
	Roles               []string `json:"roles,omitempty"`
	JoinDefaultChannels *bool    `json:"joinDefaultChannels,omitempty"`
	Verified            *bool    `json:"verified,omitempty"`
}

// User is a user as Rocket.Chat lists it.
type User struct {
	ID       string `json:"_id"`
	Username string `json:"username"`
	Name     string `json:"name,omitempty"`
}

// Room is a channel or group as Rocket.Chat returns it.
type Room struct {
	ID         string    `json:"_id"`
	T          string    `json:"t"`
	Name       string    `json:"name,omitempty"`
	Fname      string    `json:"fname,omitempty"`
	UsersCount int       `json:"usersCount"`
	UpdatedAt  time.Time `json:"_updatedAt"`
}

// Subscription is the caller's subscription to a room (GET subscriptions.getOne).
type Subscription struct {
	ID  string `json:"_id"`
	Rid string `json:"rid"`
	// Status is "BANNED" for a banned user; nil when the key is absent, as after a re-invite.
	Status *string `json:"status"`
	// Roles are the room roles; nil when the key is absent (a plain member), empty after the
	// last role was removed.
	Roles     []string  `json:"roles"`
	UpdatedAt time.Time `json:"_updatedAt"`
}

// Invite is an invite link (IInvite); its ID is the token in 8.4.0.
type Invite struct {
	ID        string     `json:"_id"`
	Rid       string     `json:"rid"`
	UserID    string     `json:"userId"`
	Days      int        `json:"days"`
	MaxUses   int        `json:"maxUses"`
	Uses      int        `json:"uses"`
	CreatedAt time.Time  `json:"createdAt"`
	Expires   *time.Time `json:"expires"`
	URL       string     `json:"url"`
	UpdatedAt time.Time  `json:"_updatedAt"`
}

// InviteRoom is the room useInviteToken answers with.
type InviteRoom struct {
	Rid   string `json:"rid"`
	Prid  string `json:"prid,omitempty"`
	Fname string `json:"fname,omitempty"`
	Name  string `json:"name,omitempty"`
	T     string `json:"t"`
}

// Page is the paging envelope of list answers.
type Page struct {
	Count  int `json:"count"`
	Offset int `json:"offset"`
	Total  int `json:"total"`
}

// BannedUsers is the answer of GET rooms.bannedUsers.
type BannedUsers struct {
	BannedUsers []User `json:"bannedUsers"`
	Page
}

// Members is the answer of GET channels.members and groups.members.
type Members struct {
	Members []User `json:"members"`
	Page
}

// RoomRole is a room role as the routes spell it: channels.addOwner, groups.removeLeader, …
type RoomRole string

// The room roles.
const (
	Owner     RoomRole = "Owner"
	Moderator RoomRole = "Moderator"
	Leader    RoomRole = "Leader"
)

// RoomRoleHolder is one entry of channels.roles / groups.roles.
type RoomRoleHolder struct {
	ID    string   `json:"_id"`
	Rid   string   `json:"rid"`
	U     User     `json:"u"`
	Roles []string `json:"roles"`
}

// DirectRoom is the room im.create / dm.create answers.
type DirectRoom struct {
	ID        string   `json:"_id"`
	Rid       string   `json:"rid"`
	T         string   `json:"t"`
	Usernames []string `json:"usernames"`
}

// FullUser is the user users.info answers, with the fields the caller may see.
type FullUser struct {
	ID       string `json:"_id"`
	Username string `json:"username"`
	Name     string `json:"name,omitempty"`
	Emails   []struct {
		Address string `json:"address"`
	} `json:"emails,omitempty"`
	Roles          []string       `json:"roles,omitempty"`
	Services       map[string]any `json:"services,omitempty"`
	CanViewAllInfo bool           `json:"canViewAllInfo"`
	Rooms          []UserRoom     `json:"rooms,omitempty"`
}

// UserRoom is one of users.info's rooms (includeUserRooms=true).
type UserRoom struct {
	Rid   string   `json:"rid"`
	T     string   `json:"t"`
	Roles []string `json:"roles"`
}

// Removed is an entry of a sync's remove list: a deleted document.
type Removed struct {
	ID        string    `json:"_id"`
	DeletedAt time.Time `json:"_deletedAt"`
}

// SubscriptionsSync is the answer of GET subscriptions.get.
type SubscriptionsSync struct {
	Update []Subscription `json:"update"`
	Remove []Removed      `json:"remove"`
}

// RoomsSync is the answer of GET rooms.get.
type RoomsSync struct {
	Update []Room    `json:"update"`
	Remove []Removed `json:"remove"`
}
