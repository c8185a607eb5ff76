package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// ValidationError is a request or response that does not match the document.
type ValidationError struct {
	Operation string    // operationId
	In        string    // where the (first) problem is: body, query, path, header or response
	Problems  []Problem // at least one; "required" first, then "additionalProperties", as Ajv orders them
}

// Problem is one violated rule.
type Problem struct {
	Field   string // dotted path of the offending value ("token", "room._id"); "" for the whole body
	Rule    string // the schema keyword: required, additionalProperties, type, enum, minLength, oneOf, status, …
	Message string // Ajv's wording, e.g. "must have required property 'token'"
}

var _ error = (*ValidationError)(nil)

// Error names the operation, the location, and each problem's field, rule and message, e.g.
// "useInviteToken: body: field token: required: must have required property 'token'".
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(e.Operation)
	b.WriteString(": ")
	b.WriteString(e.In)
	for i, p := range e.Problems {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		if p.Field != "" {
			b.WriteString("field ")
			b.WriteString(p.Field)
			b.WriteString(": ")
		}
		b.WriteString(p.Rule)
		b.WriteString(": ")
		b.WriteString(p.Message)
	}
	return b.String()
}

// AjvMessage joins the problems' messages with "\n " (a newline and a space), as Rocket.Chat
// builds the `error` text of an invalid-params answer: validatorFn.errors.map((e) => e.message)
// .join('\n ') in the http-router (packages/http-router/src/Router.ts) and in ApiClass's
// validateParams path alike [confirmed in every stored version of both files].
func (e *ValidationError) AjvMessage() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Message
	}
	return strings.Join(msgs, "\n ")
}

func newValidationError(op string, errs openapi3.MultiError) *ValidationError {
	c := &collector{}
	for _, err := range errs {
		c.add(err, "", "")
	}
	if len(c.problems) == 0 {
		c.problems = append(c.problems, Problem{Rule: "invalid", Message: errs.Error()})
	}
	slices.SortStableFunc(c.problems, func(a, b Problem) int { return ruleRank(a.Rule) - ruleRank(b.Rule) })
	if c.in == "" {
		c.in = "body"
	}
	return &ValidationError{Operation: op, In: c.in, Problems: c.problems}
}

// ruleRank orders problems as Ajv checks an object's keywords: required, then
// additionalProperties, then the rest.
func ruleRank(rule string) int {
	switch rule {
	case "required":
		return 0
	case "additionalProperties":
		return 1
	}
	return 2
}

type collector struct {
	in       string
	problems []Problem
}

func (c *collector) put(in string, p Problem) {
	if c.in == "" {
		c.in = in
	}
	c.problems = append(c.problems, p)
}

func (c *collector) add(err error, in, prefix string) {
	// A type switch, not errors.As: MultiError's As would hide the RequestError around it.
	switch e := err.(type) {
	case openapi3.MultiError:
		for _, sub := range e {
			c.add(sub, in, prefix)
		}
	case *openapi3filter.RequestError:
		c.addRequest(e)
	case *openapi3filter.ResponseError:
		c.addResponse(e)
	case *openapi3.SchemaError:
		c.addSchema(e, in, prefix)
	case *openapi3filter.ParseError:
		c.put(in, Problem{Field: prefix, Rule: "json", Message: "must be valid JSON"})
	default:
		if inner := errors.Unwrap(err); inner != nil {
			c.add(inner, in, prefix)
			return
		}
		c.put(in, Problem{Field: prefix, Rule: "invalid", Message: err.Error()})
	}
}

func (c *collector) addRequest(err *openapi3filter.RequestError) {
	if p := err.Parameter; p != nil {
		switch {
		case errors.Is(err.Err, openapi3filter.ErrInvalidRequired):
			c.put(p.In, Problem{Field: p.Name, Rule: "required", Message: "must have required property '" + p.Name + "'"})
		case errors.Is(err.Err, openapi3filter.ErrInvalidEmptyValue):
			c.put(p.In, Problem{Field: p.Name, Rule: "minLength", Message: "must NOT have fewer than 1 characters"})
		default:
			var pe *openapi3filter.ParseError
			if errors.As(err.Err, &pe) && p.Schema != nil && p.Schema.Value != nil {
				c.put(p.In, Problem{Field: p.Name, Rule: "type", Message: "must be " + typeName(p.Schema.Value)})
				return
			}
			c.add(err.Err, p.In, p.Name)
		}
		return
	}
	if err.Err == nil {
		c.put("body", Problem{Rule: "body", Message: err.Error()})
		return
	}
	c.add(err.Err, "body", "")
}

