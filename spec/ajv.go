package spec

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v4"
)

// This file checks request bodies and queries as Rocket.Chat's own validators do: the schemas
// of @rocket.chat/rest-typings compiled by its shared Ajv 8 instances (packages/rest-typings/
// src/v1/Ajv.ts: Ajv2020 with coerceTypes true — "array" for the query instance — and no
// allErrors). No Go JSON-schema library reproduces Ajv's coercion, its keyword order or its
// messages, and all three are part of the answer a client sees, so this is a small interpreter
// of the keywords the contract uses, written after Ajv's code generator
// (lib/compile/validate/index.ts, dataType.ts, the vocabularies) and proven against Ajv itself
// by the goldens in testdata/ajv (spec/ajvgolden generates them).
//
// Semantics reproduced, in Ajv's terms:
//   - The data type is checked first; a value of the wrong type is coerced (coerceTypes) to the
//     first declared type it can become, written back into its parent, and seen so by every
//     later keyword and oneOf branch. A failed coercion is "must be <type>".
//   - Then the keywords that apply to every type (const, enum, not, anyOf, oneOf, allOf), then
//     those of the data's type — number (maximum, minimum, multipleOf), string (maxLength,
//     minLength, pattern, isNotEmpty), array (maxItems, minItems, uniqueItems, items), object
//     (maxProperties, minProperties, required, additionalProperties, dependencies, properties);
//     formats are ajv-formats' (see ajvFormats).
//     The order is Ajv's vocabulary order, not the schema's.
//   - Without allErrors the first failing keyword ends the check with one error. Inside anyOf,
//     oneOf and not ("composite rules") errors are collected instead: each branch stops at its
//     own first failure (a type error still lets the type-independent keywords run), and the
//     keyword then adds its own message. A passing anyOf/oneOf drops its branches' errors.

// ajvError is one entry of a validate function's errors array.
type ajvError struct {
	Keyword      string `json:"keyword"`
	InstancePath string `json:"instancePath"`
	Message      string `json:"message"`
	// Property is params.missingProperty / params.additionalProperty, when the error has one.
	Property string `json:"-"`
}

// coercion is a Rocket.Chat Ajv instance's coerceTypes option.
type coercion uint8

const (
	coerceScalars coercion = iota + 1 // coerceTypes: true (ajv)
	coerceArrays                      // coerceTypes: 'array' (ajvQuery)
)

// ajvSchema is one compiled schema object.
type ajvSchema struct {
	alwaysFalse bool     // the boolean schema false (additionalProperties: false)
	types       []string // declared types, plus "null" when nullable
	typeText    string   // the type keyword as Ajv prints it ("string", "string,number")
	hasRulesFor map[string]bool

	enum      []any
	not       *ajvSchema
	anyOf     []*ajvSchema
	oneOf     []*ajvSchema
	allOf     []*ajvSchema
	hasConst  bool
	constant  any
	maximum   *float64
	minimum   *float64
	maxLength *int
	minLength *int
	pattern   *regexp.Regexp
	patSource string
	notEmpty  bool // rest-typings' custom isNotEmpty keyword (x-isNotEmpty in the contract)
	format    string
	formatFn  func(string) bool
	maxItems  *int
	minItems  *int
	unique    bool
	items     *ajvSchema
	maxProps  *int
	minProps  *int
	required  []string
	additonal *ajvSchema // nil: any additional property is allowed
	deps      []ajvDependency
	props     []ajvProperty // in the schema's order
}

type ajvProperty struct {
	name   string
	schema *ajvSchema
}

type ajvDependency struct {
	name     string
	required []string
}

// schemaKeywords lists what compileAjv understands; anything else that is not an annotation
// or an x- extension is refused, so the contract cannot hold a rule the mock would ignore.
var annotations = map[string]bool{
	"description": true, "title": true, "example": true, "examples": true, "default": true,
	"deprecated": true, "readOnly": true, "writeOnly": true, "externalDocs": true, "xml": true,
}

// compileAjv compiles the schema at n; root is the whole document, for $ref.
func compileAjv(root, n *yaml.Node) (*ajvSchema, error) {
	return (&ajvCompiler{root: root, seen: map[*yaml.Node]*ajvSchema{}}).compile(n, 0)
}

