package spec

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The http-router reads the query string with qs (packages/http-router/src/parseQueryParams.ts:
// qs.parse(query, { arrayLimit: 500, throwOnLimitExceeded: true })) and answers 400
// {"success":false,"error":"Invalid query parameters"} when qs throws. parseQS is qs 6.14.0's
// parse (lib/parse.js, lib/utils.js) with those options and qs's defaults otherwise (depth 5,
// parameterLimit 1000, duplicates "combine", no dots, no prototypes, no sparse arrays), ported
// step for step and checked against qs itself by TestQSAgreesWithQs (testdata/qs, written by
// spec/ajvgolden):
//
//  1. parseValues: %5B/%5D become brackets; the string is split on "&" (more than 1000 parts
//     throw); each part splits at its first "]=" (after the bracket) or else its first "=";
//     key and value are decoded (decodeURIComponent after "+" becomes a space; a malformed
//     escape leaves the whole text as written); a repeated key combines into an array, and a
//     501st value throws.
//  2. parseKeys: "a[b][c]" is the chain a, [b], [c] (five bracket levels; a sixth and what
//     follows become one key "[…]"; text outside brackets after the parent is dropped); a key
//     or bracket naming a property of Object.prototype ("toString", "__proto__") drops the
//     whole parameter.
//  3. parseObject: from the leaf up, "[]" wraps the value in an array, "[n]" (n a canonical
//     integer up to 500) puts it at index n of a sparse array, anything else is an object key.
//  4. merge into the result, in the order JavaScript lists the keys of step 1 (array indices
//     first); then compact drops the holes of sparse arrays.

// errQueryLimit is qs's RangeError for too many parameters or too large an array (the
// router's answer text is "Invalid query parameters").
var errQueryLimit = errors.New("query string refused by qs: too many parameters or too long an array")

const (
	qsParameterLimit = 1000
	qsArrayLimit     = 500
	qsDepth          = 5
)

// qsArray is a JavaScript array as qs builds it, holes included: obj[index] = leaf makes a
// sparse one. Only the elements present are stored, so "a[500]=x" costs one entry.
type qsArray struct {
	length int
	elems  map[int]any
}

func newQSArray(vals ...any) *qsArray {
	a := &qsArray{elems: make(map[int]any, len(vals))}
	for _, v := range vals {
		a.push(v)
	}
	return a
}

func (a *qsArray) push(v any) {
	a.elems[a.length] = v
	a.length++
}

func (a *qsArray) put(i int, v any) {
	a.elems[i] = v
	if i >= a.length {
		a.length = i + 1
	}
}

// present lists the indices that hold a value, ascending (Array.prototype.forEach's visits).
func (a *qsArray) present() []int {
	out := make([]int, 0, len(a.elems))
	for i := 0; i < a.length && len(out) < len(a.elems); i++ {
		if _, ok := a.elems[i]; ok {
			out = append(out, i)
		}
	}
	return out
}

// parseQS parses a raw query string into the object Rocket.Chat's validators see.
func parseQS(raw string) (*jsObject, error) {
	out := newJSObject(4)
	if raw == "" {
		return out, nil
	}
	values, err := qsParseValues(raw)
	if err != nil {
		return nil, err
	}
	var obj any = out
	for _, key := range values.keys() {
		if v := qsParseKeys(key, values.vals[key]); v != nil {
			obj = qsMerge(obj, v)
		}
	}
	return qsCompact(obj).(*jsObject), nil
}

// qsParseValues is parseValues: the decoded parameters, a repeated key's values combined.
func qsParseValues(raw string) (*jsObject, error) {
	clean := strings.NewReplacer("%5B", "[", "%5b", "[", "%5D", "]", "%5d", "]").Replace(raw)
	if strings.Count(clean, "&") >= qsParameterLimit {
		return nil, errQueryLimit
	}
	obj := newJSObject(4)
	for _, part := range strings.Split(clean, "&") {
		pos := strings.Index(part, "]=")
		if pos >= 0 {
			pos++
		} else {
			pos = strings.IndexByte(part, '=')
		}
		var key string
		var val any = ""
		if pos < 0 {
			key = qsDecode(part)
		} else {
			key = qsDecode(part[:pos])
			if prev, ok := obj.vals[key].(*qsArray); ok && prev.length >= qsArrayLimit {
				return nil, errQueryLimit // parseArrayValue's "Array limit exceeded"
			}
			val = qsDecode(part[pos+1:])
		}
		if prev, ok := obj.vals[key]; ok {
			val = qsConcat(prev, val)
		}
		obj.set(key, val)
	}
	return obj, nil
}

// qsPrototype holds the own properties of Object.prototype (Node 20), which qs refuses as keys
// (allowPrototypes false) and as the names of merged-in flags.
var qsPrototype = map[string]bool{
	"constructor": true, "__defineGetter__": true, "__defineSetter__": true, "hasOwnProperty": true,
	"__lookupGetter__": true, "__lookupSetter__": true, "isPrototypeOf": true,
	"propertyIsEnumerable": true, "toString": true, "valueOf": true, "__proto__": true,
	"toLocaleString": true,
}

// qsParseKeys is parseKeys then parseObject: the value nested under the key's chain, or nil
// when qs drops the parameter.
func qsParseKeys(key string, val any) any {
	if key == "" {
		return nil
	}
	var chain []string
	start, end, found := qsBracket(key, 0)
	parent := key
	if found {
		parent = key[:start]
	}
	if parent != "" {
		if qsPrototype[parent] {
			return nil
		}
		chain = append(chain, parent)
	}
	for depth := 0; found && depth < qsDepth; depth++ {
		if qsPrototype[key[start+1:end-1]] {
			return nil
		}
		chain = append(chain, key[start:end])
		start, end, found = qsBracket(key, end)
	}
	if found {
		chain = append(chain, "["+key[start:]+"]")
	}
	leaf := val
	for i := len(chain) - 1; i >= 0; i-- {
		root := chain[i]
		if root == "[]" {
			leaf = qsConcat(leaf)
			continue
		}
		clean := root
		if len(root) >= 2 && root[0] == '[' && root[len(root)-1] == ']' {
			clean = root[1 : len(root)-1]
		}
		if n, ok := qsIndex(clean); ok && root != clean {
			a := newQSArray()
			a.put(n, leaf)
			leaf = a
			continue
		}
		obj := newJSObject(1)
		if clean != "__proto__" {
			obj.set(clean, leaf)
		}
		leaf = obj
	}
	return leaf
}

// qsBracket finds the next match of qs's /(\[[^[\]]*])/ at or after from: a "[" whose next
// bracket is a "]".
func qsBracket(key string, from int) (start, end int, ok bool) {
	for i := from; i < len(key); i++ {
		if key[i] != '[' {
			continue
		}
		if j := strings.IndexAny(key[i+1:], "[]"); j >= 0 && key[i+1+j] == ']' {
			return i, i + j + 2, true
		}
	}
	return 0, 0, false
}

// qsIndex reports whether s names an array index for qs: String(parseInt(s)) === s, from 0 to
// the array limit.
func qsIndex(s string) (int, bool) {
	if s == "" || (len(s) > 1 && s[0] == '0') || len(s) > 3 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > qsArrayLimit || strconv.Itoa(n) != s {
		return 0, false
	}
	return n, true
}

// qsConcat is [].concat(…) as utils.combine and merge use it: arrays are spliced in, holes
// and all; anything else is one element.
func qsConcat(parts ...any) *qsArray {
	out := newQSArray()
	for _, v := range parts {
		if arr, ok := v.(*qsArray); ok {
			base := out.length
			for i, e := range arr.elems {
				out.elems[base+i] = e
			}
			out.length = base + arr.length
			continue
		}
		out.push(v)
	}
	return out
}

// qsMerge is utils.merge (plainObjects and allowPrototypes off). Values are strings, true (a
// plain value merged into an object becomes a key set to true), *jsObject and *qsArray.
func qsMerge(target, source any) any {
	switch src := source.(type) {
	case nil:
		return target
	case string:
		if src == "" {
			return target // !source
		}
		switch t := target.(type) {
		case *qsArray:
			t.push(src)
			return t
		case *jsObject:
			if !qsPrototype[src] {
				t.set(src, true)
			}
			return t
		}
		return newQSArray(target, src)
	}
	switch t := target.(type) {
	case *qsArray:
		if src, ok := source.(*qsArray); ok {
			for _, i := range src.present() {
				item := src.elems[i]
				prev, has := t.elems[i]
				switch {
				case !has:
					t.put(i, item)
				case qsIsObject(prev) && qsIsObject(item):
					t.elems[i] = qsMerge(prev, item)
				default:
					t.push(item)
				}
			}
			return t
		}
		obj := newJSObject(len(t.elems)) // arrayToObject
		for _, i := range t.present() {
			obj.set(strconv.Itoa(i), t.elems[i])
		}
		return qsMergeKeys(obj, source)
	case *jsObject:
		return qsMergeKeys(t, source)
	}
	return qsConcat(target, source) // [target].concat(source)
}

// qsMergeKeys merges each own key of source (an object, or an array's present indices) into acc.
func qsMergeKeys(acc *jsObject, source any) *jsObject {
	add := func(k string, v any) {
		if prev, ok := acc.vals[k]; ok {
			acc.set(k, qsMerge(prev, v))
		} else {
			acc.set(k, v)
		}
	}
	switch src := source.(type) {
	case *jsObject:
		for _, k := range src.keys() {
			add(k, src.vals[k])
		}
	case *qsArray:
		for _, i := range src.present() {
			add(strconv.Itoa(i), src.elems[i])
		}
	}
	return acc
}

func qsIsObject(v any) bool {
	switch v.(type) {
	case *jsObject, *qsArray:
		return true
	}
	return false
}

// qsCompact is utils.compact: every array loses its holes and becomes a plain []any.
func qsCompact(v any) any {
	switch x := v.(type) {
	case *qsArray:
		out := make([]any, 0, len(x.elems))
		for _, i := range x.present() {
			out = append(out, qsCompact(x.elems[i]))
		}
		return out
	case *jsObject:
		for _, k := range x.keys() {
			x.vals[k] = qsCompact(x.vals[k])
		}
	}
	return v
}

// qsDecode is utils.decode for utf-8: "+" is a space, then decodeURIComponent, and on its
// URIError the text with only the "+" replaced.
func qsDecode(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	if d, ok := decodeURIComponent(s); ok {
		return d
	}
	return s
}

// decodeURIComponent is ECMAScript's: every %XX must be two hex digits, and the bytes of
// consecutive escapes must form one well-formed UTF-8 character each (no overlong form, no
// surrogate, nothing above U+10FFFF); other characters are kept.
func decodeURIComponent(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] != '%' {
			b.WriteByte(s[i])
			i++
			continue
		}
		first, ok := hexByte(s, i)
		if !ok {
			return "", false
		}
		i += 3
		if first < utf8.RuneSelf {
			b.WriteByte(first)
			continue
		}
		n := 0 // continuation bytes the leading byte announces
		switch {
		case first&0xE0 == 0xC0:
			n = 1
		case first&0xF0 == 0xE0:
			n = 2
		case first&0xF8 == 0xF0:
			n = 3
		default:
			return "", false
		}
		seq := []byte{first}
		for ; n > 0; n-- {
			c, ok := hexByte(s, i)
			if !ok || c&0xC0 != 0x80 {
				return "", false
			}
			seq = append(seq, c)
			i += 3
		}
		if _, size := utf8.DecodeRune(seq); size != len(seq) { // an invalid sequence decodes as one byte
			return "", false
		}
		b.Write(seq)
	}
	return b.String(), true
}

// hexByte reads the escape %XX at s[i:].
func hexByte(s string, i int) (byte, bool) {
	if i+2 >= len(s) || s[i] != '%' {
		return 0, false
	}
	v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
	return byte(v), err == nil
}