func (c *collector) addResponse(err *openapi3filter.ResponseError) {
	if err.Err != nil {
		c.add(err.Err, "response", "")
		return
	}
	status := ""
	if err.Input != nil {
		status = " " + strconv.Itoa(err.Input.Status)
	}
	if err.Reason == "status is not supported" {
		c.put("response", Problem{Rule: "status", Message: "status" + status + " is not documented for this operation"})
		return
	}
	c.put("response", Problem{Rule: "response", Message: err.Reason})
}

func (c *collector) addSchema(err *openapi3.SchemaError, in, prefix string) {
	field := joinField(prefix, strings.Join(err.JSONPointer(), "."))
	s := err.Schema
	if s == nil {
		s = &openapi3.Schema{}
	}
	switch err.SchemaField {
	case "required":
		name := field
		if p := err.JSONPointer(); len(p) > 0 {
			name = p[len(p)-1]
		}
		c.put(in, Problem{Field: field, Rule: "required", Message: "must have required property '" + name + "'"})
	case "properties":
		// kin-openapi reports an unsupported property at its parent: `property "x" is unsupported`.
		name := between(err.Reason, `property "`, `"`)
		c.put(in, Problem{Field: joinField(field, name), Rule: "additionalProperties", Message: "must NOT have additional properties"})
	case "type", "nullable":
		c.put(in, Problem{Field: field, Rule: "type", Message: "must be " + typeName(s)})
	case "enum":
		// kin-openapi checks enum before type; Ajv reports the wrong type first.
		if !hasSchemaType(s, err.Value) {
			c.put(in, Problem{Field: field, Rule: "type", Message: "must be " + typeName(s)})
			return
		}
		c.put(in, Problem{Field: field, Rule: "enum", Message: "must be equal to one of the allowed values"})
	case "minLength":
		c.put(in, Problem{Field: field, Rule: "minLength", Message: fmt.Sprintf("must NOT have fewer than %d characters", s.MinLength)})
	case "maxLength":
		c.put(in, Problem{Field: field, Rule: "maxLength", Message: fmt.Sprintf("must NOT have more than %d characters", deref(s.MaxLength))})
	case "minItems":
		c.put(in, Problem{Field: field, Rule: "minItems", Message: fmt.Sprintf("must NOT have fewer than %d items", s.MinItems)})
	case "maxItems":
		c.put(in, Problem{Field: field, Rule: "maxItems", Message: fmt.Sprintf("must NOT have more than %d items", deref(s.MaxItems))})
	case "minimum":
		c.put(in, Problem{Field: field, Rule: "minimum", Message: "must be >= " + number(s.Min)})
	case "maximum":
		c.put(in, Problem{Field: field, Rule: "maximum", Message: "must be <= " + number(s.Max)})
	case "pattern":
		c.put(in, Problem{Field: field, Rule: "pattern", Message: `must match pattern "` + s.Pattern + `"`})
	case "format":
		c.put(in, Problem{Field: field, Rule: "format", Message: `must match format "` + s.Format + `"`})
	case "oneOf":
		c.put(in, Problem{Field: field, Rule: "oneOf", Message: "must match exactly one schema in oneOf"})
	case "anyOf":
		c.put(in, Problem{Field: field, Rule: "anyOf", Message: "must match a schema in anyOf"})
	case "allOf":
		before := len(c.problems)
		if err.Origin != nil {
			c.add(err.Origin, in, prefix)
		}
		if len(c.problems) == before {
			c.put(in, Problem{Field: field, Rule: "allOf", Message: "must match all schemas in allOf"})
		}
	case "not":
		c.put(in, Problem{Field: field, Rule: "not", Message: "must NOT be valid"})
	default:
		c.put(in, Problem{Field: field, Rule: err.SchemaField, Message: err.Reason})
	}
}

// hasSchemaType reports whether v is of the schema's declared JSON type (true when none is declared).
func hasSchemaType(s *openapi3.Schema, v any) bool {
	if s.Type == nil || len(*s.Type) == 0 {
		return true
	}
	if n, ok := v.(json.Number); ok {
		f, err := n.Float64()
		if err != nil {
			return false
		}
		v = f
	}
	for _, t := range *s.Type {
		switch x := v.(type) {
		case float64:
			if t == "number" || (t == "integer" && x == math.Trunc(x)) {
				return true
			}
		case string:
			if t == "string" {
				return true
			}
		case bool:
			if t == "boolean" {
				return true
			}
		}
	}
	return false
}

func typeName(s *openapi3.Schema) string {
	if s.Type == nil || len(*s.Type) == 0 {
		return "valid"
	}
	return strings.Join(*s.Type, ",")
}

func joinField(prefix, path string) string {
	switch {
	case prefix == "":
		return path
	case path == "":
		return prefix
	}
	return prefix + "." + path
}

func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(after, end)
	return name
}

func deref(p *uint64) uint64 {
	if p == nil {
		return 0
	}
	return *p
}

func number(p *float64) string {
	if p == nil {
		return "?"
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}
