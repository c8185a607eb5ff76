package world

import (
	"fmt"
	"github.com/rcinvite/rcinvite/mockserver/explain"
	"maps"
)

// Me is getUserInfo(user) (apps/meteor/app/api/server/helpers/getUserInfo.ts), the body of
// GET /api/v1/me and login's data.me: the user document as getBaseUserFields() projects it,
// plus its first verified address as email, its preferences over the server's defaults, its
// avatar URL, isOAuthUser, and of its services only whether it has a password.
// spec/SOURCES.md me
type Me struct {
	ID          string     `json:"_id"`
	Username    string     `json:"username"`
	Name        string     `json:"name,omitempty"`
	Emails      []Email    `json:"emails,omitempty"`
	Status      string     `json:"status"`
	Active      bool       `json:"active"`
	Roles       []string   `json:"roles"`
	UpdatedAt   Date       `json:"_updatedAt"`
	Email       string     `json:"email,omitempty"`
	Settings    MeSettings `json:"settings"`
	AvatarURL   string     `json:"avatarUrl"`
	IsOAuthUser bool       `json:"isOAuthUser"`
	Services    MeServices `json:"services"`
}

// MeSettings is getUserInfo's settings: an empty profile and the preferences.
type MeSettings struct {
	Profile     struct{}       `json:"profile"`
	Preferences map[string]any `json:"preferences"`
}

// MeServices is what getUserInfo keeps of user.services: whether a password is set.
type MeServices struct {
	Password struct {
		Exists bool `json:"exists"`
	} `json:"password"`
}

// defaultPreferences are the Accounts_Default_User_Preferences_* settings of a fresh server,
// which getUserPreferences reports for every preference the user has not set. [inferred: the
// keys and defaults of Rocket.Chat's accounts settings; the list changes between versions,
// so clients should read the preferences they need and not assert on the set]
var defaultPreferences = map[string]any{
	"enableAutoAway":                        true,
	"idleTimeLimit":                         300.0,
	"desktopNotificationRequireInteraction": false,
	"desktopNotifications":                  "all",
	"pushNotifications":                     "all",
	"unreadAlert":                           true,
	"useEmojis":                             true,
	"convertAsciiEmoji":                     true,
	"autoImageLoad":                         true,
	"saveMobileBandwidth":                   true,
	"collapseMediaByDefault":                false,
	"hideUsernames":                         false,
	"hideRoles":                             false,
	"hideFlexTab":                           false,
	"displayAvatars":                        true,
	"sidebarGroupByType":                    true,
	"themeAppearence":                       "auto",
	"sidebarViewMode":                       "medium",
	"sidebarDisplayAvatar":                  true,
	"sidebarShowUnread":                     false,
	"sidebarSortby":                         "activity",
	"showThreadsInMainChannel":              false,
	"alsoSendThreadToChannel":               "default",
	"sidebarShowFavorites":                  true,
	"sendOnEnter":                           "normal",
	"emailNotificationMode":                 "mentions",
	"newRoomNotification":                   "door",
	"newMessageNotification":                "chime",
	"muteFocusedConversations":              true,
	"notificationsSoundVolume":              100.0,
	"omnichannelTranscriptEmail":            false,
	"featuresPreview":                       []any{},
}

// me is getUserInfo(u); the caller holds the world lock.
func (w *World) me(u *User) Me {
	m := Me{
		ID: u.ID, Username: u.Username, Name: u.Name, Emails: append([]Email(nil), u.Emails...),
		Status: u.status(), Active: u.Active, Roles: append([]string(nil), u.Roles...), UpdatedAt: u.UpdatedAt,
		AvatarURL: w.siteURL + "/avatar/" + u.Username,
	}
	for _, e := range u.Emails {
		if e.Verified {
			m.Email = e.Address
			break
		}
	}
	m.Settings.Preferences = maps.Clone(defaultPreferences)
	m.Services.Password.Exists = u.Password != ""
	return m
}

// Me is GET /api/v1/me: getUserInfo of the caller.
func (w *World) Me(userID string) (*Me, error) {
	w.lock()
	defer w.unlock()
	u := w.users.get(userID)
	if u == nil {
		return nil, w.refuse(ErrNotLoggedIn(), chkAuthUser, S{userID}, N{})
	}
	w.note(chkMe, explain.Pass, S{u.Username}, N{})
	m := w.me(u)
	return &m, nil
}

// ClientVersions is rocketchat.info's minimumClientVersions. [inferred: the values of the 8.4
// build are not known; the shape is IWorkspaceInfo's]
type ClientVersions struct {
	Desktop string `json:"desktop"`
	Mobile  string `json:"mobile"`
}

// BuildInfo is rocketchat.info's Info object (the build), as /api/info shows it to callers
// holding view-statistics. [inferred values: the mock is no build]
type BuildInfo struct {
	Version               string         `json:"version"`
	Build                 map[string]any `json:"build"`
	Commit                map[string]any `json:"commit"`
	MarketplaceAPIVersion string         `json:"marketplaceApiVersion"`
}

// ServerInfo is getServerInfo(userId) (apps/meteor/app/api/server/lib/getServerInfo.ts, the
// IWorkspaceInfo shape of core-typings 8.6.1): every caller gets the version without its patch
// and minimumClientVersions; a caller holding view-statistics (admin) gets the whole version
// and info, the build's Info object. supportedVersions comes only from a cloud-registered
// workspace, which the mock is not. spec/SOURCES.md info
type ServerInfo struct {
	Version               string         `json:"version"`
	Info                  *BuildInfo     `json:"info,omitempty"`
	MinimumClientVersions ClientVersions `json:"minimumClientVersions"`
}

// mockClientVersions stand in for the build's minimumClientVersions.
var mockClientVersions = ClientVersions{Desktop: "3.9.6", Mobile: "4.39.0"}

// ServerInfo answers /api/info for the caller uid ("" when anonymous or not logged in).
func (w *World) ServerInfo(uid string) ServerInfo {
	w.lock()
	defer w.unlock()
	p, _ := parseVersion(w.version)
	out := ServerInfo{Version: fmt.Sprintf("%d.%d", p[0], p[1]), MinimumClientVersions: mockClientVersions}
	if uid != "" && w.can(uid, "view-statistics", "") {
		out.Version = w.version
		out.Info = &BuildInfo{
			Version: w.version,
			Build: map[string]any{
				"date": "2026-05-01T00:00:00.000Z", "nodeVersion": "v22.16.0", "arch": "x64", "platform": "linux",
				"osRelease": "rcinvite-mock", "totalMemory": 0, "freeMemory": 0, "cpus": 0,
			},
			Commit:                map[string]any{},
			MarketplaceAPIVersion: "1.56.0",
		}
	}
	w.note(chkInfo, explain.Note, S{w.version, out.Version}, N{})
	return out
}