type ajvCompiler struct {
	root *yaml.Node
	seen map[*yaml.Node]*ajvSchema
}

func (c *ajvCompiler) compile(n *yaml.Node, depth int) (*ajvSchema, error) {
	if depth > 32 {
		return nil, errors.New("schema nested too deeply")
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		if n.Value == "false" {
			return &ajvSchema{alwaysFalse: true}, nil
		}
		return &ajvSchema{}, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: a schema must be an object or a boolean", n.Line)
	}
	if ref := mapValue(n, "$ref"); ref != nil {
		target, err := c.resolve(ref.Value)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", ref.Line, err)
		}
		return c.compile(target, depth+1)
	}
	if s, ok := c.seen[n]; ok {
		return s, nil
	}
	s := &ajvSchema{hasRulesFor: map[string]bool{}}
	c.seen[n] = s
	nullable := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i].Value, n.Content[i+1]
		if val.Kind == yaml.AliasNode {
			val = val.Alias
		}
		var err error
		switch key {
		case "type":
			if val.Kind == yaml.SequenceNode {
				for _, t := range val.Content {
					s.types = append(s.types, t.Value)
				}
			} else {
				s.types = []string{val.Value}
			}
			s.typeText = strings.Join(s.types, ",")
		case "nullable":
			nullable = val.Value == "true"
		case "enum":
			for _, e := range val.Content {
				v, err := yamlToJS(e)
				if err != nil {
					return nil, err
				}
				s.enum = append(s.enum, v)
			}
			if s.enum == nil {
				s.enum = []any{}
			}
		case "x-const":
			s.hasConst = true
			s.constant, err = yamlToJS(val)
		case "not":
			s.not, err = c.compile(val, depth+1)
		case "anyOf", "oneOf", "allOf":
			var list []*ajvSchema
			for _, b := range val.Content {
				sub, err := c.compile(b, depth+1)
				if err != nil {
					return nil, err
				}
				list = append(list, sub)
			}
			switch key {
			case "anyOf":
				s.anyOf = list
			case "oneOf":
				s.oneOf = list
			default:
				s.allOf = list
			}
		case "maximum":
			s.maximum, err = floatPtr(val)
			s.hasRulesFor["number"] = true
		case "minimum":
			s.minimum, err = floatPtr(val)
			s.hasRulesFor["number"] = true
		case "maxLength":
			s.maxLength, err = intPtr(val)
			s.hasRulesFor["string"] = true
		case "minLength":
			s.minLength, err = intPtr(val)
			s.hasRulesFor["string"] = true
		case "pattern":
			s.patSource = val.Value
			s.pattern, err = regexp.Compile(val.Value)
			s.hasRulesFor["string"] = true
		case "format":
			s.format = val.Value
			if s.formatFn = ajvFormats[val.Value]; s.formatFn == nil {
				err = fmt.Errorf("format %q is not one the mock checks (%s)", val.Value, formatNames())
			}
			s.hasRulesFor["string"] = true
		case "x-isNotEmpty":
			s.notEmpty = val.Value == "true"
			s.hasRulesFor["string"] = true
		case "maxItems":
			s.maxItems, err = intPtr(val)
			s.hasRulesFor["array"] = true
		case "minItems":
			s.minItems, err = intPtr(val)
			s.hasRulesFor["array"] = true
		case "uniqueItems":
			s.unique = val.Value == "true"
			s.hasRulesFor["array"] = true
		case "items":
			s.items, err = c.compile(val, depth+1)
			s.hasRulesFor["array"] = true
		case "maxProperties":
			s.maxProps, err = intPtr(val)
			s.hasRulesFor["object"] = true
		case "minProperties":
			s.minProps, err = intPtr(val)
			s.hasRulesFor["object"] = true
		case "required":
			for _, r := range val.Content {
				s.required = append(s.required, r.Value)
			}
			s.hasRulesFor["object"] = true
		case "additionalProperties":
			sub, cerr := c.compile(val, depth+1)
			err = cerr
			if cerr == nil && (sub.alwaysFalse || !sub.isEmpty()) {
				s.additonal = sub
			}
			s.hasRulesFor["object"] = true
		case "x-dependencies":
			for i := 0; i+1 < len(val.Content); i += 2 {
				d := ajvDependency{name: val.Content[i].Value}
				for _, r := range val.Content[i+1].Content {
					d.required = append(d.required, r.Value)
				}
				s.deps = append(s.deps, d)
			}
			s.hasRulesFor["object"] = true
		case "properties":
			for i := 0; i+1 < len(val.Content); i += 2 {
				sub, err := c.compile(val.Content[i+1], depth+1)
				if err != nil {
					return nil, err
				}
				s.props = append(s.props, ajvProperty{name: val.Content[i].Value, schema: sub})
			}
			s.hasRulesFor["object"] = true
		default:
			if !annotations[key] && !strings.HasPrefix(key, "x-") {
				return nil, fmt.Errorf("line %d: keyword %q is not checked by the mock's Ajv", n.Content[i].Line, key)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %s: %w", val.Line, key, err)
		}
	}
	if nullable {
		if len(s.types) == 0 {
			return nil, fmt.Errorf(`line %d: "nullable" cannot be used without "type"`, n.Line)
		}
		if !s.allows("null") {
			s.types = append(s.types, "null")
		}
	}
	return s, nil
}

