package mockserver

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/rcinvite/rcinvite/mockserver/world"
)

// FuzzDecodeState holds decodeState, which reads a state body document by document, to what
// decoding the body into a world.State at once (as PUT /_mock/state did) accepts and makes of it.
func FuzzDecodeState(f *testing.F) {
	for _, s := range []string{
		`{"version":"8.4.0","users":[{"_id":"a","username":"a","roles":[],"active":true,"type":"user","createdAt":"2026-05-01T10:00:00Z","_updatedAt":"2026-05-01T10:00:00Z"}],"rooms":null,"subscriptions":[],"invites":[{"_id":"x","rid":"r","days":7}]}`,
		`{"VERSION":"8.3.0","Invites":[],"invites":[{"_id":"y"}]}`,
		`{"users":{}}`, `{"users":[1]}`, `{"version":5}`, `{"colour":"red"}`, `{"users":[{"_id":"a","colour":1}]}`,
		`{"invites":[{"_id":"a"},`, `{}`, `{"version":null,"users":[null]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
			return // expectObject answers these before decoding
		}
		d := json.NewDecoder(bytes.NewReader(body))
		d.DisallowUnknownFields()
		snap, err := decodeState(d)
		var want world.State
		d = json.NewDecoder(bytes.NewReader(body))
		d.DisallowUnknownFields()
		wantErr := d.Decode(&want)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("decodeState(%q): %v; decoding into a world.State: %v", body, err, wantErr)
		}
		if err != nil {
			return
		}
		got := world.State{Version: snap.Version}
		for _, u := range snap.Users.Drain() {
			got.Users = append(got.Users, *u)
		}
		for _, r := range snap.Rooms.Drain() {
			got.Rooms = append(got.Rooms, *r)
		}
		for _, s := range snap.Subscriptions.Drain() {
			got.Subscriptions = append(got.Subscriptions, *s)
		}
		for _, inv := range snap.Invites.Drain() {
			got.Invites = append(got.Invites, *inv)
		}
		if g, w := normalState(t, got), normalState(t, want); g != w {
			t.Fatalf("decodeState(%q) =\n%s\nwant\n%s", body, g, w)
		}
	})
}

// normalState is st as JSON, with empty collections written as null.
func normalState(t *testing.T, st world.State) string {
	t.Helper()
	if len(st.Users) == 0 {
		st.Users = nil
	}
	if len(st.Rooms) == 0 {
		st.Rooms = nil
	}
	if len(st.Subscriptions) == 0 {
		st.Subscriptions = nil
	}
	if len(st.Invites) == 0 {
		st.Invites = nil
	}
	out, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
