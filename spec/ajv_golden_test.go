package spec

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v4"
)

func loadGoldens(t *testing.T) []*Golden {
	t.Helper()
	gs, err := LoadGoldens(filepath.Join("testdata", "ajv"))
	if err != nil {
		t.Fatal(err)
	}
	return gs
}

// TestAjvGoldens replays every golden case through the contract's validator: the same verdict,
// the same params reaching the handler (byte for byte as JSON.stringify wrote them), the same
// errors in the same order.
func TestAjvGoldens(t *testing.T) {
	v := Default()
	total := 0
	for _, g := range loadGoldens(t) {
		for _, c := range g.Cases {
			total++
			r := g.Request(c)
			p, err := v.CheckRequest(r, []byte(c.Body))
			var ve *ValidationError
			switch {
			case c.QSError:
				if !errors.Is(err, ErrInvalidQuery) {
					t.Errorf("%s %s: want the qs failure, got %v", g.OperationID, c.Name, err)
				}
				continue
			case c.Valid && err != nil:
				t.Errorf("%s %s: Ajv accepts, the mock answers %v", g.OperationID, c.Name, err)
				continue
			case !c.Valid && !errors.As(err, &ve):
				t.Errorf("%s %s: Ajv refuses with %v, the mock answers %v", g.OperationID, c.Name, c.Errors, err)
				continue
			}
			got := p.Body
			if g.In == "query" {
				got = p.Query
			}
			if c.Valid && string(got) != c.Data {
				t.Errorf("%s %s: the handler sees %s, Ajv's %s", g.OperationID, c.Name, got, c.Data)
			}
			if c.Valid {
				continue
			}
			if ve.In != g.In {
				t.Errorf("%s %s: problem in %s, want %s", g.OperationID, c.Name, ve.In, g.In)
			}
			if want := c.Message(); ve.AjvMessage() != want {
				t.Errorf("%s %s: message %q, Ajv's %q", g.OperationID, c.Name, ve.AjvMessage(), want)
			}
		}
	}
	if total < 500 {
		t.Errorf("only %d golden cases: the corpus should hold hundreds", total)
	}
}

// TestContractSchemasAreRocketChats: the request schema each golden operation has in
// openapi.yaml is Rocket.Chat's own (keyword for keyword, property order included, annotations
// aside), its x-rocketchat-validate says how the route reports failures, and a query schema is
// compiled by the same Ajv instance.
func TestContractSchemasAreRocketChats(t *testing.T) {
	var root yaml.Node
	if err := yaml.Unmarshal(openapiYAML, &root); err != nil {
		t.Fatal(err)
	}
	paths := mapValue(root.Content[0], "paths")
	for _, g := range loadGoldens(t) {
		op := mapValue(mapValue(paths, g.Path), strings.ToLower(g.Method))
		if op == nil {
			t.Errorf("%s: %s %s is not in the contract", g.OperationID, g.Method, g.Path)
			continue
		}
		validate := ValidateRouter
		if x := mapValue(op, "x-rocketchat-validate"); x != nil {
			validate = x.Value
		}
		if validate != g.Validate {
			t.Errorf("%s: x-rocketchat-validate %s, the generator's table says %s", g.OperationID, validate, g.Validate)
		}
		var node *yaml.Node
		if g.In == "query" {
			q := mapValue(op, "x-rocketchat-query")
			if q == nil {
				t.Errorf("%s: no x-rocketchat-query", g.OperationID)
				continue
			}
			if a := mapValue(q, "ajv"); a == nil || a.Value != g.Ajv {
				t.Errorf("%s: x-rocketchat-query.ajv is not %s", g.OperationID, g.Ajv)
			}
			node = mapValue(q, "schema")
		} else {
			node = mapValue(mapValue(mapValue(mapValue(op, "requestBody"), "content"), "application/json"), "schema")
		}
		if node == nil {
			t.Errorf("%s: no %s schema in the contract", g.OperationID, g.In)
			continue
		}
		node, err := inlineRefs(&ajvCompiler{root: &root}, node, 0)
		if err != nil {
			t.Fatalf("%s: %v", g.OperationID, err)
		}
		ours, err := yamlToJS(node)
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := parseJS(g.Schema)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := string(appendJS(nil, validationKeywords(ours))), string(appendJS(nil, rocketChatKeywords(theirs))); a != b {
			t.Errorf("%s: the contract's schema\n%s\nis not rest-typings'\n%s", g.OperationID, a, b)
		}
	}
}

// inlineRefs copies a schema with every $ref replaced by the schema it names (as the Ajv
// compiler reads it), so a request schema kept under components compares as Rocket.Chat's.
func inlineRefs(c *ajvCompiler, n *yaml.Node, depth int) (*yaml.Node, error) {
	if depth > 32 {
		return nil, errors.New("schema nested too deeply")
	}
	if ref := mapValue(n, "$ref"); ref != nil {
		target, err := c.resolve(ref.Value)
		if err != nil {
			return nil, err
		}
		return inlineRefs(c, target, depth+1)
	}
	if n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode {
		return n, nil
	}
	out := *n
	out.Content = make([]*yaml.Node, len(n.Content))
	for i, e := range n.Content {
		var err error
		if out.Content[i], err = inlineRefs(c, e, depth+1); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

// validationKeywords drops the annotations and extensions the contract adds for readers.
func validationKeywords(v any) any {
	return mapKeywords(v, func(k string) (string, bool) {
		return k, !annotations[k] && (!strings.HasPrefix(k, "x-") || k == "x-dependencies" || k == "x-isNotEmpty")
	})
}

// rocketChatKeywords names rest-typings' keywords as the contract spells them: OpenAPI 3.0 has
// no dependencies, and isNotEmpty is rest-typings' own.
func rocketChatKeywords(v any) any {
	return mapKeywords(v, func(k string) (string, bool) {
		if k == "dependencies" || k == "isNotEmpty" {
			return "x-" + k, true
		}
		return k, true
	})
}

// mapKeywords rebuilds a schema with each keyword renamed or dropped by keep; the names under
// properties and dependencies are property names, not keywords.
func mapKeywords(v any, keep func(string) (string, bool)) any {
	switch x := v.(type) {
	case []any:
		for i := range x {
			x[i] = mapKeywords(x[i], keep)
		}
	case *jsObject:
		out := newJSObject(x.size())
		for _, k := range x.keys() {
			name, ok := keep(k)
			if !ok {
				continue
			}
			val := x.vals[k]
			switch props, isObj := val.(*jsObject); {
			case k == "properties" && isObj:
				for _, p := range props.keys() {
					props.vals[p] = mapKeywords(props.vals[p], keep)
				}
			case name != "x-dependencies":
				val = mapKeywords(val, keep)
			}
			out.set(name, val)
		}
		return out
	}
	return v
}
