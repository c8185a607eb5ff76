// Package largejson builds large JSON answers (listInvites over 100k invites, GET /_mock/state,
// the journal) element by element into a chunked body, checking each element against the
// contract as it is encoded (spec.ItemChecker), so that an answer exists once in memory and is
// never decoded whole: checking such an answer as one document took about ten times its size.
package largejson

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"sync"

	"github.com/rcinvite/rcinvite/spec"
)

// Answer describes a 200 JSON answer with large arrays: a bare array (Array), or an object
// (Fields, in order).
type Answer struct {
	Validator *spec.Validator
	Request   *http.Request
	Encode    func(any) ([]byte, error) // how the server encodes one value (nil: json.Marshal)
	Array     iter.Seq2[int, any]       // the answer is this bare array
	Fields    []Field                   // otherwise: the answer is an object of these members
}

// Field is one member of an answer object: a small Value, or a large array of Items.
type Field struct {
	Name  string
	Value any
	Items iter.Seq2[int, any]
}

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

// Build encodes the answer and checks it against the contract: the answer with its arrays
// empty through ValidateResponse, then each element through an ItemChecker. It returns the
// body and the first violation found; after a violation it stops checking, and when stop is
// true it returns at once without a body. An element that cannot be encoded is a violation too.
func (a Answer) Build(stop bool) (*Buffer, error) {
	encode := a.Encode
	if encode == nil {
		encode = json.Marshal
	}
	b := &builder{a: a, encode: encode, body: &Buffer{}, stop: stop}
	if a.Array != nil {
		b.check(envelopeArray)
		b.array("", a.Array)
	} else {
		b.checkEnvelope()
		_ = b.body.WriteByte('{')
		for i, f := range a.Fields {
			if i > 0 {
				_ = b.body.WriteByte(',')
			}
			b.write(f.Name)
			_ = b.body.WriteByte(':')
			if f.Items != nil {
				b.array("/"+f.Name, f.Items)
			} else {
				b.write(f.Value)
			}
		}
		_ = b.body.WriteByte('}')
	}
	if b.violation != nil && stop {
		return nil, b.violation
	}
	return b.body, b.violation
}

// envelopeArray is a bare array answer with its elements left out.
var envelopeArray = []byte("[]")

// builder is one Build in progress.
type builder struct {
	a         Answer
	encode    func(any) ([]byte, error)
	body      *Buffer
	stop      bool
	violation error // the first one
}

// failed records err as the violation unless one was found before.
func (b *builder) failed(err error) {
	if b.violation == nil {
		b.violation = err
	}
}

// halted reports whether building should end: a violation was found and stop is set.
func (b *builder) halted() bool { return b.stop && b.violation != nil }

// check validates an envelope: the whole answer with its arrays empty.
func (b *builder) check(envelope []byte) {
	if err := b.a.Validator.ValidateResponse(b.a.Request, http.StatusOK, jsonHeader, envelope); err != nil {
		b.failed(err)
	}
}

// checkEnvelope validates the object answer with every large array empty.
func (b *builder) checkEnvelope() {
	env := map[string]any{}
	for _, f := range b.a.Fields {
		if f.Items != nil {
			env[f.Name] = []any{}
		} else {
			env[f.Name] = f.Value
		}
	}
	raw, err := b.encode(env)
	if err != nil {
		b.failed(err)
		return
	}
	b.check(raw)
}

// write appends v encoded.
func (b *builder) write(v any) {
	raw, err := b.encode(v)
	if err != nil {
		b.failed(err)
		raw = []byte("null")
	}
	_, _ = b.body.Write(raw)
}

// array appends the array at pointer at, element by element, checking each while no violation
// was found.
func (b *builder) array(at string, items iter.Seq2[int, any]) {
	check, err := b.a.Validator.ItemChecker(b.a.Request, http.StatusOK, jsonHeader, at)
	if err != nil {
		b.failed(err)
	}
	_ = b.body.WriteByte('[')
	first := true
	for i, v := range items {
		if b.halted() {
			return
		}
		raw, err := b.encode(v)
		if err != nil {
			b.failed(err)
			continue
		}
		if check != nil && b.violation == nil {
			if err := check(raw, i); err != nil {
				b.failed(err)
			}
		}
		if !first {
			_ = b.body.WriteByte(',')
		}
		first = false
		_, _ = b.body.Write(raw)
	}
	_ = b.body.WriteByte(']')
}

// Items turns a sequence of documents into the elements of an Array or Field.
func Items[T any](seq iter.Seq2[int, *T]) iter.Seq2[int, any] {
	return func(yield func(int, any) bool) {
		for i, v := range seq {
			if !yield(i, v) {
				return
			}
		}
	}
}

// MaxInFlight is how many large answers (and large state bodies) the process builds at once;
// more wait their turn. Each takes about twice its size while it is built (up to 64 MB for a
// 32 MB state), so that eight listInvites over 140k invites at once no longer take 8 GB —
// nor, under a memory limit, starve the garbage collector until their clients time out.
const MaxInFlight = 2

var slots = make(chan struct{}, MaxInFlight)

// Acquire waits until fewer than MaxInFlight large answers are being built and returns the
// function that lets the next one go (call it once the answer is written), or ctx's error when
// the client leaves first.
func Acquire(ctx context.Context) (release func(), err error) {
	select {
	case slots <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-slots }) }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