// isEmpty reports whether the schema has no keyword at all (always valid).
func (s *ajvSchema) isEmpty() bool {
	return !s.alwaysFalse && len(s.types) == 0 && s.enum == nil && s.not == nil && s.anyOf == nil &&
		s.oneOf == nil && s.allOf == nil && !s.hasConst && len(s.hasRulesFor) == 0
}

func (s *ajvSchema) allows(t string) bool {
	for _, x := range s.types {
		if x == t {
			return true
		}
	}
	return false
}

// resolve follows a local reference such as #/components/schemas/BanBody.
func (c *ajvCompiler) resolve(ref string) (*yaml.Node, error) {
	path, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("unsupported $ref %q", ref)
	}
	n := c.root
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	for _, part := range strings.Split(path, "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		n = mapValue(n, part)
		if n == nil {
			return nil, fmt.Errorf("$ref %q does not resolve", ref)
		}
	}
	return n, nil
}

// mapValue returns the value of key in a YAML mapping, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			v := n.Content[i+1]
			if v.Kind == yaml.AliasNode {
				v = v.Alias
			}
			return v
		}
	}
	return nil
}

func floatPtr(n *yaml.Node) (*float64, error) {
	f, err := strconv.ParseFloat(n.Value, 64)
	return &f, err
}

func intPtr(n *yaml.Node) (*int, error) {
	i, err := strconv.Atoi(n.Value)
	return &i, err
}

// yamlToJS turns a YAML scalar or collection into a JavaScript value.
func yamlToJS(n *yaml.Node) (any, error) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil, nil
		case "!!bool":
			return n.Value == "true", nil
		case "!!int", "!!float":
			return strconv.ParseFloat(n.Value, 64)
		}
		return n.Value, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			v, err := yamlToJS(e)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		obj := newJSObject(len(n.Content) / 2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := yamlToJS(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			obj.set(n.Content[i].Value, v)
		}
		return obj, nil
	}
	return nil, fmt.Errorf("line %d: unsupported YAML value", n.Line)
}

// ajvRun is one call of a compiled validate function.
type ajvRun struct {
	mode coercion
	errs []ajvError
}

// validateAjv runs s on data (which it may coerce in place, as Ajv does) and returns the
// possibly coerced root, whether it is valid, and Ajv's errors array.
func validateAjv(s *ajvSchema, data any, mode coercion) (any, bool, []ajvError) {
	r := &ajvRun{mode: mode}
	out, ok := r.validate(s, data, "", false)
	return out, ok, r.errs
}

func (r *ajvRun) fail(keyword, path, message string) {
	r.errs = append(r.errs, ajvError{Keyword: keyword, InstancePath: path, Message: message})
}

