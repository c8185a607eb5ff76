package statefile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// checkFile walks a bbolt file's pages as bbolt will, before bbolt opens it: bbolt reads pages
// through unchecked pointers into its memory map, so a corrupt page id faults outside the Go
// heap, and on open it walks every page in a goroutine of its own (to rebuild the free list),
// where neither recover nor a clean error can reach. The walk reads the file with ReadAt into
// bounds-checked slices, so any corruption is an error here instead: meta pages (magic, version,
// checksum, as bbolt picks one), then every page reachable from the root bucket (inside the
// file and below the high-water mark, its header naming it, a branch or leaf, its elements and
// keys inside it, keys in order, no page reached twice), inline buckets, and a synced free list.
// It follows the on-disk layout of go.etcd.io/bbolt v1.5.0 (internal/common: page.go, meta.go,
// bucket.go) in this machine's byte order, as bbolt writes it.
func checkFile(f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	c := &checker{f: f, size: info.Size(), reached: map[uint64]bool{}}
	m, err := c.meta()
	if err != nil {
		return err
	}
	c.pageSize, c.hwm = int64(m.pageSize), m.pgid
	if m.root < 2 || m.root >= m.pgid {
		return fmt.Errorf("meta: root page %d outside [2, %d)", m.root, m.pgid)
	}
	if _, _, err := c.tree(m.root, 0); err != nil {
		return err
	}
	if m.freelist != noFreelist {
		return c.freelist(m.freelist)
	}
	return nil
}

// Layout constants of bbolt v1.5.0.
const (
	boltMagic       = 0xED0CDAED
	boltVersion     = 2
	pageHeaderSize  = 16 // id uint64, flags uint16, count uint16, overflow uint32
	elementSize     = 16 // branch: pos, ksize uint32, pgid uint64; leaf: flags, pos, ksize, vsize uint32
	bucketHeader    = 16 // root pgid uint64, sequence uint64
	metaSize        = 64 // magic, version, pageSize, flags uint32; root bucket; freelist, pgid, txid, checksum uint64
	branchPage      = 0x01
	leafPage        = 0x02
	metaPage        = 0x04
	freelistPage    = 0x10
	bucketLeafFlag  = 0x01
	noFreelist      = ^uint64(0)
	maxTreeDepth    = 64
	defaultPageSize = 4096
)

var order = binary.NativeEndian

// meta is a decoded meta page.
type meta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64
	txid     uint64
}

type checker struct {
	f        *os.File
	size     int64
	pageSize int64
	hwm      uint64          // the high-water mark: pages at or above it are not in use
	reached  map[uint64]bool // pages reached so far, overflow pages included
}

// errNotBolt reports a file that is not a bbolt database at all.
var errNotBolt = errors.New("not a bbolt file")

// meta reads both meta pages and returns the one bbolt uses: the valid one with the higher
// transaction id.
func (c *checker) meta() (meta, error) {
	var head [metaSize]byte
	pageSize := int64(0)
	if m, ok := c.readMeta(0, head[:]); ok {
		pageSize = int64(m.pageSize)
	} else {
		for _, ps := range []int64{defaultPageSize, 1024, 2048, 8192, 16384, 32768, 65536} {
			if m, ok := c.readMeta(ps, head[:]); ok && int64(m.pageSize) == ps {
				pageSize = ps
				break
			}
		}
	}
	if pageSize < 1024 || pageSize > 65536 || pageSize&(pageSize-1) != 0 {
		return meta{}, errNotBolt
	}
	m0, ok0 := c.readMeta(0, head[:])
	m1, ok1 := c.readMeta(pageSize, head[:])
	switch {
	case ok0 && ok1 && m1.txid > m0.txid, !ok0 && ok1:
		m0 = m1
	case !ok0:
		return meta{}, errNotBolt
	}
	if int64(m0.pageSize) != pageSize {
		return meta{}, fmt.Errorf("meta: page size %d, but the meta pages are %d bytes apart", m0.pageSize, pageSize)
	}
	if m0.pgid < 4 || int64(m0.pgid) > c.size/pageSize {
		return meta{}, fmt.Errorf("meta: %d pages in use, but the file holds %d", m0.pgid, c.size/pageSize)
	}
	return m0, nil
}

