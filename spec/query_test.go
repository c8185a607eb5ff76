package spec

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestQSAgreesWithQs replays testdata/qs/parse.json (qs.parse itself, with the http-router's
// options, run by spec/ajvgolden) through parseQS: the same object, keys in the same order, and
// a refusal exactly where qs throws.
func TestQSAgreesWithQs(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "qs", "parse.json"))
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Cases []struct {
			Query   string `json:"query"`
			Data    string `json:"data"`
			QSError string `json:"qsError"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	if len(golden.Cases) < 300 {
		t.Fatalf("only %d qs cases", len(golden.Cases))
	}
	for _, c := range golden.Cases {
		got, err := parseQS(c.Query)
		switch {
		case c.QSError != "":
			if !errors.Is(err, errQueryLimit) {
				t.Errorf("%.60q: qs throws %s, parseQS gives %v", c.Query, c.QSError, err)
			}
		case err != nil:
			t.Errorf("%.60q: qs parses %s, parseQS fails: %v", c.Query, c.Data, err)
		case string(appendJS(nil, got)) != c.Data:
			t.Errorf("%.60q: parseQS gives %s, qs %s", c.Query, appendJS(nil, got), c.Data)
		}
	}
}
