package spec

import (
	"encoding/binary"
	"hash/maphash"
	"sync"
)

// Bounds of a memo: keys longer than memoMaxKey are never remembered (so bodies over about
// 4 KiB are always checked in full), and each of the memoShards shards holds at most
// memoShardSize entries before it is cleared, memoShards*memoShardSize (4096) in all.
const (
	memoMaxKey    = 4 << 10
	memoShards    = 16
	memoShardSize = 256
)

// memo remembers checks that passed, keyed by every input the check depends on, encoded as
// bytes (see requestKey and responseKey). The full key is the map key, so a hit is exact: a
// hash collision can never turn a failing check into a pass. Only passes are stored; a failing
// check is always re-run and reports its full errors. The value is what the check produced
// (the coerced body params of a request; nothing for a response) and is never modified.
// Safe for concurrent use: shards, each under its own RWMutex, chosen by a hash of the key.
type memo struct {
	seed   maphash.Seed
	shards [memoShards]memoShard
}

type memoShard struct {
	mu sync.RWMutex
	m  map[string][]byte
}

func newMemo() *memo {
	m := &memo{seed: maphash.MakeSeed()}
	for i := range m.shards {
		m.shards[i].m = make(map[string][]byte)
	}
	return m
}

func (m *memo) shard(key []byte) *memoShard {
	return &m.shards[maphash.Bytes(m.seed, key)%memoShards]
}

// get returns the value remembered for key, if any.
func (m *memo) get(key []byte) ([]byte, bool) {
	if len(key) > memoMaxKey {
		return nil, false
	}
	s := m.shard(key)
	s.mu.RLock()
	val, ok := s.m[string(key)]
	s.mu.RUnlock()
	return val, ok
}

// put remembers val for key; a full shard is cleared first.
func (m *memo) put(key, val []byte) {
	if len(key) > memoMaxKey {
		return
	}
	s := m.shard(key)
	s.mu.Lock()
	if len(s.m) >= memoShardSize {
		clear(s.m)
	}
	s.m[string(key)] = val
	s.mu.Unlock()
}

// len counts the remembered entries (for tests).
func (m *memo) len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}

// appendField appends s with its length in front, so that no two different sequences of
// fields encode to the same bytes.
func appendField(key []byte, s string) []byte {
	key = binary.AppendUvarint(key, uint64(len(s)))
	return append(key, s...)
}

// requestKey encodes everything ValidateRequest's answer depends on for an operation without
// header or cookie parameters: the operation (method + path template), the escaped path (its
// parameters), the raw query, the Content-Type and the body. Headers other than Content-Type
// are not read (authentication is not checked there).
func requestKey(buf []byte, o *operation, escapedPath, rawQuery, contentType string, body []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(o.index))
	buf = appendField(buf, escapedPath)
	buf = appendField(buf, rawQuery)
	buf = appendField(buf, contentType)
	return append(buf, body...)
}

// responseKey encodes everything ValidateResponse's answer depends on for an operation whose
// responses declare no headers: the operation, the status, the Content-Type and the body.
func responseKey(buf []byte, o *operation, status int, contentType string, body []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(o.index))
	buf = binary.AppendVarint(buf, int64(status))
	buf = appendField(buf, contentType)
	return append(buf, body...)
}