// validate checks one value against one schema and returns the value as coerced. composite is
// Ajv's compositeRule: inside anyOf/oneOf/not a failure does not end the whole check.
func (r *ajvRun) validate(s *ajvSchema, data any, path string, composite bool) (any, bool) {
	if s.alwaysFalse {
		r.fail("false schema", path, "boolean schema is false")
		return data, false
	}
	before := len(r.errs)
	// Type check and coercion (coerceAndCheckDataType). When the single declared type cannot be
	// coerced to and the schema has rules for it, Ajv defers the type error to that type's
	// keyword group (schemaKeywords' reportTypeError), after the type-independent keywords.
	deferred := ""
	if len(s.types) > 0 && !hasJSType(data, s.types) {
		coerceTo := r.coercible(s.types)
		switch {
		case len(coerceTo) > 0:
			v, ok := r.coerce(data, s.types, coerceTo)
			if !ok {
				r.fail("type", path, "must be "+s.typeText)
				if !composite {
					return data, false
				}
			} else {
				data = v
			}
		case len(s.types) == 1 && s.hasRulesFor[s.types[0]]:
			deferred = s.types[0]
		default:
			r.fail("type", path, "must be "+s.typeText)
			if !composite {
				return data, false
			}
		}
	}
	var ok bool
	if data, ok = r.anyType(s, data, path, composite); !ok || len(r.errs) > before {
		return data, false
	}
	for _, group := range [...]string{"number", "string", "array", "object"} {
		if deferred == group {
			r.fail("type", path, "must be "+s.typeText)
			return data, false
		}
		if !s.hasRulesFor[group] || !inGroup(data, group) {
			continue
		}
		if data, ok = r.typed(s, group, data, path, composite); !ok || len(r.errs) > before {
			return data, false
		}
	}
	if deferred != "" {
		r.fail("type", path, "must be "+s.typeText)
		return data, false
	}
	return data, true
}

// anyType runs the keywords that apply to every type, in Ajv's order.
func (r *ajvRun) anyType(s *ajvSchema, data any, path string, composite bool) (any, bool) {
	if s.hasConst && !jsEqual(data, s.constant) {
		r.fail("const", path, "must be equal to constant")
		return data, false
	}
	if s.enum != nil {
		found := false
		for _, e := range s.enum {
			if jsEqual(data, e) {
				found = true
				break
			}
		}
		if !found {
			r.fail("enum", path, "must be equal to one of the allowed values")
			return data, false
		}
	}
	if s.not != nil {
		mark := len(r.errs)
		var ok bool
		data, ok = r.validate(s.not, data, path, true)
		r.errs = r.errs[:mark]
		if ok {
			r.fail("not", path, "must NOT be valid")
			return data, false
		}
	}
	if s.anyOf != nil {
		mark := len(r.errs)
		valid := false
		for _, b := range s.anyOf {
			var ok bool
			if data, ok = r.validate(b, data, path, true); ok {
				valid = true
				break
			}
		}
		if !valid {
			r.fail("anyOf", path, "must match a schema in anyOf")
			return data, false
		}
		r.errs = r.errs[:mark]
	}
	if s.oneOf != nil {
		mark := len(r.errs)
		passing := 0
		for _, b := range s.oneOf {
			var ok bool
			if data, ok = r.validate(b, data, path, true); ok {
				passing++
			}
		}
		if passing != 1 {
			r.fail("oneOf", path, "must match exactly one schema in oneOf")
			return data, false
		}
		r.errs = r.errs[:mark]
	}
	for _, b := range s.allOf {
		var ok bool
		if data, ok = r.validate(b, data, path, composite); !ok {
			return data, false
		}
	}
	return data, true
}

// typed runs the keywords of one type group, in Ajv's order.
func (r *ajvRun) typed(s *ajvSchema, group string, data any, path string, composite bool) (any, bool) {
	switch group {
	case "number":
		x := data.(float64)
		if s.maximum != nil && !(x <= *s.maximum) {
			r.fail("maximum", path, "must be <= "+jsNumberString(*s.maximum))
			return data, false
		}
		if s.minimum != nil && !(x >= *s.minimum) {
			r.fail("minimum", path, "must be >= "+jsNumberString(*s.minimum))
			return data, false
		}
	case "string":
		x := data.(string)
		n := utf8.RuneCountInString(x)
		if s.maxLength != nil && n > *s.maxLength {
			r.fail("maxLength", path, fmt.Sprintf("must NOT have more than %d characters", *s.maxLength))
			return data, false
		}
		if s.minLength != nil && n < *s.minLength {
			r.fail("minLength", path, fmt.Sprintf("must NOT have fewer than %d characters", *s.minLength))
			return data, false
		}
		if s.pattern != nil && !s.pattern.MatchString(x) {
			r.fail("pattern", path, `must match pattern "`+s.patSource+`"`)
			return data, false
		}
		if s.formatFn != nil && !s.formatFn(x) {
			r.fail("format", path, `must match format "`+s.format+`"`)
			return data, false
		}
		if s.notEmpty && strings.TrimFunc(x, isJSSpace) == "" {
			r.fail("isNotEmpty", path, `must pass "isNotEmpty" keyword validation`)
			return data, false
		}
	case "array":
		return r.array(s, data.([]any), path, composite)
	case "object":
		return r.object(s, data.(*jsObject), path, composite)
	}
	return data, true
}

