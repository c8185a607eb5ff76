package world

import (
	"strings"
	"time"

	"github.com/rcinvite/rcinvite/mockserver/explain"
)

// Removed is one entry of a sync's `remove` list: a trashed document's {_id, _deletedAt}.
type Removed struct {
	ID        string `json:"_id"`
	DeletedAt Date   `json:"_deletedAt"`
}

// SubscriptionsSync is subscriptions.get's answer.
type SubscriptionsSync struct {
	Update []Subscription `json:"update"`
	Remove []Removed      `json:"remove"`
}

// RoomsSync is rooms.get's answer.
type RoomsSync struct {
	Update []Room    `json:"update"`
	Remove []Removed `json:"remove"`
}

// SubscriptionsSince is subscriptions.get: the caller's subscriptions (a BANNED one included:
// Subscriptions.findByUserId does not look at status [likely]) in insertion order. With
// updatedSince (a date JavaScript's Date.parse reads, else error-roomId-param-invalid), only
// those changed after it, and in `remove` the caller's subscriptions deleted after it;
// without, every subscription and an empty `remove`.
func (w *World) SubscriptionsSince(uid, updatedSince string) (*SubscriptionsSync, error) {
	since, ok, err := w.sinceParam(updatedSince, // spec/SOURCES.md subscriptionsGet #2
		coded("error-roomId-param-invalid", `The "lastUpdate" query parameter must be a valid date.`, nil))
	if err != nil {
		return nil, err
	}
	w.lock()
	defer w.unlock()
	out := &SubscriptionsSync{Update: []Subscription{}, Remove: []Removed{}}
	for _, s := range w.userSubsOf(uid) {
		if !ok || s.UpdatedAt.Time().After(since.Time()) {
			out.Update = append(out.Update, *s.clone())
		}
	}
	if ok {
		out.Remove = removedOf(w.trashedSince(Subscriptions, uid, since))
	}
	w.note(chkSync, explain.Note, S{"subscriptions", w.username(uid)}, N{int64(len(out.Update)), int64(len(out.Remove)), sinceMs(since, ok)})
	return out, nil
}

// RoomsSince is rooms.get: the rooms the caller has a subscription to (a BANNED one included
// [likely]), in the rooms' insertion order. With updatedSince (error-updatedSince-param-invalid
// when Date.parse cannot read it), only those changed after it, and in `remove` every room
// deleted after it, whoever was in it (Rooms.trashFindDeletedAfter(updatedAt, {})).
func (w *World) RoomsSince(uid, updatedSince string) (*RoomsSync, error) {
	since, ok, err := w.sinceParam(updatedSince, // spec/SOURCES.md roomsGet #1
		coded("error-updatedSince-param-invalid", `The "updatedSince" query parameter must be a valid date.`, nil))
	if err != nil {
		return nil, err
	}
	w.lock()
	defer w.unlock()
	out := &RoomsSync{Update: []Room{}, Remove: []Removed{}}
	for r := range w.rooms.values() {
		if w.sub(r.ID, uid) != nil && (!ok || r.UpdatedAt.Time().After(since.Time())) {
			out.Update = append(out.Update, *r.clone())
		}
	}
	if ok {
		out.Remove = removedOf(w.trashedSince(Rooms, "", since))
	}
	w.note(chkSync, explain.Note, S{"rooms", w.username(uid)}, N{int64(len(out.Update)), int64(len(out.Remove)), sinceMs(since, ok)})
	return out, nil
}

// sinceMs is updatedSince for a step's time slot (0 without).
func sinceMs(since Date, ok bool) int64 {
	if !ok {
		return 0
	}
	return since.Time().UnixMilli()
}

func removedOf(ds []Deleted) []Removed {
	out := make([]Removed, len(ds))
	for i, d := range ds {
		out[i] = Removed{ID: d.ID, DeletedAt: d.DeletedAt}
	}
	return out
}

// sinceParam reads an updatedSince parameter: absent or empty (ok false), a date, or invalid
// (recorded).
func (w *World) sinceParam(s string, invalid *Error) (Date, bool, error) {
	if s == "" {
		return Date{}, false, nil
	}
	t, ok := parseJSDate(s)
	if !ok {
		return Date{}, false, w.refuse(invalid, chkSyncSince, S{"updatedSince", s}, N{})
	}
	return dateOf(t), true, nil
}

// jsDateLayouts are the forms of JavaScript's Date.parse the mock reads: the ISO 8601 subset
// of the ECMAScript date-time string format (a date-only form is UTC, a local date-time the
// mock's local time, UTC), and toUTCString's / RFC 2822's. [inferred: V8 reads more
// implementation-defined forms, e.g. "2026/05/01"]
var jsDateLayouts = []string{
	"2006", "2006-01", "2006-01-02",
	"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.999999999Z07:00",
	time.RFC1123, time.RFC1123Z, time.RFC822, time.RFC822Z, "Mon, 2 Jan 2006 15:04:05 MST", "Mon, 2 Jan 2006 15:04:05 -0700",
}

// parseJSDate parses s as Date.parse would (for the forms in jsDateLayouts).
func parseJSDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range jsDateLayouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
