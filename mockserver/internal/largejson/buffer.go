package largejson

import "io"

// chunkSize is the size of one chunk: large enough that a write to a connection carries a
// useful amount, small enough that the last, partly filled chunk wastes little.
const chunkSize = 64 << 10

// Buffer is a byte buffer in fixed-size chunks. Appending never copies what it already holds
// (a bytes.Buffer that doubles its array briefly holds three times its content), so a body of
// n bytes costs n bytes and a little; it is written out chunk by chunk. The zero value is an
// empty buffer ready to use.
type Buffer struct {
	chunks [][]byte // each of capacity chunkSize; only the last may be partly filled
	n      int
}

// Write appends p; it never fails.
func (b *Buffer) Write(p []byte) (int, error) { return appendTo(b, p), nil }

// WriteString appends s; it never fails.
func (b *Buffer) WriteString(s string) (int, error) { return appendTo(b, s), nil }

// WriteByte appends c; it never fails.
func (b *Buffer) WriteByte(c byte) error {
	appendTo(b, []byte{c})
	return nil
}

// appendTo appends p to b, chunk by chunk, and returns its length.
func appendTo[T ~string | ~[]byte](b *Buffer, p T) int {
	n := len(p)
	for len(p) > 0 {
		if len(b.chunks) == 0 || len(b.chunks[len(b.chunks)-1]) == chunkSize {
			b.chunks = append(b.chunks, make([]byte, 0, chunkSize))
		}
		last := &b.chunks[len(b.chunks)-1]
		k := min(len(p), chunkSize-len(*last))
		*last = append(*last, p[:k]...)
		p = p[k:]
	}
	b.n += n
	return n
}

// Len is the number of bytes held.
func (b *Buffer) Len() int { return b.n }

// WriteTo writes the content to w, chunk by chunk, and lets each chunk go once written.
func (b *Buffer) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for i, c := range b.chunks {
		n, err := w.Write(c)
		total += int64(n)
		b.chunks[i] = nil
		if err != nil {
			b.chunks, b.n = nil, 0
			return total, err
		}
	}
	b.chunks, b.n = nil, 0
	return total, nil
}