func (r *ajvRun) array(s *ajvSchema, x []any, path string, composite bool) (any, bool) {
	if s.maxItems != nil && len(x) > *s.maxItems {
		r.fail("maxItems", path, fmt.Sprintf("must NOT have more than %d items", *s.maxItems))
		return x, false
	}
	if s.minItems != nil && len(x) < *s.minItems {
		r.fail("minItems", path, fmt.Sprintf("must NOT have fewer than %d items", *s.minItems))
		return x, false
	}
	if s.unique {
		for i := len(x) - 1; i > 0; i-- {
			for j := i - 1; j >= 0; j-- {
				if jsEqual(x[i], x[j]) {
					r.fail("uniqueItems", path, fmt.Sprintf("must NOT have duplicate items (items ## %d and %d are identical)", j, i))
					return x, false
				}
			}
		}
	}
	if s.items != nil {
		for i := range x {
			v, ok := r.validate(s.items, x[i], path+"/"+strconv.Itoa(i), composite)
			x[i] = v
			if !ok {
				return x, false
			}
		}
	}
	return x, true
}

func (r *ajvRun) object(s *ajvSchema, x *jsObject, path string, composite bool) (any, bool) {
	if s.maxProps != nil && x.size() > *s.maxProps {
		r.fail("maxProperties", path, fmt.Sprintf("must NOT have more than %d properties", *s.maxProps))
		return x, false
	}
	if s.minProps != nil && x.size() < *s.minProps {
		r.fail("minProperties", path, fmt.Sprintf("must NOT have fewer than %d properties", *s.minProps))
		return x, false
	}
	for _, name := range s.required {
		if !x.has(name) {
			r.fail("required", path, "must have required property '"+name+"'")
			r.errs[len(r.errs)-1].Property = name
			return x, false
		}
	}
	if s.additonal != nil {
		for _, k := range x.keys() {
			if s.declares(k) {
				continue
			}
			if s.additonal.alwaysFalse {
				r.fail("additionalProperties", path, "must NOT have additional properties")
				r.errs[len(r.errs)-1].Property = k
				return x, false
			}
			v, ok := r.validate(s.additonal, x.vals[k], path+"/"+escapePointer(k), composite)
			x.vals[k] = v
			if !ok {
				return x, false
			}
		}
	}
	for _, d := range s.deps {
		if !x.has(d.name) {
			continue
		}
		for _, name := range d.required {
			if !x.has(name) {
				r.fail("dependencies", path, fmt.Sprintf("must have property %s when property %s is present", name, d.name))
				return x, false
			}
		}
	}
	for _, p := range s.props {
		v, present := x.vals[p.name]
		if !present {
			continue
		}
		v, ok := r.validate(p.schema, v, path+"/"+escapePointer(p.name), composite)
		x.vals[p.name] = v
		if !ok {
			return x, false
		}
	}
	return x, true
}

func (s *ajvSchema) declares(name string) bool {
	for _, p := range s.props {
		if p.name == name {
			return true
		}
	}
	return false
}

