// Package spec holds the OpenAPI contract of the Rocket.Chat 8.4.0 REST surface that rcinvite
// mocks and checks (openapi.yaml), the contract of the mock's own control API (mock-control.yaml),
// and a fast request/response validator built on kin-openapi's openapi3filter.
//
// Typical use in a server:
//
//	v := spec.Default()
//	route, err := v.FindRoute(r)             // ErrNoRoute / ErrMethodNotAllowed
//	if err := v.ValidateRequest(r); err != nil {
//		var ve *spec.ValidationError
//		if errors.As(err, &ve) { /* 400 invalid-params with ve.AjvMessage() */ }
//	}
//	...
//	err = v.ValidateResponse(r, status, header, body)
package spec

import (
	"context"
	_ "embed"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	yaml "go.yaml.in/yaml/v4"
)

//go:embed openapi.yaml
var openapiYAML []byte

//go:embed mock-control.yaml
var controlYAML []byte

// OpenAPI returns the embedded openapi.yaml as bytes (a copy).
func OpenAPI() []byte { return append([]byte(nil), openapiYAML...) }

// ControlOpenAPI returns the embedded mock-control.yaml as bytes (a copy).
func ControlOpenAPI() []byte { return append([]byte(nil), controlYAML...) }

// Load parses the embedded openapi.yaml and validates it, examples included.
func Load() (*openapi3.T, error) { return load("openapi.yaml", openapiYAML) }

// LoadControl parses the embedded mock-control.yaml and validates it, examples included.
func LoadControl() (*openapi3.T, error) { return load("mock-control.yaml", controlYAML) }

func load(name string, data []byte) (*openapi3.T, error) {
	doc, err := parse(name, data)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("validate %s: %w", name, err)
	}
	return doc, nil
}

// parse is load without the validation: Default and Control use it for the embedded
// documents, which TestEmbeddedContractsAreValid validates (a server starts 8 ms sooner).
func parse(name string, data []byte) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	return doc, nil
}

var (
	defaultOnce, controlOnce sync.Once
	defaultV, controlV       *Validator
)

// Default returns the process-wide validator for openapi.yaml. It panics only if the embedded
// document is broken, which the package's tests prevent.
func Default() *Validator {
	defaultOnce.Do(func() {
		// kin-openapi's load and the parse for the Ajv-faithful checks read the same YAML, each
		// in its own way: side by side, on two cores, start-up waits for the longer one only.
		var root *yaml.Node
		var perr error
		var parsed sync.WaitGroup
		parsed.Go(func() { root, perr = parseSource(openapiYAML) })
		doc, err := parse("openapi.yaml", openapiYAML)
		parsed.Wait()
		if err == nil {
			err = perr
		}
		if err == nil {
			defaultV, err = newRocketChatValidator(doc, root)
		}
		if err != nil {
			panic("spec: " + err.Error())
		}
	})
	return defaultV
}

// Warm prepares Default and Control side by side: a server needs both before it answers, and
// each takes tens of milliseconds of YAML parsing.
func Warm() {
	var wg sync.WaitGroup
	wg.Go(func() { Control() })
	Default()
	wg.Wait()
}

// Control returns the process-wide validator for mock-control.yaml (see Default).
func Control() *Validator {
	controlOnce.Do(func() { controlV = mustValidator(parse("mock-control.yaml", controlYAML)) })
	return controlV
}

func mustValidator(doc *openapi3.T, err error) *Validator {
	if err != nil {
		panic("spec: " + err.Error())
	}
	v, err := NewValidator(doc)
	if err != nil {
		panic("spec: " + err.Error())
	}
	return v
}
