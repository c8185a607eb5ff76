package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The request side of the contract is checked the way Rocket.Chat checks it: on JavaScript
// values, as JSON.parse builds them. A JSON number is a float64 (7.0 and 7 are the same number,
// 1e1 is 10, 1e400 is Infinity), an object keeps its keys in order, and the value a handler sees
// is written back as JSON.stringify would write it.

// jsObject is a JavaScript object built by JSON.parse or qs. Its keys come out in
// JavaScript's property order (OrdinaryOwnPropertyKeys): array indices ("0" to "4294967294"
// written canonically) in ascending order first, then the other keys in insertion order — so
// JSON.stringify's text and Ajv's walk over additional properties follow it. A repeated key
// keeps its first position and its last value.
type jsObject struct {
	names []string // keys that are not array indices, in insertion order
	index []uint32 // array-index keys, in insertion order until ordered sorts them
	order []string // ordered's result; nil after a new key
	vals  map[string]any
}

func newJSObject(n int) *jsObject {
	return &jsObject{vals: make(map[string]any, n)}
}

// set adds or replaces a property.
func (o *jsObject) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		if i, ok := arrayIndex(k); ok {
			o.index = append(o.index, i)
		} else {
			o.names = append(o.names, k)
		}
		o.order = nil
	}
	o.vals[k] = v
}

// has reports whether the property exists (Ajv's propertyInData).
func (o *jsObject) has(k string) bool {
	_, ok := o.vals[k]
	return ok
}

// size is the number of properties.
func (o *jsObject) size() int { return len(o.vals) }

// keys returns the property names in JavaScript's order (sorting the array indices once, so
// a large object built in any order costs n log n).
func (o *jsObject) keys() []string {
	if o.order == nil && len(o.vals) > 0 {
		slices.Sort(o.index)
		order := make([]string, 0, len(o.vals))
		for _, i := range o.index {
			order = append(order, strconv.FormatUint(uint64(i), 10))
		}
		o.order = append(order, o.names...)
	}
	return o.order
}

// arrayIndex reports whether k is an array index as JavaScript defines it: the canonical
// decimal form of an integer from 0 to 2^32-2.
func arrayIndex(k string) (uint32, bool) {
	if k == "" || len(k) > 10 || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(k, 10, 32)
	if err != nil || n == math.MaxUint32 {
		return 0, false
	}
	return uint32(n), true
}

// parseJS parses one JSON text into JavaScript values: nil, bool, float64, string, []any and
// *jsObject. It fails on anything JSON.parse would refuse (trailing data included).
func parseJS(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	v, err := decodeJS(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("trailing data after JSON value")
	}
	return v, nil
}

func decodeJS(d *json.Decoder) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := newJSObject(4)
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeJS(d)
				if err != nil {
					return nil, err
				}
				obj.set(k, v)
			}
			if _, err := d.Token(); err != nil {
				return nil, err
			}
			return obj, nil
		case '[':
			arr := []any{}
			for d.More() {
				v, err := decodeJS(d)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := d.Token(); err != nil {
				return nil, err
			}
			return arr, nil
		}
		return nil, errors.New("unexpected delimiter")
	case json.Number:
		return jsonNumber(string(t)), nil
	default:
		return t, nil // nil, bool, string
	}
}

// jsonNumber is JSON.parse's number (and ToNumber's of a decimal literal): the nearest double,
// ±Infinity past its range.
func jsonNumber(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return math.NaN() // unreachable: the decoder only yields valid JSON numbers
	}
	return f
}

// appendJS writes v as JSON.stringify does: numbers in JavaScript's notation, NaN and
// ±Infinity as null, object keys in order.
func appendJS(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return append(b, "null"...)
		}
		return append(b, jsNumberString(x)...)
	case string:
		s, _ := json.Marshal(x)
		return append(b, s...)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJS(b, e)
		}
		return append(b, ']')
	case *jsObject:
		b = append(b, '{')
		for i, k := range x.keys() {
			if i > 0 {
				b = append(b, ',')
			}
			s, _ := json.Marshal(k)
			b = append(b, s...)
			b = append(b, ':')
			b = appendJS(b, x.vals[k])
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

// jsNumberString is JavaScript's Number.prototype.toString() (ECMAScript Number::toString,
// radix 10): the shortest round-tripping digits, fixed notation for 1e-7 <= |x| < 1e21,
// exponent notation ("1e+21", "1.5e-7") outside it; -0 is "0".
func jsNumberString(x float64) string {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "Infinity"
	case math.IsInf(x, -1):
		return "-Infinity"
	case x == 0:
		return "0"
	}
	sign := ""
	if x < 0 {
		sign, x = "-", -x
	}
	// Shortest digits d1…dk and exponent n with x = 0.d1…dk × 10^n.
	e := strconv.FormatFloat(x, 'e', -1, 64) // d.ddde±xx
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	k := len(digits)
	p, _ := strconv.Atoi(exp)
	n := p + 1
	var out string
	switch {
	case k <= n && n <= 21:
		out = digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		out = digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		out = "0." + strings.Repeat("0", -n) + digits
	default:
		es := "+"
		if n-1 < 0 {
			es = "-"
		}
		ev := n - 1
		if ev < 0 {
			ev = -ev
		}
		if k == 1 {
			out = digits + "e" + es + strconv.Itoa(ev)
		} else {
			out = digits[:1] + "." + digits[1:] + "e" + es + strconv.Itoa(ev)
		}
	}
	return sign + out
}

// jsStringToNumber is JavaScript's ToNumber applied to a string (the unary + of Ajv's
// coercion): surrounding white space is ignored, "" is 0, "Infinity" and 0x/0o/0b literals
// are numbers, anything else that is not a decimal literal is NaN.
func jsStringToNumber(s string) float64 {
	t := strings.TrimFunc(s, isJSSpace)
	if t == "" {
		return 0
	}
	switch t {
	case "Infinity", "+Infinity":
		return math.Inf(1)
	case "-Infinity":
		return math.Inf(-1)
	}
	if len(t) > 2 && t[0] == '0' {
		base := 0
		switch t[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 0 {
			return radixNumber(t[2:], base)
		}
	}
	if !isDecimalLiteral(t) {
		return math.NaN()
	}
	return jsonNumber(t) // ParseFloat takes the literal forms isDecimalLiteral lets through
}

// radixNumber parses an unsigned integer literal of any length in base (NaN if malformed).
func radixNumber(s string, base int) float64 {
	f := 0.0
	for _, r := range s {
		d := -1
		switch {
		case r >= '0' && r <= '9':
			d = int(r - '0')
		case r >= 'a' && r <= 'z':
			d = int(r-'a') + 10
		case r >= 'A' && r <= 'Z':
			d = int(r-'A') + 10
		}
		if d < 0 || d >= base {
			return math.NaN()
		}
		f = f*float64(base) + float64(d)
	}
	return f
}

// isDecimalLiteral reports whether s is ECMAScript's StrDecimalLiteral without "Infinity":
// an optional sign, digits with an optional fraction (or a fraction alone), an optional exponent.
func isDecimalLiteral(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	intDigits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		intDigits++
	}
	fracDigits := 0
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			fracDigits++
		}
	}
	if intDigits+fracDigits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		expDigits := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			expDigits++
		}
		if expDigits == 0 {
			return false
		}
	}
	return i == len(s)
}

// isJSSpace is ECMAScript's WhiteSpace or LineTerminator.
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}