func escapePointer(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// coercible is coerceToTypes: the declared types a value may be coerced to.
func (r *ajvRun) coercible(types []string) []string {
	var out []string
	for _, t := range types {
		switch t {
		case "string", "number", "integer", "boolean", "null":
			out = append(out, t)
		case "array":
			if r.mode == coerceArrays {
				out = append(out, t)
			}
		}
	}
	return out
}

// coerce is Ajv's coerceData: with coerceTypes "array" a one-element array is unwrapped
// first (and kept if unwrapCheck passes); then the first type in coerceTo whose rule matches
// the unwrapped value wins.
func (r *ajvRun) coerce(data any, types, coerceTo []string) (any, bool) {
	if r.mode == coerceArrays {
		if arr, ok := data.([]any); ok && len(arr) == 1 {
			data = arr[0]
			if unwrapCheck(data, types) {
				return data, true
			}
		}
	}
	for _, t := range coerceTo {
		switch t {
		case "string":
			switch x := data.(type) {
			case float64:
				return jsNumberString(x), true
			case bool:
				return strconv.FormatBool(x), true
			case nil:
				return "", true
			}
		case "number", "integer":
			switch x := data.(type) {
			case bool:
				if x {
					return 1.0, true
				}
				return 0.0, true
			case nil:
				return 0.0, true
			case string:
				if x == "" {
					break
				}
				f := jsStringToNumber(x)
				if math.IsNaN(f) {
					break
				}
				if t == "integer" && !math.IsNaN(math.Mod(f, 1)) && math.Mod(f, 1) != 0 {
					break
				}
				return f, true
			}
		case "boolean":
			switch data {
			case "false", 0.0, nil:
				return false, true
			case "true", 1.0:
				return true, true
			}
		case "null":
			switch data {
			case "", 0.0, false:
				return nil, true
			}
		case "array":
			switch data.(type) {
			case string, float64, bool, nil:
				return []any{data}, true
			}
		}
	}
	return data, false
}

// unwrapCheck is the test coerceData applies to an unwrapped one-element array:
// checkDataTypes(types, data, strictNumbers) in its DataType.Correct form, which Ajv 8.17.1
// builds by and-ing one condition per type. A single type (or number with integer) is a plain
// type check; several types can never all hold, so a nullable type's ["5"] is not unwrapped to
// "5" but goes on to the coercions ("5" stays a string: "must be string"; "" becomes null), as
// the goldens of subscriptions.get's updatedSince and users.info's fields show.
func unwrapCheck(v any, types []string) bool {
	set := map[string]bool{}
	for _, t := range types {
		set[t] = true
	}
	ok := true
	if set["array"] && set["object"] {
		// Ajv writes this part in its "wrong type" form whatever the mode: typeof v != "object"
		// (or !v || … without null); typeof null and of an array are "object".
		_, isArr := v.([]any)
		_, isObj := v.(*jsObject)
		isObject := v == nil || isArr || isObj
		ok = !isObject || (!set["null"] && v == nil)
		delete(set, "null")
		delete(set, "array")
		delete(set, "object")
	}
	if set["number"] {
		delete(set, "integer")
	}
	for t := range set {
		ok = ok && isJSType(v, t)
	}
	return ok
}

// hasJSType is Ajv's checkDataTypes with strictNumbers: numbers must be finite.
func hasJSType(v any, types []string) bool {
	for _, t := range types {
		if isJSType(v, t) {
			return true
		}
	}
	return false
}

func isJSType(v any, t string) bool {
	switch t {
	case "null":
		return v == nil
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		x, ok := v.(float64)
		return ok && !math.IsInf(x, 0) && !math.IsNaN(x)
	case "integer":
		x, ok := v.(float64)
		return ok && !math.IsInf(x, 0) && !math.IsNaN(x) && x == math.Trunc(x)
	case "array":
		_, ok := v.([]any)
		return ok
	case "object":
		_, ok := v.(*jsObject)
		return ok
	}
	return false
}

// inGroup reports whether a keyword group of Ajv applies to the data (checkDataType).
func inGroup(v any, group string) bool {
	if group == "number" {
		return isJSType(v, "number")
	}
	return isJSType(v, group)
}

// jsEqual is Ajv's deep equality (fast-deep-equal) on JavaScript values.
func jsEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool, string:
		return a == b
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case *jsObject:
		y, ok := b.(*jsObject)
		if !ok || x.size() != y.size() {
			return false
		}
		for _, k := range x.keys() {
			w, ok := y.vals[k]
			if !ok || !jsEqual(x.vals[k], w) {
				return false
			}
		}
		return true
	}
	return false
}
