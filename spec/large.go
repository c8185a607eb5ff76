package spec

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// ItemCheck checks one element (its JSON, and its index in the array) of a large answer's array.
type ItemCheck func(item []byte, index int) error

// ItemChecker returns the check of the elements of the array at pointer at (a JSON pointer:
// "" when the answer is the array, "/requests" for a property) of an answer to req with this
// status and Content-Type. It serves answers too large to check whole: ValidateResponse decodes
// its body into a tree about ten times the body's size, so 100k invites (21 MB) took over
// 200 MB. Check such an answer in two parts: ValidateResponse with the array left empty, and
// each element through the returned check, which decodes one element at a time. A nil check
// means the contract does not constrain the elements (no item schema at that pointer).
func (v *Validator) ItemChecker(req *http.Request, status int, header http.Header, at string) (ItemCheck, error) {
	o, _, err := v.lookup(req)
	if err != nil {
		return nil, err
	}
	contentType := jsonHeader.Get("Content-Type")
	if header != nil && header.Get("Content-Type") != "" {
		contentType = header.Get("Content-Type")
	}
	items := itemSchema(responseSchema(o, status, contentType), at)
	if items == nil {
		return nil, nil
	}
	prefix := strings.ReplaceAll(strings.TrimPrefix(at, "/"), "/", ".")
	opts := []openapi3.SchemaValidationOption{openapi3.MultiErrors(), openapi3.VisitAsResponse()}
	return func(item []byte, index int) error {
		field := joinField(prefix, strconv.Itoa(index))
		d := json.NewDecoder(bytes.NewReader(item))
		d.UseNumber() // as kin-openapi decodes bodies: an integer stays an integer
		var value any
		if err := d.Decode(&value); err != nil || d.More() {
			return &ValidationError{Operation: o.id, In: "response", Problems: []Problem{{Field: field, Rule: "json", Message: "must be valid JSON"}}}
		}
		if err := items.VisitJSON(value, opts...); err != nil {
			c := &collector{}
			c.add(err, "response", field)
			return &ValidationError{Operation: o.id, In: "response", Problems: c.problems}
		}
		return nil
	}, nil
}

// responseSchema is the schema of o's answer with status and Content-Type, or nil.
func responseSchema(o *operation, status int, contentType string) *openapi3.Schema {
	responses := o.kin.Operation.Responses
	if responses == nil {
		return nil
	}
	ref := responses.Status(status)
	if ref == nil {
		ref = responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return nil
	}
	mt := ref.Value.Content.Get(contentType)
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

// itemSchema follows the JSON pointer at through object properties from s and returns the
// item schema of the array found there, or nil.
func itemSchema(s *openapi3.Schema, at string) *openapi3.Schema {
	if at != "" {
		for _, name := range strings.Split(strings.TrimPrefix(at, "/"), "/") {
			if s == nil {
				return nil
			}
			p := s.Properties[name]
			if p == nil {
				return nil
			}
			s = p.Value
		}
	}
	if s == nil || s.Items == nil || s.Items.Value == nil {
		return nil
	}
	return s.Items.Value
}
