package largejson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rcinvite/rcinvite/spec"
)

// each yields the elements of list.
func each[T any](list []T) iter.Seq2[int, any] {
	return func(yield func(int, any) bool) {
		for i := range list {
			if !yield(i, list[i]) {
				return
			}
		}
	}
}

func invite(id string) map[string]any {
	return map[string]any{"_id": id, "rid": "ProjectX", "userId": "u", "days": 0, "maxUses": 0, "uses": 0,
		"createdAt": "2026-05-01T10:00:00.000Z", "expires": nil, "url": "", "_updatedAt": "2026-05-01T10:00:00.000Z"}
}

func written(t *testing.T, b *Buffer) []byte {
	t.Helper()
	var out bytes.Buffer
	if _, err := b.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestBuildWritesWhatMarshalWouldAndChecksEachElement(t *testing.T) {
	req := httptest.NewRequest("GET", "/api/v1/listInvites", nil)
	list := []map[string]any{invite("a"), invite("b"), invite("c")}
	body, err := Answer{Validator: spec.Default(), Request: req, Array: each(list)}.Build(true)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(list)
	if got := written(t, body); !bytes.Equal(got, want) {
		t.Errorf("body %s, want %s", got, want)
	}

	delete(list[1], "rid")
	_, err = Answer{Validator: spec.Default(), Request: req, Array: each(list)}.Build(true)
	var ve *spec.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "field 1.rid: required") {
		t.Fatalf("an element without rid: %v, want a violation naming field 1.rid", err)
	}
	body, err = Answer{Validator: spec.Default(), Request: req, Array: each(list)}.Build(false)
	if err == nil || body == nil || !json.Valid(written(t, body)) {
		t.Errorf("lenient build: %v; want the violation and the whole body", err)
	}
}

func TestBuildChecksTheObjectAroundItsArrays(t *testing.T) {
	req := httptest.NewRequest("GET", "/_mock/requests", nil)
	entry := map[string]any{"id": 1, "time": "2026-05-01T10:00:00Z", "method": "GET", "path": "/api/info", "query": "", "status": 200, "durationMs": 0.1}
	fields := func(total any, entries ...map[string]any) []Field {
		return []Field{{Name: "requests", Items: each(entries)}, {Name: "total", Value: total}, {Name: "dropped", Value: 0}, {Name: "success", Value: true}}
	}
	body, err := Answer{Validator: spec.Control(), Request: req, Fields: fields(1, entry, entry)}.Build(true)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Requests []map[string]any `json:"requests"`
		Total    int              `json:"total"`
	}
	if err := json.Unmarshal(written(t, body), &got); err != nil || len(got.Requests) != 2 || got.Total != 1 {
		t.Errorf("body does not decode to the answer: %+v %v", got, err)
	}
	if _, err := (Answer{Validator: spec.Control(), Request: req, Fields: fields("many")}).Build(true); err == nil {
		t.Error("a total that is not an integer passed")
	}
	bad := map[string]any{"id": 0, "time": "x", "method": "GET", "path": "/", "query": "", "status": 200, "durationMs": 1}
	if _, err := (Answer{Validator: spec.Control(), Request: req, Fields: fields(1, entry, bad)}).Build(true); err == nil || !strings.Contains(err.Error(), "requests.1.id") {
		t.Errorf("an entry with id 0: %v, want a violation naming requests.1.id", err)
	}
}

func TestAcquireLetsMaxInFlightBuildAtOnce(t *testing.T) {
	var releases []func()
	for range MaxInFlight {
		release, err := Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, release)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Acquire(ctx); err == nil {
		t.Fatalf("a %d-th large answer got a slot while %d were being built", MaxInFlight+1, MaxInFlight)
	}
	releases[0]()
	releases[0]() // a second call gives back nothing more
	release, err := Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	release()
	for _, r := range releases[1:] {
		r()
	}
	if len(slots) != 0 {
		t.Errorf("%d slots still taken after every release", len(slots))
	}
}
