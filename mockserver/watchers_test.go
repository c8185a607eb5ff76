package mockserver

import "testing"

// TestPublishNeverBlocks: a stream that never takes its wake-ups holds one, and publishing
// goes on without waiting for it.
func TestPublishNeverBlocks(t *testing.T) {
	var ws watchers
	ws.publish() // nobody watches: returns at once
	woken, stop := ws.watch()
	for range 10_000 {
		ws.publish()
	}
	if len(woken) != 1 {
		t.Errorf("a stalled watcher holds %d wake-ups, want 1", len(woken))
	}
	stop()
	if ws.n.Load() != 0 || len(ws.set) != 0 {
		t.Errorf("after stop: %d watchers", ws.n.Load())
	}
}

// TestStreamCursorSurvivesAClear: a stream that read up to id 5 before a reset starts again
// from the first entry of the cleared journal, even when it already holds more than 5.
func TestStreamCursorSurvivesAClear(t *testing.T) {
	j := newJournal(100, newJournalBudget(DefaultJournalBudget))
	for range 5 {
		j.record(JournalEntry{Method: "GET", Path: "/api/info"}, rawBodies{}, nil)
	}
	c := cursor{after: 5, gen: j.since(0, 0).gen}
	j.clear()
	for range 7 {
		j.record(JournalEntry{Method: "POST", Path: "/api/v1/login"}, rawBodies{}, nil)
	}
	v := j.since(c.after, streamBatch)
	if v.gen == c.gen {
		t.Fatal("a clear does not change the journal's generation")
	}
	if all := j.since(0, streamBatch); len(all.entries) != 7 || all.entries[0].id != 1 || all.oldest != 1 || all.total != 7 {
		t.Errorf("since(0) after the clear: %d entries from %d, oldest %d, total %d", len(all.entries), all.entries[0].id, all.oldest, all.total)
	}
}
