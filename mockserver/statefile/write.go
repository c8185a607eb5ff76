package statefile

import (
	"bytes"
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

// apply writes one queued entry in tx; ords is the committer's index of the stored documents.
func apply(tx *bolt.Tx, e *entry, ords *ordIndex) error {
	worlds := tx.Bucket(bucketWorlds)
	if e.drop {
		ords.drop(e.key)
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
	return applyChangeset(b, e.key, e.cs, ords)
}

// ordIndex is the committer's index of where documents are stored: per world key and
// collection, each stored document's insertion ordinal by id (its key is the ordinal and the
// id). A world's collection is indexed from its bucket's keys the first time a run writes to
// it. The index only ever holds what the file holds or the running transaction wrote: it is
// dropped whenever a transaction fails, and when it has indexed more than maxIndexed
// documents since it was last dropped (it is rebuilt, world by world, as writes need it).
type ordIndex struct {
	worlds map[string]map[string]map[string]uint64 // world key → collection → id → ordinal
	n      int                                     // documents indexed or added since the last drop
}

// maxIndexed is the budget of an ordIndex: about 80 MiB of ids and ordinals at most.
var maxIndexed = 1 << 20 // a variable for the tests

// forget drops the whole index.
func (x *ordIndex) forget() { x.worlds, x.n = nil, 0 }

// drop forgets the world with key.
func (x *ordIndex) drop(key []byte) { delete(x.worlds, string(key)) }

// of returns the index of collection coll of the world with key, whose bucket is docs,
// building it from docs' keys when needed.
func (x *ordIndex) of(key []byte, coll string, docs *bolt.Bucket) map[string]uint64 {
	if x.n > maxIndexed {
		x.forget()
	}
	if x.worlds == nil {
		x.worlds = map[string]map[string]map[string]uint64{}
	}
	w := x.worlds[string(key)]
	if w == nil {
		w = map[string]map[string]uint64{}
		x.worlds[string(key)] = w
	}
	m := w[coll]
	if m == nil {
		m = map[string]uint64{}
		c := docs.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if len(k) > 8 {
				m[string(k[8:])] = binary.BigEndian.Uint64(k)
			}
		}
		w[coll] = m
		x.n += len(m)
	}
	return m
}

// appendFill is how full bbolt fills a collection's pages when it splits them: new documents
// come at the end (keys by ordinal), where bbolt's default of half full would leave every
// page half empty and write twice the pages.
const appendFill = 0.9

// docKey is the key of the document with this id and insertion ordinal.
func docKey(ord uint64, id string) []byte {
	return append(binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(id)), ord), id...)
}

// applyChangeset writes a world's changeset into its bucket b (the world with key). A new
// document gets the next insertion ordinal; a rewritten one keeps its own, so the file keeps
// the world's order, and new documents go to the end of their collection's tree.
func applyChangeset(b *bolt.Bucket, key []byte, cs *world.Changeset, ords *ordIndex) error {
	if cs.Replace {
		ords.drop(key)
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
	var index map[string]uint64
	for i, c := range cs.Changes {
		if i == 0 || c.Collection != cs.Changes[i-1].Collection {
			var err error
			if docs, err = b.CreateBucketIfNotExists([]byte(c.Collection)); err != nil {
				return err
			}
			docs.FillPercent = appendFill
			index = ords.of(key, c.Collection, docs)
		}
		ord, stored := index[c.ID]
		if c.Doc == nil {
			if stored {
				if err := docs.Delete(docKey(ord, c.ID)); err != nil {
					return err
				}
				delete(index, c.ID)
			}
			continue
		}
		if !stored {
			ord = next
			next++
			index[c.ID] = ord
			ords.n++
		}
		if err := docs.Put(docKey(ord, c.ID), append(ordinal(ord), c.Doc...)); err != nil {
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

// migrate turns a file of format from (formatV1 or formatV2) into this format, and marks it
// so. In every world, documents keyed by id are keyed by ordinal and id (rekeyWorld); from
// format 1, each user's login tokens also move out of its document (migrateWorldV1). It runs
// in the transaction that opens the file, so a failure leaves the file as it was.
func migrate(tx *bolt.Tx, from string) error {
	var keys [][]byte // the worlds, collected first: their buckets change below
	err := tx.Bucket(bucketWorlds).ForEachBucket(func(k []byte) error {
		keys = append(keys, slices.Clone(k))
		return nil
	})
	for _, k := range keys {
		if err != nil {
			break
		}
		b := tx.Bucket(bucketWorlds).Bucket(k)
		if err = rekeyWorld(b, k); err == nil && from == formatV1 {
			err = migrateWorldV1(b, k)
		}
	}
	if err != nil {
		return fmt.Errorf("migrate from %s: %w", from, err)
	}
	return tx.Bucket(bucketMeta).Put(keyFormat, []byte(format))
}

// rekeyWorld keys the documents of the world with key k, bucket b, by their ordinal (the first
// 8 bytes of each value) and id (the key of formats 1 and 2).
func rekeyWorld(b *bolt.Bucket, k []byte) error {
	for _, coll := range append(collections, world.LoginTokens) {
		docs := b.Bucket([]byte(coll))
		if docs == nil {
			continue
		}
		type pair struct{ k, v []byte }
		var pairs []pair
		err := docs.ForEach(func(id, v []byte) error {
			if len(v) < 8 || len(id) == 0 {
				return fmt.Errorf("world %q: %s: document %q: not an ordinal and JSON", k, coll, id)
			}
			pairs = append(pairs, pair{append(slices.Clone(v[:8]), id...), slices.Clone(v)})
			return nil
		})
		if err != nil {
			return err
		}
		if err := b.DeleteBucket([]byte(coll)); err != nil {
			return err
		}
		if docs, err = b.CreateBucket([]byte(coll)); err != nil {
			return err
		}
		slices.SortFunc(pairs, func(a, b pair) int { return bytes.Compare(a.k, b.k) })
		for _, p := range pairs {
			if err := docs.Put(p.k, p.v); err != nil {
				return err
			}
		}
	}
	return nil
}

// migrateWorldV1 moves the login tokens of the world with key k, bucket b (rekeyed), out of
// its users. A token a user held twice (possible in format 1 through PUT /_mock/state) is
// kept once, at its first place: Rocket.Chat's logout pulls every copy at once, and a world
// now refuses a user holding one hash twice.
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
		if err := users.Put(docKey(d.ord, string(d.key)), append(ordinal(d.ord), raw...)); err != nil {
			return err
		}
	}
	return applyChangeset(b, k, &cs, &ordIndex{})
}
