package statefile

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

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
		for _, coll := range append(collections, world.LoginTokens) {
			if err := b.DeleteBucket([]byte(coll)); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
				return err
			}
		}
		if err := b.Put(keyNext, ordinal(0)); err != nil {
			return err
		}
		if cs.Pending != nil {
			if err := b.Put(keyPending, []byte(cs.Pending.UTC().Format(time.RFC3339Nano))); err != nil {
				return err
			}
		} else if err := b.Delete(keyPending); err != nil {
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
	var docs *bolt.Bucket // the bucket of the collection of the change before: changes come grouped by collection
	for i, c := range cs.Changes {
		if i == 0 || c.Collection != cs.Changes[i-1].Collection {
			var err error
			if docs, err = b.CreateBucketIfNotExists([]byte(c.Collection)); err != nil {
				return err
			}
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
func addDocs(st *world.State, coll string, docs []stored) error {
	for _, d := range docs {
		raw := d.raw
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

// addTokens gives the users of st their login tokens, in the order they were written. A token
// whose key names no user of st, or another hash than its own, is corruption.
func addTokens(st *world.State, docs []stored) error {
	users := make(map[string]*world.User, len(st.Users))
	for i := range st.Users {
		users[st.Users[i].ID] = &st.Users[i]
	}
	for _, d := range docs {
		var t world.LoginToken
		if err := json.Unmarshal(d.raw, &t); err != nil {
			return fmt.Errorf("decode login token %q: %w", d.key, err)
		}
		uid, hashed, ok := world.TokenOwner(string(d.key))
		u := users[uid]
		if !ok || u == nil || hashed != t.HashedToken {
			return fmt.Errorf("login token %q: not <user id>\\x00<its hash> of a stored user", d.key)
		}
		u.LoginTokens = append(u.LoginTokens, t)
	}
	return nil
}

// migrateV1 turns a file of format 1 into this format: in every world, each user's login tokens
// move out of its document into loginTokens, in their order, and the file is marked as this
// format. It runs in the transaction that opens the file, so a failure leaves the file as it
// was. A token a user held twice (possible in format 1 through PUT /_mock/state) is kept once,
// at its first place: Rocket.Chat's logout pulls every copy at once, and a world now refuses
// a user holding one hash twice.
func migrateV1(tx *bolt.Tx) error {
	var keys [][]byte // the worlds, collected first: their buckets change below
	err := tx.Bucket(bucketWorlds).ForEachBucket(func(k []byte) error {
		keys = append(keys, slices.Clone(k))
		return nil
	})
	for _, k := range keys {
		if err != nil {
			break
		}
		err = migrateWorldV1(tx.Bucket(bucketWorlds).Bucket(k), k)
	}
	if err != nil {
		return fmt.Errorf("migrate from %s: %w", formatV1, err)
	}
	return tx.Bucket(bucketMeta).Put(keyFormat, []byte(format))
}

// migrateWorldV1 moves the login tokens of the world with key k, bucket b, out of its users.
func migrateWorldV1(b *bolt.Bucket, k []byte) error {
	docs, err := readCollection(b.Bucket([]byte(world.Users)))
	if err != nil || len(docs) == 0 {
		return err
	}
	users := b.Bucket([]byte(world.Users))
	var cs world.Changeset
	for _, d := range docs {
		var u world.User
		if err := json.Unmarshal(d.raw, &u); err != nil {
			return fmt.Errorf("world %q: user %q: %w", k, d.key, err)
		}
		seen := map[string]bool{}
		for _, t := range u.LoginTokens {
			if seen[t.HashedToken] {
				continue
			}
			seen[t.HashedToken] = true
			raw, err := json.Marshal(t)
			if err != nil {
				return err
			}
			cs.Changes = append(cs.Changes, world.Change{Collection: world.LoginTokens, ID: world.TokenKey(u.ID, t.HashedToken), Doc: raw})
		}
		u.LoginTokens = nil
		raw, err := json.Marshal(u)
		if err != nil {
			return err
		}
		ord := users.Get(d.key)[:8] // readCollection checked the ordinal
		if err := users.Put(d.key, append(slices.Clone(ord), raw...)); err != nil {
			return err
		}
	}
	return applyChangeset(b, &cs)
}
