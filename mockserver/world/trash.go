package world

// Deleted is what Rocket.Chat's trash (`rocketchat__trash`) keeps of a deleted room or
// subscription for the clients that sync: rooms.get and subscriptions.get answer the ones
// deleted after `updatedSince` as `remove: [{_id, _deletedAt}]`.
type Deleted struct {
	ID         string `json:"_id"`
	Collection string `json:"__collection__"` // Rooms or Subscriptions
	UserID     string `json:"uid,omitempty"`  // a subscription's u._id: subscriptions.get lists the caller's only
	DeletedAt  Date   `json:"_deletedAt"`
}

// Key is the trash entry's key in the world's trash table (and the state file): a room and a
// subscription may share an _id.
func (d *Deleted) Key() string { return d.Collection + "/" + d.ID }

// TrashBudget is how many deletions a world's trash keeps: the oldest goes first. Rocket.Chat
// keeps its trash for good [inferred: no expiry seen]; a mock world's memory stays bounded.
const TrashBudget = 1000

// discardSub deletes a subscription and keeps its _id in the trash (Subscriptions.removeById
// and friends move the document to the trash).
func (w *World) discardSub(s *Subscription, now Date) {
	w.delSub(s)
	w.toTrash(&Deleted{ID: s.ID, Collection: Subscriptions, UserID: s.U.ID, DeletedAt: now})
}

// discardRoom deletes a room and keeps its _id in the trash.
func (w *World) discardRoom(r *Room, now Date) {
	w.delRoom(r)
	w.toTrash(&Deleted{ID: r.ID, Collection: Rooms, DeletedAt: now})
}

// toTrash keeps d last in the trash (a second deletion of one _id moves it), dropping the
// oldest entries past TrashBudget.
func (s *store) toTrash(d *Deleted) {
	s.trash.del(d.Key())
	s.trash.put(d.Key(), d)
	for s.trash.len() > TrashBudget {
		s.trash.del(s.trash.first().Key())
	}
}

// trashedSince lists the trash entries of collection coll deleted after since (and, when uid
// is set, of that user), oldest first.
func (w *World) trashedSince(coll, uid string, since Date) []Deleted {
	out := []Deleted{}
	for d := range w.trash.values() {
		if d.Collection == coll && (uid == "" || d.UserID == uid) && d.DeletedAt.Time().After(since.Time()) {
			out = append(out, *d)
		}
	}
	return out
}
