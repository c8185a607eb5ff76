package loadbench

import (
	"encoding/json"
	"strings"
)

// Stub is one canned exchange for a peer mock server: a request by method and URL path, and
// the answer it gets.
type Stub struct {
	Method, Path string
	Answer
}

// WireMockMappings renders stubs as a WireMock mappings file (mappings/*.json under its
// --root-dir): each stub matches its method and URL only, the cheapest match WireMock has, and
// answers the stub's bytes with their Content-Type.
func WireMockMappings(stubs []Stub) ([]byte, error) {
	type request struct {
		Method string `json:"method"`
		URL    string `json:"url"`
	}
	type response struct {
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	}
	type mapping struct {
		Request  request  `json:"request"`
		Response response `json:"response"`
	}
	out := struct {
		Mappings []mapping `json:"mappings"`
	}{}
	for _, s := range stubs {
		out.Mappings = append(out.Mappings, mapping{
			Request:  request{Method: strings.ToUpper(s.Method), URL: s.Path},
			Response: response{Status: s.Status, Body: string(s.Body), Headers: map[string]string{"Content-Type": s.ContentType}},
		})
	}
	return json.MarshalIndent(out, "", "  ")
}