// readMeta decodes the meta page at offset off; it reports false when it is not a valid one.
func (c *checker) readMeta(off int64, buf []byte) (meta, bool) {
	var hdr [pageHeaderSize]byte
	if _, err := c.f.ReadAt(hdr[:], off); err != nil || order.Uint16(hdr[8:]) != metaPage {
		return meta{}, false
	}
	if _, err := c.f.ReadAt(buf, off+pageHeaderSize); err != nil {
		return meta{}, false
	}
	h := fnv.New64a()
	_, _ = h.Write(buf[:56])
	if order.Uint32(buf[0:]) != boltMagic || order.Uint32(buf[4:]) != boltVersion || order.Uint64(buf[56:]) != h.Sum64() {
		return meta{}, false
	}
	return meta{pageSize: order.Uint32(buf[8:]), root: order.Uint64(buf[16:]), freelist: order.Uint64(buf[32:]),
		pgid: order.Uint64(buf[40:]), txid: order.Uint64(buf[48:])}, true
}

// page reads page id with its overflow pages, checking that it lies inside the file and below
// the high-water mark, names itself, and is reached for the first time.
func (c *checker) page(id uint64) ([]byte, error) {
	if id < 2 || id >= c.hwm {
		return nil, fmt.Errorf("page %d: outside [2, %d)", id, c.hwm)
	}
	var hdr [pageHeaderSize]byte
	if _, err := c.f.ReadAt(hdr[:], int64(id)*c.pageSize); err != nil {
		return nil, fmt.Errorf("page %d: %w", id, err)
	}
	if got := order.Uint64(hdr[0:]); got != id {
		return nil, fmt.Errorf("page %d: its header says page %d", id, got)
	}
	overflow := uint64(order.Uint32(hdr[12:]))
	if overflow >= c.hwm-id {
		return nil, fmt.Errorf("page %d: %d overflow pages run past page %d", id, overflow, c.hwm)
	}
	for p := id; p <= id+overflow; p++ {
		if c.reached[p] {
			return nil, fmt.Errorf("page %d: reached twice", p)
		}
		c.reached[p] = true
	}
	buf := make([]byte, int64(overflow+1)*c.pageSize)
	if _, err := c.f.ReadAt(buf, int64(id)*c.pageSize); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("page %d: %w", id, err)
	} else if err != nil {
		return nil, fmt.Errorf("page %d: past the end of the file", id)
	}
	return buf, nil
}

// tree checks the page tree rooted at id and returns its first and last keys.
func (c *checker) tree(id uint64, depth int) (first, last []byte, err error) {
	if depth > maxTreeDepth {
		return nil, nil, fmt.Errorf("page %d: tree deeper than %d", id, maxTreeDepth)
	}
	p, err := c.page(id)
	if err != nil {
		return nil, nil, err
	}
	switch flags := order.Uint16(p[8:]); flags {
	case leafPage:
		return c.leaf(p, id, depth)
	case branchPage:
		return c.branch(p, id, depth)
	default:
		return nil, nil, fmt.Errorf("page %d: flags %#x, want a branch or leaf page", id, flags)
	}
}

// elements returns the count of p's elements after checking that they fit in it.
func elements(p []byte, id uint64) (int, error) {
	n := int(order.Uint16(p[10:]))
	if pageHeaderSize+n*elementSize > len(p) {
		return 0, fmt.Errorf("page %d: %d elements do not fit in %d bytes", id, n, len(p))
	}
	return n, nil
}

// span returns p[at+pos : at+pos+size], or an error when it leaves p.
func span(p []byte, id uint64, at int, pos, size uint32) ([]byte, error) {
	start, end := int64(at)+int64(pos), int64(at)+int64(pos)+int64(size)
	if end > int64(len(p)) {
		return nil, fmt.Errorf("page %d: an element's data at %d..%d runs past its %d bytes", id, start, end, len(p))
	}
	return p[start:end], nil
}

// ascending checks that key comes after prev (strictly), as bbolt keeps keys.
func ascending(id uint64, prev, key []byte, i int) error {
	if i > 0 && bytes.Compare(prev, key) >= 0 {
		return fmt.Errorf("page %d: key %d out of order", id, i)
	}
	return nil
}

