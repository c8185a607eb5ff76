package spec

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// The http-router reads the query string with qs (packages/http-router/src/parseQueryParams.ts:
// qs.parse(query, { arrayLimit: 500, throwOnLimitExceeded: true })) and answers 400
// {"success":false,"error":"Invalid query parameters"} when qs throws. parseQS reproduces what
// qs does with the inputs clients send [inferred from qs's documented defaults]: "+" is a space
// and percent-escapes are decoded (a malformed escape stays as written); a repeated key becomes
// an array; "a[]=x" is an array and "a[0]=x" an array index ("a[501]=x" is the object
// {"501":"x"}); "a[b]=x" nests objects five levels deep, deeper brackets stay part of the last
// key; more than 1000 parameters, or a key repeated into an array of more than 500, fail.

// errQueryLimit is qs's RangeError for too many parameters or too large an array (the
// router's answer text is "Invalid query parameters").
var errQueryLimit = errors.New("query string refused by qs: too many parameters or too long an array")

const (
	qsParameterLimit = 1000
	qsArrayLimit     = 500
	qsDepth          = 5
)

// parseQS parses a raw query string into the object Rocket.Chat's validators see.
func parseQS(raw string) (*jsObject, error) {
	out := newJSObject(4)
	if raw == "" {
		return out, nil
	}
	parts := strings.Split(raw, "&")
	if len(parts) > qsParameterLimit {
		return nil, errQueryLimit
	}
	for _, part := range parts {
		if part == "" {
			continue
		}
		k, v, hasEq := strings.Cut(part, "=")
		key := qsDecode(k)
		val := ""
		if hasEq {
			val = qsDecode(v)
		}
		if key == "" {
			continue
		}
		if err := qsAssign(out, qsSegments(key), val); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func qsDecode(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	if d, err := url.PathUnescape(s); err == nil {
		return d
	}
	return s
}

// qsSegments splits "a[b][c]" into a, b, c (at most qsDepth bracket levels).
func qsSegments(key string) []string {
	open := strings.IndexByte(key, '[')
	if open <= 0 {
		return []string{key}
	}
	segs := []string{key[:open]}
	rest := key[open:]
	for depth := 0; depth < qsDepth && strings.HasPrefix(rest, "["); depth++ {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			break
		}
		segs = append(segs, rest[1:end])
		rest = rest[end+1:]
	}
	if rest != "" {
		segs = append(segs, "["+strings.TrimPrefix(rest, "[")) // qs keeps the remainder as one key
	}
	return segs
}

// qsAssign stores val under the path segs in obj, combining repeated keys into arrays.
func qsAssign(obj *jsObject, segs []string, val string) error {
	name := segs[0]
	if len(segs) == 1 {
		return qsCombine(obj, name, val)
	}
	next := segs[1]
	if next == "" { // a[]=x
		if len(segs) == 2 {
			return qsCombine(obj, name, val)
		}
		next = "0"
	}
	child, ok := obj.vals[name].(*jsObject)
	if !ok {
		child = newJSObject(2)
		if prev, exists := obj.vals[name]; exists {
			// qs merges a plain value with a nested one as an object holding both.
			child.set("0", prev)
		}
		obj.set(name, child)
	}
	return qsAssign(child, segs[1:], val)
}

// qsCombine adds a value to a key: the first stays a string, repeats make an array.
func qsCombine(obj *jsObject, name, val string) error {
	prev, ok := obj.vals[name]
	if !ok {
		obj.set(name, val)
		return nil
	}
	switch p := prev.(type) {
	case []any:
		if len(p) >= qsArrayLimit {
			return errQueryLimit
		}
		obj.vals[name] = append(p, val)
	case *jsObject:
		p.set(strconv.Itoa(len(p.keys)), val)
	default:
		obj.vals[name] = []any{prev, val}
	}
	return nil
}

// compactQuery turns the nested objects of a parsed query whose keys are 0..n-1 (arrays written
// with indices, "a[0]=x&a[1]=y") into arrays, as qs compacts them; the root stays an object.
func compactQuery(q *jsObject) *jsObject {
	for _, k := range q.keys {
		q.vals[k] = queryArrays(q.vals[k])
	}
	return q
}

func queryArrays(v any) any {
	obj, ok := v.(*jsObject)
	if !ok {
		return v
	}
	for _, k := range obj.keys {
		obj.vals[k] = queryArrays(obj.vals[k])
	}
	if len(obj.keys) == 0 {
		return obj
	}
	arr := make([]any, len(obj.keys))
	for i := range arr {
		e, ok := obj.vals[strconv.Itoa(i)]
		if !ok {
			return obj
		}
		arr[i] = e
	}
	return arr
}
