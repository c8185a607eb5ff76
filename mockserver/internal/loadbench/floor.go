package loadbench

import (
	"io"
	"net/http"
	"strconv"
)

// Answer is one canned HTTP response of the floor server.
type Answer struct {
	Status      int    `json:"status"`
	ContentType string `json:"contentType"`
	Body        []byte `json:"body"`
}

// Floor returns the floor server's handler: for a path it knows it reads the request body and
// writes the canned answer, nothing more; any other path is 404. It is the fastest a Go
// net/http server can answer the same bytes, the baseline rcmock is measured against.
func Floor(answers map[string]Answer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		a, ok := answers[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.ContentType)
		h.Set("Content-Length", strconv.Itoa(len(a.Body)))
		w.WriteHeader(a.Status)
		_, _ = w.Write(a.Body)
	})
}