func (c *checker) branch(p []byte, id uint64, depth int) (first, last []byte, err error) {
	n, err := elements(p, id)
	if err != nil {
		return nil, nil, err
	}
	if n == 0 {
		return nil, nil, fmt.Errorf("page %d: an empty branch", id)
	}
	var prev []byte
	for i := range n {
		at := pageHeaderSize + i*elementSize
		key, err := span(p, id, at, order.Uint32(p[at:]), order.Uint32(p[at+4:]))
		if err != nil {
			return nil, nil, err
		}
		if err := ascending(id, prev, key, i); err != nil {
			return nil, nil, err
		}
		cfirst, clast, err := c.tree(order.Uint64(p[at+8:]), depth+1)
		if err != nil {
			return nil, nil, err
		}
		if cfirst != nil && bytes.Compare(cfirst, key) < 0 {
			return nil, nil, fmt.Errorf("page %d: child %d holds keys before its branch key", id, i)
		}
		if i > 0 && last != nil && cfirst != nil && bytes.Compare(last, cfirst) >= 0 {
			return nil, nil, fmt.Errorf("page %d: children %d and %d overlap", id, i-1, i)
		}
		if i == 0 {
			first = key
		}
		if clast != nil {
			last = clast
		}
		prev = key
	}
	return first, last, nil
}

func (c *checker) leaf(p []byte, id uint64, depth int) (first, last []byte, err error) {
	n, err := elements(p, id)
	if err != nil {
		return nil, nil, err
	}
	for i := range n {
		at := pageHeaderSize + i*elementSize
		flags, pos, ksize, vsize := order.Uint32(p[at:]), order.Uint32(p[at+4:]), order.Uint32(p[at+8:]), order.Uint32(p[at+12:])
		key, err := span(p, id, at, pos, ksize)
		if err != nil {
			return nil, nil, err
		}
		value, err := span(p, id, at, pos+ksize, vsize)
		if err != nil || pos+ksize < pos {
			return nil, nil, fmt.Errorf("page %d: element %d's value runs past the page", id, i)
		}
		if err := ascending(id, last, key, i); err != nil {
			return nil, nil, err
		}
		if flags&bucketLeafFlag != 0 {
			if err := c.bucket(value, id, depth); err != nil {
				return nil, nil, err
			}
		}
		if i == 0 {
			first = key
		}
		last = key
	}
	return first, last, nil
}

// bucket checks a bucket's value: its header, and its inline page or its page tree.
func (c *checker) bucket(v []byte, in uint64, depth int) error {
	if len(v) < bucketHeader {
		return fmt.Errorf("page %d: a bucket value of %d bytes", in, len(v))
	}
	if root := order.Uint64(v); root != 0 {
		_, _, err := c.tree(root, depth+1)
		return err
	}
	inline := v[bucketHeader:]
	if len(inline) < pageHeaderSize || order.Uint16(inline[8:]) != leafPage {
		return fmt.Errorf("page %d: an inline bucket without a leaf page", in)
	}
	if depth > maxTreeDepth {
		return fmt.Errorf("page %d: buckets nested deeper than %d", in, maxTreeDepth)
	}
	_, _, err := c.leaf(inline, in, depth+1)
	return err
}

// freelist checks a synced free list: a free-list page whose ids are pages in use by nothing.
func (c *checker) freelist(id uint64) error {
	p, err := c.page(id)
	if err != nil {
		return fmt.Errorf("free list: %w", err)
	}
	if flags := order.Uint16(p[8:]); flags != freelistPage {
		return fmt.Errorf("free list: page %d has flags %#x", id, flags)
	}
	at, n := pageHeaderSize, uint64(order.Uint16(p[10:]))
	if n == 0xFFFF { // the count overflows into the first element
		if len(p) < pageHeaderSize+8 {
			return fmt.Errorf("free list: page %d too short", id)
		}
		n, at = order.Uint64(p[at:]), at+8
	}
	if n > uint64(len(p)-at)/8 {
		return fmt.Errorf("free list: %d ids do not fit in page %d", n, id)
	}
	free := map[uint64]bool{}
	for i := range n {
		f := order.Uint64(p[at+int(i)*8:])
		switch {
		case f < 2 || f >= c.hwm:
			return fmt.Errorf("free list: page %d outside [2, %d)", f, c.hwm)
		case free[f]:
			return fmt.Errorf("free list: page %d freed twice", f)
		case c.reached[f]:
			return fmt.Errorf("free list: page %d is free and in use", f)
		}
		free[f] = true
	}
	return nil
}
