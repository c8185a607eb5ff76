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
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("validate %s: %w", name, err)
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
		doc, err := Load()
		if err == nil {
			defaultV, err = NewRocketChatValidator(doc, openapiYAML)
		}
		if err != nil {
			panic("spec: " + err.Error())
		}
	})
	return defaultV
}

// Control returns the process-wide validator for mock-control.yaml (see Default).
func Control() *Validator {
	controlOnce.Do(func() { controlV = mustValidator(LoadControl()) })
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
