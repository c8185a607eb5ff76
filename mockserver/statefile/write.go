package statefile

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/rcinvite/rcinvite/mockserver/world"
)

// apply writes one queued entry in tx.
func apply(tx *bolt.Tx, e *entry) error {
	worlds := tx.Bucket(bucketWorlds)
	if e.drop {
		if err := worlds.DeleteBucket(e.key); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
			return err
		}
		return nil
	}
	b, err := worlds.CreateBucketIfNotExists(e.key)
	if err != nil {
		return err
	}
	if e.settings != nil {
		raw, err := json.Marshal(e.settings)
		if err != nil {
			return err
		}
		return b.Put(keySettings, raw)
	}
	return applyChangeset(b, e.cs)
}

// applyChangeset writes a world's changeset into its bucket b. A new document gets the next
// insertion ordinal; a rewritten one keeps its own, so the file keeps the world's order.
func applyChangeset(b *bolt.Bucket, cs *world.Changeset) error {
	if cs.Replace {
		for _, coll := range collections {
			if err := b.DeleteBucket([]byte(coll)); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
				return err
			}
		}
		if err := b.Put(keyNext, ordinal(0)); err != nil {
			return err
		}
	}
	if cs.Version != "" {
		if err := b.Put(keyVersion, []byte(cs.Version)); err != nil {
			return err
		}
	}
	next := uint64(0)
	if v := b.Get(keyNext); len(v) == 8 {
		next = binary.BigEndian.Uint64(v)
	}
	for _, c := range cs.Changes {
		docs, err := b.CreateBucketIfNotExists([]byte(c.Collection))
		if err != nil {
			return err
		}
		id := []byte(c.ID)
		if c.Doc == nil {
			if err := docs.Delete(id); err != nil {
				return err
			}
			continue
		}
		ord := docs.Get(id)
		if len(ord) >= 8 {
			ord = append([]byte(nil), ord[:8]...)
		} else {
			ord = ordinal(next)
			next++
		}
		if err := docs.Put(id, append(ord, c.Doc...)); err != nil {
			return err
		}
	}
	return b.Put(keyNext, ordinal(next))
}

func ordinal(n uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), n) }

// addDocs decodes a collection's documents into st.
func addDocs(st *world.State, coll string, docs []json.RawMessage) error {
	for _, raw := range docs {
		var err error
		switch coll {
		case world.Users:
			err = decodeInto(raw, &st.Users)
		case world.Rooms:
			err = decodeInto(raw, &st.Rooms)
		case world.Subscriptions:
			err = decodeInto(raw, &st.Subscriptions)
		case world.Invites:
			err = decodeInto(raw, &st.Invites)
		case world.Trash:
			err = decodeInto(raw, &st.Trash)
		default:
			err = fmt.Errorf("unknown collection %q", coll)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// decodeInto appends the document raw, decoded, to list.
func decodeInto[T any](raw json.RawMessage, list *[]T) error {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("decode document: %w", err)
	}
	*list = append(*list, v)
	return nil
}
