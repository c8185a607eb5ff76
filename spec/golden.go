package spec

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
)

// Golden is one file of spec/testdata/ajv, written by spec/ajvgolden/generate.mjs: Rocket.Chat's
// own validator of one operation (from @rocket.chat/rest-typings) run by Ajv on a corpus of
// requests. spec's and mockserver/api's tests replay them.
type Golden struct {
	Package     string          `json:"package"`     // e.g. @rocket.chat/rest-typings@8.6.1
	Ajv         string          `json:"ajv"`         // the instance that compiled the validator: ajv or ajvQuery
	OperationID string          `json:"operationId"` // the contract's operationId
	Method      string          `json:"method"`
	Path        string          `json:"path"`
	In          string          `json:"in"`       // body or query
	Validate    string          `json:"validate"` // router or validateParams (x-rocketchat-validate)
	Schema      json.RawMessage `json:"schema"`   // the validator's schema, as rest-typings has it
	Cases       []GoldenCase    `json:"cases"`
}

// GoldenCase is one request and Ajv's verdict on it.
type GoldenCase struct {
	Name        string        `json:"name"`
	ContentType *string       `json:"contentType"` // nil: no Content-Type header
	Body        string        `json:"body"`
	Query       string        `json:"query"`
	QSError     bool          `json:"qsError"` // qs refused the query string
	Valid       bool          `json:"valid"`
	Data        string        `json:"data"` // the params the handler sees, as JSON.stringify wrote them
	Errors      []GoldenError `json:"errors"`
}

// GoldenError is one entry of Ajv's errors array.
type GoldenError struct {
	Keyword      string `json:"keyword"`
	InstancePath string `json:"instancePath"`
	Message      string `json:"message"`
}

// Request builds the case's HTTP request (without authentication headers).
func (g *Golden) Request(c GoldenCase) *http.Request {
	target := g.Path
	if c.Query != "" {
		target += "?" + c.Query
	}
	r := httptest.NewRequest(g.Method, target, strings.NewReader(c.Body))
	if c.ContentType != nil {
		r.Header.Set("Content-Type", *c.ContentType)
	}
	return r
}

// Message is the error text Rocket.Chat answers for an invalid case: Ajv's messages joined by
// "\n ".
func (c GoldenCase) Message() string {
	msgs := make([]string, len(c.Errors))
	for i, e := range c.Errors {
		msgs[i] = e.Message
	}
	return strings.Join(msgs, "\n ")
}

// LoadGoldens reads every golden file of dir.
func LoadGoldens(dir string) ([]*Golden, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("no goldens in " + dir + ": run spec/ajvgolden")
	}
	var out []*Golden
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		g := &Golden{}
		if err := json.Unmarshal(data, g); err != nil {
			return nil, errors.New(f + ": " + err.Error())
		}
		out = append(out, g)
	}
	return out, nil
}
