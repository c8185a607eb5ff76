package spec

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// scalarType is the JSON type a body property is coerced to, as Ajv's coerceTypes does.
type scalarType uint8

const (
	toString scalarType = iota + 1
	toInteger
	toNumber
	toBoolean
)

// coercionTable lists the scalar top-level properties of an operation's JSON request body,
// including those declared in oneOf/anyOf/allOf branches (the ban endpoints' two shapes).
func coercionTable(op *openapi3.Operation) map[string]scalarType {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	table := map[string]scalarType{}
	collectScalars(table, mt.Schema.Value, 0)
	return table
}

func collectScalars(table map[string]scalarType, s *openapi3.Schema, depth int) {
	if s == nil || depth > 4 {
		return
	}
	for name, p := range s.Properties {
		if p == nil || p.Value == nil {
			continue
		}
		if t := scalarOf(p.Value); t != 0 {
			if _, seen := table[name]; !seen {
				table[name] = t
			}
		}
	}
	for _, group := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf, s.AllOf} {
		for _, ref := range group {
			if ref != nil {
				collectScalars(table, ref.Value, depth+1)
			}
		}
	}
}

func scalarOf(s *openapi3.Schema) scalarType {
	if s.Type == nil || len(*s.Type) != 1 {
		return 0
	}
	switch (*s.Type)[0] {
	case openapi3.TypeString:
		return toString
	case openapi3.TypeInteger:
		return toInteger
	case openapi3.TypeNumber:
		return toNumber
	case openapi3.TypeBoolean:
		return toBoolean
	}
	return 0
}

// coerceBody applies Ajv-style coerceTypes to the top-level scalar properties of a JSON object
// body, per the operation's request schema (documents checked with kin-openapi only: the
// control API; a Rocket.Chat contract is coerced by ajv.go): number or boolean -> string,
// numeric string -> integer/number, "true"/"false" -> boolean, null -> "", 0 or false. Bodies
// that are not JSON objects, and bodies needing no change, come back unchanged (the same slice).
func coerceBody(table map[string]scalarType, body []byte) []byte {
	if len(table) == 0 {
		return body
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return body
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &obj); err != nil {
		return body
	}
	changed := false
	for name, raw := range obj {
		t, ok := table[name]
		if !ok {
			continue
		}
		if c, ok := coerceScalar(t, raw); ok {
			obj[name] = c
			changed = true
		}
	}
	if !changed {
		return body
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return body
	}
	return out
}

// coerceScalar returns the coerced JSON literal of raw, and whether it changed.
func coerceScalar(t scalarType, raw json.RawMessage) (json.RawMessage, bool) {
	if len(raw) == 0 {
		return nil, false
	}
	kind := raw[0]
	switch t {
	case toString:
		switch {
		case kind == 't' || kind == 'f':
			return quote(string(raw)), true
		case kind == 'n':
			return json.RawMessage(`""`), true
		case kind == '-' || (kind >= '0' && kind <= '9'):
			f, err := strconv.ParseFloat(string(raw), 64)
			if err != nil {
				return nil, false
			}
			return quote(jsNumber(f)), true
		}
	case toInteger, toNumber:
		switch kind {
		case 't':
			return json.RawMessage(`1`), true
		case 'f', 'n':
			return json.RawMessage(`0`), true
		case '"':
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return nil, false
			}
			f, ok := numericString(s)
			if !ok || (t == toInteger && f != math.Trunc(f)) {
				return nil, false
			}
			return json.RawMessage(jsNumber(f)), true
		}
	case toBoolean:
		switch string(raw) {
		case `"true"`, `1`:
			return json.RawMessage(`true`), true
		case `"false"`, `0`, `null`:
			return json.RawMessage(`false`), true
		}
	}
	return nil, false
}

// numericString reports whether JavaScript's `s !== "" && +s == s` holds, restricted to
// decimal notation [inferred: hex and "Infinity" are not coerced].
func numericString(s string) (float64, bool) {
	t := strings.TrimSpace(s)
	if t == "" || strings.ContainsAny(t, "xXnN_") {
		return 0, false
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// jsNumber formats f as JavaScript's String(f) does for the common cases.
func jsNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func quote(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}
