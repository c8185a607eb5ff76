package spec

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Accepts says what the document accepts where problem p of e is: the
// keys an object takes (for an additional property), the shapes a oneOf takes, the allowed
// values of an enum, or an example of the value. It returns "" when the document says nothing
// more. A mock's own API uses it to answer a wrong request with what would be right, e.g.
// `send exactly one of {"freeze":"<RFC 3339 time>"}, {"advance":"25h"}, {"resume":true}`
// for PUT /_mock/clock {"advnce":"1h"}; Rocket.Chat's own answers keep Ajv's words alone.
func (v *Validator) Accepts(e *ValidationError, p Problem) string {
	op := findOperation(v.doc, e.Operation)
	if op == nil {
		return ""
	}
	var field []string
	if p.Field != "" {
		field = strings.Split(p.Field, ".")
	}
	var root *openapi3.Schema
	if e.In == "body" {
		if op.RequestBody == nil || op.RequestBody.Value == nil {
			return ""
		}
		if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			root = mt.Schema.Value
		}
	} else if len(field) > 0 {
		i := slices.IndexFunc(op.Parameters, func(pr *openapi3.ParameterRef) bool {
			return pr.Value != nil && pr.Value.In == e.In && pr.Value.Name == field[0] && pr.Value.Schema != nil
		})
		if i < 0 {
			return ""
		}
		root, field = op.Parameters[i].Value.Schema.Value, field[1:]
	}
	if p.Rule == "additionalProperties" && len(field) > 0 {
		field = field[:len(field)-1] // the unknown key is reported at itself; its parent has the keys
	}
	s := schemaAt(root, field)
	if s == nil {
		return ""
	}
	switch p.Rule {
	case "additionalProperties":
		return "the accepted keys are " + joinWords(slices.Sorted(maps.Keys(s.Properties)), "and")
	case "oneOf", "anyOf":
		alts := make([]string, 0, len(s.OneOf)+len(s.AnyOf))
		for _, alt := range slices.Concat(s.OneOf, s.AnyOf) {
			if alt.Value != nil {
				alts = append(alts, shape(alt.Value))
			}
		}
		return "send exactly one of " + strings.Join(alts, ", ")
	case "enum":
		return "allowed: " + joinWords(enumValues(s), "or")
	}
	if s.Example != nil {
		return "e.g. " + jsonOf(s.Example)
	}
	return ""
}

func findOperation(doc *openapi3.T, id string) *openapi3.Operation {
	if doc == nil || doc.Paths == nil {
		return nil
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID == id {
				return op
			}
		}
	}
	return nil
}

// schemaAt walks an object's properties and an array's items along field.
func schemaAt(s *openapi3.Schema, field []string) *openapi3.Schema {
	for _, name := range field {
		if s == nil {
			return nil
		}
		var next *openapi3.SchemaRef
		if p, ok := s.Properties[name]; ok {
			next = p
		} else if _, err := strconv.Atoi(name); err == nil {
			next = s.Items
		}
		if next == nil {
			return nil
		}
		s = next.Value
	}
	return s
}

// shape is a value of schema s as a person would write it: {"advance":"25h"}, true,
// "<RFC 3339 time>".
func shape(s *openapi3.Schema) string {
	switch {
	case len(s.Enum) == 1:
		return jsonOf(s.Enum[0])
	case s.Example != nil:
		return jsonOf(s.Example)
	case s.Type.Is("object"):
		keys := slices.Sorted(maps.Keys(s.Properties))
		if len(s.Required) > 0 {
			keys = s.Required
		}
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			if p := s.Properties[k]; p != nil && p.Value != nil {
				parts = append(parts, fmt.Sprintf("%q:%s", k, shape(p.Value)))
			}
		}
		return "{" + strings.Join(parts, ",") + "}"
	case s.Description != "":
		what, _, _ := strings.Cut(s.Description, ". ")
		return `"<` + strings.TrimSuffix(strings.ReplaceAll(what, "`", ""), ".") + `>"`
	}
	return "<" + typeName(s) + ">"
}

func enumValues(s *openapi3.Schema) []string {
	out := make([]string, len(s.Enum))
	for i, v := range s.Enum {
		out[i] = jsonOf(v)
	}
	return out
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// joinWords joins items as a sentence does: "a, b and c".
func joinWords(items []string, and string) string {
	switch len(items) {
	case 0:
		return "none"
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + and + " " + items[len(items)-1]
}
