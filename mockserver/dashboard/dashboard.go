// Package dashboard is rcmock's dashboard: one page, GET /_mock/ui, that shows the worlds
// (the default one and every sandbox) with their clocks, users, rooms and invites, the live
// request journal with the explanation of every answer, and controls that steer the worlds.
//
// The page is plain HTML, CSS and JavaScript embedded in the binary: it loads nothing from
// anywhere else (its Content-Security-Policy allows only its own origin) and holds no data.
// Everything it shows comes from the control API (spec/mock-control.yaml) through same-origin
// fetch calls: GET /_mock/worlds, /_mock/world and /_mock/requests, and the event stream
// GET /_mock/events, read with fetch so that the control token, when the server has one,
// travels as an Authorization header (never in a URL). The page asks for the token when the
// control API answers 401 and keeps it in the tab's sessionStorage.
//
// The composition package (mockserver) serves it behind the control API's access gate.
package dashboard

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// Path is where the page is served; its assets are under Path + "/".
const Path = "/_mock/ui"

//go:embed assets
var assets embed.FS

// contentTypes of the embedded assets, by extension.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
}

// policy keeps the page to its own origin: no other site's scripts, styles, images or
// connections, no framing by another page (clickjacking), no form posts anywhere.
const policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the page at Path (and Path + "/") and its assets at Path + "/<name>". Other
// paths answer 404, methods other than GET and HEAD 405.
func Handler() http.Handler { return http.HandlerFunc(serve) }

func serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, Path), "/")
	if name == "" {
		name = "index.html"
	}
	body, err := fs.ReadFile(assets, "assets/"+name)
	ctype, known := contentTypes[path.Ext(name)]
	if err != nil || !known || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Security-Policy", policy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}
