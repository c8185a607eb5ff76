package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

// TestPagesLoadNothingAndEscapeWhatTheServerSaid: a page is one file that fetches nothing
// (and says so to the browser in its Content-Security-Policy), and an answer body full of
// markup shows as text.
func TestPagesLoadNothingAndEscapeWhatTheServerSaid(t *testing.T) {
	g := ginkgoRun("8.4.0", types.SpecStateFailed, "")
	g.SpecReports[1].Failure.Message = `answered HTTP 200 <script>alert("x")</script><img src=x>`
	r := FromGinkgo(g)
	pages := map[string]func(*bytes.Buffer) error{
		"index.html":  func(b *bytes.Buffer) error { return r.WriteHTML(b) },
		"matrix.html": func(b *bytes.Buffer) error { return NewMatrix([]Run{r}).WriteHTML(b) },
	}
	for name, write := range pages {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		page := b.String()
		if !strings.Contains(page, `content="default-src 'none'; style-src 'unsafe-inline'"`) {
			t.Errorf("%s has no Content-Security-Policy that forbids loading", name)
		}
		for _, loads := range []string{"<script", "<img", "<link", "<iframe", "@import", "url("} {
			if strings.Contains(page, loads) {
				t.Errorf("%s contains %q: the page must load nothing and show markup as text", name, loads)
			}
		}
		if tag := loadingAttribute.FindString(page); tag != "" {
			t.Errorf("%s has a tag that loads something: %s", name, tag)
		}
		if name == "index.html" && !strings.Contains(page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
			t.Errorf("%s does not show the answer's markup as text", name)
		}
	}
}

// loadingAttribute finds a tag with an attribute that makes a browser fetch something.
var loadingAttribute = regexp.MustCompile(`<[a-zA-Z]+[^<>]*\s(src|href|srcset|action|poster|data)=[^<>]*>`)
