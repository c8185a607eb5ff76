package largejson

import (
	"bytes"
	"strings"
	"testing"
)

func TestBufferKeepsEveryByteInOrder(t *testing.T) {
	var b Buffer
	var want bytes.Buffer
	piece := strings.Repeat("0123456789", 7001) // 70,010 bytes: crosses chunk boundaries
	for i := range 5 {
		_, _ = b.WriteString(piece[:i*10000])
		want.WriteString(piece[:i*10000])
		_, _ = b.Write([]byte(piece))
		want.WriteString(piece)
	}
	if b.Len() != want.Len() {
		t.Fatalf("Len %d, want %d", b.Len(), want.Len())
	}
	for i, c := range b.chunks {
		if cap(c) != chunkSize || (i < len(b.chunks)-1 && len(c) != chunkSize) {
			t.Fatalf("chunk %d: len %d cap %d; want full chunks of %d but the last", i, len(c), cap(c), chunkSize)
		}
	}
	var got bytes.Buffer
	if n, err := b.WriteTo(&got); err != nil || n != int64(want.Len()) {
		t.Fatalf("WriteTo: %d, %v", n, err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Error("the content written out differs from what was appended")
	}
	if b.Len() != 0 {
		t.Error("the buffer still holds its content after WriteTo")
	}
}
