package mockserver

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/rcinvite/rcinvite/mockserver/world"
)

// decodeState reads a state body (world.State's JSON) from d, document by document: a
// json.Decoder decoding the whole object would first buffer all of it, 20 MB and more for
// 100k invites, and grow slices by doubling. Field names match as encoding/json matches them
// (any case), unknown ones are refused, and null stands for an empty collection, as they did
// when the body was decoded into a world.State at once.
func decodeState(d *json.Decoder) (world.Snapshot, error) {
	snap, err := decodeStateObject(d)
	if err == io.EOF { // the body ended inside the object
		err = io.ErrUnexpectedEOF
	}
	return snap, err
}

// decodeStateObject is decodeState but for the end of the body, which it reports as io.EOF.
func decodeStateObject(d *json.Decoder) (world.Snapshot, error) {
	snap := world.Snapshot{}
	if _, err := d.Token(); err != nil { // '{', checked by expectObject
		return snap, err
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return snap, err
		}
		key, _ := tok.(string) // object keys are always strings
		switch {
		case strings.EqualFold(key, "version"):
			var v *string
			if err := d.Decode(&v); err != nil {
				return snap, err
			}
			snap.Version = ""
			if v != nil {
				snap.Version = *v
			}
		case strings.EqualFold(key, world.Users):
			snap.Users, err = decodeDocuments[world.User](d, world.Users)
		case strings.EqualFold(key, world.Rooms):
			snap.Rooms, err = decodeDocuments[world.Room](d, world.Rooms)
		case strings.EqualFold(key, world.Subscriptions):
			snap.Subscriptions, err = decodeDocuments[world.Subscription](d, world.Subscriptions)
		case strings.EqualFold(key, world.Invites):
			snap.Invites, err = decodeDocuments[world.Invite](d, world.Invites)
		default:
			return snap, fmt.Errorf("json: unknown field %q", key)
		}
		if err != nil {
			return snap, err
		}
	}
	_, err := d.Token() // '}'
	return snap, err
}

// decodeDocuments reads one collection of a state body, an array of documents or null,
// decoding one document at a time.
func decodeDocuments[T any](d *json.Decoder, name string) (*world.Copies[T], error) {
	docs := &world.Copies[T]{}
	tok, err := d.Token()
	switch {
	case err != nil:
		return nil, err
	case tok == nil: // null
		return docs, nil
	case tok != json.Delim('['):
		return nil, fmt.Errorf("json: cannot unmarshal %v into field %s: must be an array", tokenKind(tok), name)
	}
	for d.More() {
		var v T
		if err := d.Decode(&v); err != nil {
			if err == io.EOF {
				return nil, err
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		docs.Append(v)
	}
	_, err = d.Token() // ']'
	return docs, err
}

// tokenKind names a JSON token's kind for an error message.
func tokenKind(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		return "object"
	case string:
		return "string"
	case bool:
		return "bool"
	default:
		return "number"
	}
}
