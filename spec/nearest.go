package spec

import (
	"net/http"
	"slices"
	"strings"
)

// Nearest is the operation a request that matched none most likely meant.
type Nearest struct {
	Method       string // the operation's method
	PathTemplate string // its path as written in the document
	Edits        int    // single-character edits from the request's path to the operation's; 0: only the method differs
}

// NearestRoute names the operation of the document closest to r, which FindRoute did not
// resolve: the same path with another method when there is one, else the path fewest edits
// away (a templated path counts its parameters as matched), preferring r's method on a tie.
// ok is false when the document has no operations.
func (v *Validator) NearestRoute(r *http.Request) (n Nearest, ok bool) {
	method, path := r.Method, r.URL.Path
	// Fewest edits first, then r's method, then the document's order of names (deterministic).
	closer := func(a, b Nearest) bool {
		if a.Edits != b.Edits {
			return a.Edits < b.Edits
		}
		if am, bm := a.Method == method, b.Method == method; am != bm {
			return am
		}
		if a.PathTemplate != b.PathTemplate {
			return a.PathTemplate < b.PathTemplate
		}
		return a.Method < b.Method
	}
	best := func(c Nearest) {
		if !ok || closer(c, n) {
			n, ok = c, true
		}
	}
	segs := strings.Split(path, "/")
	for tmpl, methods := range v.router.static {
		d := edits(path, tmpl)
		for m := range methods {
			best(Nearest{Method: m, PathTemplate: tmpl, Edits: d})
		}
	}
	for _, t := range v.router.templates {
		filled := t.fill(segs)
		for _, o := range t.methods {
			best(Nearest{Method: o.method, PathTemplate: o.template, Edits: edits(path, filled)})
		}
	}
	return n, ok
}

// fill writes the template with its parameters taken from the request's segments where the
// segment counts agree, so that only the literal parts count as edits.
func (t *template) fill(segs []string) string {
	out := slices.Clone(t.segments)
	for i, p := range t.params {
		switch {
		case p == "":
		case len(segs) == len(t.segments):
			out[i] = segs[i]
		default:
			out[i] = "{" + p + "}"
		}
	}
	return strings.Join(out, "/")
}

// edits is the Levenshtein distance between a and b, by bytes.
func edits(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
